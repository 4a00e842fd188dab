"""What patients see (issue 11): a patient representative, and a patient partner on a team,
reach every page of the app and find no data-entry or statistics control on any of them — no
data table to type in, no measure form, no chart settings, no "Gem data", no import — and the
actions behind those controls refuse them (the permission matrix, tried through the actions).
What they may do is there: the form for their own words."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

import actions
from actions import NotAllowed
from actions.accounts import actor_for
from actions.permissions import PERMISSIONS, Scope, can
from pdsa.core.db import connect
from pdsa.i18n import translate
from pdsa.models import Measure, PdsaCycle, TeamMember
from pdsa.store.measures import list_data_points, list_measures
from pdsa.store.projects import list_projects
from pdsa.store.users import find_user
from test_pages import open_page

ROOT = Path(__file__).resolve().parent.parent
ADMIN = actions.Actor(None, "setup", roles=frozenset({"administrator"}))
PAGES = [p for p in ("views/home.py", "views/overview.py", "views/themes.py", "views/pathways.py",
                     "views/problems.py", "views/projects.py", "views/summary.py", "views/history.py")
         if (ROOT / p).exists()]
PROJECT_TABS = ("projects.tab_team", "projects.tab_drivers", "projects.tab_measures", "projects.tab_cycles",
                "projects.tab_problems")
# Actions on measures, their data and the statistics: never a patient's.
DATA_ACTIONS = sorted(a for a in PERMISSIONS if any(word in a for word in (
    "measure", "data_point", "chart", "point_excluded", "no_event", "import")))
# Widget keys of data-entry and statistics controls (measure forms, data table, chart settings,
# the import wizard, "no event this week"). The measure card's view toggle between its chart and
# a run chart ("chart-<id>") saves nothing, but it is a statistical control too: patients get the
# chart as the team set it. The downloads are left alone.
FORBIDDEN_KEY_PREFIXES = ("measure-new-", "measure-edit-", "data-save-", "data-delete-", "data-", "set-",
                          "import-", "no-event-", "settings-", "chart-")


def _partner_on_another_team(path) -> str:
    """A patient partner with no role of their own, on the home-care project's team."""
    con = connect(path)
    try:
        cur = con.cursor()
        if find_user(cur, "partner-hjem") is None:
            user = actions.create_user(cur, ADMIN, username="partner-hjem", display_name="Poul Partner", roles=set())
            project = next(p for p in list_projects(cur) if p.title == "Godt hjem efter hoftebrud")
            actions.add_team_member(cur, ADMIN, project.id, TeamMember(
                name="Poul Partner", sector="municipality", role="patient_partner", user_id=user.id))
    finally:
        con.close()
    return "partner-hjem"


@pytest.fixture(scope="module")
def demo_path(demo_db_file, tmp_path_factory):
    path = tmp_path_factory.mktemp("patient-controls") / "demo.duckdb"
    shutil.copyfile(demo_db_file, path)
    _partner_on_another_team(path)
    return path


def _forbidden(at, language: str) -> list[str]:
    """Every data-entry or statistics control on the page, named."""
    found = []
    for element in at.dataframe:  # st.data_editor is a dataframe whose editing mode is not read-only
        if element.proto.editing_mode:
            found.append("data editor")
    keyed = [w for kind in ("button", "text_input", "text_area", "selectbox", "multiselect", "radio", "checkbox",
                            "date_input", "number_input", "toggle", "segmented_control")
             for w in getattr(at, kind, [])]
    found += [f"widget {w.key}" for w in keyed if (w.key or "").startswith(FORBIDDEN_KEY_PREFIXES)]
    save_data = translate(language, "measure_data.save")
    found += [f"button {b.label}" for b in at.button if b.label == save_data]
    settings = translate(language, "settings.heading")
    found += [f"expander {e.label}" for e in at.expander if e.label == settings]
    found += ["file uploader" for _ in at.get("file_uploader")]
    return found


def _views(monkeypatch, path, user, language):
    """Every page the person reaches, and each tab of the project page."""
    for page in PAGES:
        at = open_page(monkeypatch, path, page, language, user=user)
        assert not at.exception, (page, [e.value for e in at.exception])
        yield page, at
        if page == "views/projects.py":
            for tab in PROJECT_TABS[1:]:
                at.session_state["project-tabs-none"] = translate(language, tab)  # no measure or cycle linked
                at.run()
                assert not at.exception, (page, tab)
                yield f"{page} ({tab})", at


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("user", ["demo-patient", "partner-hjem"])
def test_no_data_entry_or_statistics_control_on_any_page(monkeypatch, demo_path, user, language):
    seen = {}
    for where, at in _views(monkeypatch, demo_path, user, language):
        seen[where] = _forbidden(at, language)
    assert {where: found for where, found in seen.items() if found} == {}
    assert "views/projects.py (projects.tab_measures)" in seen, "the measures tab was looked at"


def test_the_same_look_finds_them_for_the_team_lead(monkeypatch, demo_path):
    """The check sees the controls where they are: the lead's measures tab."""
    at = open_page(monkeypatch, demo_path, "views/projects.py", "da", user="demo-lead")
    con = connect(demo_path)
    try:
        own = next(iter(actor_for(con.cursor(), find_user(con.cursor(), "demo-lead")).project_roles))
    finally:
        con.close()
    at.query_params["project"] = str(own)
    at.session_state["project-tabs-none"] = translate("da", "projects.tab_measures")
    at.run()
    found = _forbidden(at, "da")
    assert "data editor" in found and f"button {translate('da', 'measure_data.save')}" in found
    assert f"expander {translate('da', 'settings.heading')}" in found
    assert any(f.startswith("widget measure-new-") for f in found)
    assert any(f.startswith("widget chart-") for f in found)


def test_the_patient_representative_finds_the_form_for_their_own_words(monkeypatch, demo_path):
    at = open_page(monkeypatch, demo_path, "views/pathways.py", "da", user="demo-patient")
    assert [a for a in at.text_area if (a.key or "").startswith("pathway-observation-")]
    assert translate("da", "patient_voice.save") in [b.label for b in at.button]


@pytest.mark.parametrize("user", ["demo-patient", "partner-hjem"])
def test_the_actions_behind_those_controls_refuse_them(demo_db, user):
    if user == "partner-hjem":
        _partner_on_own_db(demo_db)
    actor = actor_for(demo_db, find_user(demo_db, user))
    project_id = next(iter(actor.project_roles))
    project = next(p for p in list_projects(demo_db) if p.id == project_id)
    scope = Scope(project_id=project.id, pathway_id=project.pathway_id, theme_id=project.theme_id)
    assert DATA_ACTIONS, "the data actions were found"
    assert [a for a in DATA_ACTIONS if can(actor, a, scope)] == []
    assert not can(actor, "start_cycle", scope) and not can(actor, "update_cycle", scope)

    measure = next(m for m in list_measures(demo_db, project_id=project.id) if list_data_points(demo_db, m.id))
    point = list_data_points(demo_db, measure.id)[0]
    refused = {
        "define_measure": lambda: actions.define_measure(demo_db, actor, Measure(
            project_id=project.id, name="Ny", kind="process", data_type="count", period="month")),
        "update_chart_settings": lambda: actions.update_chart_settings(demo_db, actor, measure.model_copy(
            update={"target": 0.5})),
        "record_data_points": lambda: actions.record_data_points(demo_db, actor, measure.id, [
            {"period": point.period, "value": 1, "numerator": 1, "denominator": 2}]),
        "save_data_points": lambda: actions.save_data_points(demo_db, actor, measure.id, edited=[
            {"id": point.id, "period": point.period, "value": 3}], added=[]),
        "set_point_excluded": lambda: actions.set_point_excluded(demo_db, actor, point.id, True),
        "archive_measure": lambda: actions.archive_measure(demo_db, actor, measure.id),
        "start_cycle": lambda: actions.start_cycle(demo_db, actor, PdsaCycle(project_id=project.id, title="Ny")),
    }
    for name, call in refused.items():
        with pytest.raises(NotAllowed):
            call()
    # what they may: their own words, and a comment on a cycle
    assert can(actor, "add_observation", scope) and can(actor, "comment_on_cycle", scope)
    assert actions.add_observation(demo_db, actor, actions.observations.Observation(
        text="Mine ord", kind="experience", observed_on=date(2026, 11, 1), pathway_id=project.pathway_id,
        project_id=project.id)).created_by == actor.user_id


def _partner_on_own_db(cur) -> None:
    user = actions.create_user(cur, ADMIN, username="partner-hjem", display_name="Poul Partner", roles=set())
    project = next(p for p in list_projects(cur) if p.title == "Godt hjem efter hoftebrud")
    actions.add_team_member(cur, ADMIN, project.id, TeamMember(name="Poul Partner", sector="municipality",
                                                                role="patient_partner", user_id=user.id))
