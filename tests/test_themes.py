"""Themes (issue 12): a leader's citizen-centred goal, the projects and measures that contribute,
and the theme's own outcome measure with its data — in the store and actions on both engines,
and on the Themes page as a leader sees it (AppTest, both languages)."""

from __future__ import annotations

import json
from datetime import date
from functools import partial

import pytest
from streamlit.testing.v1 import AppTest

import actions
from actions import Actor, NotAllowed, StaleEdit
from pdsa.core.db import connect
from pdsa.history import HistoryEvent, reference_names, sentence
from pdsa.i18n import LANGUAGES, translate
from pdsa.models import Measure, Theme
from pdsa.store.measures import get_measure, list_data_points
from pdsa.store.projects import get_project, list_projects
from pdsa.store.themes import (
    chosen_contributions,
    contributing_measure_ids,
    contributing_project_ids,
    list_themes,
    measure_theme_ids,
    project_theme_ids,
    theme_measures,
    themes_of_project,
)
from test_pages import texts, user_id

ADMIN = Actor(None, "test", roles=frozenset({"administrator"}))
LEADER = Actor(None, "Hanne Dalgaard", roles=frozenset({"leader"}))
STAFF = Actor(None, "Søren Holst", roles=frozenset({"staff"}))
DISCHARGE = "Godt koordineret udskrivelse"


def _theme(cur, name=DISCHARGE) -> Theme:
    return next(th for th in list_themes(cur, include_archived=True) if th.name == name)


def _project(cur, start: str):
    return next(p for p in list_projects(cur) if p.title.startswith(start))


# --- the demo ---------------------------------------------------------------------------------

def test_the_demo_has_a_discharge_theme_with_its_projects_measures_and_data(demo_db):
    theme = _theme(demo_db)
    assert theme.goal.startswith("80 % af patienterne oplever udskrivelsen som godt koordineret")
    titles = [get_project(demo_db, p).title for p in contributing_project_ids(demo_db, theme.id)]
    assert titles == ["Godt hjem efter hoftebrud", "KOL – tryg hjem og færre genindlæggelser"]
    assert [get_measure(demo_db, m).name for m in contributing_measure_ids(demo_db, theme.id)] == [
        "Andel med genoptræningsplan sendt på udskrivelsesdagen"]
    [own] = theme_measures(demo_db, theme.id)
    assert own.theme_id == theme.id and own.project_id is None and own.target == 0.8
    assert len(list_data_points(demo_db, own.id)) == 22 and own.freeze_until == date(2025, 10, 1)
    # every theme the projects named has a goal now, and no theme is there twice
    names = [th.name for th in list_themes(demo_db)]
    assert len(names) == len(set(names)) == 5 and all(th.goal for th in list_themes(demo_db))


def test_the_themes_own_measure_shows_the_improvement_it_was_generated_with(demo_db):
    from pdsa.findings import finding_for_last_part
    from pdsa.series import analyze_measure
    from pdsa.store.measures import data_points_frame

    [own] = theme_measures(demo_db, _theme(demo_db).id)
    series, analysis = analyze_measure(own, data_points_frame(demo_db, [own.id]))
    assert finding_for_last_part(analysis).tone == "improvement"


def test_themes_of_projects_and_measures_for_filters(demo_db):
    theme = _theme(demo_db)
    home = _project(demo_db, "Godt hjem")
    assert theme.id in project_theme_ids(demo_db)[home.id]
    assert [th.name for th in themes_of_project(demo_db, home.id)] == [DISCHARGE, "Sammenhæng mellem sektorer"]
    [own] = theme_measures(demo_db, theme.id)
    by_measure = measure_theme_ids(demo_db)
    assert by_measure[own.id] == {theme.id}
    assert all(theme.id in by_measure[m] for m in contributing_measure_ids(demo_db, theme.id))


# --- actions ----------------------------------------------------------------------------------

def test_a_leader_creates_a_theme_chooses_contributions_and_feeds_its_own_measure(demo_db):
    theme = actions.create_theme(demo_db, LEADER, Theme(name="Tryg overgang", goal="90 % føler sig trygge hjemme"))
    cancer = _project(demo_db, "Hurtigere svar")
    kol = _project(demo_db, "KOL")
    kol_measure = next(m for m in actions.measures.store.list_measures(demo_db, project_id=kol.id))
    saved = actions.set_theme_contributions(demo_db, LEADER, theme.id, project_ids=[cancer.id],
                                            measure_ids=[kol_measure.id], expected_version=theme.version)
    assert saved.version == theme.version + 1
    assert contributing_project_ids(demo_db, theme.id) == [cancer.id]
    assert contributing_measure_ids(demo_db, theme.id) == [kol_measure.id]
    assert get_project(demo_db, cancer.id).theme_id != theme.id  # linked, the project's own theme kept

    measure = actions.define_measure(demo_db, LEADER, Measure(
        theme_id=theme.id, name="Andel, der føler sig trygge", kind="outcome", data_type="proportion", period="month",
        target=0.9))
    actions.record_data_points(demo_db, LEADER, measure.id, [
        {"period": date(2026, m, 1), "numerator": 40 + m, "denominator": 60} for m in range(1, 7)])
    assert [m.id for m in theme_measures(demo_db, theme.id)] == [measure.id]
    assert len(list_data_points(demo_db, measure.id)) == 6
    with pytest.raises(NotAllowed):  # a team member is not a leader
        actions.record_data_points(demo_db, STAFF, measure.id, [{"period": date(2026, 7, 1), "numerator": 1,
                                                                 "denominator": 2}])


def test_leaving_out_a_project_that_named_the_theme_empties_its_theme(demo_db):
    theme = _theme(demo_db, "Rettidig behandling")
    [project_id] = contributing_project_ids(demo_db, theme.id)
    before = get_project(demo_db, project_id)
    actions.set_theme_contributions(demo_db, LEADER, theme.id, project_ids=[])
    after = get_project(demo_db, project_id)
    assert after.theme_id is None and after.version == before.version + 1
    assert contributing_project_ids(demo_db, theme.id) == []
    # choosing it again links it (its own theme stays empty)
    actions.set_theme_contributions(demo_db, LEADER, theme.id, project_ids=[project_id])
    assert contributing_project_ids(demo_db, theme.id) == [project_id]
    assert chosen_contributions(demo_db, theme.id).project_ids == (project_id,)


def test_saving_the_same_contributions_again_changes_nothing(demo_db):
    theme = _theme(demo_db)
    events = demo_db.execute("SELECT count(*) FROM audit_event").fetchone()[0]
    actions.set_theme_contributions(demo_db, LEADER, theme.id, project_ids=contributing_project_ids(demo_db, theme.id),
                                    measure_ids=contributing_measure_ids(demo_db, theme.id))
    assert demo_db.execute("SELECT count(*) FROM audit_event").fetchone()[0] == events
    assert _theme(demo_db).version == theme.version


def test_a_stale_edit_saves_nothing_and_says_who(demo_db):
    theme = _theme(demo_db)
    actions.update_theme(demo_db, LEADER, theme.model_copy(update={"goal": "85 % inden 2027"}))
    with pytest.raises(StaleEdit) as caught:
        actions.update_theme(demo_db, ADMIN, theme.model_copy(update={"goal": "Noget andet"}))
    assert caught.value.changed_by == "Hanne Dalgaard"
    assert _theme(demo_db).goal == "85 % inden 2027"
    with pytest.raises(StaleEdit):
        actions.set_theme_contributions(demo_db, LEADER, theme.id, project_ids=[], expected_version=theme.version)
    assert len(contributing_project_ids(demo_db, theme.id)) == 2


def test_a_theme_is_archived_and_restored_with_its_links(demo_db):
    theme = _theme(demo_db)
    projects = contributing_project_ids(demo_db, theme.id)
    actions.archive_theme(demo_db, LEADER, theme.id, expected_version=theme.version)
    assert DISCHARGE not in [th.name for th in list_themes(demo_db)]
    assert [th.name for th in list_themes(demo_db, archived_only=True)] == [DISCHARGE]
    actions.restore_theme(demo_db, LEADER, theme.id)
    assert DISCHARGE in [th.name for th in list_themes(demo_db)]
    assert contributing_project_ids(demo_db, theme.id) == projects


def test_only_leaders_change_themes(demo_db):
    theme = _theme(demo_db)
    for attempt in (lambda: actions.update_theme(demo_db, STAFF, theme.model_copy(update={"goal": "x"})),
                    lambda: actions.set_theme_contributions(demo_db, STAFF, theme.id, project_ids=[]),
                    lambda: actions.archive_theme(demo_db, STAFF, theme.id)):
        with pytest.raises(NotAllowed):
            attempt()
    assert _theme(demo_db).version == theme.version


def test_a_theme_measure_cannot_be_chosen_as_a_contribution(demo_db):
    theme = _theme(demo_db)
    [own] = theme_measures(demo_db, theme.id)
    with pytest.raises(ValueError, match="measure_ids"):
        actions.set_theme_contributions(demo_db, LEADER, theme.id, measure_ids=[own.id])


@pytest.mark.parametrize("language, expected", [
    ("da", "Hanne Dalgaard valgte, hvad der bidrager til temaet *Godt koordineret udskrivelse*: projekter "
           "Hurtigere svar i pakkeforløb for tarmkræft; indikatorer ingen"),
    ("en", "Hanne Dalgaard chose what contributes to the theme *Godt koordineret udskrivelse*: projects "
           "Hurtigere svar i pakkeforløb for tarmkræft; measures none"),
])
def test_the_history_tells_what_a_leader_chose(demo_db, language, expected):
    import ui.format
    from pdsa.history import Formatters

    theme = _theme(demo_db)
    cancer = _project(demo_db, "Hurtigere svar")
    actions.set_theme_contributions(demo_db, LEADER, theme.id, project_ids=[cancer.id])
    row = demo_db.execute("SELECT id, happened_at, who, entity, entity_id, action, before, after FROM audit_event"
                          " WHERE entity = 'theme' ORDER BY id DESC LIMIT 1").fetchone()
    event = HistoryEvent(id=row[0], happened_at=row[1], who=row[2], actor_id=None, entity=row[3], entity_id=row[4],
                         action=row[5], before=_json(row[6]), after=_json(row[7]))
    fmt = Formatters(number=ui.format.fmt_number, percent=ui.format.fmt_percent, date=ui.format.fmt_date,
                     period=ui.format.fmt_period)
    told = sentence(event, partial(translate, language), fmt, reference_names(demo_db, [event]))
    assert told.replace("\\", "") == expected


@pytest.mark.parametrize("language, linked, unlinked", [
    ("da", "Hanne Dalgaard lod *Hurtigere svar i pakkeforløb for tarmkræft* bidrage til temaet "
           "*Godt koordineret udskrivelse*",
     "Hanne Dalgaard tog *Hurtigere svar i pakkeforløb for tarmkræft* ud af temaet *Godt koordineret udskrivelse*"),
    ("en", "Hanne Dalgaard made *Hurtigere svar i pakkeforløb for tarmkræft* contribute to the theme "
           "*Godt koordineret udskrivelse*",
     "Hanne Dalgaard took *Hurtigere svar i pakkeforløb for tarmkræft* out of the theme *Godt koordineret udskrivelse*"),
])
def test_the_projects_own_history_tells_it_joined_and_left_a_theme(demo_db, language, linked, unlinked):
    import ui.format
    from pdsa.history import Formatters, project_history

    theme = _theme(demo_db)
    cancer = _project(demo_db, "Hurtigere svar")
    projects = contributing_project_ids(demo_db, theme.id)
    actions.set_theme_contributions(demo_db, LEADER, theme.id, project_ids=[*projects, cancer.id])
    actions.set_theme_contributions(demo_db, LEADER, theme.id, project_ids=projects)
    entries, _ = project_history(demo_db, cancer.id, limit=2)
    fmt = Formatters(number=ui.format.fmt_number, percent=ui.format.fmt_percent, date=ui.format.fmt_date,
                     period=ui.format.fmt_period)
    names = reference_names(demo_db, entries)
    told = [sentence(entry, partial(translate, language), fmt, names).replace("\\", "") for entry in entries]
    assert told == [unlinked, linked]


def _json(value):
    return value if isinstance(value, dict) else json.loads(value)


# --- the page ---------------------------------------------------------------------------------

def _theme_id(path, name=DISCHARGE) -> int:
    con = connect(path)
    try:
        return _theme(con.cursor(), name).id
    finally:
        con.close()


def open_themes(monkeypatch, path, language: str, *, user="demo-leader", theme: int | None = None) -> AppTest:
    monkeypatch.setenv("PDSA_DB", str(path))
    at = AppTest.from_file("../streamlit_app.py", default_timeout=90)
    at.session_state["lang"] = language
    at.session_state["signed_in_user_id"] = user_id(path, user)
    if theme is not None:
        at.session_state["theme"] = theme
    at.run()
    at.switch_page("views/themes.py").run()
    assert not at.exception, at.exception
    return at


def _charts(at) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("vega_lite_chart")]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_theme_shows_its_projects_their_signals_and_its_own_chart(monkeypatch, demo_copy, language):
    at = open_themes(monkeypatch, demo_copy, language, theme=_theme_id(demo_copy))
    shown = texts(at).replace("\\", "")
    assert at.title[0].value == translate(language, "themes.title")
    assert "80 % af patienterne oplever udskrivelsen som godt koordineret" in shown
    assert translate(language, "themes.projects_heading") in shown
    links = [link.label for link in at.get("page_link")]
    assert any("Godt hjem efter hoftebrud" in label for label in links)
    assert any("KOL – tryg hjem og færre genindlæggelser" in label for label in links)
    assert "Rettidig behandling" not in shown  # another theme's project is not listed
    signals = [translate(language, f"themes.signal.{tone}") for tone in
               ("improvement", "deterioration", "non_random", "random", "too_few_to_tell")]
    assert sum(shown.count(word) for word in signals) >= 3  # two key measures and the chosen one
    assert "Andel med genoptræningsplan sendt på udskrivelsesdagen" in shown
    assert translate(language, "themes.own_measures_heading") in shown
    assert "Andel patienter, der oplever udskrivelsen som godt koordineret" in shown
    assert len(_charts(at)) >= 1, "the theme's own measure is charted"
    assert any(label == translate(language, "themes.open_summary") for label in links)
    history = next(link for link in at.get("page_link") if link.label == translate(language, "themes.open_history"))
    assert history.proto.page.endswith("history") and "theme=" in history.proto.query_string


def test_a_reader_sees_the_theme_but_no_forms(monkeypatch, demo_copy):
    at = open_themes(monkeypatch, demo_copy, "en", user="demo-reader", theme=_theme_id(demo_copy))
    expanders = [e.label for e in at.expander]
    assert "New theme" not in expanders and "Choose what contributes" not in expanders
    assert "Edit the theme" not in expanders
    assert "Godt hjem efter hoftebrud" in " ".join(link.label for link in at.get("page_link"))


def test_a_leader_creates_a_theme_on_the_page(monkeypatch, demo_copy):
    at = open_themes(monkeypatch, demo_copy, "da")
    at.text_input(key="theme-new-name").set_value("")
    at.text_area(key="theme-new-goal").set_value("Alle får en plan")
    at.button(key="FormSubmitter:theme-new-Opret temaet").click().run()
    [error] = at.error
    assert "**Navn**" in error.value, "the message names the field it stands under"
    con = connect(demo_copy)
    assert len(list_themes(con.cursor())) == 5, "nothing was saved"
    con.close()

    at.text_input(key="theme-new-name").set_value("Tryg overgang")
    at.text_area(key="theme-new-goal").set_value("90 % føler sig trygge den første uge hjemme")
    at.button(key="FormSubmitter:theme-new-Opret temaet").click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == ["Temaet »Tryg overgang« er oprettet."]
    assert "90 % føler sig trygge den første uge hjemme" in texts(at).replace("\\", "")
    assert at.info and translate("da", "themes.no_projects") in [i.value for i in at.info]


def test_a_leader_chooses_the_contributing_projects_on_the_page(monkeypatch, demo_copy):
    theme_id = _theme_id(demo_copy, "Ventetid i kræftpakke")
    at = open_themes(monkeypatch, demo_copy, "en", theme=theme_id)
    con = connect(demo_copy)
    kol = _project(con.cursor(), "KOL").id
    con.close()
    chosen = at.multiselect(key=f"theme-links-{theme_id}-projects")
    chosen.set_value([*chosen.value, kol])
    at.button(key=f"theme-links-{theme_id}-save").click().run()
    assert not at.exception, at.exception
    assert "What contributes to “Ventetid i kræftpakke” is saved." in [s.value for s in at.success]
    assert any("KOL – tryg hjem" in link.label for link in at.get("page_link"))
    con = connect(demo_copy)
    assert kol in contributing_project_ids(con.cursor(), theme_id)
    con.close()


def _measures_of(path, project_start: str):
    con = connect(path)
    try:
        cur = con.cursor()
        project = _project(cur, project_start)
        return project, actions.measures.store.list_measures(cur, project_id=project.id)
    finally:
        con.close()


@pytest.fixture
def measure_reads(monkeypatch):
    """Every call of the measure store's list_measures while a page runs: a region database has
    10,000 measures, so the page may read a project's measures but never all of them."""
    import pdsa.store.measures

    calls: list[dict] = []
    real = pdsa.store.measures.list_measures

    def recording(cur, **kwargs):
        calls.append(kwargs)
        return real(cur, **kwargs)

    monkeypatch.setattr(pdsa.store.measures, "list_measures", recording)
    return calls


def _other_measures(at, language: str) -> str:
    """The page's text from the heading "Other contributing measures" on (empty without it)."""
    shown = texts(at).replace("\\", "")
    heading = f"#### {translate(language, 'themes.other_measures_heading')}"
    return shown[shown.index(heading):] if heading in shown else ""


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_leader_adds_a_single_measure_from_a_picked_project_and_removes_it(monkeypatch, demo_copy, measure_reads,
                                                                             language):
    theme_id = _theme_id(demo_copy, "Ventetid i kræftpakke")
    kol, kol_measures = _measures_of(demo_copy, "KOL")
    wanted = kol_measures[-1]
    prefix = f"theme-links-{theme_id}"
    at = open_themes(monkeypatch, demo_copy, language, theme=theme_id)
    assert f"{prefix}-pick-measures" not in [m.key for m in at.multiselect], "no measures before a project"
    assert _other_measures(at, language) == ""

    at.selectbox(key=f"{prefix}-pick-project").set_value(kol.id).run()
    offered = at.multiselect(key=f"{prefix}-pick-measures")
    assert sorted(offered.options) == sorted(m.name for m in kol_measures), "only the picked project's measures"
    offered.set_value([wanted.id])
    at.button(key=f"{prefix}-add").click().run()
    assert not at.exception, at.exception
    assert at.button(key=f"{prefix}-remove-{wanted.id}") is not None
    assert f"{kol.title} · **{wanted.name}**" in texts(at).replace("\\", "")
    assert wanted.name not in at.multiselect(key=f"{prefix}-pick-measures").options, "a chosen one is not offered"
    assert translate(language, "themes.links_unsaved") in [c.value for c in at.caption]
    con = connect(demo_copy)
    assert contributing_measure_ids(con.cursor(), theme_id) == [], "nothing is saved before Save"
    con.close()

    at.button(key=f"{prefix}-save").click().run()
    assert not at.exception, at.exception
    saved = translate(language, "themes.links_saved", name="Ventetid i kræftpakke")
    assert saved.replace("\\", "") in [s.value.replace("\\", "") for s in at.success]
    assert wanted.name in _other_measures(at, language)
    assert translate(language, "themes.links_unsaved") not in [c.value for c in at.caption]
    con = connect(demo_copy)
    assert contributing_measure_ids(con.cursor(), theme_id) == [wanted.id]
    con.close()

    at.button(key=f"{prefix}-remove-{wanted.id}").click().run()
    assert not [b for b in at.button if b.key == f"{prefix}-remove-{wanted.id}"]
    at.button(key=f"{prefix}-save").click().run()
    assert not at.exception, at.exception
    assert saved.replace("\\", "") in [s.value.replace("\\", "") for s in at.success]
    assert _other_measures(at, language) == ""
    con = connect(demo_copy)
    assert contributing_measure_ids(con.cursor(), theme_id) == []
    con.close()
    assert measure_reads and all(call.get("project_id") is not None for call in measure_reads), \
        "the page never reads every measure of the region"


def test_a_stale_choice_says_who_saved_first_and_keeps_the_choice(monkeypatch, demo_copy):
    theme_id = _theme_id(demo_copy, "Ventetid i kræftpakke")
    kol, kol_measures = _measures_of(demo_copy, "KOL")
    wanted = kol_measures[0]
    prefix = f"theme-links-{theme_id}"
    at = open_themes(monkeypatch, demo_copy, "en", theme=theme_id)
    at.selectbox(key=f"{prefix}-pick-project").set_value(kol.id).run()
    at.multiselect(key=f"{prefix}-pick-measures").set_value([wanted.id])
    at.button(key=f"{prefix}-add").click().run()

    con = connect(demo_copy)  # another leader saves first
    cur = con.cursor()
    others = contributing_project_ids(cur, theme_id)
    actions.set_theme_contributions(cur, ADMIN, theme_id, project_ids=[*others, kol.id])
    con.close()

    at.button(key=f"{prefix}-save").click().run()
    assert not at.exception, at.exception
    [error] = at.error
    assert "changed the theme" in error.value and "Nothing was saved" in error.value
    assert at.button(key=f"{prefix}-remove-{wanted.id}") is not None, "the choice is kept"
    con = connect(demo_copy)
    assert contributing_measure_ids(con.cursor(), theme_id) == []
    con.close()

    at.button(key=f"{prefix}-save").click().run()  # a second Save saves over theirs
    assert not at.exception, at.exception
    assert "What contributes to “Ventetid i kræftpakke” is saved." in [s.value for s in at.success]
    con = connect(demo_copy)
    assert contributing_measure_ids(con.cursor(), theme_id) == [wanted.id]
    assert kol.id not in contributing_project_ids(con.cursor(), theme_id), "the shown projects were saved"
    con.close()


def test_the_chosen_measures_names_are_read_without_the_regions_measures(demo_db):
    from pdsa.store.themes import measure_names

    theme = _theme(demo_db)
    [chosen] = contributing_measure_ids(demo_db, theme.id)
    [own] = theme_measures(demo_db, theme.id)
    measure = get_measure(demo_db, chosen)
    assert measure_names(demo_db, [chosen, own.id, -1]) == {chosen: (measure.project_id, measure.name)}
    assert measure_names(demo_db, []) == {}


def test_a_leader_defines_the_themes_own_measure_with_the_teams_form(monkeypatch, demo_copy):
    theme_id = _theme_id(demo_copy, "Ventetid i kræftpakke")
    at = open_themes(monkeypatch, demo_copy, "en", theme=theme_id)
    prefix = f"measure-new-theme-{theme_id}"
    assert not [c for c in at.checkbox if c.key == f"{prefix}-is_key"], "a theme's measures have no key measure"
    at.text_input(key=f"{prefix}-name").set_value("Share answered within the standard time")
    at.text_input(key=f"{prefix}-target").set_value("90")
    at.button(key=f"FormSubmitter:{prefix}-Add the measure").click().run()
    assert not at.exception, at.exception
    assert any("Share answered within the standard time" in s.value for s in at.success)
    con = connect(demo_copy)
    [measure] = theme_measures(con.cursor(), theme_id)
    con.close()
    assert measure.target == 0.9 and measure.project_id is None
    assert any(f"measure-card-{measure.id}" in (c.key or "") for c in at.get("flex_container")) or \
        "Share answered within the standard time" in texts(at)


def test_a_leader_enters_the_themes_data_in_the_teams_table(monkeypatch, demo_copy):
    theme_id = _theme_id(demo_copy)
    con = connect(demo_copy)
    [measure] = theme_measures(con.cursor(), theme_id)
    before = len(list_data_points(con.cursor(), measure.id))
    con.close()
    at = open_themes(monkeypatch, demo_copy, "da", theme=theme_id)
    at.session_state[f"data-table-{measure.id}-0"] = {
        "edited_rows": {}, "deleted_rows": [],
        "added_rows": [{"period": "2026-11-01", "numerator": "71", "denominator": "88", "note": None,
                        "excluded": False}]}
    at.button(key=f"data-save-{measure.id}").click().run()
    assert not at.exception, at.exception
    assert any("1 række tilføjet" in s.value for s in at.success), [s.value for s in at.success]
    con = connect(demo_copy)
    points = list_data_points(con.cursor(), measure.id)
    con.close()
    assert len(points) == before + 1 and (points[-1].numerator, points[-1].denominator) == (71, 88)


def test_a_leader_archives_and_restores_a_theme_on_the_page(monkeypatch, demo_copy):
    theme_id = _theme_id(demo_copy, "Rettidig behandling")
    at = open_themes(monkeypatch, demo_copy, "en", theme=theme_id)
    at.button(key=f"theme-archive-{theme_id}").click().run()
    assert any("Archive the theme “Rettidig behandling”?" in w.value for w in at.warning)
    at.button(key=f"theme-archive-yes-{theme_id}").click().run()
    assert not at.exception, at.exception
    assert "The theme “Rettidig behandling” is archived. It can be restored under “Archived themes”." in [
        s.value for s in at.success]
    assert "Rettidig behandling" not in at.selectbox(key="theme").options
    assert "Archived themes (1)" in [e.label for e in at.expander]
    at.button(key=f"theme-restore-{theme_id}").click().run()
    assert "The theme “Rettidig behandling” is restored." in [s.value for s in at.success]
    assert "Rettidig behandling" in at.selectbox(key="theme").options


def test_a_themes_measure_is_archived_on_its_card_and_restored(monkeypatch, demo_copy):
    theme_id = _theme_id(demo_copy)
    con = connect(demo_copy)
    [measure] = theme_measures(con.cursor(), theme_id)
    con.close()
    at = open_themes(monkeypatch, demo_copy, "en", theme=theme_id)
    at.button(key=f"archive-measure-{measure.id}").click().run()
    at.button(key=f"archive-measure-yes-{measure.id}").click().run()
    assert not at.exception, at.exception
    assert any("is archived" in s.value for s in at.success), [s.value for s in at.success]
    assert translate("en", "themes.no_own_measures_define") in [i.value for i in at.info]
    at.button(key=f"restore-measure-{measure.id}").click().run()
    assert any("is restored and shown among the theme's measures again" in s.value for s in at.success)
    assert "#### Andel patienter, der oplever udskrivelsen som godt koordineret" in texts(at).replace("\\", "")


@pytest.mark.parametrize("language", LANGUAGES)
def test_without_themes_a_leader_is_pointed_at_the_form(monkeypatch, tmp_path, language):
    from test_pages import TERMINAL_COMMAND
    from actions.accounts import create_user

    path = tmp_path / "empty.duckdb"
    con = connect(path)
    create_user(con.cursor(), ADMIN, username="leder", display_name="Lise Leder", roles={"leader"})
    create_user(con.cursor(), ADMIN, username="laeser", display_name="Lars Læser", roles={"reader"})
    con.close()
    at = open_themes(monkeypatch, path, language, user="leder")
    said = " ".join(info.value for info in at.info)
    assert said == translate(language, "themes.empty_create") and not TERMINAL_COMMAND.search(said)
    assert translate(language, "themes.new_heading") in [e.label for e in at.expander]
    assert at.text_input(key="theme-new-name") is not None
    reader = open_themes(monkeypatch, path, language, user="laeser")
    assert " ".join(info.value for info in reader.info) == translate(language, "themes.empty_ask")
