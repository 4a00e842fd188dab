"""Projects built in the browser (issue 9, slice "projects"): a new project from scratch or from
problems with its aim in three parts, editing with a version check, archive and restore, progress
scores, the project page's deep links (?project=ID&measure=ID / &cycle=ID) and the empty states.

Store and action tests run on both engines; the page tests drive views/projects.py with AppTest
on a copy of the demo and read the database afterwards."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

import pytest
from pydantic import ValidationError

from conftest import read_from
import actions
from actions import Actor, NotAllowed, StaleEdit
from actions.accounts import actor_for
from pathways.models import Pathway, PathwayStep, Problem
from pathways.store import get_problem, list_pathways, list_problems, list_units
from pdsa.core.audit import list_events
from pdsa.core.db import connect
from pdsa.history import HistoryEvent, sentence
from pdsa.i18n import translate
from pdsa.models import ProgressScore, Project
from pdsa.store.cycles import list_cycles
from pdsa.store.measures import list_measures
from pdsa.store.projects import get_project, list_projects
from pdsa.store.users import find_user
from test_pages import open_page as _open_page
from ui.plain import plain
from ui.project_form import aim_warnings

ADMIN = Actor(None, "Anna Admin", roles=frozenset({"administrator"}))
HIP = "Hoftebrud – smertefri"


def _hip(cur) -> Project:
    return next(p for p in list_projects(cur) if p.title.startswith(HIP))


def _new(pathway_id: int, **changes) -> Project:
    values = dict(title="Færre genindlæggelser", pathway_id=pathway_id, aim_what="Genindlæggelser inden for 30 dage",
                  aim_how_much="fra 18 % til 12 %", aim_by_when=date(2027, 6, 1), start_date=date(2026, 9, 1))
    return Project(**{**values, **changes})


# --- the aim's gentle warnings ------------------------------------------------------------------

def test_a_vague_aim_gets_warnings_a_sharp_one_none():
    today = date(2026, 12, 1)
    assert aim_warnings("fra 40 % til 80 %", date(2027, 6, 1), today=today) == []
    assert aim_warnings("markant færre", date(2027, 6, 1), today=today) == ["project_forms.warn_no_number"]
    assert aim_warnings("80 %", date(2026, 1, 1), today=today) == ["project_forms.warn_past_date"]
    assert aim_warnings("", None, today=today) == ["project_forms.warn_no_number", "project_forms.warn_no_date"]


# --- store and actions, both engines --------------------------------------------------------------

def test_create_from_problems_links_them_in_the_same_action(demo_db):
    hip = _hip(demo_db)
    problems = [p for p in list_problems(demo_db, pathway_id=hip.pathway_id)][:2]
    saved = actions.create_project(demo_db, ADMIN, _new(hip.pathway_id), problem_ids=tuple(p.id for p in problems))
    for problem in problems:
        assert saved.id in get_problem(demo_db, problem.id).project_ids
    assert {p.id for p in list_problems(demo_db, project_id=saved.id)} == {p.id for p in problems}


def test_a_problem_on_another_pathway_saves_nothing(demo_db):
    hip = _hip(demo_db)
    other = next(p for p in list_problems(demo_db) if p.pathway_id != hip.pathway_id)
    before = len(list_projects(demo_db, include_archived=True))
    with pytest.raises(ValueError, match="project_ids"):
        actions.create_project(demo_db, ADMIN, _new(hip.pathway_id), problem_ids=(other.id,))
    assert len(list_projects(demo_db, include_archived=True)) == before
    assert all(p.title != "Færre genindlæggelser" for p in list_projects(demo_db, include_archived=True))


def test_update_project_saves_every_field_and_the_units(demo_db):
    hip = _hip(demo_db)
    units = [u.id for u in list_units(demo_db)][:2]
    wanted = hip.model_copy(update={"title": "Hoftebrud – nyt navn", "aim_how_much": "fra 40 % til 90 %",
                                    "aim_by_when": date(2028, 1, 1), "status": "sustaining", "unit_ids": units})
    saved = actions.update_project(demo_db, ADMIN, wanted)
    assert (saved.title, saved.aim_how_much, saved.aim_by_when, saved.status) == (
        "Hoftebrud – nyt navn", "fra 40 % til 90 %", date(2028, 1, 1), "sustaining")
    assert sorted(saved.unit_ids) == sorted(units)
    assert saved.version == hip.version + 1
    events = list_events(demo_db, entity="project", entity_id=hip.id, limit=5)
    assert {"unit_ids"} <= {key for e in events for key in (e.after or {})}
    # only the units changed: the version still goes up, so a stale form notices
    again = actions.update_project(demo_db, ADMIN, saved.model_copy(update={"unit_ids": units[:1]}))
    assert again.unit_ids == units[:1] and again.version == saved.version + 1


def test_a_stale_edit_says_who_saved_first_and_saves_nothing(demo_db):
    hip = _hip(demo_db)
    actions.update_project(demo_db, Actor(None, "Bo Bech", roles=frozenset({"administrator"})),
                           hip.model_copy(update={"aim_how_much": "fra 40 % til 70 %"}))
    with pytest.raises(StaleEdit) as exc:
        actions.update_project(demo_db, ADMIN, hip.model_copy(update={"title": "Mit navn"}))
    assert exc.value.changed_by == "Bo Bech"
    assert get_project(demo_db, hip.id).title == hip.title


def test_the_pathway_cannot_move_away_from_linked_problems(demo_db):
    hip = _hip(demo_db)
    assert list_problems(demo_db, project_id=hip.id), "the demo links problems to the project"
    other = next(p for p in list_pathways(demo_db) if p.id != hip.pathway_id)
    with pytest.raises(ValueError, match="pathway_id"):
        actions.update_project(demo_db, ADMIN, hip.model_copy(update={"pathway_id": other.id}))
    assert get_project(demo_db, hip.id).pathway_id == hip.pathway_id


def test_archive_hides_the_project_and_restore_brings_it_back(demo_db):
    hip = _hip(demo_db)
    actions.archive_project(demo_db, ADMIN, hip.id, expected_version=hip.version)
    assert hip.id not in {p.id for p in list_projects(demo_db)}
    assert hip.id in {p.id for p in list_projects(demo_db, include_archived=True) if p.archived}
    assert hip.id not in {p.id for p in list_projects(demo_db, pathway_id=hip.pathway_id)}
    with pytest.raises(StaleEdit):
        actions.restore_project(demo_db, ADMIN, hip.id, expected_version=hip.version)
    actions.restore_project(demo_db, ADMIN, hip.id)
    assert hip.id in {p.id for p in list_projects(demo_db)}
    trail = [e.after for e in list_events(demo_db, entity="project", entity_id=hip.id, limit=2)]
    assert trail == [{"archived": False}, {"archived": True}]


def test_who_may_edit_archive_and_restore(demo_db):
    hip = _hip(demo_db)
    lead = actor_for(demo_db, find_user(demo_db, "demo-lead"))
    member = actor_for(demo_db, find_user(demo_db, "demo-member"))
    reader = actor_for(demo_db, find_user(demo_db, "demo-reader"))
    with pytest.raises(NotAllowed):
        actions.update_project(demo_db, reader, hip)
    saved = actions.update_project(demo_db, member, hip.model_copy(update={"aim_how_much": "fra 40 % til 85 %"}))
    with pytest.raises(NotAllowed):
        actions.archive_project(demo_db, member, hip.id)
    actions.archive_project(demo_db, lead, hip.id, expected_version=saved.version)
    with pytest.raises(NotAllowed):
        actions.restore_project(demo_db, reader, hip.id)
    actions.restore_project(demo_db, member, hip.id)  # staff restore (a team holds no roles on an archived project)
    assert not get_project(demo_db, hip.id).archived


def test_a_progress_score_off_the_scale_is_refused():
    with pytest.raises(ValidationError):
        ProgressScore(scored_on=date(2026, 3, 1), score=2.2)


# --- the history tells it ----------------------------------------------------------------------

@pytest.mark.parametrize("language, archived, restored", [
    ("en", "Anna archived *Hoftebrud*", "Anna brought *Hoftebrud* back from the archive"),
    ("da", "Anna arkiverede *Hoftebrud*", "Anna hentede *Hoftebrud* tilbage fra arkivet"),
])
def test_archive_and_restore_are_told_in_words(monkeypatch, language, archived, restored):
    import ui.format
    from pdsa.history import Formatters

    monkeypatch.setattr(ui.format, "language", lambda: language)
    fmt = Formatters(number=ui.format.fmt_number, percent=ui.format.fmt_percent, date=ui.format.fmt_date,
                     period=ui.format.fmt_period)

    def told(after):
        event = HistoryEvent(id=1, happened_at=date(2026, 3, 2), who="Anna", actor_id=None, entity="project",
                             entity_id=1, action="update", before={"archived": not after}, after={"archived": after},
                             subject="Hoftebrud")
        return sentence(event, partial(translate, language), fmt)

    assert told(True).startswith(archived)
    assert told(False).startswith(restored)


def test_an_edit_and_an_archive_read_well_in_the_projects_history(demo_db, monkeypatch):
    import ui.format
    from pdsa.history import Formatters, escape_markdown, project_history, reference_names

    monkeypatch.setattr(ui.format, "language", lambda: "en")
    fmt = Formatters(number=ui.format.fmt_number, percent=ui.format.fmt_percent, date=ui.format.fmt_date,
                     period=ui.format.fmt_period)
    hip = _hip(demo_db)
    unit = list_units(demo_db)[0]
    saved = actions.update_project(demo_db, ADMIN, hip.model_copy(update={
        "aim_how_much": "fra 40 % til 90 %", "status": "sustaining", "unit_ids": [unit.id]}))
    actions.archive_project(demo_db, ADMIN, hip.id, expected_version=saved.version)
    actions.restore_project(demo_db, ADMIN, hip.id)
    entries, _ = project_history(demo_db, hip.id, limit=4)
    told = [sentence(e, partial(translate, "en"), fmt, reference_names(demo_db, entries)) for e in entries]
    assert told[0].startswith("Anna Admin brought *Hoftebrud")
    assert told[1].startswith("Anna Admin archived *Hoftebrud")
    assert told[2].endswith(f"set the units of *{escape_markdown(hip.title)}* to {escape_markdown(unit.name)}")
    assert "the status from Active to Sustaining" in told[3] and escape_markdown("fra 40 % til 90 %") in told[3]


# --- the page (AppTest) ---------------------------------------------------------------------------

def open_page(monkeypatch, db_path, page, language, user="demo-admin"):
    """As tests/test_pages.py opens a page; AppTest formats a widget's options outside the script
    run, where no language is chosen: there the page's language is the one the test chose."""
    import ui.format
    import ui.state

    monkeypatch.setattr(ui.state, "language", lambda: language)
    monkeypatch.setattr(ui.format, "language", lambda: language)
    return _open_page(monkeypatch, db_path, page, language, user=user)


def _fill_new(at, **values):
    for name, value in values.items():
        widget = {"title": at.text_input, "aim_what": at.text_input, "aim_how_much": at.text_input,
                  "aim_by_when": at.date_input, "start_date": at.date_input, "pathway_id": at.selectbox,
                  "status": at.selectbox}[name]
        widget(key=f"new-project-{name}").set_value(value)


def _submit(at, label):
    [button] = [b for b in at.button if b.label == label]
    button.click().run()
    assert not at.exception, at.exception


def _shown(at) -> str:
    return " ".join(e.value for kind in ("markdown", "caption", "info", "warning", "success", "error")
                    for e in getattr(at, kind))


def test_a_new_project_with_its_aim_is_saved_and_shown(monkeypatch, demo_copy):
    at = open_page(monkeypatch, demo_copy, "views/projects.py", "en")
    assert not at.exception, at.exception
    pathway = read_from(demo_copy, lambda c: list_pathways(c)[0])
    deadline = date.today() + timedelta(days=300)
    _fill_new(at, title="Faster discharge letters", pathway_id=pathway.id, aim_what="Discharge letters sent the same day",
              aim_how_much="from 55 % to 90 %", aim_by_when=deadline)
    _submit(at, "Create the project")
    assert at.success[0].value == "The project “Faster discharge letters” is created."
    assert not at.warning, "a sharp aim gets no warning"
    saved = read_from(demo_copy, lambda c: next(p for p in list_projects(c) if p.title == "Faster discharge letters"))
    assert at.selectbox(key="project").value == saved.id
    assert at.query_params["project"] == [str(saved.id)] or at.query_params["project"] == str(saved.id)
    assert translate("en", "projects.aim_sentence", what=plain("Discharge letters sent the same day"),
                     how_much=plain("from 55 % to 90 %"), by_when=deadline.isoformat()) in _shown(at)
    lead = read_from(demo_copy, lambda c: get_project(c, saved.id).team)
    assert [m.role for m in lead] == ["lead"], "whoever starts a project becomes its lead"


def test_a_vague_aim_gets_warnings_but_is_saved(monkeypatch, demo_copy):
    at = open_page(monkeypatch, demo_copy, "views/projects.py", "da")
    pathway = read_from(demo_copy, lambda c: list_pathways(c)[0])
    _fill_new(at, title="Bedre overgange", pathway_id=pathway.id, aim_what="Bedre overgange mellem sektorer",
              aim_how_much="markant bedre", start_date=date(2020, 1, 1), aim_by_when=date(2021, 1, 1))
    _submit(at, "Opret projektet")
    assert at.success[0].value == "Projektet »Bedre overgange« er oprettet."
    warning = at.warning[0].value
    assert "Der står intet tal" in warning and "allerede passeret" in warning
    assert read_from(demo_copy, lambda c: [p for p in list_projects(c) if p.title == "Bedre overgange"])


def test_a_missing_title_is_said_next_to_the_field_and_nothing_is_saved(monkeypatch, demo_copy):
    at = open_page(monkeypatch, demo_copy, "views/projects.py", "en")
    before = read_from(demo_copy, lambda c: len(list_projects(c, include_archived=True)))
    pathway = read_from(demo_copy, lambda c: list_pathways(c)[0])
    _fill_new(at, pathway_id=pathway.id, aim_what="Something", aim_how_much="10 %",
              aim_by_when=date.today() + timedelta(days=100))
    _submit(at, "Create the project")
    assert not [e for e in at.success if "created" in e.value]
    [error] = at.error
    assert error.value == translate("en", "error.missing")
    assert _next_to(at, error) == "new-project-title", "the message sits right under the title field"
    assert at.text_input(key="new-project-aim_what").value == "Something", "the input is kept"
    assert read_from(demo_copy, lambda c: len(list_projects(c, include_archived=True))) == before


def test_a_project_made_from_a_problem_links_it(monkeypatch, demo_copy):
    hip = read_from(demo_copy, _hip)
    problem = read_from(demo_copy, lambda c: actions.register_problem(c, ADMIN, Problem(
        title="Lang ventetid på smertestillende", pathway_id=hip.pathway_id, source="complaint",
        reported_on=date(2026, 11, 1))))
    monkeypatch.setenv("PDSA_DB", str(demo_copy))
    at = open_page(monkeypatch, demo_copy, "views/projects.py", "da")
    at.query_params["new_from_problem"] = str(problem.id)
    at.run()
    assert at.text_input(key="new-project-title").value == "Lang ventetid på smertestillende"
    assert at.selectbox(key="new-project-pathway_id").value == hip.pathway_id
    assert at.multiselect(key="new-project-problem_ids").value == [problem.id]
    _fill_new(at, aim_what="Tid til smertestillende", aim_how_much="under 30 minutter for 90 %",
              aim_by_when=date.today() + timedelta(days=200))
    _submit(at, "Opret projektet")
    assert at.success[0].value.startswith("Projektet »Lang ventetid på smertestillende« er oprettet.")
    assert "1 problem er knyttet til projektet." in at.success[0].value
    linked = read_from(demo_copy, lambda c: get_problem(c, problem.id).project_ids)
    assert len(linked) == 1
    assert at.selectbox(key="project").value == linked[0]
    assert "new_from_problem" not in at.query_params


def test_a_stale_edit_says_who_saved_first_and_keeps_the_input(monkeypatch, demo_copy):
    at = open_page(monkeypatch, demo_copy, "views/projects.py", "en")
    hip = read_from(demo_copy, _hip)
    at.selectbox(key="project").set_value(hip.id).run()
    key = f"edit-project-{hip.id}"
    assert at.text_input(key=f"{key}-title").value == hip.title
    read_from(demo_copy, lambda c: actions.update_project(c, Actor(None, "Bo Bech", roles=frozenset({"administrator"})),
                                                      get_project(c, hip.id).model_copy(update={"status": "completed"})))
    at.text_input(key=f"{key}-aim_how_much").set_value("from 40 % to 95 %")
    _submit(at, "Save the changes")
    [error] = at.error
    assert "Bo Bech saved a change to the project" in error.value and "Nothing was saved" in error.value
    assert at.text_input(key=f"{key}-aim_how_much").value == "from 40 % to 95 %", "the input is kept"
    assert read_from(demo_copy, lambda c: get_project(c, hip.id).aim_how_much) == hip.aim_how_much
    _submit(at, "Save the changes")  # a second save saves over theirs
    assert at.success[0].value == "The changes are saved."
    assert read_from(demo_copy, lambda c: get_project(c, hip.id).aim_how_much) == "from 40 % to 95 %"


def test_the_edit_form_is_filled_in_again_after_visiting_another_project(monkeypatch, demo_copy):
    at = open_page(monkeypatch, demo_copy, "views/projects.py", "en")
    hip = read_from(demo_copy, _hip)
    other = read_from(demo_copy, lambda c: next(p.id for p in list_projects(c) if p.id != hip.id))
    at.selectbox(key="project").set_value(hip.id).run()
    at.selectbox(key="project").set_value(other).run()
    at.selectbox(key="project").set_value(hip.id).run()
    assert at.text_input(key=f"edit-project-{hip.id}-title").value == hip.title
    assert at.text_input(key=f"edit-project-{hip.id}-aim_what").value == hip.aim_what


def test_archive_asks_first_then_the_project_leaves_and_can_be_restored(monkeypatch, demo_copy):
    at = open_page(monkeypatch, demo_copy, "views/projects.py", "en")
    hip = read_from(demo_copy, _hip)
    at.selectbox(key="project").set_value(hip.id).run()
    at.button(key=f"archive-{hip.id}").click().run()
    assert "Archive “" in at.warning[0].value, "it asks first"
    assert not read_from(demo_copy, lambda c: get_project(c, hip.id).archived)
    at.button(key=f"archive-yes-{hip.id}").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value.startswith(f"“{hip.title}” is archived.")
    assert hip.title not in at.selectbox(key="project").options
    assert read_from(demo_copy, lambda c: get_project(c, hip.id).archived)
    assert any(e.label.startswith("Archived projects (1)") for e in at.expander)
    at.button(key=f"restore-{hip.id}").click().run()
    assert at.success[0].value == f"“{hip.title}” is restored."
    assert at.selectbox(key="project").value == hip.id
    assert not read_from(demo_copy, lambda c: get_project(c, hip.id).archived)


def test_a_progress_score_is_added_from_the_team_tab(monkeypatch, demo_copy):
    at = open_page(monkeypatch, demo_copy, "views/projects.py", "en")
    hip = read_from(demo_copy, _hip)
    at.selectbox(key="project").set_value(hip.id).run()
    at.selectbox(key=f"progress-score-{hip.id}").set_value(3.5)
    at.text_area(key=f"progress-comment-{hip.id}").set_value("Nerve blocks on every shift")
    _submit(at, "Save the score")
    assert at.success[0].value.startswith("The score 3.5 – Improvement (")
    scores = read_from(demo_copy, lambda c: get_project(c, hip.id).progress)
    assert scores[-1].comment == "Nerve blocks on every shift" or any(
        s.comment == "Nerve blocks on every shift" for s in scores)


def test_a_score_left_empty_is_said_next_to_it(monkeypatch, demo_copy):
    at = open_page(monkeypatch, demo_copy, "views/projects.py", "en")
    hip = read_from(demo_copy, _hip)
    at.selectbox(key="project").set_value(hip.id).run()
    before = len(hip.progress)
    _submit(at, "Save the score")
    assert [e.value for e in at.error] == [translate("en", "error.missing")]
    assert _next_to(at, at.error[0]) == f"progress-score-{hip.id}"
    assert len(read_from(demo_copy, lambda c: get_project(c, hip.id).progress)) == before


def _tabs(at):
    return at.get("tab")


def test_a_deep_link_to_a_cycle_opens_the_cycles_tab_with_the_cycle_unfolded(monkeypatch, demo_copy):
    hip = read_from(demo_copy, _hip)
    cycle = read_from(demo_copy, lambda c: list_cycles(c, project_id=hip.id)[-1])
    monkeypatch.setenv("PDSA_DB", str(demo_copy))
    at = open_page(monkeypatch, demo_copy, "views/projects.py", "en")
    at.query_params["project"] = str(hip.id)
    at.query_params["cycle"] = str(cycle.id)
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="project").value == hip.id
    assert _tab_container(at).default_tab_index == 3  # PDSA cycles
    unfolded = [e for e in at.expander if e.proto.expanded]
    assert [e.label for e in unfolded if plain(cycle.title, one_line=True) in e.label], "the linked cycle is unfolded"
    assert len(unfolded) == 1


def test_a_deep_link_to_a_measure_opens_the_measures_tab(monkeypatch, demo_copy):
    hip = read_from(demo_copy, _hip)
    measure = read_from(demo_copy, lambda c: list_measures(c, project_id=hip.id)[-1])
    at = open_page(monkeypatch, demo_copy, "views/projects.py", "en")
    at.query_params["project"] = str(hip.id)
    at.query_params["measure"] = str(measure.id)
    at.run()
    assert not at.exception, at.exception
    assert _tab_container(at).default_tab_index == 2  # Measures
    first = next(node for node in _walk(at.main) if getattr(node, "type", None) == "markdown"
                 and node.value.startswith("#### ") and node.value != "#### What are we trying to accomplish?"
                 and plain(measure.name, one_line=True) in node.value or False)
    assert first is not None


def test_without_a_link_the_first_tab_opens(monkeypatch, demo_copy):
    at = open_page(monkeypatch, demo_copy, "views/projects.py", "en")
    assert _tab_container(at).default_tab_index == 0
    assert not [e for e in at.expander if e.proto.expanded]


def _walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def _tab_container(at):
    from streamlit.proto.Block_pb2 import Block

    for node in _walk(at.main):
        proto = getattr(node, "proto", None)
        if isinstance(proto, Block) and proto.HasField("tab_container"):
            return proto.tab_container
    raise AssertionError("the page has no tabs")


def _next_to(at, element) -> str | None:
    """The key of the widget drawn right before the element, in the same container."""
    for node in _walk(at.main):
        children = list(getattr(node, "children", {}).values())
        for before, child in zip(children, children[1:]):
            if child is element or (getattr(child, "proto", None) is element.proto):
                return getattr(before, "key", None)
    return None


# --- empty states ---------------------------------------------------------------------------------

@pytest.fixture
def empty_path(tmp_path):
    from actions.accounts import create_user

    path = tmp_path / "empty.duckdb"
    con = connect(path)
    create_user(con.cursor(), ADMIN, username="admin", display_name="Ada Admin", roles={"administrator"})
    con.close()
    return path


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_overview_of_an_empty_database_points_at_the_forms(monkeypatch, empty_path, language):
    at = open_page(monkeypatch, empty_path, "views/overview.py", language, user="admin")
    assert not at.exception, at.exception
    assert at.info[0].value == translate(language, "project_forms.overview_empty")
    assert "python -m pdsa" not in at.info[0].value
    links = [e for e in at.get("page_link")]
    assert {link.proto.page for link in links} >= {"views/pathways.py", "views/projects.py"} or len(links) >= 2


def test_the_projects_page_without_pathways_points_at_the_pathways_page(monkeypatch, empty_path):
    at = open_page(monkeypatch, empty_path, "views/projects.py", "en", user="admin")
    assert not at.exception, at.exception
    assert translate("en", "project_forms.needs_pathway") in _shown(at)
    # no form can be shown before there is a pathway, so the page does not point at one
    assert translate("en", "project_forms.empty_create") not in _shown(at)
    assert [link.proto.label for link in at.get("page_link")] == [translate("en", "project_forms.go_pathways")]


def test_the_projects_page_with_a_pathway_opens_the_form(monkeypatch, empty_path):
    read_from(empty_path, lambda c: actions.create_pathway(c, ADMIN, Pathway(name="Hjertesvigt", steps=[
        PathwayStep(position=1, name="Udskrivelse", sector="hospital")])))
    at = open_page(monkeypatch, empty_path, "views/projects.py", "en", user="admin")
    assert not at.exception, at.exception
    assert at.info[0].value == translate("en", "project_forms.empty_create")
    assert at.expander[0].proto.expanded, "with no projects the New project form is open"
    _fill_new(at, title="Heart failure follow-up", pathway_id=read_from(empty_path, lambda c: list_pathways(c)[0].id),
              aim_what="Follow-up call within 7 days", aim_how_much="90 % of patients",
              aim_by_when=date.today() + timedelta(days=180))
    _submit(at, "Create the project")
    assert at.success[0].value == f"The project “{plain('Heart failure follow-up')}” is created."
    assert at.selectbox(key="project").value == read_from(empty_path, lambda c: list_projects(c)[0].id)
