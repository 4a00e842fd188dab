"""Measures on screen as a new user meets them: the target typed with a decimal comma, bounds per
data type, the finding's colour following its meaning, splits that leave a phase the chart cannot
compute, rule sets offered only where they apply, periods and chart dates in the reader's
language, and measures and PDSA cycles archived (after asking) and restored.

Store and action tests run on both engines; page tests (AppTest) on a copy of the demo, in
Danish first.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pandas as pd
import pytest
from pydantic import ValidationError
from streamlit.testing.v1 import AppTest

from conftest import read_from
import actions
from actions import Actor, NotAllowed
from pdsa.core.db import connect
from pdsa.core.periods import period_label
from pdsa.findings import Finding
from pdsa.i18n import translate
from pdsa.models import Measure, PdsaCycle
from pdsa.store.cycles import get_cycle, list_cycles
from pdsa.store.measures import get_measure, list_measures
from pdsa.store.projects import list_projects
from test_pages import open_page

ADMIN = Actor(None, "Anna", roles=frozenset({"administrator"}))
READER = Actor(None, "Rie Læser", roles=frozenset({"reader"}))


# --- period labels -----------------------------------------------------------------------------


@pytest.mark.parametrize("day, period, language, expected", [
    (date(2025, 9, 8), "week", "da", "uge 37 2025"),
    (date(2025, 9, 8), "week", "en", "week 37 2025"),
    (date(2025, 12, 29), "week", "da", "uge 1 2026"),     # ISO week 1 of 2026 starts in December 2025
    (date(2026, 12, 28), "week", "en", "week 53 2026"),   # 2026 has 53 ISO weeks
    (date(2021, 1, 4), "week", "da", "uge 1 2021"),       # ...and 2021 starts with week 1 on Monday 4 January
    (date(2025, 10, 1), "month", "da", "okt. 2025"),
    (date(2025, 10, 1), "month", "en", "Oct 2025"),
    (date(2025, 5, 1), "month", "da", "maj 2025"),
    (date(2026, 3, 2), "day", "da", "02-03-2026"),
    (date(2026, 3, 2), "day", "en", "2026-03-02"),
])
def test_periods_are_named_in_the_readers_language(day, period, language, expected):
    assert period_label(day, period, language) == expected


def test_without_a_language_periods_keep_their_iso_labels_for_files_and_the_command_line():
    assert [period_label(date(2025, 12, 29), "week"), period_label(date(2025, 10, 1), "month"),
            period_label(date(2026, 3, 2), "day")] == ["2026-W01", "2025-10", "2026-03-02"]


# --- target bounds (the model) and the actions on both engines ----------------------------------


def _project(cur):
    return next(p for p in list_projects(cur) if p.title.startswith("Hoftebrud – smertefri"))


def _measure(cur, data_type: str, project=None) -> Measure:
    project = project or _project(cur)
    found = [m for m in list_measures(cur, project_id=project.id) if m.data_type == data_type]
    if found:
        return found[0]
    return actions.define_measure(cur, ADMIN, Measure(project_id=project.id, name=f"Ny {data_type}", kind="process",
                                                     data_type=data_type, period="day"))


@pytest.mark.parametrize("data_type, target, allowed", [
    ("proportion", 0.075, True), ("proportion", 1.5, False), ("proportion", -0.1, False),
    ("count", 0, True), ("count", -1, False), ("rate", -0.5, False),
    ("days_between", -1_000_000_000, False), ("days_between", 30, True), ("cases_between", -3, False),
    ("continuous", -5, True),  # a change in temperature or weight may be below 0
])
def test_a_target_must_fit_the_data_type(data_type, target, allowed):
    values = dict(project_id=1, name="x", kind="outcome", data_type=data_type, target=target,
                  period="day" if data_type.endswith("_between") else "month")
    if allowed:
        assert Measure(**values).target == target
        return
    with pytest.raises(ValidationError) as caught:
        Measure(**values)
    [error] = caught.value.errors()
    assert error["ctx"]["field"] == "target"


def test_the_action_refuses_a_target_of_minus_a_billion_days_and_saves_nothing(demo_db):
    days = next(m for m in list_measures(demo_db) if m.data_type == "days_between")
    with pytest.raises(ValidationError) as caught:  # a copy made with model_copy is checked again
        actions.update_chart_settings(demo_db, ADMIN, days.model_copy(update={"target": -1_000_000_000.0}))
    assert caught.value.errors()[0]["ctx"]["field"] == "target"
    assert get_measure(demo_db, days.id) == days
    saved = actions.update_chart_settings(demo_db, ADMIN, days.model_copy(update={"target": 45.0}))
    assert saved.target == 45.0


def test_a_split_that_leaves_a_phase_of_one_point_is_refused_naming_the_splits(demo_db):
    measure = _measure(demo_db, "proportion")
    periods = sorted({p.period for p in actions.measures.store.list_data_points(demo_db, measure.id)})
    with pytest.raises(ValidationError) as caught:
        actions.update_chart_settings(demo_db, ADMIN, measure.model_copy(update={"splits": [periods[-1]]}))
    [error] = caught.value.errors()
    assert error["loc"] == ("splits",) and error["type"] == "short_phase" and error["ctx"]["count"] == 1
    with pytest.raises(ValidationError, match="short_first_phase|phase before"):
        actions.update_chart_settings(demo_db, ADMIN, measure.model_copy(update={"splits": [periods[1]]}))
    with pytest.raises(ValidationError):  # Streamlit's "Select all": every period a phase of its own
        actions.update_chart_settings(demo_db, ADMIN, measure.model_copy(update={"splits": periods[1:]}))
    assert get_measure(demo_db, measure.id).splits == measure.splits
    saved = actions.update_chart_settings(demo_db, ADMIN, measure.model_copy(update={"splits": [periods[-2]]}))
    assert saved.splits == [periods[-2]]  # two points in the last phase: the chart can compute it


def test_archived_measures_leave_the_lists_and_come_back_as_they_were(demo_db):
    project = _project(demo_db)
    measure = list_measures(demo_db, project_id=project.id)[0]
    with pytest.raises(NotAllowed):
        actions.archive_measure(demo_db, READER, measure.id)
    archived = actions.archive_measure(demo_db, ADMIN, measure.id, expected_version=measure.version)
    assert archived.archived and archived.target == measure.target and archived.splits == measure.splits
    assert measure.id not in {m.id for m in list_measures(demo_db, project_id=project.id)}
    assert measure.id not in {m.id for m in list_measures(demo_db)}
    assert [m.id for m in list_measures(demo_db, project_id=project.id, archived_only=True)] == [measure.id]
    assert measure.id in {m.id for m in list_measures(demo_db, project_id=project.id, include_archived=True)}
    with pytest.raises(actions.StaleEdit):  # the version the page showed before the archive
        actions.restore_measure(demo_db, ADMIN, measure.id, expected_version=measure.version)
    restored = actions.restore_measure(demo_db, ADMIN, measure.id, expected_version=archived.version)
    assert not restored.archived
    assert restored.model_dump(exclude={"version", "data_version"}) == measure.model_dump(
        exclude={"version", "data_version"})
    from pdsa.core.audit import list_events

    changes = [e.after for e in list_events(demo_db, entity="measure", entity_id=measure.id) if e.action == "update"]
    assert changes[:2] == [{"archived": False}, {"archived": True}]  # newest first, under the actor's name


def test_archived_cycles_leave_the_list_and_the_chart(demo_db):
    from ui.measure_view import cycle_annotations

    project = _project(demo_db)
    cycle = list_cycles(demo_db, project_id=project.id)[0]
    first, last = cycle.do_start - timedelta(days=60), cycle.do_start + timedelta(days=60)
    before = cycle_annotations(list_cycles(demo_db, project_id=project.id), first=first, last=last, period="day")
    actions.archive_cycle(demo_db, ADMIN, cycle.id, expected_version=cycle.version)
    assert get_cycle(demo_db, cycle.id).archived
    assert cycle.id not in {c.id for c in list_cycles(demo_db, project_id=project.id)}
    assert [c.id for c in list_cycles(demo_db, project_id=project.id, archived_only=True)] == [cycle.id]
    after = cycle_annotations(list_cycles(demo_db, project_id=project.id), first=first, last=last, period="day")
    assert len(after) == len(before) - 1
    assert cycle_annotations([get_cycle(demo_db, cycle.id)], first=first, last=last, period="day") == []
    with pytest.raises(NotAllowed):
        actions.restore_cycle(demo_db, READER, cycle.id)
    actions.restore_cycle(demo_db, ADMIN, cycle.id)
    assert cycle.id in {c.id for c in list_cycles(demo_db, project_id=project.id)}


# --- the finding's colour -----------------------------------------------------------------------


def _finding(**kw) -> Finding:
    values = dict(part=1, rules="anhoej", n_useful=20, short_parts=(), runs_signal=False, longest_run=5,
                  longest_run_max=8, n_crossings=9, n_crossings_min=6, n_outside_limits=0, meanings=(),
                  variation_icon=None, assurance=None)
    return Finding(**{**values, **kw})


@pytest.mark.parametrize("kw, tone", [
    (dict(runs_signal=True, meanings=("improvement", "non_random")), "improvement"),
    (dict(runs_signal=True, meanings=("concern",)), "deterioration"),
    (dict(n_outside_limits=1, meanings=("concern", "improvement")), "non_random"),  # both ways: no one direction
    (dict(runs_signal=True, meanings=("non_random",)), "non_random"),
    (dict(rules="mdc", variation_icon="special_cause_concern"), "deterioration"),
    (dict(rules="mdc", variation_icon="special_cause_neutral_high"), "non_random"),
    (dict(), "random"),
    (dict(n_useful=0, short_parts=(1,), longest_run=None, longest_run_max=None), "too_few_to_tell"),
])
def test_the_findings_tone_follows_its_meaning(kw, tone):
    assert _finding(**kw).tone == tone


# --- chart dates and tooltips -------------------------------------------------------------------


def _chart_spec(x, *, note=None, labels=None) -> dict:
    from pdsa.charts import ChartLabels, spc_chart
    from pdsa.spc import analyze

    y = [3, 4, 2, 3, 4, 3, 2, 4, 3, 3, 7, 8, 6, 7][:len(x)]
    analysis = analyze(y, None, list(x), chart="run")
    details = None if note is None else pd.DataFrame({"note": note})
    return spc_chart(analysis, details=details, labels=labels or ChartLabels()).to_dict()


def _x_axis(spec: dict) -> dict:
    return next(layer["encoding"]["x"]["axis"] for layer in spec["layer"] if "x" in layer.get("encoding", {}))


def test_every_date_axis_has_one_format_with_the_year_when_it_spans_two_years():
    from pdsa.charts import ChartLabels

    labels = ChartLabels(week_axis_format="%-d. %b", year_axis_format="%-d. %b %Y", month_axis_format="%b %Y")
    events = [pd.Timestamp("2025-11-09") + pd.Timedelta(days=9 * k) for k in range(14)]  # a T chart's event days
    assert _x_axis(_chart_spec(events, labels=labels))["format"] == "%-d. %b %Y"  # November 2025 to March 2026
    within = [pd.Timestamp("2026-01-05") + pd.Timedelta(days=9 * k) for k in range(14)]
    assert _x_axis(_chart_spec(within, labels=labels))["format"] == "%-d. %b"
    months = pd.date_range("2025-06-01", periods=14, freq="MS")
    axis = _x_axis(_chart_spec(months, labels=labels))
    assert axis["format"] == "%b %Y" and len(axis["values"]) <= 12
    weeks = pd.date_range("2025-11-03", periods=14, freq="W-MON")
    assert _x_axis(_chart_spec(weeks, labels=labels))["format"] == "%-d. %b %Y"
    axes = [_x_axis(_chart_spec(x, labels=labels)) for x in (events, within, months, weeks)]
    assert all(set(a) >= {"format"} for a in axes)  # never Vega's mixed default ("nov 09" beside "februar")


def test_a_point_without_a_note_says_no_null():
    spec = _chart_spec(pd.date_range("2025-06-01", periods=14, freq="MS"), note=[None] * 3 + ["Ny vagtplan"] + [None] * 10)
    rows = next(iter(spec["datasets"].values()))
    assert [r["_note"] for r in rows[2:5]] == ["–", "Ny vagtplan", "–"]
    assert "null" not in json.dumps([r["_note"] for r in rows])
    no_notes = _chart_spec(pd.date_range("2025-06-01", periods=14, freq="MS"), note=[None] * 14)
    assert "_note" not in json.dumps(no_notes)  # no note line at all


# --- the page (AppTest) -------------------------------------------------------------------------


def _ids(path) -> dict[str, int]:
    return read_from(path, lambda cur: {m.name: m.id for m in list_measures(cur)})


def _stored(path, measure_id: int) -> Measure:
    return read_from(path, lambda cur: get_measure(cur, measure_id))


def _open_project(monkeypatch, path, title_start: str, language: str = "da", user: str = "demo-admin",
                  tab: str = "measures") -> AppTest:
    """The project's page on the tab the user chose (the page draws only the open tab)."""
    at = open_page(monkeypatch, path, "views/projects.py", language, user=user)
    at.session_state["project-tabs-none"] = translate(language, f"projects.tab_{tab}")
    choices = at.selectbox(key="project").options
    at.selectbox(key="project").select_index(next(i for i, t in enumerate(choices) if t.startswith(title_start))).run()
    assert not at.exception, at.exception
    return at


def _save(at: AppTest, measure_id: int) -> None:
    next(b for b in at.button if b.key and b.key.startswith(f"FormSubmitter:settings-{measure_id}-")).click().run()
    assert not at.exception, at.exception


def _in_order(node) -> list:
    """Every element of the page in the order it is drawn."""
    found = []
    for child in getattr(node, "children", {}).values():
        if getattr(child, "children", None) is not None and child.type not in ("text_input", "multiselect"):
            found += _in_order(child)
        else:
            found.append(child)
    return found


def _right_after(at: AppTest, key: str):
    """The element drawn right after the widget with this key."""
    elements = _in_order(at._tree)
    position = next(i for i, e in enumerate(elements) if getattr(e, "key", None) == key)
    return elements[position + 1]


def _chart_for(at: AppTest, name: str):
    return next(el for el in at.get("vega_lite_chart") if json.loads(el.proto.spec).get("title", {}).get("text") == name)


def _targets(chart) -> set[float]:
    """The target lines the chart draws (Streamlit sends its data apart from the spec, as Arrow)."""
    import pyarrow as pa

    found = set()
    for dataset in chart.proto.datasets:
        frame = pa.ipc.open_stream(dataset.data.data).read_all().to_pandas()
        if "_target" in frame:
            found |= set(frame["_target"].dropna())
    return found


DAYS_TO_DIAGNOSIS = "Kalenderdage fra henvisning til diagnose"  # continuous, weekly, target 12
COMPLETE_REFERRALS = "Andel henvisninger med komplette oplysninger"  # proportion, weekly, target 90 %


def test_a_target_typed_with_a_decimal_comma_is_saved_shown_and_drawn(monkeypatch, demo_copy):
    ids = _ids(demo_copy)
    days, share = ids[DAYS_TO_DIAGNOSIS], ids[COMPLETE_REFERRALS]
    at = _open_project(monkeypatch, demo_copy, "Hurtigere svar")
    assert at.text_input(key=f"set-target-{days}").value == "12"  # not "12.00"
    assert at.text_input(key=f"set-target-{share}").value == "90"  # per cent
    at.text_input(key=f"set-target-{days}").input("7,5")
    _save(at, days)
    assert "Indstillingerne er gemt." in [s.value for s in at.success]
    assert at.text_input(key=f"set-target-{days}").value == "7,5"
    assert _stored(demo_copy, days).target == 7.5
    assert _targets(_chart_for(at, DAYS_TO_DIAGNOSIS)) == {7.5}
    assert any("Mål: 7,5" in c.value for c in at.caption)

    at.text_input(key=f"set-target-{days}").input("12,5")
    _save(at, days)
    assert _stored(demo_copy, days).target == 12.5 and at.text_input(key=f"set-target-{days}").value == "12,5"

    at.text_input(key=f"set-target-{share}").input("7,5")  # 7,5 % of the referrals
    _save(at, share)
    assert _stored(demo_copy, share).target == pytest.approx(0.075)
    assert at.text_input(key=f"set-target-{share}").value == "7,5"
    assert list(_targets(_chart_for(at, COMPLETE_REFERRALS))) == [pytest.approx(0.075)]


def test_a_target_is_removed_by_clearing_the_field(monkeypatch, demo_copy):
    days = _ids(demo_copy)[DAYS_TO_DIAGNOSIS]
    at = _open_project(monkeypatch, demo_copy, "Hurtigere svar")
    at.text_input(key=f"set-target-{days}").input("")
    _save(at, days)
    assert "Indstillingerne er gemt, og målet er fjernet." in [s.value for s in at.success]
    assert _stored(demo_copy, days).target is None
    assert at.text_input(key=f"set-target-{days}").value == ""  # it does not snap back
    assert _targets(_chart_for(at, DAYS_TO_DIAGNOSIS)) == set()
    assert any("Mål: intet" in c.value for c in at.caption)


@pytest.mark.parametrize("typed, says", [
    ("syv", "skal være et tal, fx 7,5"),
    ("7.5", "kan læses på to måder"),   # in Danish a point groups thousands: 75 or 7,5?
    ("150", "skal være mellem 0 og 100 %"),
])
def test_a_bad_target_is_explained_next_to_the_field_and_nothing_is_saved(monkeypatch, demo_copy, typed, says):
    share = _ids(demo_copy)[COMPLETE_REFERRALS]
    before = _stored(demo_copy, share)
    at = _open_project(monkeypatch, demo_copy, "Hurtigere svar")
    at.text_input(key=f"set-target-{share}").input(typed)
    _save(at, share)
    message = _right_after(at, f"set-target-{share}")
    assert message.type == "error"  # right under the field
    assert "Intet blev gemt" in message.value and "**Mål (%)**" in message.value and says in message.value
    assert at.text_input(key=f"set-target-{share}").value == typed  # the user's input is kept
    assert _stored(demo_copy, share) == before


def test_minus_a_billion_days_is_refused_naming_the_target(monkeypatch, demo_copy):
    days = _ids(demo_copy)["Dage mellem fald med skade efter udskrivelse"]
    before = _stored(demo_copy, days)
    at = _open_project(monkeypatch, demo_copy, "Godt hjem")
    at.text_input(key=f"set-target-{days}").input("−1.000.000.000")
    _save(at, days)
    message = _right_after(at, f"set-target-{days}")
    assert "**Mål**" in message.value and "kan ikke være under 0" in message.value
    assert _stored(demo_copy, days) == before


def test_a_deterioration_is_shown_in_a_red_box(monkeypatch, demo_copy):
    con = connect(demo_copy)  # the demo improves; read "lower is better", its rise is a deterioration
    con.execute("UPDATE measure SET direction = 'down' WHERE name = ?", [COMPLETE_REFERRALS])
    con.close()
    at = _open_project(monkeypatch, demo_copy, "Hurtigere svar")
    assert any("tyder på forværring" in e.value for e in at.error)
    assert not any("forværring" in s.value for s in at.success)
    assert any("tyder på forbedring" in s.value for s in at.success)  # the other measures still improve


def test_a_split_that_leaves_one_point_is_refused_next_to_the_splits(monkeypatch, demo_copy):
    share = _ids(demo_copy)[COMPLETE_REFERRALS]
    at = _open_project(monkeypatch, demo_copy, "Hurtigere svar")
    splits = at.multiselect(key=f"set-splits-{share}")
    last = splits.options[-1]
    splits.select(last)
    _save(at, share)
    message = _right_after(at, f"set-splits-{share}")
    assert message.type == "error"
    assert last == "uge 44 2026"  # periods are named as a Danish reader names them
    assert "Fasen fra uge 44 2026 har kun 1 punkt." in message.value and "**Skift**" in message.value
    assert _stored(demo_copy, share).splits == []

    for option in at.multiselect(key=f"set-splits-{share}").options:  # "Select all"
        at.multiselect(key=f"set-splits-{share}").select(option)
    _save(at, share)
    assert "**Skift**" in _right_after(at, f"set-splits-{share}").value
    assert _stored(demo_copy, share).splits == []


def test_too_few_points_never_read_as_only_random_variation(monkeypatch, demo_copy):
    con = connect(demo_copy)
    cur = con.cursor()
    project = next(p for p in list_projects(cur) if p.title.startswith("Hurtigere svar"))
    new = actions.define_measure(cur, ADMIN, Measure(project_id=project.id, name="Nyt mål med få punkter",
                                                     kind="process", data_type="count", period="month"))
    actions.record_data_points(cur, ADMIN, new.id, [{"period": date(2026, m, 1), "value": 4} for m in (1, 2, 3)])
    con.close()
    at = _open_project(monkeypatch, demo_copy, "Hurtigere svar")
    card = _card(at, new.id)
    shown = [e.value for e in _in_order(card) if e.type in ("warning", "info", "success", "error", "markdown")]
    assert "Kun 0 brugbare punkter i den seneste periode." in " ".join(shown)
    assert any(text.startswith("Ingen tegn på en forandring endnu") for text in shown)
    assert not any("Kun tilfældig variation" in text for text in shown)
    assert not any("Længste serie 0 (grænse 0)" in text for text in shown)


def _card(at: AppTest, measure_id: int):
    """The bordered card of one measure."""
    def find(node):
        if getattr(node, "key", None) == f"measure-card-{measure_id}":
            return node
        for child in getattr(node, "children", {}).values():
            hit = find(child)
            if hit is not None:
                return hit
        return None

    card = find(at._tree)
    assert card is not None, f"no card for measure {measure_id}"
    return card


def test_making_data_count_is_offered_only_for_an_i_chart(monkeypatch, demo_copy):
    ids = _ids(demo_copy)
    at = _open_project(monkeypatch, demo_copy, "Hurtigere svar")
    share = ids[COMPLETE_REFERRALS]
    assert not [r for r in at.radio if r.key == f"set-rules-{share}"]  # a P chart: no choice offered
    card = [e.value for e in _in_order(_card(at, share)) if e.type == "caption"]
    assert any("Making Data Count (NHS) gælder kun I-diagrammer" in text for text in card)
    days = ids[DAYS_TO_DIAGNOSIS]  # continuous: an I chart, where both rule sets apply
    assert at.radio(key=f"set-rules-{days}").options == ["Anhøj (seriediagramregler)", "Making Data Count (NHS)"]
    at.selectbox(key=f"set-chart-{days}").set_value("run").run()
    assert not [r for r in at.radio if r.key == f"set-rules-{days}"]  # a run chart: Anhøj only
    assert any("vælg I-diagram som diagramtype" in e.value for e in _in_order(_card(at, days))
               if e.type == "caption")
    at.selectbox(key=f"set-chart-{days}").set_value("i").run()
    at.radio(key=f"set-rules-{days}").set_value("mdc")
    _save(at, days)
    assert "Indstillingerne er gemt." in [s.value for s in at.success]
    assert _stored(demo_copy, days).rules == "mdc"


def test_a_measure_is_archived_after_asking_and_can_be_restored(monkeypatch, demo_copy):
    share = _ids(demo_copy)[COMPLETE_REFERRALS]
    at = _open_project(monkeypatch, demo_copy, "Hurtigere svar")
    at.button(key=f"archive-measure-{share}").click().run()
    assert any(w.value.startswith(f"Arkivér »{COMPLETE_REFERRALS}«?") for w in at.warning)  # it asks first
    assert not _stored(demo_copy, share).archived
    at.button(key=f"archive-measure-no-{share}").click().run()  # changed their mind
    assert not _stored(demo_copy, share).archived
    assert not any(w.value.startswith("Arkivér") for w in at.warning)
    at.button(key=f"archive-measure-{share}").click().run()
    at.button(key=f"archive-measure-yes-{share}").click().run()
    assert not at.exception, at.exception
    assert _stored(demo_copy, share).archived
    assert not [w for w in at.text_input if w.key == f"set-target-{share}"]  # it left the measures tab
    assert COMPLETE_REFERRALS not in [json.loads(el.proto.spec).get("title", {}).get("text")
                                      for el in at.get("vega_lite_chart")]

    assert f"»{COMPLETE_REFERRALS}« er arkiveret." in " ".join(x.value for x in at.success)
    [archived] = [e for e in at.expander if e.label.startswith("Arkiverede indikatorer")]
    assert archived.label == "Arkiverede indikatorer (1)"
    assert any(COMPLETE_REFERRALS in m.value for m in archived.markdown)
    at.button(key=f"restore-measure-{share}").click().run()
    assert not at.exception, at.exception
    assert f"»{COMPLETE_REFERRALS}« er gendannet og vises igen blandt projektets indikatorer." in [
        x.value for x in at.success]
    assert not [e for e in at.expander if e.label.startswith("Arkiverede indikatorer")]  # none archived now
    assert not _stored(demo_copy, share).archived
    assert at.text_input(key=f"set-target-{share}").value == "90"  # back on the tab, as it was


def test_a_cycle_is_archived_after_asking_and_can_be_restored(monkeypatch, demo_copy):
    con = connect(demo_copy)
    cur = con.cursor()
    project = next(p for p in list_projects(cur) if p.title.startswith("Hurtigere svar"))
    cycle = list_cycles(cur, project_id=project.id)[0]
    con.close()
    at = _open_project(monkeypatch, demo_copy, "Hurtigere svar", tab="cycles")
    at.session_state[f"ws-expander-{cycle.id}"] = True  # its worksheet unfolded
    at.run()
    at.button(key=f"archive-cycle-{cycle.id}").click().run()
    from ui.plain import plain

    assert any(w.value.startswith(f"Arkivér »{plain(cycle.title, one_line=True)}«?") for w in at.warning)
    at.button(key=f"archive-cycle-yes-{cycle.id}").click().run()
    assert not at.exception, at.exception
    assert not [b for b in at.button if b.key == f"archive-cycle-{cycle.id}"]  # it left the PDSA list
    con = connect(demo_copy)
    assert get_cycle(con.cursor(), cycle.id).archived
    con.close()
    [archived] = [e for e in at.expander if e.label.startswith("Arkiverede PDSA-cirkler")]
    assert archived.label == "Arkiverede PDSA-cirkler (1)"
    at.button(key=f"restore-cycle-{cycle.id}").click().run()
    assert any("er gendannet og vises igen i PDSA-listen" in x.value for x in at.success)
    assert [b for b in at.button if b.key == f"archive-cycle-{cycle.id}"]  # back in the list
    con = connect(demo_copy)
    assert not get_cycle(con.cursor(), cycle.id).archived
    con.close()


def test_readers_see_no_archive_buttons(monkeypatch, demo_copy):
    at = _open_project(monkeypatch, demo_copy, "Hurtigere svar", user="demo-reader")
    assert not [b for b in at.button if b.key and b.key.startswith(("archive-measure-", "archive-cycle-"))]
    at = _open_project(monkeypatch, demo_copy, "Hurtigere svar", user="demo-reader", tab="cycles")
    sheets = [e.proto.id for e in at.expander if "ws-expander-" in e.proto.id]
    assert sheets
    for cycle_id in (int(s.rsplit("ws-expander-", 1)[1].split("-")[0]) for s in sheets):
        at.session_state[f"ws-expander-{cycle_id}"] = True  # every worksheet unfolded
    at.run()
    assert [m for m in at.markdown if m.value.startswith("Cirklen")], "the worksheets are drawn"
    assert not [b for b in at.button if b.key and b.key.startswith("archive-cycle-")]
