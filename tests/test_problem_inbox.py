"""Problems (issue 9): registering one, the inbox and its triage, merging duplicates, links to
projects, change ideas and observations — in the stores and actions on both engines, and
through the Problems page as a user sees it (AppTest)."""

from __future__ import annotations

import json
import re
from datetime import date
from functools import partial

import pytest
from streamlit.testing.v1 import AppTest

from conftest import read_from
import actions
from actions import Actor, NotAllowed, StaleEdit
from actions.problems import Triage, triage_problems
from pathways import problems as problem_store
from pathways.models import Problem
from pathways.store import get_problem, list_problems
from pdsa.core.audit import list_events
from pdsa.core.db import connect
from pdsa.history import Formatters, HistoryEvent, reference_names, sentence
from pdsa.i18n import translate
from pdsa.models import ChangeIdea, Observation
from pdsa.store.observations import get_observation, list_observations
from pdsa.store.projects import list_change_ideas, list_projects
from test_pages import user_id
from ui.plain import plain

ADMIN = Actor(None, "Anna", roles=frozenset({"administrator"}))
STAFF = Actor(None, "Sara Sygeplejerske", roles=frozenset({"staff"}))
READER = Actor(None, "Rie Læser", roles=frozenset({"reader"}))


def _hip(cur):
    """The demo's hip fracture pathway and its first project."""
    project = next(p for p in list_projects(cur) if p.title.startswith("Hoftebrud – smertefri"))
    return project.pathway_id, project


def _problem(cur, pathway_id: int, title: str, **fields) -> Problem:
    return actions.register_problem(cur, ADMIN, Problem(title=title, pathway_id=pathway_id, source="complaint",
                                                        reported_on=date(2026, 3, 2), **fields))


def _observation(cur, pathway_id: int, text: str, **links) -> Observation:
    return actions.add_observation(cur, ADMIN, Observation(text=text, kind="concern", observed_on=date(2026, 3, 3),
                                                           pathway_id=pathway_id, **links))


def _links(cur, problem_id: int) -> tuple[list[int], list[int]]:
    projects = [r[0] for r in cur.execute(
        "SELECT project_id FROM problem_project WHERE problem_id = ? ORDER BY 1", [problem_id]).fetchall()]
    ideas = [r[0] for r in cur.execute(
        "SELECT change_idea_id FROM problem_change_idea WHERE problem_id = ? ORDER BY 1", [problem_id]).fetchall()]
    return projects, ideas


@pytest.fixture
def fmt(monkeypatch):
    import ui.format

    monkeypatch.setattr(ui.format, "language", lambda: "en")
    return Formatters(number=ui.format.fmt_number, percent=ui.format.fmt_percent, date=ui.format.fmt_date,
                      period=ui.format.fmt_period)


# --- merging ------------------------------------------------------------------------------------

def test_a_merge_moves_links_and_observations_to_the_problem_kept(demo_db, fmt):
    pathway_id, project = _hip(demo_db)
    other = next(p for p in list_projects(demo_db, pathway_id=pathway_id) if p.id != project.id)
    idea = list_change_ideas(demo_db, project.id)[0]
    keep = _problem(demo_db, pathway_id, "Ventetid på smertelindring")
    duplicate = _problem(demo_db, pathway_id, "Venter længe på smertestillende")
    actions.link_problem_to_project(demo_db, ADMIN, keep.id, project.id)
    actions.link_problem_to_project(demo_db, ADMIN, duplicate.id, project.id)  # on both: kept once
    actions.link_problem_to_project(demo_db, ADMIN, duplicate.id, other.id)
    actions.link_problem_to_change_idea(demo_db, ADMIN, duplicate.id, idea.id)
    spoken = _observation(demo_db, pathway_id, "Min mor ventede tre timer", problem_id=duplicate.id)

    kept = actions.merge_problems(demo_db, STAFF, keep.id, duplicate.id)

    assert kept.id == keep.id
    assert sorted(kept.project_ids) == sorted([project.id, other.id])
    assert kept.change_idea_ids == [idea.id]
    assert _links(demo_db, duplicate.id) == ([], [])
    assert get_observation(demo_db, spoken.id).problem_id == keep.id
    assert [o.id for o in list_observations(demo_db, problem_id=keep.id)] == [spoken.id]
    retired = get_problem(demo_db, duplicate.id)
    assert retired.merged_into_id == keep.id and retired.archived
    assert duplicate.id not in [p.id for p in list_problems(demo_db, pathway_id=pathway_id)]
    assert [p.id for p in problem_store.merged_into(demo_db, keep.id)] == [duplicate.id]
    assert [p.id for p in problem_store.problems_for_change_idea(demo_db, idea.id)] == [keep.id]

    # the audit trail says so, on both problems
    told = []
    for problem_id, title in ((duplicate.id, duplicate.title), (keep.id, keep.title)):
        event = list_events(demo_db, entity="problem", entity_id=problem_id, limit=1)[0]
        history = HistoryEvent(**event.model_dump(), subject=title)
        told.append(sentence(history, partial(translate, "en"), fmt, reference_names(demo_db, [history])))
    assert told == ["Sara Sygeplejerske merged *Venter længe på smertestillende* into *Ventetid på smertelindring*"] * 2


def test_a_merge_that_fails_half_way_leaves_everything_as_it_was(demo_db, monkeypatch):
    pathway_id, project = _hip(demo_db)
    keep = _problem(demo_db, pathway_id, "Beholdes")
    duplicate = _problem(demo_db, pathway_id, "Dublet")
    actions.link_problem_to_project(demo_db, ADMIN, duplicate.id, project.id)
    spoken = _observation(demo_db, pathway_id, "Det tog lang tid", problem_id=duplicate.id)
    events = demo_db.execute("SELECT count(*) FROM audit_event").fetchone()[0]

    with pytest.raises(StaleEdit):  # someone changed the duplicate since the user chose it
        actions.merge_problems(demo_db, ADMIN, keep.id, duplicate.id, duplicate_version=duplicate.version - 1)

    real_update = problem_store.update_audited

    def failing(cur, table, row_id, values, **kw):
        if table == "problem":  # after the links and the observation have moved
            raise RuntimeError("the disk is full")
        return real_update(cur, table, row_id, values, **kw)

    monkeypatch.setattr(problem_store, "update_audited", failing)
    with pytest.raises(RuntimeError):
        actions.merge_problems(demo_db, ADMIN, keep.id, duplicate.id)
    monkeypatch.undo()

    assert _links(demo_db, duplicate.id) == ([project.id], [])
    assert _links(demo_db, keep.id) == ([], [])
    assert get_observation(demo_db, spoken.id).problem_id == duplicate.id
    assert get_problem(demo_db, duplicate.id).merged_into_id is None
    assert demo_db.execute("SELECT count(*) FROM audit_event").fetchone()[0] == events


def test_a_merge_refuses_what_does_not_fit(demo_db):
    pathway_id, _ = _hip(demo_db)
    other_pathway = next(p.pathway_id for p in list_projects(demo_db) if p.pathway_id != pathway_id)
    a, b = _problem(demo_db, pathway_id, "A"), _problem(demo_db, pathway_id, "B")
    elsewhere = _problem(demo_db, other_pathway, "C")
    with pytest.raises(ValueError, match="different problems"):
        actions.merge_problems(demo_db, ADMIN, a.id, a.id)
    with pytest.raises(ValueError, match="different pathways"):
        actions.merge_problems(demo_db, ADMIN, a.id, elsewhere.id)
    with pytest.raises(NotAllowed):
        actions.merge_problems(demo_db, READER, a.id, b.id)
    actions.merge_problems(demo_db, ADMIN, a.id, b.id)
    with pytest.raises(ValueError, match="merged already"):
        actions.merge_problems(demo_db, ADMIN, b.id, a.id)


# --- triage ---------------------------------------------------------------------------------------

def test_triage_of_several_rows_is_all_or_nothing(demo_db):
    pathway_id, _ = _hip(demo_db)
    first, second = _problem(demo_db, pathway_id, "Første"), _problem(demo_db, pathway_id, "Anden")
    actions.triage_problem(demo_db, ADMIN, second.id, status="triaged", impact=2, effort=2,
                           expected_version=second.version)  # someone else saves first
    with pytest.raises(StaleEdit) as stale:
        triage_problems(demo_db, STAFF, [Triage(first.id, "triaged", 5, 1, first.version),
                                                 Triage(second.id, "triaged", 4, 4, second.version)])
    assert stale.value.entity_id == second.id and stale.value.changed_by == "Anna"
    assert get_problem(demo_db, first.id).impact is None, "the first row was not saved either"
    saved = triage_problems(demo_db, STAFF, [
        Triage(first.id, "triaged", 5, 1, first.version),
        Triage(second.id, "being_tested", 4, 4, get_problem(demo_db, second.id).version)])
    assert [(p.status, p.impact, p.effort) for p in saved] == [("triaged", 5, 1), ("being_tested", 4, 4)]


# --- observations --------------------------------------------------------------------------------

def test_an_observation_is_linked_to_the_problem_and_project_it_speaks_to(demo_db):
    pathway_id, project = _hip(demo_db)
    problem = _problem(demo_db, pathway_id, "Uro om natten")
    observation = _observation(demo_db, pathway_id, "Ingen kom, da jeg ringede")
    linked = actions.link_observation(demo_db, STAFF, observation.id, problem_id=problem.id, project_id=project.id,
                                      expected_version=observation.version)
    assert (linked.problem_id, linked.project_id) == (problem.id, project.id)
    assert [o.id for o in list_observations(demo_db, problem_id=problem.id)] == [observation.id]
    event = list_events(demo_db, entity="observation", entity_id=observation.id, limit=1)[0]
    assert event.who == STAFF.name and event.after == {"problem_id": problem.id, "project_id": project.id}

    with pytest.raises(StaleEdit):  # the version the user saw is old now
        actions.link_observation(demo_db, STAFF, observation.id, problem_id=None, project_id=None,
                                 expected_version=observation.version)
    other_pathway = next(p for p in list_projects(demo_db) if p.pathway_id != pathway_id)
    with pytest.raises(ValueError, match="another pathway"):
        actions.link_observation(demo_db, STAFF, observation.id, problem_id=None, project_id=other_pathway.id)
    with pytest.raises(NotAllowed):
        actions.link_observation(demo_db, READER, observation.id, problem_id=None, project_id=None)
    merged = _problem(demo_db, pathway_id, "Dublet")
    actions.merge_problems(demo_db, ADMIN, problem.id, merged.id)
    with pytest.raises(ValueError, match="merged into another"):
        actions.link_observation(demo_db, STAFF, observation.id, problem_id=merged.id, project_id=project.id)
    unlinked = actions.link_observation(demo_db, STAFF, observation.id, problem_id=None, project_id=project.id)
    assert unlinked.problem_id is None and unlinked.project_id == project.id


def test_a_change_idea_lists_the_problems_it_answers(db):
    from pathways.models import Pathway
    from pdsa.models import Project

    pathway = actions.create_pathway(db, ADMIN, Pathway(name="Forløb"))
    project = actions.create_project(db, ADMIN, Project(title="P", pathway_id=pathway.id, aim_what="a",
                                                        aim_how_much="b", aim_by_when=date(2027, 1, 1),
                                                        start_date=date(2026, 1, 1)))
    idea_id = actions.add_change_idea(db, ADMIN, project.id, ChangeIdea(text="Tjekliste")).id
    problem = _problem(db, pathway.id, "Glemt information")
    assert problem_store.problems_for_change_idea(db, idea_id) == []
    actions.link_problem_to_change_idea(db, ADMIN, problem.id, idea_id)
    assert [p.id for p in problem_store.problems_for_change_idea(db, idea_id)] == [problem.id]
    assert get_problem(db, problem.id).change_idea_ids == [idea_id]


# --- the page ---------------------------------------------------------------------------------------

def _stored(path, sql: str, params=()):
    return read_from(path, lambda cur: cur.execute(sql, list(params)).fetchall())


def _open(monkeypatch, path, language="en", user="demo-admin", **query) -> AppTest:
    """The Problems page, signed in, optionally opened through a link (?problem=ID)."""
    monkeypatch.setenv("PDSA_DB", str(path))
    at = AppTest.from_file("../streamlit_app.py", default_timeout=60)
    at.session_state["lang"] = language
    at.session_state["signed_in_user_id"] = user_id(path, user)
    at.run()
    for name, value in query.items():
        at.query_params[name] = str(value)
    at.switch_page("views/problems.py").run()
    assert not at.exception, at.exception
    return at


def _shown(at: AppTest) -> str:
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning",
                                  "success", "error") for e in getattr(at, kind)]
    for table in at.dataframe:
        parts += [str(v) for v in table.value.to_numpy().ravel()]
    return " ".join(parts)


def _hip_pathway_id(path) -> int:
    return _stored(path, "SELECT pathway_id FROM project WHERE title LIKE 'Hoftebrud – smertefri%'")[0][0]


def test_registering_a_complaint_puts_it_in_the_inbox(monkeypatch, demo_copy):
    at = _open(monkeypatch, demo_copy)
    pathway_id = at.selectbox(key="pathway").value
    assert at.radio(key=f"register-source-{pathway_id}").value == "complaint", "a complaint is the way in"
    assert translate("en", "problem_forms.complaints_gold") in [e.value for e in at.info]
    at.text_input(key=f"register-title-{pathway_id}").input("Klage: ingen fik besked om udskydelsen")
    at.text_area(key=f"register-description-{pathway_id}").input("Datteren ringede tre gange.")
    at.button[[b.label for b in at.button].index(translate("en", "problem_forms.register_button"))].click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.success] == [
        translate("en", "problem_forms.registered", title=plain("Klage: ingen fik besked om udskydelsen"))]
    table = at.dataframe[0].value
    assert "Klage: ingen fik besked om udskydelsen" in list(table[translate("en", "problems.title")])
    row = table[table[translate("en", "problems.title")] == "Klage: ingen fik besked om udskydelsen"].iloc[0]
    assert row[translate("en", "problems.source")] == translate("en", "source.complaint")
    assert row[translate("en", "problems.status")] == translate("en", "problem_status.new")
    assert at.text_input(key=f"register-title-{pathway_id}").value == "", "the form is ready for the next one"
    assert _stored(demo_copy, "SELECT source, description, reported_on FROM problem WHERE title LIKE 'Klage: ingen%'") == [
        ("complaint", "Datteren ringede tre gange.", date.today())]


def test_a_missing_title_is_said_next_to_the_field_and_nothing_is_saved(monkeypatch, demo_copy):
    at = _open(monkeypatch, demo_copy, "da")
    pathway_id = at.selectbox(key="pathway").value
    before = _stored(demo_copy, "SELECT count(*) FROM problem")
    at.text_area(key=f"register-description-{pathway_id}").input("Noget gik galt")
    at.button[[b.label for b in at.button].index(translate("da", "problem_forms.register_button"))].click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [translate("da", "problem_forms.title_needed")]
    form = list(at.get("form")[0])
    title_at = next(i for i, el in enumerate(form) if getattr(el, "key", None) == f"register-title-{pathway_id}")
    assert (form[title_at + 1].type, form[title_at + 1].value) == (
        "error", translate("da", "problem_forms.title_needed")), "the message stands right under the title"
    assert at.text_area(key=f"register-description-{pathway_id}").value == "Noget gik galt", "the input is kept"
    assert _stored(demo_copy, "SELECT count(*) FROM problem") == before
    assert not at.success


def test_triage_in_the_table_is_saved_and_shown(monkeypatch, demo_copy):
    at = _open(monkeypatch, demo_copy)
    key = at.session_state["problem-triage-editor-key"]
    table = at.dataframe[0].value
    title_column, status_column = translate("en", "problems.title"), translate("en", "problems.status")
    row = next(i for i, status in enumerate(table[status_column]) if status == translate("en", "problem_status.new"))
    title = table[title_column][row]
    at.session_state[key] = {"edited_rows": {row: {status_column: translate("en", "problem_status.triaged"),
                                                   translate("en", "problems.impact"): 5,
                                                   translate("en", "problems.effort"): 1}},
                             "added_rows": [], "deleted_rows": []}
    at.button(key=f"save-triage-{at.selectbox(key='pathway').value}").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.success] == ["1 problem triaged and saved."]
    table = at.dataframe[0].value
    shown = table[table[title_column] == title].iloc[0]
    assert shown[status_column] == translate("en", "problem_status.triaged")
    assert (shown[translate("en", "problems.impact")], shown[translate("en", "problems.effort")]) == (5, 1)
    assert _stored(demo_copy, "SELECT status, impact, effort FROM problem WHERE title = ?", [title]) == [
        ("triaged", 5, 1)]
    assert at.session_state["problem-triage-editor-key"] != key, "a fresh table over the saved values"
    [chart] = at.get("vega_lite_chart")
    data = b"".join(dataset.data.data for dataset in chart.proto.datasets)
    assert title[:20].encode() in data and translate("en", "problem_forms.quarter_quick_wins").encode() in data
    assert any(plain(title, one_line=True) in e.value and "impact 5, effort 1" in e.value for e in at.markdown), \
        "the numbered list under the chart"
    assert json.loads(chart.proto.spec)["layer"][2]["encoding"]["x"]["field"] == "effort"


def test_a_stale_row_says_who_saved_first_and_nothing_is_saved(monkeypatch, demo_copy):
    at = _open(monkeypatch, demo_copy)
    key = at.session_state["problem-triage-editor-key"]
    table = at.dataframe[0].value
    title_column, impact_column = translate("en", "problems.title"), translate("en", "problems.impact")
    first, second = table[title_column][0], table[title_column][1]
    con = connect(demo_copy)  # a colleague triages the second row meanwhile
    problem_id = con.cursor().execute("SELECT id, version FROM problem WHERE title = ?", [second]).fetchone()
    actions.triage_problem(con.cursor(), Actor(None, "Bo Kollega", roles=frozenset({"staff"})), problem_id[0],
                           status="solved", impact=1, effort=1, expected_version=problem_id[1])
    con.close()
    first_impact = table[impact_column][0]
    at.session_state[key] = {"edited_rows": {0: {impact_column: 1 if first_impact == 5 else 5}, 1: {impact_column: 4}},
                             "added_rows": [], "deleted_rows": []}
    at.button(key=f"save-triage-{at.selectbox(key='pathway').value}").click().run()
    assert not at.exception, at.exception
    [error] = at.error
    assert "Bo Kollega" in error.value and plain(second, one_line=True) in error.value
    assert _stored(demo_copy, "SELECT impact FROM problem WHERE title = ?", [first]) == [(first_impact,)], \
        "nothing was saved, not even the row nobody else changed"
    assert at.session_state["problem-triage-editor-key"] == key, "the same table, with the user's edits kept"
    assert at.session_state[key]["edited_rows"][1] == {impact_column: 4}


def test_merging_asks_first_and_then_merges(monkeypatch, demo_copy):
    at = _open(monkeypatch, demo_copy)
    pathway_id = at.selectbox(key="pathway").value
    names = at.selectbox(key=f"merge-keep-{pathway_id}").options
    keep_title = names[0]
    duplicate_title = at.selectbox(key=f"merge-duplicate-{pathway_id}").options[0]
    at.button(key=f"merge-ask-{pathway_id}").click().run()
    [warning] = at.warning
    assert plain(duplicate_title) in warning.value and plain(keep_title) in warning.value
    assert _stored(demo_copy, "SELECT count(*) FROM problem WHERE merged_into_id IS NOT NULL") == [(0,)]
    at.button(key=f"merge-yes-{pathway_id}").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.success] == [
        translate("en", "problem_forms.merged", duplicate=plain(duplicate_title), keep=plain(keep_title))]
    assert duplicate_title not in list(at.dataframe[0].value[translate("en", "problems.title")])
    assert _stored(demo_copy, "SELECT p.title FROM problem p JOIN problem k ON k.id = p.merged_into_id") == [
        (duplicate_title,)]


def test_a_link_opens_the_problem_and_a_project_can_be_linked_there(monkeypatch, demo_copy):
    pathway_id = _hip_pathway_id(demo_copy)
    [(problem_id, title)] = _stored(
        demo_copy, "SELECT id, title FROM problem WHERE pathway_id = ? AND id NOT IN"
                 " (SELECT problem_id FROM problem_project) ORDER BY id LIMIT 1", [pathway_id])
    at = _open(monkeypatch, demo_copy, problem=problem_id)
    assert at.header[0].value == plain(title, one_line=True)
    assert at.selectbox(key="pathway").value == pathway_id, "the problem's pathway is chosen with it"
    assert translate("en", "problem_forms.no_projects") in _shown(at)
    link = at.selectbox(key=f"link-project-{problem_id}")
    project_title = link.options[0]
    at.button(key=f"link-project-{problem_id}-go").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.success] == [translate("en", "problem_forms.linked_project")]
    links = [el for el in at.get("page_link")]
    assert project_title in [el.proto.label for el in links], "the linked project is shown on the problem"
    assert f"new_from_problem={problem_id}" in [el.proto.query_string for el in links], "a project can start from it"
    assert f"project={_stored(demo_copy, 'SELECT project_id FROM problem_project WHERE problem_id = ?', [problem_id])[0][0]}" \
        in [el.proto.query_string for el in links], "the linked project opens through its deep link"
    assert _stored(demo_copy, "SELECT count(*) FROM problem_project WHERE problem_id = ?", [problem_id]) == [(1,)]
    at.button(key="problem-back").click().run()
    assert "problem" not in at.query_params and at.get("form"), "back in the inbox"


def test_an_observation_is_linked_on_the_problems_page(monkeypatch, demo_copy):
    pathway_id = _hip_pathway_id(demo_copy)
    [(problem_id,)] = _stored(demo_copy, "SELECT min(id) FROM problem WHERE pathway_id = ?", [pathway_id])
    at = _open(monkeypatch, demo_copy, "da", problem=problem_id)
    candidates = at.selectbox(key=f"link-observation-{problem_id}")
    observation_text = candidates.options[0]
    at.button(key=f"link-observation-{problem_id}-go").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.success] == [translate("da", "problem_forms.linked_observation")]
    assert observation_text[:40].replace(".", "\\.")[:10] in " ".join(e.value for e in at.markdown) or \
        observation_text[:10] in _shown(at)


def test_a_patient_representative_sees_their_pathway_and_no_triage(monkeypatch, demo_copy):
    at = _open(monkeypatch, demo_copy, user="demo-patient")
    assert len(at.selectbox(key="pathway").options) == 1
    assert "problem-triage-editor-key" not in at.session_state, "a read-only table"
    assert not [b for b in at.button if (b.key or "").startswith("merge-")]
    pathway_id = at.selectbox(key="pathway").value
    assert at.text_input(key=f"register-title-{pathway_id}"), "attached: they may register a problem"
    other = _stored(demo_copy, "SELECT min(id) FROM problem WHERE pathway_id <> ?", [pathway_id])[0][0]
    linked = _open(monkeypatch, demo_copy, user="demo-patient", problem=other)
    assert not linked.header, "a link to another pathway's problem opens nothing"


def test_the_page_without_pathways_points_to_the_pathways_page(monkeypatch, tmp_path):
    path = tmp_path / "empty.duckdb"
    connect(path).close()
    at = _open(monkeypatch, path, "da", user="admin")
    assert at.info[0].value == translate("da", "problem_forms.no_pathways")
    assert "python -m pdsa" not in _shown(at)



def test_a_project_can_start_from_several_problems(monkeypatch, demo_copy):
    at = _open(monkeypatch, demo_copy)
    pathway_id = at.selectbox(key="pathway").value
    chooser = at.multiselect(key=f"project-from-{pathway_id}")
    at = chooser.select(chooser.options[0]).select(chooser.options[1]).run()
    ids = [r[0] for r in _stored(demo_copy, "SELECT id FROM problem WHERE title IN (?, ?)", chooser.options[:2])]
    [link] = [el for el in at.get("page_link") if "new_from_problem" in el.proto.query_string]
    assert sorted(map(int, link.proto.query_string.split("=")[1].replace("%2C", ",").split(","))) == sorted(ids)
    assert link.proto.label == "Create a project from 2 problems"


RAW = re.compile(r"\bNone\b|\bnan\b|\bNaT\b|\b[a-z]+_[a-z_]+\b|\b(?:pathway|problem|project|step)_?id\b")


@pytest.mark.parametrize("language", ["da", "en"])
def test_no_internal_ids_or_raw_values_on_the_page(monkeypatch, demo_copy, language):
    at = _open(monkeypatch, demo_copy, language)
    for index in range(len(at.selectbox(key="pathway").options)):
        at.selectbox(key="pathway").select_index(index).run()
        shown = _shown(at) + " ".join(e.label for kind in ("expander", "button", "selectbox", "multiselect", "radio")
                                      for e in getattr(at, kind))
        assert not RAW.search(shown), RAW.search(shown)
    [(problem_id,)] = _stored(demo_copy, "SELECT min(id) FROM problem")
    opened = _open(monkeypatch, demo_copy, language, problem=problem_id)
    shown = _shown(opened) + " ".join(e.label for e in opened.expander)
    assert not RAW.search(shown), RAW.search(shown)


# --- correcting a problem ----------------------------------------------------------------------------

def test_a_problem_is_corrected_on_the_version_seen_and_a_patient_representative_corrects_only_their_own(demo_db):
    from actions.accounts import actor_for
    from pdsa.store.users import find_user

    pathway_id, _ = _hip(demo_db)
    patient = actor_for(demo_db, find_user(demo_db, "demo-patient"))
    theirs = actions.register_problem(demo_db, patient, Problem(title="Ventede på svar", pathway_id=pathway_id,
                                                                source="patient_or_relative",
                                                                reported_on=date(2026, 3, 1)))
    corrected = actions.edit_problem(demo_db, patient, theirs.model_copy(update={"title": "Ventede tre dage på svar"}))
    assert corrected.title == "Ventede tre dage på svar" and corrected.version == theirs.version + 1
    others = _problem(demo_db, pathway_id, "Personalets problem")
    with pytest.raises(NotAllowed):
        actions.edit_problem(demo_db, patient, others.model_copy(update={"title": "Ændret"}))
    with pytest.raises(StaleEdit):
        actions.edit_problem(demo_db, STAFF, theirs.model_copy(update={"description": "for sent"}))
    other_step = demo_db.execute("SELECT id FROM pathway_step WHERE pathway_id <> ? LIMIT 1", [pathway_id]).fetchone()[0]
    with pytest.raises(ValueError, match="step"):
        actions.edit_problem(demo_db, STAFF, corrected.model_copy(update={"step_id": other_step}))
    assert get_problem(demo_db, theirs.id).title == "Ventede tre dage på svar"


def test_a_problem_is_corrected_on_its_page(monkeypatch, demo_copy):
    [(problem_id, title)] = _stored(demo_copy, "SELECT id, title FROM problem ORDER BY id LIMIT 1")
    at = _open(monkeypatch, demo_copy, "da", problem=problem_id)
    assert at.text_input(key=f"edit-title-{problem_id}").value == title
    at.text_input(key=f"edit-title-{problem_id}").input("  ")
    submit = next(b for b in at.button if b.label == translate("da", "problem_forms.edit_save"))
    submit.click().run()
    assert [e.value for e in at.error] == [translate("da", "problem_forms.title_needed")]
    assert _stored(demo_copy, "SELECT title FROM problem WHERE id = ?", [problem_id]) == [(title,)]
    at.text_input(key=f"edit-title-{problem_id}").input("Ventetid på nerveblokade")
    at.radio(key=f"edit-source-{problem_id}").set_value("complaint")
    next(b for b in at.button if b.label == translate("da", "problem_forms.edit_save")).click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.success] == [translate("da", "problem_forms.edited")]
    assert at.header[0].value == "Ventetid på nerveblokade"
    assert _stored(demo_copy, "SELECT title, source FROM problem WHERE id = ?", [problem_id]) == [
        ("Ventetid på nerveblokade", "complaint")]


def test_a_new_problem_given_impact_and_effort_becomes_triaged(monkeypatch, demo_copy):
    at = _open(monkeypatch, demo_copy)
    key = at.session_state["problem-triage-editor-key"]
    table = at.dataframe[0].value
    title_column, status_column = translate("en", "problems.title"), translate("en", "problems.status")
    row = next(i for i, status in enumerate(table[status_column]) if status == translate("en", "problem_status.new"))
    at.session_state[key] = {"edited_rows": {row: {translate("en", "problems.impact"): 2,
                                                   translate("en", "problems.effort"): 5}},
                             "added_rows": [], "deleted_rows": []}
    at.button(key=f"save-triage-{at.selectbox(key='pathway').value}").click().run()
    assert _stored(demo_copy, "SELECT status, impact, effort FROM problem WHERE title = ?", [table[title_column][row]]) == [
        ("triaged", 2, 5)]


def test_an_empty_inbox_points_to_the_form_or_says_who_registers(monkeypatch, tmp_path):
    from actions.accounts import create_user
    from pathways.models import Pathway

    path = tmp_path / "new.duckdb"
    con = connect(path)
    actions.create_pathway(con.cursor(), ADMIN, Pathway(name="Nyt forløb"))
    create_user(con.cursor(), ADMIN, username="reader", display_name="Rie", roles={"reader"})
    con.close()
    staff = _open(monkeypatch, path, "da", user="admin")
    assert staff.info[-1].value == translate("da", "problem_forms.inbox_empty")
    assert staff.get("form"), "the form the empty state points to is on the page"
    reader = _open(monkeypatch, path, "da", user="reader")
    assert reader.info[-1].value == translate("da", "problem_forms.inbox_empty_reader")
    assert not reader.get("form")


def test_a_link_to_a_merged_duplicate_says_where_it_went(monkeypatch, demo_copy):
    pathway_id = _hip_pathway_id(demo_copy)
    [(keep_id, keep_title), (duplicate_id, duplicate_title)] = _stored(
        demo_copy, "SELECT id, title FROM problem WHERE pathway_id = ? ORDER BY id LIMIT 2", [pathway_id])
    con = connect(demo_copy)
    actions.merge_problems(con.cursor(), Actor(None, "Bo Kollega", roles=frozenset({"staff"})), keep_id, duplicate_id)
    con.close()
    at = _open(monkeypatch, demo_copy, problem=duplicate_id)
    assert translate("en", "problem_forms.was_merged", keep=plain(keep_title, one_line=True)) in [
        e.value for e in at.info]
    assert not [b for b in at.button if (b.key or "").startswith(("link-", "unlink-"))], "nothing to link to a duplicate"
    assert not at.get("form"), "nor to correct"
    history = " ".join(e.value for e in at.markdown)
    assert f"Bo Kollega merged *{plain(duplicate_title, one_line=True)}* into *{plain(keep_title, one_line=True)}*" \
        in history
    at.button(key="open-kept").click().run()
    assert at.header[0].value == plain(keep_title, one_line=True)
    assert translate("en", "problem_forms.absorbed", titles=f"«{plain(duplicate_title, one_line=True)}»") in [
        e.value for e in at.caption]
