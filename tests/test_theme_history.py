"""A theme's history in plain language (issue 12): the theme's own events — created, goal and name
edited, contributions chosen, archived and restored, its own measures and their data — read in
one portable query on both engines, and on the History page as a leader sees it (AppTest, both
languages, ``?theme=ID`` deep link)."""

from __future__ import annotations

from datetime import date
from functools import partial

import pytest
from streamlit.testing.v1 import AppTest
from test_history import ANNA, BO, hip_fracture_project
from test_pages import open_page, user_id

import actions
from actions import Actor
from pdsa.core.db import connect
from pdsa.history import (
    iter_theme_events,
    reference_names,
    sentence,
    theme_history,
)
from pdsa.i18n import LANGUAGES, translate
from pdsa.models import Measure, PdsaCycle, Project, Theme
from pdsa.store.themes import list_themes

LEADER = Actor(None, "Hanne Dalgaard", roles=frozenset({"leader"}))
DISCHARGE = "Godt koordineret udskrivelse"


@pytest.fixture
def fmt(formatters_in):
    return formatters_in


def told(cur, entries, language: str, fmt) -> list[str]:
    names = reference_names(cur, entries)
    return [sentence(entry, partial(translate, language), fmt(language), names) for entry in entries]


# --- the store, both engines ------------------------------------------------------------------

@pytest.fixture
def theme_worked_on(db):
    """A theme a leader created, edited, fed and archived, next to a project and another theme."""
    _, project = hip_fracture_project(db)
    theme = actions.create_theme(db, ANNA, Theme(name="Tryg overgang", goal="90 % føler sig trygge hjemme"))
    other = actions.create_theme(db, BO, Theme(name="Et andet tema"))
    theme = actions.update_theme(db, BO, theme.model_copy(update={"goal": "95 % føler sig trygge hjemme"}))
    actions.set_theme_contributions(db, ANNA, theme.id, project_ids=[project.id], expected_version=theme.version)
    measure = actions.define_measure(db, ANNA, Measure(
        theme_id=theme.id, name="Andel, der føler sig trygge", kind="outcome", data_type="proportion",
        period="month", target=0.9))
    actions.record_data_points(db, BO, measure.id, [
        {"period": date(2026, m, 1), "numerator": 40 + m, "denominator": 60} for m in range(1, 7)])
    actions.update_chart_settings(db, ANNA, actions.measures.store.get_measure(db, measure.id).model_copy(
        update={"target": 0.85}))
    other_measure = actions.define_measure(db, BO, Measure(
        theme_id=other.id, name="Et andet temas indikator", kind="outcome", data_type="count", period="month"))
    actions.record_data_points(db, BO, other_measure.id, [{"period": date(2026, 1, 1), "value": 3}])
    actions.start_cycle(db, ANNA, PdsaCycle(project_id=project.id, title="Nerveblokade – 1 patient"))
    actions.archive_theme(db, ANNA, theme.id)
    actions.restore_theme(db, BO, theme.id)
    return theme, measure, project, other


@pytest.mark.parametrize("language, expected", [
    ("da", [
        "Bo hentede temaet *Tryg overgang* tilbage fra arkivet",
        "Anna arkiverede temaet *Tryg overgang*",
        "Anna ændrede målværdien for *Andel, der føler sig trygge* fra 90 % til 85 %",
        "Bo indtastede 6 datapunkter for *Andel, der føler sig trygge* (jan. 2026 til jun. 2026)",
        "Anna tilføjede indikatoren *Andel, der føler sig trygge* (Resultatindikator)",
        "Anna valgte, hvad der bidrager til temaet *Tryg overgang*: projekter Hurtigere operation; indikatorer ingen",
        "Bo ændrede målet i *Tryg overgang*",
        "Anna oprettede temaet *Tryg overgang*",
    ]),
    ("en", [
        "Bo brought the theme *Tryg overgang* back from the archive",
        "Anna archived the theme *Tryg overgang*",
        "Anna changed the target of *Andel, der føler sig trygge* from 90 % to 85 %",
        "Bo entered 6 data points for *Andel, der føler sig trygge* (Jan 2026 to Jun 2026)",
        "Anna added the measure *Andel, der føler sig trygge* (Outcome measure)",
        "Anna chose what contributes to the theme *Tryg overgang*: projects Hurtigere operation; measures none",
        "Bo changed the goal in *Tryg overgang*",
        "Anna created the theme *Tryg overgang*",
    ]),
])
def test_a_themes_history_tells_its_own_events_newest_first(db, theme_worked_on, fmt, language, expected):
    theme, _, _, _ = theme_worked_on
    entries, more = theme_history(db, theme.id, limit=100)
    assert not more
    assert [e.newest.id for e in entries] == sorted((e.newest.id for e in entries), reverse=True)
    lines = [line.replace("\\", "") for line in told(db, entries, language, fmt)]
    assert lines == expected, "the theme's own events, and no other theme's or project's"


def test_a_deleted_point_of_a_themes_measure_stays_in_its_history(db, theme_worked_on, fmt):
    theme, measure, _, _ = theme_worked_on
    point = actions.measures.store.list_data_points(db, measure.id)[0]
    actions.save_data_points(db, LEADER, measure.id, deleted_ids=[point.id])
    entries, _ = theme_history(db, theme.id, limit=1)
    [line] = told(db, entries, "en", fmt)
    assert line.replace("\\", "") == "Hanne Dalgaard deleted the data point Jan 2026 of *Andel, der føler sig trygge*"


def test_a_week_without_events_on_a_themes_measure_is_told(db, theme_worked_on, fmt):
    theme, _, _, other = theme_worked_on
    falls = actions.define_measure(db, LEADER, Measure(
        theme_id=theme.id, name="Dage mellem fald", kind="balancing", data_type="days_between", period="day"))
    actions.record_no_event_period(db, LEADER, falls.id, date(2026, 11, 23), today=date(2026, 12, 2))
    entries, _ = theme_history(db, theme.id, limit=2)
    lines = [line.replace("\\", "") for line in told(db, entries, "da", fmt)]
    assert lines == [
        translate("da", "measure_data.history_no_event", who="Hanne Dalgaard", name="Dage mellem fald",
                  period="uge 48 2026"),
        "Hanne Dalgaard tilføjede indikatoren *Dage mellem fald* (Ulempeindikator)",
    ]
    assert all(e.newest.entity != "no_event_period" for e in theme_history(db, other.id, limit=100)[0])


def test_a_project_that_names_the_theme_as_its_own_is_told_in_the_themes_history(db, theme_worked_on, fmt):
    theme, _, project, other = theme_worked_on
    started = actions.create_project(db, ANNA, Project(
        title="Tryg hjem", pathway_id=project.pathway_id, aim_what="a", aim_how_much="b",
        aim_by_when=date(2027, 1, 1), start_date=date(2026, 1, 1), theme_id=theme.id))
    actions.update_project(db, BO, started.model_copy(update={"theme_id": other.id, "aim_what": "Trygge borgere"}))
    moved = actions.projects.store.get_project(db, started.id)
    actions.set_project_status(db, BO, started.id, "sustaining", expected_version=moved.version)
    entries, _ = theme_history(db, theme.id, limit=2)
    assert [line.replace("\\", "") for line in told(db, entries, "en", fmt)] == [
        "Bo took the theme *Tryg overgang* off the project *Tryg hjem*",
        "Anna started the project *Tryg hjem* with the theme *Tryg overgang* as its own",
    ]
    entries, _ = theme_history(db, other.id, limit=1)
    assert [line.replace("\\", "") for line in told(db, entries, "da", fmt)] == [
        "Bo gav projektet *Tryg hjem* temaet *Et andet tema* som sit eget"], "the status change is the project's own"


def test_the_themes_history_is_read_a_batch_at_a_time_and_paged(db, theme_worked_on):
    theme, _, _, _ = theme_worked_on
    whole = [e.id for e in iter_theme_events(db, theme.id, batch=100_000)]
    assert [e.id for e in iter_theme_events(db, theme.id, batch=3)] == whole
    assert len(whole) == 6 + 7, "six data points and seven other events"
    entries, more = theme_history(db, theme.id, limit=3)
    assert len(entries) == 3 and more
    everything, more = theme_history(db, theme.id, limit=8)
    assert not more and everything[:3] == entries


def test_every_event_of_every_demo_theme_is_told_in_both_languages(demo_db, fmt):
    import re

    raw = re.compile(r"\bNone\b|\bnan\b|\b[a-z]+_[a-z_]+\b|history\.|history_page\.")
    seen = set()
    for theme in list_themes(demo_db, include_archived=True):
        entries, _ = theme_history(demo_db, theme.id, limit=10_000)
        assert entries, "every demo theme has a history"
        seen |= {entry.newest.entity for entry in entries}
        for language in LANGUAGES:
            for line in told(demo_db, entries, language, fmt):
                assert line and not raw.search(line), line
    assert {"theme", "measure", "data_point"} <= seen


# --- the page ---------------------------------------------------------------------------------

def _leader_edits_the_discharge_theme(path) -> int:
    """Hanne Dalgaard (the demo's leader) sharpens the goal and archives and restores the theme."""
    con = connect(path)
    try:
        cur = con.cursor()
        theme = next(th for th in list_themes(cur) if th.name == DISCHARGE)
        actions.update_theme(cur, LEADER, theme.model_copy(update={"goal": "85 % oplever udskrivelsen som godt koordineret"}))
        actions.archive_theme(cur, LEADER, theme.id)
        actions.restore_theme(cur, LEADER, theme.id)
        return theme.id
    finally:
        con.close()


def _lines(at: AppTest) -> list[str]:
    return [line.replace("\\", "") for m in at.markdown for line in m.value.splitlines() if line.startswith("- **")]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_leader_chooses_a_theme_and_reads_its_history(monkeypatch, demo_copy, language):
    theme_id = _leader_edits_the_discharge_theme(demo_copy)
    at = open_page(monkeypatch, demo_copy, "views/history.py", language, user="demo-leader")
    assert not at.exception, at.exception
    kind = at.radio(key="history-kind")
    assert kind.label == translate(language, "history_page.kind")
    assert kind.options == [
        translate(language, "history_page.kind_project"), translate(language, "history_page.kind_theme")]
    assert at.selectbox(key="project"), "a project's history, as before, until the reader chooses"
    kind.set_value("theme").run()
    assert not at.exception, at.exception
    at.selectbox(key="theme").set_value(theme_id).run()
    assert not at.exception, at.exception
    assert at.caption[0].value == translate(language, "history_page.theme_purpose"), "what a theme's history tells"
    lines = _lines(at)
    theme = "*Godt koordineret udskrivelse*"
    assert lines[0].endswith(translate(language, "history_page.theme_restored", who="Hanne Dalgaard", name=DISCHARGE)
                             .replace(f"*{DISCHARGE}*", theme))
    assert lines[1].endswith(translate(language, "history_page.theme_archived", who="Hanne Dalgaard", name=DISCHARGE))
    goal = translate(language, "history.changed_text", who="Hanne Dalgaard",
                     field=translate(language, "history_page.field_goal"), name=DISCHARGE)
    assert lines[2].endswith(goal)
    entered = {"da": "indtastede 22 datapunkter for *Andel patienter, der oplever udskrivelsen som godt koordineret*",
               "en": "entered 22 data points for *Andel patienter, der oplever udskrivelsen som godt koordineret*"}
    assert any(entered[language] in line for line in lines), lines
    assert not any("Hurtigere operation" in line or "tilføjede *" in line for line in lines)
    assert at.query_params["theme"] in (str(theme_id), [str(theme_id)]), "the address names the theme"
    assert "project" not in at.query_params


def test_a_link_with_the_theme_opens_its_history(monkeypatch, demo_copy):
    theme_id = _leader_edits_the_discharge_theme(demo_copy)
    monkeypatch.setenv("PDSA_DB", str(demo_copy))
    at = AppTest.from_file("../streamlit_app.py", default_timeout=60)
    at.session_state["lang"] = "en"
    at.session_state["signed_in_user_id"] = user_id(demo_copy, "demo-leader")
    at.run()
    at.query_params["theme"] = str(theme_id)
    at.switch_page("views/history.py").run()
    assert not at.exception, at.exception
    assert at.radio(key="history-kind").value == "theme"
    assert at.selectbox(key="theme").value == theme_id
    assert _lines(at)[0].endswith(f"Hanne Dalgaard brought the theme *{DISCHARGE}* back from the archive")
    # back to a project: the address names the project, not the theme
    at.radio(key="history-kind").set_value("project").run()
    assert not at.exception, at.exception
    assert "theme" not in at.query_params and at.selectbox(key="project")
    assert "project" in at.query_params


def test_an_archived_themes_history_tells_who_archived_it(monkeypatch, demo_copy):
    con = connect(demo_copy)
    theme = next(th for th in list_themes(con.cursor()) if th.name == DISCHARGE)
    actions.archive_theme(con.cursor(), LEADER, theme.id)
    con.close()
    at = open_page(monkeypatch, demo_copy, "views/history.py", "da", user="demo-reader")
    at.radio(key="history-kind").set_value("theme").run()
    chooser = at.selectbox(key="theme")
    assert f"{DISCHARGE} (arkiveret)" in chooser.options, "archived themes can be chosen, and say so"
    chooser.set_value(theme.id).run()
    assert not at.exception, at.exception
    assert _lines(at)[0].endswith(f"Hanne Dalgaard arkiverede temaet *{DISCHARGE}*")


def test_a_link_with_a_project_still_opens_its_history(monkeypatch, demo_copy):
    from pdsa.store.projects import list_projects

    con = connect(demo_copy)
    project = max(list_projects(con.cursor()), key=lambda p: p.id)
    con.close()
    monkeypatch.setenv("PDSA_DB", str(demo_copy))
    at = AppTest.from_file("../streamlit_app.py", default_timeout=60)
    at.session_state["lang"] = "da"
    at.session_state["signed_in_user_id"] = user_id(demo_copy, "demo-leader")
    at.run()
    at.query_params["project"] = str(project.id)
    at.switch_page("views/history.py").run()
    assert not at.exception, at.exception
    assert at.radio(key="history-kind").value == "project"
    assert at.selectbox(key="project").value == project.id


def test_a_patient_representative_reads_no_theme_history(monkeypatch, demo_copy):
    at = open_page(monkeypatch, demo_copy, "views/history.py", "da", user="demo-patient")
    assert not at.exception, at.exception
    assert not [r for r in at.radio if r.key == "history-kind"], "themes gather many projects: not for them"


@pytest.mark.parametrize("language", LANGUAGES)
def test_without_themes_the_page_points_to_the_themes_page(monkeypatch, tmp_path, language):
    from actions.accounts import create_user

    path = tmp_path / "empty.duckdb"
    con = connect(path)
    create_user(con.cursor(), ANNA, username="laeser", display_name="Rie Læser", roles={"reader"})
    con.close()
    for user, text in (("admin", "history_page.no_themes_leader"), ("laeser", "history_page.no_themes")):
        at = open_page(monkeypatch, path, "views/history.py", language, user=user)
        assert not at.exception, at.exception
        at.radio(key="history-kind").set_value("theme").run()
        assert not at.exception, at.exception
        assert at.info[0].value == translate(language, text), user
        [link] = at.get("page_link")
        assert link.proto.label == translate(language, "history_page.to_themes")
