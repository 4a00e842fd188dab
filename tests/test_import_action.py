"""The import action on both engines: every good fixture imported with its rows, every bad one
refused with nothing saved; skip or replace; all or nothing; audit events; the mapping
remembered; split and freeze marks; permission."""

from __future__ import annotations

from datetime import date

import pytest

import actions
from actions import ImportRefused, NotAllowed, import_data_points
from actions.actor import Actor
from actions.imports import existing_counts
from pdsa.imports import guess_mapping, plan_import, read_file_for
from pdsa.imports.store import remembered_mapping
from pdsa.models import Measure
from pdsa.store.measures import get_measure, list_data_points
from pdsa.store.projects import list_projects
from tests.test_import_reader import FIXTURES, OUTCOMES

ADMIN = Actor(None, "Importør", roles=frozenset({"administrator"}))
READER = Actor(None, "Læser", roles=frozenset({"reader"}))


def _project(cur) -> int:
    return list_projects(cur)[0].id


def _measure(cur, data_type: str, period: str, name: str = "Importeret") -> Measure:
    return actions.define_measure(cur, ADMIN, Measure(project_id=_project(cur), name=name, kind="process",
                                                      data_type=data_type, period=period))


def _plan(cur, name: str, measure: Measure, **options):
    sheet = read_file_for((FIXTURES / name).read_bytes(), name)
    return plan_import(sheet, guess_mapping(sheet, measure.data_type), get_measure(cur, measure.id), **options), sheet


def _events(cur, entity: str) -> int:
    return cur.execute("SELECT count(*) FROM audit_event WHERE entity = ?", [entity]).fetchone()[0]


def test_every_good_fixture_imports_its_rows(demo_db):
    good = [name for name, (_, _, outcome) in OUTCOMES.items() if outcome[0] == "rows"]
    assert len(good) >= 30
    for number, name in enumerate(good):
        data_type, period, outcome = OUTCOMES[name]
        measure = _measure(demo_db, data_type, period, name=f"Import {number}")
        plan, sheet = _plan(demo_db, name, measure)
        result = import_data_points(demo_db, ADMIN, measure.id, plan, sheet=sheet.sheet)
        points = list_data_points(demo_db, measure.id)
        assert (result.added, result.replaced, result.skipped) == (outcome[1], 0, 0), name
        assert len(points) == outcome[1], name
        assert [p.period for p in points] == sorted(r.period for r in plan.rows), name


def test_the_imported_values_notes_and_exclusions_are_stored(demo_db):
    measure = _measure(demo_db, "continuous", "week")
    plan, _ = _plan(demo_db, "excluded_column.csv", measure)
    import_data_points(demo_db, ADMIN, measure.id, plan)
    points = list_data_points(demo_db, measure.id)
    assert [(p.period, p.value, p.excluded, p.note) for p in points[3:6]] == [
        (date(2025, 1, 27), 33.0, False, None), (date(2025, 2, 3), 34.0, True, "Målefejl"),
        (date(2025, 2, 10), 35.0, False, None)]
    assert {p.entered_by for p in points} == {"Importør"}

    measure = _measure(demo_db, "proportion", "week", name="Kodet")
    plan, _ = _plan(demo_db, "spc_layout_cp1252_quotes.csv", measure)
    import_data_points(demo_db, ADMIN, measure.id, plan)
    assert list_data_points(demo_db, measure.id)[2].note == "“Travl uge” – 5 € pr. patient"


def test_a_file_with_bad_rows_saves_nothing(demo_db):
    bad = [name for name, (_, _, outcome) in OUTCOMES.items() if outcome[0] == "problems"]
    assert len(bad) >= 15
    for number, name in enumerate(bad):
        data_type, period, outcome = OUTCOMES[name]
        measure = _measure(demo_db, data_type, period, name=f"Fejl {number}")
        plan, _ = _plan(demo_db, name, measure)
        before = demo_db.execute("SELECT count(*) FROM audit_event").fetchone()[0]
        with pytest.raises(ImportRefused) as refused:
            import_data_points(demo_db, ADMIN, measure.id, plan)
        assert [(p.row, p.code) for p in refused.value.problems] == outcome[1], name
        assert list_data_points(demo_db, measure.id) == [], name
        assert demo_db.execute("SELECT count(*) FROM audit_event").fetchone()[0] == before, name
        assert remembered_mapping(demo_db, measure.id) is None, name


def test_existing_periods_are_counted_then_skipped_or_replaced(demo_db):
    measure = _measure(demo_db, "proportion", "week")
    actions.record_data_points(demo_db, ADMIN, measure.id, [
        {"period": date(2025, 1, 6), "numerator": 1, "denominator": 2, "note": "Tastet ind"},
        {"period": date(2025, 1, 13), "numerator": 1, "denominator": 2}])
    plan, _ = _plan(demo_db, "weeks_uge.csv", measure)
    assert existing_counts(demo_db, plan) == (10, 2)

    result = import_data_points(demo_db, ADMIN, measure.id, plan, on_existing="skip")
    assert (result.added, result.replaced, result.skipped) == (10, 0, 2)
    points = list_data_points(demo_db, measure.id)
    assert len(points) == 12 and (points[0].numerator, points[0].denominator) == (1.0, 2.0)

    plan, _ = _plan(demo_db, "weeks_uge.csv", measure)
    assert existing_counts(demo_db, plan) == (0, 12)
    result = import_data_points(demo_db, ADMIN, measure.id, plan, on_existing="replace")
    assert (result.added, result.replaced, result.skipped) == (0, 12, 0)
    points = list_data_points(demo_db, measure.id)
    assert len(points) == 12 and (points[0].numerator, points[0].denominator) == (0.0, 10.0)
    assert points[0].note == "Tastet ind"   # no note column in the file: the note stays
    before = demo_db.execute(
        "SELECT before FROM audit_event WHERE entity = 'data_point' AND entity_id = ? AND action = 'update'"
        " ORDER BY id DESC LIMIT 1", [points[0].id]).fetchone()[0]
    assert "1.0" in str(before) or '"numerator": 1' in str(before)   # the replaced value stays in the trail


def test_the_import_is_all_or_nothing(demo_db, monkeypatch):
    measure = _measure(demo_db, "count", "month")
    plan, _ = _plan(demo_db, "months_iso.csv", measure)
    from pdsa.imports import store as import_store

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr("actions.imports.remember_mapping", broken)
    with pytest.raises(RuntimeError):
        import_data_points(demo_db, ADMIN, measure.id, plan)
    assert list_data_points(demo_db, measure.id) == []
    assert import_store.remembered_mapping(demo_db, measure.id) is None


def test_each_row_leaves_an_audit_event_and_the_mapping_is_remembered(demo_db):
    measure = _measure(demo_db, "proportion", "week")
    points_before, mappings_before = _events(demo_db, "data_point"), _events(demo_db, "import_mapping")
    plan, sheet = _plan(demo_db, "spc_layout.xlsx", measure)
    import_data_points(demo_db, ADMIN, measure.id, plan, sheet=sheet.sheet)
    assert _events(demo_db, "data_point") == points_before + 12
    assert _events(demo_db, "import_mapping") == mappings_before + 1
    assert remembered_mapping(demo_db, measure.id) == {
        "mapping": {"period": "Dato", "numerator": "Tæller", "denominator": "Nævner", "note": "Kommentarer",
                    "split": "Skift", "freeze": "Frys"}, "sheet": "Data", "decimal": ","}
    plan.mapping = {"period": "Dato", "numerator": "Tæller", "denominator": "Nævner"}
    import_data_points(demo_db, ADMIN, measure.id, plan, sheet="Data")
    assert remembered_mapping(demo_db, measure.id)["mapping"] == plan.mapping
    assert _events(demo_db, "import_mapping") == mappings_before + 2


def test_split_and_freeze_marks_become_chart_settings(demo_db):
    measure = _measure(demo_db, "proportion", "week")
    plan, _ = _plan(demo_db, "spc_layout_split_freeze.csv", measure)
    result = import_data_points(demo_db, ADMIN, measure.id, plan)
    stored = get_measure(demo_db, measure.id)
    assert stored.splits == [date(2025, 2, 17)] and stored.freeze_until == date(2025, 2, 10)
    assert (result.splits_added, result.freeze_until) == (1, date(2025, 2, 10))


def test_event_measures_import_each_event(demo_db):
    measure = _measure(demo_db, "days_between", "day")
    plan, _ = _plan(demo_db, "days_between_events.csv", measure)
    import_data_points(demo_db, ADMIN, measure.id, plan)
    plan, _ = _plan(demo_db, "days_between_events.csv", measure)
    result = import_data_points(demo_db, ADMIN, measure.id, plan, on_existing="skip")
    assert (result.added, result.skipped) == (0, 10)
    result = import_data_points(demo_db, ADMIN, measure.id, plan, on_existing="replace")
    assert result.replaced == 10 and len(list_data_points(demo_db, measure.id)) == 10


def test_only_those_who_may_enter_data_may_import(demo_db):
    measure = _measure(demo_db, "count", "month")
    plan, _ = _plan(demo_db, "months_iso.csv", measure)
    with pytest.raises(NotAllowed):
        import_data_points(demo_db, READER, measure.id, plan)
    assert list_data_points(demo_db, measure.id) == []


def test_a_measure_changed_since_the_plan_was_made_is_checked_again(demo_db):
    measure = _measure(demo_db, "count", "month")
    plan, _ = _plan(demo_db, "months_iso.csv", measure)
    plan.measure = plan.measure.model_copy(update={"period": "week"})
    plan.rows[0].values["value"] = -1   # as if the file said so: the action checks again
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        import_data_points(demo_db, ADMIN, measure.id, plan)
    assert list_data_points(demo_db, measure.id) == []


def test_ten_thousand_rows_on_each_engine(demo_db):
    """The closing note's figures: a 10,000-row daily file checked and imported as one action."""
    import time
    from datetime import timedelta

    measure = _measure(demo_db, "proportion", "day")
    start = date(1999, 1, 1)
    data = ("Dato;Tæller;Nævner;Kommentarer\n" + "".join(
        f"{start + timedelta(days=k):%d-%m-%Y};{k % 7};{10 + k % 5};{'ok' if k % 500 == 0 else ''}\n"
        for k in range(10_000))).encode()
    began = time.perf_counter()
    sheet = read_file_for(data, "ten_thousand.csv")
    plan = plan_import(sheet, guess_mapping(sheet, "proportion"), get_measure(demo_db, measure.id))
    checked = time.perf_counter() - began
    result = import_data_points(demo_db, ADMIN, measure.id, plan)
    imported = time.perf_counter() - began
    assert result.added == 10_000 and len(list_data_points(demo_db, measure.id)) == 10_000
    assert imported < 60
    print(f"\n10,000 rows: read and checked in {checked:.1f} s, imported in {imported:.1f} s in all")


def test_the_history_tells_the_import(demo_db):
    from pdsa.history import history_entries, iter_project_events, sentence

    measure = _measure(demo_db, "count", "month", name="Faldtælling")
    plan, _ = _plan(demo_db, "months_iso.csv", measure)
    import_data_points(demo_db, ADMIN, measure.id, plan)
    events = list(iter_project_events(demo_db, measure.project_id))
    told = [e for e in events if e.entity == "import_mapping"]
    assert len(told) == 1 and told[0].subject == "Faldtælling"
    assert len([e for e in events if e.entity == "data_point" and e.measure_id == measure.id]) == 12
    entries = list(history_entries(events))
    mapping_entry = next(e for e in entries if e.newest.entity == "import_mapping")
    points_entry = next(e for e in entries if e.newest.entity == "data_point" and e.newest.measure_id == measure.id)
    from pdsa.core.periods import period_label
    from pdsa.history import Formatters
    from pdsa.i18n import translate

    for language, expected in (("da", "Importør valgte filens kolonner til import i *Faldtælling*"),
                               ("en", "Importør chose the file's columns for importing into *Faldtælling*")):
        fmt = Formatters(number=lambda v, d=1: str(v), percent=lambda v, d=0: f"{v:.0%}", date=str,
                         period=lambda day, period, lang=language: period_label(day, period, lang))

        def say(key, lang=language, **values):
            return translate(lang, key, **values)

        told = sentence(mapping_entry, say, fmt)
        assert told.startswith(expected), told
        assert sentence(points_entry, say, fmt)
