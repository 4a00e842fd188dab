"""The project page's charts come from a cache every session shares (ui/chart_cache.py): the
cached spec is the one st.altair_chart would send, valid, and a save shows at once.

Timing is bench/pages.py's job; these tests check only that the cache is right."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import streamlit as st
from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

from conftest import read_from
from actions import Actor, record_data_points, start_cycle
from pdsa.charts import Annotation, ChartLabels, mdc_icons, spc_chart
from pdsa.core.db import connect
from pdsa.core.periods import next_period
from pdsa.i18n import translate
from pdsa.models import PROPORTION_DATA_TYPES, PdsaCycle
from pdsa.series import analyze_measure
from pdsa.store.measures import data_points_frame, get_measure, list_measures
from pdsa.store.projects import list_projects
from test_pages import open_page
from ui.chart_cache import _specs, fingerprint, vega_lite_spec

DAYS_TO_DIAGNOSIS = "Kalenderdage fra henvisning til diagnose"  # continuous, weekly, target 12
ACTOR = Actor(user_id=None, name="test", roles=frozenset({"administrator"}))


def _charts(cur):
    """Every demo measure's chart and icons as the project page builds them."""
    for measure in list_measures(cur):
        points = data_points_frame(cur, [measure.id])
        series, analysis = analyze_measure(measure, points, chart=measure.effective_chart)
        labels = ChartLabels(title=measure.name, subtitle="chart", locale="da-DK")
        notes = [Annotation(date=pd.Timestamp(series.x[len(series) // 2]), label="PDSA 1.1", kind="pdsa")]
        figure = spc_chart(analysis, labels=labels, annotations=notes, show_icons=False,
                           percent=measure.data_type in PROPORTION_DATA_TYPES)
        yield measure, points, labels, notes, figure, mdc_icons(analysis, labels=labels)


def test_the_cached_spec_is_what_st_altair_chart_sends_and_it_is_valid(demo_db_file):
    con = connect(demo_db_file)
    try:
        charts = list(_charts(con.cursor()))
    finally:
        con.close()
    assert len(charts) >= 12 and any(icons is not None for *_, icons in charts)
    for measure, points, labels, notes, figure, icons in charts:
        for chart in (figure, icons) if icons is not None else (figure,):
            chart.to_dict()  # validated against the Vega-Lite schema once, here
            assert vega_lite_spec(chart) == _convert_altair_to_vega_lite_spec(chart), measure.name
        built = []
        key = (measure.id, measure.version, measure.data_version, measure.effective_chart,
               fingerprint(measure, measure.effective_chart, points, labels, notes))
        first = _specs(*key, lambda: built.append(1) or (figure, icons))
        again = _specs(*key, lambda: built.append(1) or (figure, icons))
        assert built == [1], "built once, then taken from the cache"
        assert first == again == (vega_lite_spec(figure), vega_lite_spec(icons) if icons is not None else None)


def test_the_key_changes_with_anything_drawn(demo_db_file):
    con = connect(demo_db_file)
    try:
        measure, points, labels, notes, _figure, _icons = next(_charts(con.cursor()))
    finally:
        con.close()
    digest = fingerprint(measure, "p", points, labels, notes)
    assert fingerprint(measure, "p", points.copy(), labels, list(notes)) == digest
    other_value = points.copy()
    other_value.loc[other_value.index[-1], other_value.columns[3]] = 999  # another database, same ids and versions
    assert fingerprint(measure, "p", other_value, labels, notes) != digest
    assert fingerprint(measure, "p", points.iloc[:-1], labels, notes) != digest
    assert fingerprint(measure, "run", points, labels, notes) != digest
    assert fingerprint(measure.model_copy(update={"target": 0.5}), "p", points, labels, notes) != digest
    assert fingerprint(measure, "p", points, ChartLabels(title=measure.name, locale="en-GB"), notes) != digest
    assert fingerprint(measure, "p", points, labels, []) != digest
    moved = [Annotation(date=notes[0].date + pd.Timedelta(days=7), label="PDSA 1.1", kind="pdsa")]
    assert fingerprint(measure, "p", points, labels, moved) != digest


# --- the page (AppTest) -------------------------------------------------------------------------


def _chart_for(at, name: str):
    return next(el for el in at.get("vega_lite_chart") if json.loads(el.proto.spec).get("title", {}).get("text") == name)


def _frames(chart) -> list[pd.DataFrame]:
    return [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in chart.proto.datasets]


def _targets(chart) -> set[float]:
    return {v for f in _frames(chart) if "_target" in f for v in f["_target"].dropna()}


def _points(chart) -> int:
    return int(next(f for f in _frames(chart) if "y" in f.columns)["y"].notna().sum())


def _open_project(monkeypatch, path, title_start: str = "Hurtigere svar", tab: str = "measures"):
    """The project's page on a tab the user chose (the page draws only the open tab)."""
    at = open_page(monkeypatch, path, "views/projects.py", "da")
    at.session_state["project-tabs-none"] = translate("da", f"projects.tab_{tab}")
    choices = at.selectbox(key="project").options
    at.selectbox(key="project").select_index(next(i for i, t in enumerate(choices) if t.startswith(title_start))).run()
    assert not at.exception, at.exception
    return at


def _measure_id(path, name: str) -> int:
    return read_from(path, lambda cur: next(m.id for m in list_measures(cur) if m.name == name))


def test_a_saved_target_is_drawn_at_once_in_this_session_and_the_next(monkeypatch, demo_copy):
    st.cache_data.clear()
    days = _measure_id(demo_copy, DAYS_TO_DIAGNOSIS)
    at = _open_project(monkeypatch, demo_copy)
    assert _targets(_chart_for(at, DAYS_TO_DIAGNOSIS)) == {12}
    at.run()  # drawn from the cache now
    assert _targets(_chart_for(at, DAYS_TO_DIAGNOSIS)) == {12}
    at.text_input(key=f"set-target-{days}").input("7,5")
    next(b for b in at.button if b.key and b.key.startswith(f"FormSubmitter:settings-{days}-")).click().run()
    assert not at.exception, at.exception
    assert "Indstillingerne er gemt." in [s.value for s in at.success]
    assert _targets(_chart_for(at, DAYS_TO_DIAGNOSIS)) == {7.5}
    at.run()
    assert _targets(_chart_for(at, DAYS_TO_DIAGNOSIS)) == {7.5}
    another = _open_project(monkeypatch, demo_copy)  # another person opening the page afterwards
    assert _targets(_chart_for(another, DAYS_TO_DIAGNOSIS)) == {7.5}


def test_a_point_added_through_the_action_is_on_the_chart_at_the_next_run(monkeypatch, demo_copy):
    st.cache_data.clear()
    days = _measure_id(demo_copy, DAYS_TO_DIAGNOSIS)
    at = _open_project(monkeypatch, demo_copy)
    before = _points(_chart_for(at, DAYS_TO_DIAGNOSIS))
    con = connect(demo_copy)
    try:
        cur = con.cursor()
        measure = get_measure(cur, days)
        last = data_points_frame(cur, [days])["period"].max().date()
        record_data_points(cur, ACTOR, days, [{"period": next_period(last, measure.period), "value": 30.0}])
        assert get_measure(cur, days).data_version > measure.data_version
    finally:
        con.close()
    at.run()
    assert not at.exception, at.exception
    chart = _chart_for(at, DAYS_TO_DIAGNOSIS)
    assert _points(chart) == before + 1
    assert 30.0 in set(next(f for f in _frames(chart) if "y" in f.columns)["y"])


def _ramp(at):
    return next(el for el in at.get("vega_lite_chart")
                if json.loads(el.proto.spec).get("usermeta", {}).get("chart") == "ramp_timeline")


def test_the_ramp_timeline_comes_from_the_cache_and_follows_a_cycle_at_once(monkeypatch, demo_copy):
    """The PDSA tab's timeline is kept for every session, under the cycles it is drawn from: a
    stage saved shows on it at once, in this session and the next."""
    st.cache_data.clear()
    con = connect(demo_copy)
    try:
        cur = con.cursor()
        project = next(p for p in list_projects(cur) if p.title.startswith("Hurtigere svar"))
        cycle = start_cycle(cur, ACTOR, PdsaCycle(project_id=project.id, title="Booking samme dag – 1 patient",
                                                  plan_objective="Kan det lade sig gøre?",
                                                  plan_end=pd.Timestamp.today().date() + pd.Timedelta(days=7)))
    finally:
        con.close()

    def stage_of(at) -> str:
        rows = pd.concat(_frames(_ramp(at)))
        return rows.loc[rows["title"] == cycle.title, "stage"].iloc[0]

    at = _open_project(monkeypatch, demo_copy, tab="cycles")
    assert stage_of(at) == translate("da", "cycle_stage.planning")
    first = _ramp(at).proto.spec
    assert _ramp(_open_project(monkeypatch, demo_copy, tab="cycles")).proto.spec == first, "the next session: cached"
    at.session_state[f"ws-expander-{cycle.id}"] = True
    at.run()
    at.button(key=f"ws-done-plan-{cycle.id}").click().run()
    assert not at.exception, at.exception
    assert stage_of(at) == translate("da", "cycle_stage.doing"), "the saved stage is on the timeline at once"
    assert stage_of(_open_project(monkeypatch, demo_copy, tab="cycles")) == translate("da", "cycle_stage.doing")
