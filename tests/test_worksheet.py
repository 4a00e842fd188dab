"""The PDSA worksheet (issue 10): cycles started and moved Plan → Do → Study → Act in the browser,
the next cycle of a ramp, comments on a cycle with the team's answers, and the ramp timeline.

Store and action tests run on DuckDB and PostgreSQL (the ``db``/``demo_db`` fixtures); the page
tests open the Danish demo's project page with AppTest.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from functools import partial

import pytest
from pydantic import ValidationError
from streamlit.testing.v1 import AppTest

from conftest import read_from
import actions
from actions import Actor, NotAllowed
from pdsa.history import project_history, reference_names, sentence
from pdsa.i18n import LANGUAGES, catalogue, translate
from pdsa.models import PdsaCycle
from pdsa.store.cycle_comments import list_comments
from pdsa.store.cycles import get_cycle, list_cycles, ramps
from pdsa.store.measures import list_measures
from pdsa.store.projects import list_projects
from ui.ramp_chart import RampLabels, ramp_rows, ramp_timeline

ADMIN = Actor(None, "setup", roles=frozenset({"administrator"}))


def _first_project(cur):
    return next(p for p in list_projects(cur) if p.title.startswith("Hoftebrud – smertefri"))


def _people(project_id: int, pathway_id: int) -> dict[str, Actor]:
    return {
        "lead": Actor(None, "Mette Kjær Andersen", roles=frozenset({"staff"}),
                      project_roles={project_id: frozenset({"lead"})}),
        "partner": Actor(None, "Birthe Mortensen", roles=frozenset({"patient_representative"}),
                         project_roles={project_id: frozenset({"patient_partner"})}),
        "attached": Actor(None, "Karen Patient", roles=frozenset({"patient_representative"}),
                          attached_pathways=frozenset({pathway_id})),
        "elsewhere": Actor(None, "Ole Udenfor", roles=frozenset({"patient_representative"}),
                           attached_pathways=frozenset({pathway_id + 999})),
        "staff": Actor(None, "Sara Staff", roles=frozenset({"staff"})),
        "reader": Actor(None, "Rie Læser", roles=frozenset({"reader"})),
    }


# --- comments: store and actions, both engines ------------------------------------------------

def test_a_comment_and_the_teams_answer_are_kept_with_the_authors_role(demo_db):
    project = _first_project(demo_db)
    cycle = list_cycles(demo_db, project_id=project.id)[0]
    who = _people(project.id, project.pathway_id)
    asked = actions.comment_on_cycle(demo_db, who["partner"], cycle.id, "plan",
                                     "Husk at spørge, om patienten kan høre forklaringen i akutmodtagelsen.")
    answer = actions.answer_cycle_comment(demo_db, who["lead"], asked.id, "Godt set – vi tager det med på tjeklisten.")
    attached = actions.comment_on_cycle(demo_db, who["attached"], cycle.id, "study", "Gjorde det en forskel?")
    found = list_comments(demo_db, [cycle.id])
    assert [(c.stage, c.author_role, c.author_name, c.reply_to) for c in found] == [
        ("plan", "patient_partner", "Birthe Mortensen", None),
        ("plan", "lead", "Mette Kjær Andersen", asked.id),
        ("study", "patient_representative", "Karen Patient", None),
    ]
    assert answer.created_at is not None and attached.version == 1 and not attached.archived


def test_who_may_comment_and_answer(demo_db):
    project = _first_project(demo_db)
    cycle = list_cycles(demo_db, project_id=project.id)[0]
    who = _people(project.id, project.pathway_id)
    asked = actions.comment_on_cycle(demo_db, who["lead"], cycle.id, "plan", "Et spørgsmål")
    for name in ("elsewhere", "staff", "reader"):
        with pytest.raises(NotAllowed):
            actions.comment_on_cycle(demo_db, who[name], cycle.id, "plan", "Må jeg?")
    for name in ("partner", "attached", "staff", "reader"):
        with pytest.raises(NotAllowed):
            actions.answer_cycle_comment(demo_db, who[name], asked.id, "Svar")
    assert len(list_comments(demo_db, [cycle.id])) == 1


def test_a_comment_is_checked_before_anything_is_saved(demo_db):
    project = _first_project(demo_db)
    first, second = list_cycles(demo_db, project_id=project.id)[:2]
    lead = _people(project.id, project.pathway_id)["lead"]
    with pytest.raises(ValidationError) as refused:
        actions.comment_on_cycle(demo_db, lead, first.id, "plan", "Patienten 010203-1234 sagde ja")
    assert "010203" not in str(refused.value), "the CPR number is not repeated"
    with pytest.raises(ValidationError):
        actions.comment_on_cycle(demo_db, lead, first.id, "plan", "   ")
    with pytest.raises(ValidationError):
        actions.comment_on_cycle(demo_db, lead, first.id, "later", "Hvornår?")
    asked = actions.comment_on_cycle(demo_db, lead, first.id, "study", "Hvad viste data?")
    answer = actions.answer_cycle_comment(demo_db, lead, asked.id, "Et fald")
    assert answer.stage == "study", "an answer is written at the stage of the comment it answers"
    from pdsa.models import CycleComment
    from pdsa.store.cycle_comments import add_comment

    with pytest.raises(ValueError, match="another cycle"):
        actions.perform.perform(demo_db, ADMIN, "answer_cycle_comment", lambda c: add_comment(c, CycleComment(
            cycle_id=second.id, stage="plan", text="Forkert cirkel", author_name="x", author_role="lead",
            reply_to=asked.id)), target=None)
    assert len(list_comments(demo_db, [first.id, second.id])) == 2


def test_comments_are_told_in_the_projects_history(demo_db):
    import ui.format

    project = _first_project(demo_db)
    cycle = list_cycles(demo_db, project_id=project.id)[0]
    who = _people(project.id, project.pathway_id)
    asked = actions.comment_on_cycle(demo_db, who["partner"], cycle.id, "plan", "Tænk på de pårørende")
    actions.answer_cycle_comment(demo_db, who["lead"], asked.id, "Det gør vi")
    entries, _ = project_history(demo_db, project.id, limit=2)
    from pdsa.history import Formatters

    fmt = Formatters(number=ui.format.fmt_number, percent=ui.format.fmt_percent, date=ui.format.fmt_date,
                     period=ui.format.fmt_period)
    told = [sentence(e, partial(translate, "da"), fmt, reference_names(demo_db, entries)) for e in entries]
    assert told == [f"Mette Kjær Andersen svarede på en kommentar til *{cycle.title}* (Planlæg)",
                    f"Birthe Mortensen kommenterede *{cycle.title}* (Planlæg)"]


def test_the_next_cycle_of_a_ramp_is_numbered_on(db):
    from pathways.models import Pathway
    from pdsa.models import Project

    pathway = actions.create_pathway(db, ADMIN, Pathway(name="Hoftebrud"))
    project = actions.create_project(db, ADMIN, Project(
        title="P", pathway_id=pathway.id, aim_what="a", aim_how_much="b", aim_by_when=date(2027, 1, 1),
        start_date=date(2026, 1, 1)))
    first = actions.start_cycle(db, ADMIN, PdsaCycle(project_id=project.id, title="1 patient"))
    second = actions.start_cycle(db, ADMIN, PdsaCycle(project_id=project.id, parent_id=first.id, title="5 patienter"))
    assert (first.cycle_number, second.cycle_number) == (1, 2)
    assert [[c.id for c in ramp] for ramp in ramps(list_cycles(db, project_id=project.id))] == [[first.id, second.id]]
    assert list_comments(db, [first.id]) == []


# --- the ramp timeline ------------------------------------------------------------------------

def test_the_ramp_timeline_has_a_row_per_idea_and_a_bar_per_cycle():
    cycles = [
        PdsaCycle(id=1, project_id=1, change_idea_id=7, title="1 patient", do_start=date(2026, 4, 7),
                  do_end=date(2026, 4, 7), act_decision="adapt"),
        PdsaCycle(id=2, project_id=1, change_idea_id=7, parent_id=1, cycle_number=2, title="1 uge",
                  do_start=date(2026, 4, 13), plan_end=date(2026, 4, 19)),
        PdsaCycle(id=3, project_id=1, change_idea_id=None, title="Kun planlagt", plan_end=date(2026, 5, 1)),
        PdsaCycle(id=4, project_id=1, change_idea_id=8, title="Ingen dato"),
    ]
    labels = RampLabels(stages={"acted": "afsluttet", "doing": "udføres", "planning": "planlægges"},
                        decisions={"adapt": "Tilpas"}, no_idea="(uden ændringsidé)")
    rows = ramp_rows(cycles, {7: "Nerveblokade", 8: "Slot"}, labels, today=date(2026, 4, 25))
    assert list(rows["label"]) == ["PDSA 1.1 · Tilpas", "PDSA 1.2", "PDSA 2.1"]
    assert list(rows["idea"]) == ["Nerveblokade", "Nerveblokade", "(uden ændringsidé)"]
    assert list(rows["stage"]) == ["afsluttet", "udføres", "planlægges"]
    assert rows["end"][1].date() == date(2026, 4, 26), "a running cycle past its planned end reaches today"
    spec = ramp_timeline(cycles, {7: "Nerveblokade"}, labels, today=date(2026, 4, 25)).to_dict()
    assert spec["layer"][0]["mark"]["type"] == "bar"
    assert ramp_timeline(cycles[3:], {}, labels) is None


def test_every_worksheet_question_has_words():
    from ui.cycle_forms import STAGE_FIELDS

    for language in LANGUAGES:
        words = catalogue(language)
        missing = [name for names in STAGE_FIELDS.values() for name in names if f"worksheet.q.{name}" not in words]
        assert missing == []


# --- the page ----------------------------------------------------------------------------------

def _open(monkeypatch, path, user: str, *, tab: str | None = None, **params) -> AppTest:
    """The projects page as ``user`` sees it; ``tab`` ("cycles", "measures" …) is the tab the user
    chose (the page draws only the open tab), the params a deep link."""
    from test_pages import user_id

    monkeypatch.setenv("PDSA_DB", str(path))
    at = AppTest.from_file("../streamlit_app.py", default_timeout=90)
    at.session_state["lang"] = "da"
    at.session_state["signed_in_user_id"] = user_id(path, user)
    at.run()
    for name, value in params.items():
        at.query_params[name] = str(value)
    if tab is not None:
        at.session_state["project-tabs-none"] = translate("da", f"projects.tab_{tab}")
    at.switch_page("views/projects.py").run()
    assert not at.exception, at.exception
    return at


def _texts(at: AppTest) -> str:
    return " ".join(e.value for kind in ("markdown", "caption", "info", "warning", "success", "error")
                    for e in getattr(at, kind))


def _chart_specs(at: AppTest) -> list[dict]:
    """The Vega-Lite specs of the page's Altair charts (AppTest shows them as unknown elements)."""
    found: list[dict] = []

    def walk(node):
        for child in (node.children.values() if hasattr(node, "children") else []):
            if type(child).__name__ == "UnknownElement" and child.type == "vega_lite_chart":
                found.append(json.loads(child.proto.spec))
            walk(child)

    walk(at._tree)
    return found


def _click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click().run()
    assert not at.exception, at.exception
    return at


def test_the_demo_cycle_past_its_planned_end_is_flagged_and_says_not_yet(monkeypatch, demo_copy):
    running = read_from(demo_copy, lambda c: next(x for x in list_cycles(c) if x.do_start and not x.do_end))
    at = _open(monkeypatch, demo_copy, "demo-admin", project=running.project_id, cycle=running.id)
    flags = [w.value for w in at.warning if "27-11-2026" in w.value]
    assert flags and "stadig i Udfør" in flags[0]
    text = _texts(at)
    assert "Startet 19-10-2026, endnu ikke afsluttet." in text and "– –" not in text
    assert "endnu ikke" in [c.value for c in at.caption], "an empty Study says so in words"
    assert "Ramperne" in text, "the ramp view stands above the worksheets"


def test_a_team_runs_a_cycle_plan_do_study_act_and_starts_the_next(monkeypatch, demo_copy):
    project = read_from(demo_copy, _first_project)
    at = _open(monkeypatch, demo_copy, "demo-lead", tab="cycles", project=project.id)
    keys = {name: f"new-cycle-{name}-{project.id}" for name in ("title", "scale", "objective")}
    at.text_input(key=keys["title"]).input("Smerteskema ved ankomst – 1 patient")
    at.text_input(key=keys["scale"]).input("1 patient, 1 sygeplejerske, 1 dagvagt")
    at.text_area(key=keys["objective"]).input("Kan smerten scores inden 15 minutter efter ankomst?")
    measure = read_from(demo_copy, lambda cur: list_measures(cur, project_id=project.id)[0])
    at.multiselect(key=f"new-cycle-measures-{project.id}").set_value([measure.id])
    submit = next(b for b in at.button if b.label == "Start cirklen")
    submit.click().run()
    assert any("er startet i Planlæg" in s.value for s in at.success)
    cycle = read_from(demo_copy, lambda c: next(x for x in list_cycles(c, project_id=project.id)
                                           if x.title.startswith("Smerteskema")))
    assert (cycle.stage, cycle.plan_who, cycle.cycle_number) == ("planning", "1 patient, 1 sygeplejerske, 1 dagvagt", 1)
    c = cycle.id

    at.text_area(key=f"ws-plan-plan_predictions-{c}").input("Smerten scores inden 10 minutter.")
    _click(at, f"ws-done-plan-{c}")
    assert any(s.value.startswith("Planen er gemt, og afprøvningen er startet i dag. Cirklen udføres")
               for s in at.success)
    assert "Cirklen **udføres**." in [m.value for m in at.markdown]

    _click(at, f"ws-done-do-{c}")
    assert any("Skriv hvad der skete" in e.value for e in at.error), "moving on needs what happened"
    at.text_area(key=f"ws-do-do_what_happened-{c}").input("En patient fik scoret smerten efter 8 minutter.")
    _click(at, f"ws-done-do-{c}")
    assert any(s.value.startswith("Udfør er afsluttet. Cirklen studeres") for s in at.success)

    at.text_area(key=f"ws-study-study_results-{c}").input("8 minutter (forudsagt 10).")
    at.text_area(key=f"ws-study-study_learning-{c}").input("Skemaet er let at bruge.")
    _click(at, f"ws-done-study-{c}")
    assert any("nu skal I beslutte i Handl" in s.value for s in at.success)
    charts = [spec for spec in _chart_specs(at) if spec.get("title", {}).get("subtitle") == "Seriediagram"]
    assert [spec["title"]["text"] for spec in charts] == [measure.name], "Study shows the measure's chart"
    text = _texts(at)
    assert "Smerten scores inden 10 minutter" in text and "En patient fik scoret smerten efter 8 minutter" in text

    # Act without a decision: the message under the field, nothing saved
    before = read_from(demo_copy, lambda cur: get_cycle(cur, c))
    _click(at, f"ws-done-act-{c}")
    assert any(e.value.startswith("Ikke gemt: Vælg en beslutning") for e in at.error)
    assert read_from(demo_copy, lambda cur: get_cycle(cur, c)) == before

    at.radio(key=f"ws-act-act_decision-{c}").set_value("adapt")
    at.text_area(key=f"ws-act-act_next_step-{c}").input("Prøv med alle patienter i dagvagt i en uge.")
    _click(at, f"ws-done-act-{c}")
    assert any(s.value == "Beslutningen er gemt. Cirklen er afsluttet." for s in at.success)
    done = read_from(demo_copy, lambda cur: get_cycle(cur, c))
    assert (done.stage, done.act_decision) == ("acted", "adapt")

    at.text_input(key=f"next-cycle-title-{c}").input("Smerteskema – alle patienter i dagvagt, 1 uge")
    _click(at, f"FormSubmitter:next-cycle-form-{c}-Start næste cirkel")
    assert any(s.value.startswith("Næste cirkel »Smerteskema – alle patienter i dagvagt") for s in at.success)
    following = read_from(demo_copy, lambda cur: next(x for x in list_cycles(cur, project_id=project.id) if x.parent_id == c))
    assert following.cycle_number == 2 and following.change_idea_id == done.change_idea_id
    assert following.plan_objective == "Prøv med alle patienter i dagvagt i en uge."
    assert following.plan_questions == "Sidste gang lærte vi: Skemaet er let at bruge."
    assert following.stage == "planning"


def test_a_patient_partner_comments_and_the_team_answers(monkeypatch, demo_copy):
    project = read_from(demo_copy, _first_project)
    cycle = read_from(demo_copy, lambda c: list_cycles(c, project_id=project.id)[0])
    at = _open(monkeypatch, demo_copy, "demo-patient", project=project.id, cycle=cycle.id)
    assert not [b for b in at.button if (b.key or "").startswith(("ws-done-", "ws-save-"))], "no stage forms"
    assert not [b for b in at.button if b.label == "Start cirklen"]
    at.text_area(key=f"ws-comment-plan-{cycle.id}").input("Husk at forklare blokken, så patienten ikke bliver bange.")
    at.button(key=f"FormSubmitter:ws-comment-form-plan-{cycle.id}-Send kommentar").click().run()
    assert any(s.value == "Tak, kommentaren er gemt." for s in at.success)
    assert any("Husk at forklare blokken" in m.value and "patientpartner" in m.value for m in at.markdown)

    comment = read_from(demo_copy, lambda c: list_comments(c, [cycle.id])[0])
    team = _open(monkeypatch, demo_copy, "demo-lead", project=project.id, cycle=cycle.id)
    team.text_input(key=f"ws-answer-{comment.id}").input("Tak – vi lægger en kort forklaring i tjeklisten.")
    team.button(key=f"FormSubmitter:ws-answer-form-{comment.id}-Svar").click().run()
    assert not team.exception
    shown = [m.value for m in team.markdown]
    assert any("Svar fra tovholder" in m and "vi lægger en kort forklaring" in m for m in shown)
    assert any("Husk at forklare blokken" in m for m in shown)


def test_a_stale_save_says_who_saved_first_and_keeps_the_input(monkeypatch, demo_copy):
    project = read_from(demo_copy, _first_project)
    cycle = read_from(demo_copy, lambda cur: actions.start_cycle(cur, ADMIN, PdsaCycle(
        project_id=project.id, title="Tavlemøde med smertescore – 1 dag", plan_objective="Første udkast")))
    at = _open(monkeypatch, demo_copy, "demo-lead", project=project.id, cycle=cycle.id)
    at.text_area(key=f"ws-plan-plan_objective-{cycle.id}").input("Mit bedre formål")
    other = Actor(None, "Søren Holst", roles=frozenset({"staff"}), project_roles={project.id: frozenset({"member"})})
    read_from(demo_copy, lambda cur: actions.update_cycle(cur, other, get_cycle(cur, cycle.id).model_copy(
        update={"plan_where": "Akutmodtagelsen"})))
    _click(at, f"ws-save-plan-{cycle.id}")
    assert any(e.value.startswith("Søren Holst gemte denne cirkel") and "Intet blev gemt" in e.value for e in at.error)
    assert at.text_area(key=f"ws-plan-plan_objective-{cycle.id}").value == "Mit bedre formål", "the input is kept"
    assert read_from(demo_copy, lambda cur: get_cycle(cur, cycle.id)).plan_objective == "Første udkast"
    _click(at, f"ws-save-plan-{cycle.id}")
    assert any(s.value.startswith("Planen er gemt. Cirklen planlægges") for s in at.success)
    assert read_from(demo_copy, lambda cur: get_cycle(cur, cycle.id)).plan_objective == "Mit bedre formål"


def test_a_commented_cycle_can_still_be_filled_in_archived_and_restored(demo_db):
    """DuckDB refuses some updates of a referenced row: a cycle with comments is still edited."""
    project = _first_project(demo_db)
    cycle = list_cycles(demo_db, project_id=project.id)[0]
    lead = _people(project.id, project.pathway_id)["lead"]
    asked = actions.comment_on_cycle(demo_db, lead, cycle.id, "study", "Hvad så?")
    actions.answer_cycle_comment(demo_db, lead, asked.id, "Det virkede")
    stored = get_cycle(demo_db, cycle.id)
    saved = actions.update_cycle(demo_db, lead, stored.model_copy(update={"study_learning": "Mere læring"}))
    assert saved.study_learning == "Mere læring" and saved.version == stored.version + 1
    archived = actions.archive_cycle(demo_db, lead, cycle.id, expected_version=saved.version)
    actions.restore_cycle(demo_db, lead, cycle.id, expected_version=archived.version)
    assert len(list_comments(demo_db, [cycle.id])) == 2


def _worksheet(at: AppTest, cycle_id: int):
    """The cycle's worksheet expander (its heading changes with the stage; its key does not)."""
    found = [e for e in at.expander if e.proto.id and f"ws-expander-{cycle_id}" in e.proto.id]
    assert len(found) == 1, [e.label for e in at.expander]
    return found[0]


def test_the_worksheet_stays_open_after_a_stage_is_saved(monkeypatch, demo_copy):
    """The heading names the stage, so a save changes it: the worksheet stays open and shows
    the next stage's form (it used to fold shut after every save)."""
    project = read_from(demo_copy, _first_project)
    cycle = read_from(demo_copy, lambda cur: actions.start_cycle(cur, ADMIN, PdsaCycle(
        project_id=project.id, title="Smertescore ved triage – 1 patient", plan_objective="Scores smerten?")))
    c = cycle.id
    at = _open(monkeypatch, demo_copy, "demo-lead", tab="cycles", project=project.id)
    sheet = _worksheet(at, c)
    assert not sheet.proto.expanded and f"ws-done-plan-{c}" not in [b.key for b in at.button], \
        "a folded worksheet is not drawn"
    at.session_state[f"ws-expander-{c}"] = True  # the user unfolds it
    at.run()
    assert _worksheet(at, c).proto.expanded
    assert at.text_area(key=f"ws-plan-plan_objective-{c}").value == "Scores smerten?"

    _click(at, f"ws-done-plan-{c}")
    sheet = _worksheet(at, c)
    assert "udføres" in sheet.label and sheet.proto.expanded, "open after the save, its heading says Do"
    assert any(s.value.startswith("Planen er gemt") for s in at.success)
    assert at.text_area(key=f"ws-do-do_what_happened-{c}") is not None, "the next stage's form shows"
    at.text_area(key=f"ws-do-do_what_happened-{c}").input("Smerten blev scoret efter 6 minutter.")
    _click(at, f"ws-done-do-{c}")
    sheet = _worksheet(at, c)
    assert "studeres" in sheet.label and sheet.proto.expanded
    assert f"ws-done-study-{c}" in [b.key for b in at.button]
    at.run()  # a later run (another click on the page) keeps it open too
    assert _worksheet(at, c).proto.expanded


def test_a_folded_worksheet_shows_the_stored_words_when_unfolded_again(monkeypatch, demo_copy):
    """Folding a worksheet takes its form off the page (Streamlit forgets the fields); unfolded
    again, the form shows the stored words, not empty fields."""
    project = read_from(demo_copy, _first_project)
    cycle = read_from(demo_copy, lambda cur: actions.start_cycle(cur, ADMIN, PdsaCycle(
        project_id=project.id, title="Tavle med smertescore – 1 dag", plan_objective="Ses scoren på tavlen?")))
    c = cycle.id
    at = _open(monkeypatch, demo_copy, "demo-lead", project=project.id, cycle=c)
    assert _worksheet(at, c).proto.expanded, "a link unfolds its cycle"
    assert at.text_area(key=f"ws-plan-plan_objective-{c}").value == "Ses scoren på tavlen?"
    at.session_state[f"ws-expander-{c}"] = False  # folded
    at.run()
    assert f"ws-plan-plan_objective-{c}" not in [a.key for a in at.text_area]
    at.session_state[f"ws-expander-{c}"] = True  # and unfolded
    at.run()
    assert at.text_area(key=f"ws-plan-plan_objective-{c}").value == "Ses scoren på tavlen?"


def test_the_project_page_draws_only_the_open_tab(monkeypatch, demo_copy):
    """Tabs rerun the page when chosen: the hidden tabs' forms and charts are not drawn."""
    project = read_from(demo_copy, _first_project)
    at = _open(monkeypatch, demo_copy, "demo-lead", project=project.id)
    assert not [b for b in at.button if b.label == "Start cirklen"], "the PDSA tab is not open"
    assert not _chart_specs(at), "no chart on the team tab"
    at.session_state["project-tabs-none"] = translate("da", "projects.tab_cycles")
    at.run()
    assert [b for b in at.button if b.label == "Start cirklen"]
    assert any(spec.get("usermeta", {}).get("chart") == "ramp_timeline" for spec in _chart_specs(at))
