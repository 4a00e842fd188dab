"""A team defines a measure and enters its data in the browser: the definition form (a bad
field named next to it, nothing saved; one key measure per project; a stale edit keeps the
input), the data table (five rows saved as one action and drawn at once, a row named by its
period and field when wrong and nothing saved, "7,5" stored as 7.5, an edit kept in the
audit history, deleting asks first, a CPR number in a note refused without being repeated),
and event measures entered as dates.

Store and action tests run on both engines; page tests (AppTest) on a copy of the demo, in
Danish.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from pydantic import ValidationError
from streamlit.testing.v1 import AppTest
from test_pages import open_page

from conftest import read_from
import actions
from actions import Actor, NotAllowed, StaleEdit
from pdsa.core.audit import list_events
from pdsa.models import Measure
from pdsa.store.measures import get_measure, list_data_points, list_measures
from pdsa.store.projects import list_projects

ADMIN = Actor(None, "Anna", roles=frozenset({"administrator"}))
BO = Actor(None, "Bo", roles=frozenset({"administrator"}))
READER = Actor(None, "Rie Læser", roles=frozenset({"reader"}))
CPR = "010190-1234"


def _project(cur):
    return next(p for p in list_projects(cur) if p.title.startswith("Hoftebrud – smertefri"))


def _new(cur, **fields) -> Measure:
    values = {"project_id": _project(cur).id, "name": "Ventetid", "kind": "process", "data_type": "continuous",
              "period": "week", **fields}
    return actions.define_measure(cur, ADMIN, Measure(**values))


MONDAYS = [date(2026, 1, 5) + timedelta(weeks=k) for k in range(6)]


# --- the actions on both engines ---------------------------------------------------------------


def test_one_key_measure_per_project_the_earlier_one_stops_being_it(demo_db):
    first = _new(demo_db, name="Først", is_key=True)
    second = _new(demo_db, name="Dernæst", is_key=True)
    keys = [m.id for m in list_measures(demo_db, project_id=first.project_id) if m.is_key]
    assert keys == [second.id]
    again = actions.update_measure(demo_db, ADMIN, get_measure(demo_db, first.id).model_copy(update={"is_key": True}))
    assert again.is_key and not get_measure(demo_db, second.id).is_key
    told = list_events(demo_db, entity="measure", entity_id=second.id)
    assert told[0].before == {"is_key": True} and told[0].after == {"is_key": False}


def test_an_edit_on_an_old_version_says_who_saved_first_and_saves_nothing(demo_db):
    measure = _new(demo_db)
    actions.update_measure(demo_db, BO, measure.model_copy(update={"unit": "dage"}))
    with pytest.raises(StaleEdit) as raised:
        actions.update_measure(demo_db, ADMIN, measure.model_copy(update={"name": "Anden"}))
    assert raised.value.changed_by == "Bo"
    assert get_measure(demo_db, measure.id).name == "Ventetid"


def test_data_type_and_period_are_fixed_once_there_is_data(demo_db):
    measure = _new(demo_db, chart="run")
    changed = actions.update_measure(demo_db, ADMIN, measure.model_copy(update={"data_type": "count"}))
    assert changed.data_type == "count" and changed.chart == "run"  # no data yet: it may change
    actions.save_data_points(demo_db, ADMIN, measure.id, added=[{"period": MONDAYS[0], "value": 3}])
    with pytest.raises(ValidationError) as raised:
        actions.update_measure(demo_db, ADMIN, get_measure(demo_db, measure.id).model_copy(update={"period": "month"}))
    assert raised.value.errors()[0]["loc"] == ("period",)
    assert get_measure(demo_db, measure.id).period == "week"


def test_the_data_table_is_saved_as_one_action_edits_adds_and_deletes(demo_db):
    measure = _new(demo_db)
    saved = actions.save_data_points(demo_db, ADMIN, measure.id,
                                     added=[{"period": d, "value": 10 + k} for k, d in enumerate(MONDAYS[:5])])
    assert [p.value for p in saved] == [10, 11, 12, 13, 14]
    first, second = saved[0], saved[1]
    after = actions.save_data_points(
        demo_db, BO, measure.id, edited=[{"id": first.id, "period": first.period, "value": 7.5, "note": "Ny vagtplan"}],
        added=[{"period": MONDAYS[5], "value": 9}], deleted_ids=[second.id])
    assert [(p.period, p.value) for p in after] == [(MONDAYS[0], 7.5), *[(d, 12 + k) for k, d in enumerate(MONDAYS[2:5])],
                                                    (MONDAYS[5], 9)]
    edit = list_events(demo_db, entity="data_point", entity_id=first.id)[0]
    assert edit.who == "Bo" and edit.before["value"] == 10 and edit.after["value"] == 7.5
    gone = list_events(demo_db, entity="data_point", entity_id=second.id)[0]
    assert gone.action == "delete" and gone.before["value"] == 11


def test_a_wrong_row_or_a_period_twice_saves_nothing(demo_db):
    measure = _new(demo_db)
    actions.save_data_points(demo_db, ADMIN, measure.id, added=[{"period": MONDAYS[0], "value": 1}])
    with pytest.raises(ValueError, match="period"):
        actions.save_data_points(demo_db, ADMIN, measure.id, added=[{"period": MONDAYS[1], "value": 2},
                                                                    {"period": MONDAYS[0], "value": 3}])
    with pytest.raises(ValidationError):
        actions.save_data_points(demo_db, ADMIN, measure.id, added=[{"period": MONDAYS[1], "value": 2},
                                                                    {"period": MONDAYS[2], "note": f"pt {CPR}", "value": 1}])
    assert [(p.period, p.value) for p in list_data_points(demo_db, measure.id)] == [(MONDAYS[0], 1)]


def test_events_are_entered_as_dates_and_moved_to_another_day(demo_db):
    measure = _new(demo_db, name="Dage mellem fald", data_type="days_between", period="day")
    days = [date(2026, 1, 3), date(2026, 1, 10), date(2026, 1, 24)]
    saved = actions.save_data_points(demo_db, ADMIN, measure.id, added=[{"period": d} for d in days])
    moved = actions.save_data_points(demo_db, ADMIN, measure.id, edited=[{"id": saved[1].id, "period": date(2026, 1, 17)}])
    assert [p.period for p in moved] == [date(2026, 1, 3), date(2026, 1, 17), date(2026, 1, 24)]
    with pytest.raises(ValueError, match="already has an event"):
        actions.save_data_points(demo_db, ADMIN, measure.id, edited=[{"id": saved[0].id, "period": date(2026, 1, 24)}])
    cases = _new(demo_db, name="Tilfælde mellem infektioner", data_type="cases_between", period="day")
    both = actions.save_data_points(demo_db, ADMIN, cases.id, added=[{"period": date(2026, 1, 3), "value": 40},
                                                                     {"period": date(2026, 1, 3), "value": 2}])
    assert [p.value for p in both] == [40, 2]  # two events the same day


def test_a_reader_may_not_save_data_or_edit_a_measure(demo_db):
    measure = _new(demo_db)
    with pytest.raises(NotAllowed):
        actions.save_data_points(demo_db, READER, measure.id, added=[{"period": MONDAYS[0], "value": 1}])
    with pytest.raises(NotAllowed):
        actions.update_measure(demo_db, READER, measure.model_copy(update={"unit": "x"}))
    assert list_data_points(demo_db, measure.id) == []


# --- the page (AppTest) --------------------------------------------------------------------------


def _open_project(monkeypatch, path, title_start: str = "Hoftebrud – smertefri", user: str = "demo-admin") -> AppTest:
    """The project's page on its Indikatorer tab (the page draws only the open tab)."""
    at = open_page(monkeypatch, path, "views/projects.py", "da", user=user)
    choices = at.selectbox(key="project").options
    at.selectbox(key="project").select_index(next(i for i, t in enumerate(choices) if t.startswith(title_start))).run()
    at.session_state["project-tabs-none"] = "Indikatorer"
    at.run()
    assert not at.exception, at.exception
    return at


def _project_id(path) -> int:
    return read_from(path, lambda cur: _project(cur).id)


def _define(at: AppTest, project_id: int, **fields) -> None:
    prefix = f"measure-new-{project_id}"
    for field, value in fields.items():
        if field in ("kind", "data_type", "period"):
            at.selectbox(key=f"{prefix}-{field}").set_value(value)
        elif field == "direction":
            at.radio(key=f"{prefix}-{field}").set_value(value)
        elif field == "is_key":
            at.checkbox(key=f"{prefix}-{field}").set_value(value)
        elif field == "definition":
            at.text_area(key=f"{prefix}-{field}").input(value)
        else:
            at.text_input(key=f"{prefix}-{field}").input(value)
    next(b for b in at.button if b.key and b.key.startswith(f"FormSubmitter:{prefix}-")).click().run()
    assert not at.exception, at.exception


def _errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def _measure_named(path, project_id: int, name: str) -> Measure | None:
    return next((m for m in read_from(path, lambda cur: list_measures(cur, project_id=project_id)) if m.name == name), None)


def _points_on_chart(at: AppTest, name: str) -> int:
    import pyarrow as pa

    chart = next(el for el in at.get("vega_lite_chart") if json.loads(el.proto.spec).get("title", {}).get("text") == name)
    frames = [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in chart.proto.datasets]
    values = next(f for f in frames if "y" in f.columns)  # the plotted values (the line's layer)
    return int(values["y"].notna().sum())


def test_a_team_defines_a_measure_and_sees_its_card(monkeypatch, demo_copy):
    project_id = _project_id(demo_copy)
    at = _open_project(monkeypatch, demo_copy)
    _define(at, project_id, name="Ventetid på smertestillende", kind="process", data_type="continuous",
            period="week", direction="down", unit="minutter", target="7,5", definition="Minutter fra ankomst til første dosis",
            numerator_definition="", data_source="Akutjournalen", collection_frequency="Hver mandag")
    assert "“Ventetid på smertestillende” er oprettet. Indtast data i tabellen på indikatorens kort nedenfor." in [
        s.value for s in at.success]
    measure = _measure_named(demo_copy, project_id, "Ventetid på smertestillende")
    assert measure.target == 7.5 and measure.direction == "down" and measure.data_source == "Akutjournalen"
    assert any(c.value.startswith("### ") or "Ventetid på smertestillende" in c.value for c in at.markdown)
    assert at.text_input(key=f"measure-new-{project_id}-name").value == ""  # ready for the next one
    assert f"data-save-{measure.id}" in [b.key for b in at.button]  # its data table waits on its card


def test_a_bad_field_is_named_next_to_it_and_nothing_is_saved(monkeypatch, demo_copy):
    project_id = _project_id(demo_copy)
    at = _open_project(monkeypatch, demo_copy)
    before = len(read_from(demo_copy, lambda cur: list_measures(cur, project_id=project_id)))
    _define(at, project_id, name="Dage mellem fald", data_type="days_between", period="week", target="abc")
    errors = _errors(at)
    assert any("Periode" in e and "pr. hændelsesdato" in e for e in errors), errors
    assert any("Mål" in e and "skal være et tal" in e for e in errors), errors
    assert len(read_from(demo_copy, lambda cur: list_measures(cur, project_id=project_id))) == before
    assert at.text_input(key=f"measure-new-{project_id}-name").value == "Dage mellem fald"  # the input is kept
    _define(at, project_id, name=f"Fald hos {CPR}", period="day", target="")
    assert any("CPR-nummer" in e for e in _errors(at)) and not any(CPR in e for e in _errors(at))


def test_the_empty_measures_tab_points_at_the_form(monkeypatch, demo_copy):
    from pdsa.models import Project

    def empty_project(cur):
        project = _project(cur)
        return actions.create_project(cur, ADMIN, Project(
            title="Aaa tomt projekt", pathway_id=project.pathway_id, aim_what="a", aim_how_much="b",
            aim_by_when=date(2027, 1, 1), start_date=date(2026, 1, 1))).id

    project_id = read_from(demo_copy, empty_project)
    at = _open_project(monkeypatch, demo_copy, "Aaa tomt projekt")
    assert any("“Ny indikator” ovenfor" in i.value for i in at.info)
    assert at.text_input(key=f"measure-new-{project_id}-name") is not None


def _enter(at: AppTest, measure_id: int, *, edited=None, added=None, deleted=None, generation: int = 0) -> None:
    at.session_state[f"data-table-{measure_id}-{generation}"] = {
        "edited_rows": edited or {}, "added_rows": added or [], "deleted_rows": deleted or []}
    at.button(key=f"data-save-{measure_id}").click().run()
    assert not at.exception, at.exception


def test_five_rows_entered_in_the_table_are_saved_and_drawn(monkeypatch, demo_copy):
    project_id = _project_id(demo_copy)
    measure = read_from(demo_copy, lambda cur: _new(cur, name="Minutter til smertestillende"))
    at = _open_project(monkeypatch, demo_copy)
    rows = [{"period": d.isoformat(), "value": v, "note": None, "excluded": False}
            for d, v in zip(MONDAYS, ["12", "7,5", "9", "11", "8,25"])]
    _enter(at, measure.id, added=rows)
    assert "Data er gemt: 5 rækker tilføjet. Diagrammet er opdateret." in [s.value for s in at.success]
    assert [p.value for p in read_from(demo_copy, lambda cur: list_data_points(cur, measure.id))] == [12, 7.5, 9, 11, 8.25]
    assert _points_on_chart(at, "Minutter til smertestillende") == 5
    # the table shows them again, as the user's language writes them
    assert project_id


def test_a_wrong_row_is_named_by_its_period_and_field_and_nothing_is_saved(monkeypatch, demo_copy):
    measure = read_from(demo_copy, lambda cur: _new(cur, name="Minutter til smertestillende"))
    at = _open_project(monkeypatch, demo_copy)
    _enter(at, measure.id, added=[
        {"period": MONDAYS[0].isoformat(), "value": "12"},
        {"period": MONDAYS[1].isoformat(), "value": "abc"},
        {"period": MONDAYS[2].isoformat(), "value": "3", "note": f"Patient {CPR} ventede"},
    ])
    errors = _errors(at)
    assert any("uge 3 2026" in e and "Værdi" in e and "skal være et tal" in e for e in errors), errors
    assert any("uge 4 2026" in e and "Note" in e and "CPR-nummer" in e for e in errors), errors
    assert not any(CPR in e for e in errors)
    assert read_from(demo_copy, lambda cur: list_data_points(cur, measure.id)) == []


def test_an_edit_is_kept_in_the_history_and_deleting_asks_first(monkeypatch, demo_copy):
    measure = read_from(demo_copy, lambda cur: _new(cur, name="Minutter til smertestillende"))
    read_from(demo_copy, lambda cur: actions.save_data_points(cur, ADMIN, measure.id, added=[
        {"period": d, "value": 10 + k} for k, d in enumerate(MONDAYS[:5])]))
    at = _open_project(monkeypatch, demo_copy)
    _enter(at, measure.id, edited={0: {"value": "7,5"}})
    assert "Data er gemt: 1 række ændret. Diagrammet er opdateret." in [s.value for s in at.success]
    points = read_from(demo_copy, lambda cur: list_data_points(cur, measure.id))
    assert points[0].value == 7.5
    history = open_page(monkeypatch, demo_copy, "views/history.py", "da")
    choices = history.selectbox(key="project").options if "project" in [s.key for s in history.selectbox] else []
    if choices:
        history.selectbox(key="project").select_index(
            next(i for i, t in enumerate(choices) if t.startswith("Hoftebrud – smertefri"))).run()
    assert any("ændrede datapunktet uge 2 2026 for *Minutter til smertestillende*" in m.value
               and "fra 10 til 7,5" in m.value for m in history.markdown), [m.value for m in history.markdown][:20]

    _enter(at, measure.id, deleted=[1], generation=1)
    assert any("Slette datapunktet for uge 3 2026?" in w.value for w in at.warning)
    assert len(read_from(demo_copy, lambda cur: list_data_points(cur, measure.id))) == 5  # asked, nothing deleted yet
    at.button(key=f"data-delete-yes-{measure.id}").click().run()
    assert "Data er gemt: 1 række slettet. Diagrammet er opdateret." in [s.value for s in at.success]
    assert [p.period for p in read_from(demo_copy, lambda cur: list_data_points(cur, measure.id))] == [
        MONDAYS[0], *MONDAYS[2:5]]


def test_a_proportion_takes_numerator_and_denominator_and_a_reader_sees_no_form(monkeypatch, demo_copy):
    measure = read_from(demo_copy, lambda cur: _new(cur, name="Andel med smertescore", data_type="proportion"))
    at = _open_project(monkeypatch, demo_copy)
    _enter(at, measure.id, added=[{"period": MONDAYS[0].isoformat(), "numerator": "12", "denominator": "10"}])
    assert any("uge 2 2026" in e and "tælleren er større end nævneren" in e for e in _errors(at)), _errors(at)
    _enter(at, measure.id, added=[{"period": MONDAYS[0].isoformat(), "numerator": "8", "denominator": "10"}])
    assert [(p.numerator, p.denominator) for p in read_from(demo_copy, lambda cur: list_data_points(cur, measure.id))] == [
        (8, 10)]


def test_events_are_entered_as_dates_in_the_table(monkeypatch, demo_copy):
    measure = read_from(demo_copy, lambda cur: _new(cur, name="Dage mellem fald", data_type="days_between", period="day"))
    at = _open_project(monkeypatch, demo_copy)
    _enter(at, measure.id, added=[{"period": d} for d in ("2026-01-03", "2026-01-10", "2026-01-24")])
    assert "Data er gemt: 3 rækker tilføjet. Diagrammet er opdateret." in [s.value for s in at.success]
    assert _points_on_chart(at, "Dage mellem fald") == 2  # days between three events


def test_an_edit_of_the_definition_on_an_old_version_keeps_the_input(monkeypatch, demo_copy):
    measure = read_from(demo_copy, lambda cur: _new(cur, name="Minutter til smertestillende"))
    at = _open_project(monkeypatch, demo_copy)
    prefix = f"measure-edit-{measure.id}"
    read_from(demo_copy, lambda cur: actions.update_measure(cur, BO, get_measure(cur, measure.id).model_copy(
        update={"unit": "min"})))
    at.text_input(key=f"{prefix}-name").input("Minutter fra ankomst")
    next(b for b in at.button if b.key and b.key.startswith(f"FormSubmitter:{prefix}-")).click().run()
    assert any("Bo gemte ændringer i indikatoren" in e for e in _errors(at)), _errors(at)
    assert at.text_input(key=f"{prefix}-name").value == "Minutter fra ankomst"
    assert read_from(demo_copy, lambda cur: get_measure(cur, measure.id)).name == "Minutter til smertestillende"
    next(b for b in at.button if b.key and b.key.startswith(f"FormSubmitter:{prefix}-")).click().run()
    assert "Indikatoren “Minutter fra ankomst” er gemt." in [s.value for s in at.success]


def test_a_deleted_point_keeps_its_history_in_the_projects_history(demo_db):
    from pdsa.history import Formatters, project_history, sentence
    from pdsa.i18n import translate

    measure = _new(demo_db, name="Minutter til smertestillende")
    saved = actions.save_data_points(demo_db, ADMIN, measure.id, added=[{"period": MONDAYS[0], "value": 12}])
    actions.save_data_points(demo_db, BO, measure.id, edited=[{"id": saved[0].id, "period": MONDAYS[0], "value": 7.5}])
    actions.save_data_points(demo_db, BO, measure.id, deleted_ids=[saved[0].id])
    entries, _ = project_history(demo_db, measure.project_id, limit=10)
    fmt = Formatters(number=lambda v, d: f"{v:.{d}f}", percent=lambda v, d: f"{v * 100:.{d}f} %",
                     date=lambda d: d.isoformat(), period=lambda d, p: d.isoformat())
    lines = [sentence(e, lambda key, **v: translate("en", key, **v), fmt) for e in entries]
    mine = [line for line in lines if "Minutter til smertestillende" in line]
    assert mine[0] == "Bo deleted the data point 2026-01-05 of *Minutter til smertestillende*"
    assert any(line.startswith("Bo changed the data point 2026-01-05 of *Minutter til smertestillende*") for line in mine)
    assert any(line.startswith("Anna entered a data point for *Minutter til smertestillende*") for line in mine)


# --- "no events this week" for measures of days or cases between events -------------------------
# slice: no event this period


def test_a_quiet_week_is_recorded_removed_restored_and_undone_by_an_event(demo_db):
    from pdsa.store.events import PeriodHasEvent, list_no_event_periods

    falls = _new(demo_db, name="Dage mellem fald", data_type="days_between", period="day")
    today = date(2026, 12, 2)  # a Wednesday in week 49 2026
    entry = actions.record_no_event_period(demo_db, ADMIN, falls.id, date(2026, 11, 26), today=today)
    assert (entry.period, entry.entered_by, entry.version, entry.archived) == (date(2026, 11, 23), "Anna", 1, False)
    again = actions.record_no_event_period(demo_db, BO, falls.id, date(2026, 11, 23), today=today)
    assert again == entry  # the same week twice: one entry, unchanged

    removed = actions.remove_no_event_period(demo_db, BO, entry.id, expected_version=1)
    assert (removed.archived, removed.version) == (True, 2)
    assert list_no_event_periods(demo_db, falls.id) == []
    with pytest.raises(StaleEdit):  # someone removed it since the page showed version 1
        actions.remove_no_event_period(demo_db, ADMIN, entry.id, expected_version=1)
    restored = actions.record_no_event_period(demo_db, ADMIN, falls.id, date(2026, 11, 24), today=today)
    assert (restored.id, restored.archived, restored.version) == (entry.id, False, 3)

    # an event entered in that week later: the entry no longer holds and is archived with it
    actions.save_data_points(demo_db, ADMIN, falls.id, added=[{"period": date(2026, 11, 27)}])
    assert list_no_event_periods(demo_db, falls.id) == []
    with pytest.raises(PeriodHasEvent) as refused:
        actions.record_no_event_period(demo_db, ADMIN, falls.id, date(2026, 11, 23), today=today)
    assert refused.value.event_days == [date(2026, 11, 27)]
    told = [(e.action, (e.after or {}).get("archived")) for e in reversed(
        list_events(demo_db, entity="no_event_period", entity_id=entry.id))]
    assert told == [("create", None), ("update", True), ("update", False), ("update", True)]


def test_a_quiet_week_is_refused_for_other_measures_for_weeks_to_come_and_for_readers(demo_db):
    falls = _new(demo_db, name="Dage mellem fald", data_type="days_between", period="day")
    weekly = _new(demo_db, name="Ventetid")
    today = date(2026, 12, 2)
    with pytest.raises(ValueError, match="between events"):
        actions.record_no_event_period(demo_db, ADMIN, weekly.id, date(2026, 11, 23), today=today)
    with pytest.raises(ValueError, match="has not begun"):
        actions.record_no_event_period(demo_db, ADMIN, falls.id, date(2026, 12, 7), today=today)
    assert actions.record_no_event_period(demo_db, ADMIN, falls.id, date(2026, 12, 6), today=today).period == date(
        2026, 11, 30)  # this week may be said to be quiet so far
    with pytest.raises(NotAllowed):
        actions.record_no_event_period(demo_db, READER, falls.id, date(2026, 11, 23), today=today)


def test_the_to_do_list_counts_a_quiet_week_as_covered_for_event_measures(demo_db):
    from pdsa.store import todo
    from pdsa.store.users import find_user, project_roles

    member = find_user(demo_db, "demo-member")
    projects = todo.my_projects(demo_db, project_roles(demo_db, member.id))
    assert _project(demo_db).id in {p.id for p in projects}
    falls = _new(demo_db, name="Dage mellem fald", data_type="days_between", period="day")
    infections = _new(demo_db, name="Operationer mellem infektioner", data_type="cases_between", period="day")
    actions.save_data_points(demo_db, ADMIN, infections.id, added=[{"period": date(2026, 11, 1), "value": 40}])
    today = date(2026, 12, 2)  # this week began 30 November; the two whole weeks before began 16 and 23 November

    def waiting() -> dict[int, date]:
        return {m.measure_id: m.expected_from for m in todo.todo(demo_db, projects, today=today).measures_without_data}

    assert waiting()[falls.id] == date(2026, 11, 16) and waiting()[infections.id] == date(2026, 11, 16)
    actions.record_no_event_period(demo_db, ADMIN, falls.id, date(2026, 11, 9), today=today)  # too long ago
    assert falls.id in waiting()
    entry = actions.record_no_event_period(demo_db, ADMIN, falls.id, date(2026, 11, 16), today=today)
    actions.record_no_event_period(demo_db, ADMIN, infections.id, date(2026, 12, 1), today=today)  # this week
    assert falls.id not in waiting() and infections.id not in waiting()
    actions.remove_no_event_period(demo_db, ADMIN, entry.id)
    assert falls.id in waiting()  # a removed entry covers nothing
    actions.save_data_points(demo_db, ADMIN, falls.id, added=[{"period": date(2026, 11, 25)}])
    assert falls.id not in waiting()  # an event covers the week as before


def test_the_history_tells_a_quiet_week_in_both_languages(demo_db):
    from pdsa.history import Formatters, project_history, sentence
    from pdsa.i18n import translate

    falls = _new(demo_db, name="Dage mellem fald", data_type="days_between", period="day")
    entry = actions.record_no_event_period(demo_db, ADMIN, falls.id, date(2026, 11, 23), today=date(2026, 12, 2))
    actions.remove_no_event_period(demo_db, BO, entry.id)
    entries, _ = project_history(demo_db, falls.project_id, limit=5)
    fmt = Formatters(number=lambda v, d: f"{v:.{d}f}", percent=lambda v, d: f"{v * 100:.{d}f} %",
                     date=lambda d: d.isoformat(), period=lambda d, p: f"{p} {d.isoformat()}")
    def told_in(language: str) -> list[str]:
        return [sentence(e, lambda key, **v: translate(language, key, **v), fmt) for e in entries[:2]]

    told = {language: told_in(language) for language in ("en", "da")}
    assert told["en"] == ["Bo removed “no events in week 2026-11-23” for *Dage mellem fald*",
                          "Anna recorded no events in week 2026-11-23 for *Dage mellem fald*"]
    assert told["da"] == ["Bo fjernede »ingen hændelser i week 2026-11-23« for *Dage mellem fald*",
                          "Anna registrerede ingen hændelser i week 2026-11-23 for *Dage mellem fald*"]


def _home_links(monkeypatch, path) -> list[str]:
    at = open_page(monkeypatch, path, "views/home.py", "da", user="demo-member")
    assert not at.exception, at.exception
    return [link.proto.label for link in at.get("page_link")]


def _danish_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"uge {week} {year}"


def test_a_team_records_a_quiet_week_and_the_home_page_stops_asking(monkeypatch, demo_copy):
    this_week = date.today() - timedelta(days=date.today().weekday())
    last_week = this_week - timedelta(weeks=1)
    falls = read_from(demo_copy, lambda cur: _new(cur, name="Dage mellem fald på sengeafsnittet", data_type="days_between",
                                            period="day"))
    read_from(demo_copy, lambda cur: actions.save_data_points(cur, ADMIN, falls.id, added=[
        {"period": this_week - timedelta(weeks=5)}]))
    assert "Dage mellem fald på sengeafsnittet" in _home_links(monkeypatch, demo_copy)  # quiet for weeks: checked?

    at = _open_project(monkeypatch, demo_copy, user="demo-member")
    weeks = at.selectbox(key=f"no-event-week-{falls.id}")
    assert weeks.options[:2] == [f"{_danish_week(this_week)} (denne uge)", _danish_week(last_week)]
    weeks.set_value(last_week).run()
    record = at.button(key=f"no-event-record-{falls.id}")
    assert record.label == f"Ingen hændelser i {_danish_week(last_week)}"
    record.click().run()
    assert not at.exception, at.exception
    assert f"Registreret: ingen hændelser i {_danish_week(last_week)}." in [s.value for s in at.success]
    shown = [m.value for m in at.markdown]
    assert f"Ingen hændelser i {_danish_week(last_week)} · :gray[registreret af Søren Holst]" in shown, shown
    assert _danish_week(last_week) not in at.selectbox(key=f"no-event-week-{falls.id}").options  # recorded
    assert "Dage mellem fald på sengeafsnittet" not in _home_links(monkeypatch, demo_copy)

    # taken back: it asks first, then the home page asks again; Undo records the week once more
    [entry] = read_from(demo_copy, lambda cur: __import__("pdsa.store.events", fromlist=["x"]).list_no_event_periods(
        cur, falls.id))
    at.button(key=f"no-event-remove-{entry.id}").click().run()
    assert [w.value for w in at.warning] == [
        f"Fjerne »ingen hændelser i {_danish_week(last_week)}«? Ugen tæller så ikke længere som set efter på forsiden."]
    at.button(key=f"no-event-remove-yes-{falls.id}").click().run()
    assert not at.exception, at.exception
    assert f"»Ingen hændelser i {_danish_week(last_week)}« er fjernet." in [s.value for s in at.success]
    assert "Dage mellem fald på sengeafsnittet" in _home_links(monkeypatch, demo_copy)
    at.button(key=f"no-event-undo-{falls.id}").click().run()
    assert f"Registreret: ingen hændelser i {_danish_week(last_week)}." in [s.value for s in at.success]
    assert "Dage mellem fald på sengeafsnittet" not in _home_links(monkeypatch, demo_copy)


def test_a_week_with_an_event_is_not_offered_and_a_reader_sees_the_quiet_weeks(monkeypatch, demo_copy):
    this_week = date.today() - timedelta(days=date.today().weekday())
    falls = read_from(demo_copy, lambda cur: _new(cur, name="Dage mellem fald", data_type="days_between", period="day"))
    read_from(demo_copy, lambda cur: actions.save_data_points(cur, ADMIN, falls.id, added=[
        {"period": this_week - timedelta(weeks=1)}]))
    read_from(demo_copy, lambda cur: actions.record_no_event_period(cur, ADMIN, falls.id, this_week - timedelta(weeks=2)))
    at = _open_project(monkeypatch, demo_copy)
    offered = at.selectbox(key=f"no-event-week-{falls.id}").options
    assert len(offered) == 6 and _danish_week(this_week - timedelta(weeks=1)) not in offered
    assert _danish_week(this_week - timedelta(weeks=2)) not in offered

    reader = _open_project(monkeypatch, demo_copy, user="demo-reader")
    assert not [b for b in reader.button if (b.key or "").startswith("no-event-")]
    assert f"Ingen hændelser i {_danish_week(this_week - timedelta(weeks=2))} · :gray[registreret af Anna]" in [
        m.value for m in reader.markdown]
