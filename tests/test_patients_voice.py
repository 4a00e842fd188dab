"""Patients' voice (issue 11, part A): the patient representative's home page, "you said – we
did", comments on cycles from the patient's side, and the team's list of comments to answer.

The store (pdsa/store/trail.py, the comments in pdsa/store/todo.py) on both engines; the page
(ui/patient_home.py through views/home.py) with AppTest, end to end as the issue tells it.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

import actions
from actions import Actor
from pathways.models import Pathway, PathwayStep, Problem
from pdsa.core.db import connect
from pdsa.i18n import LANGUAGES
from pdsa.models import ChangeIdea, Observation, PdsaCycle, Project, TeamMember
from pdsa.store import todo as todo_store
from pdsa.store import trail as store
from pdsa.store.users import attached_pathways, project_roles
from test_pages import RAW, everything_shown, open_page

ADMIN = Actor(user_id=None, name="Test", roles=frozenset({"administrator"}))
TODAY = date.today()

# Words and controls a patient representative's home page never shows.
STATISTICS_WORDS = re.compile(r"indikator|diagram|kontrolgrænse|signal|median|serie|statisti|\bdata|\bSPC\b"
                              r"|indicator|measure|control limit|run chart", re.IGNORECASE)


# --- a pathway, a project whose team has a lead and a patient partner, a cycle in Plan ----------

def _actor(cur, user) -> Actor:
    return Actor(user.id, user.display_name, roles=frozenset(user.roles),
                 project_roles=project_roles(cur, user.id), attached_pathways=attached_pathways(cur, user.id))


def _world(cur) -> dict:
    lead_user = actions.create_user(cur, ADMIN, username="lene", display_name="Lene Lund", roles={"staff"})
    patient_user = actions.create_user(cur, ADMIN, username="birthe", display_name="Birthe Mortensen",
                                       roles={"patient_representative"})
    pathway = actions.create_pathway(cur, ADMIN, Pathway(name="Hoftebrud", steps=[
        PathwayStep(position=1, name="Skadestue", sector="hospital"),
        PathwayStep(position=2, name="Operation", sector="hospital")]))
    project = actions.create_project(cur, ADMIN, Project(
        title="Smertefri i skadestuen", pathway_id=pathway.id, aim_what="Smertelindring inden 30 minutter",
        aim_how_much="fra 40 % til 90 %", aim_by_when=date(2027, 6, 30), start_date=date(2026, 1, 5),
        status="active", team=[
            TeamMember(name="Lene Lund", sector="hospital", role="lead", user_id=lead_user.id),
            TeamMember(name="Birthe Mortensen", sector="other", role="patient_partner", user_id=patient_user.id)]))
    lead, patient = _actor(cur, lead_user), _actor(cur, patient_user)
    cycle = actions.start_cycle(cur, lead, PdsaCycle(
        project_id=project.id, title="Smerteskema – 1 patient",
        plan_objective="Smerten scores inden 10 minutter efter ankomst. Vi prøver med én patient.",
        plan_end=TODAY + timedelta(days=7)))
    return {"lead": lead, "patient": patient, "pathway": pathway, "project": project, "cycle": cycle,
            "step": pathway.steps[0]}


def _team_acts_on(cur, world: dict, observation_id: int) -> dict:
    """The team makes a problem of the observation, triages it, links it to the project, makes it
    a change idea, tests the idea in the cycle and adopts it."""
    lead, project, cycle = world["lead"], world["project"], world["cycle"]
    problem = actions.register_problem(cur, lead, Problem(
        title="Ventetid på smertelindring", pathway_id=world["pathway"].id, step_id=world["step"].id,
        source="patient_or_relative", reported_by_role="Patientpartner", reported_on=TODAY))
    observation = actions.link_observation(cur, lead, observation_id, problem_id=problem.id, project_id=None)
    problem = actions.triage_problem(cur, lead, problem.id, status="triaged", impact=5, effort=2,
                                     expected_version=problem.version)
    actions.link_problem_to_project(cur, lead, problem.id, project.id)
    idea = actions.add_change_idea(cur, lead, project.id, ChangeIdea(text="Smerteskema ved ankomst"))
    actions.link_problem_to_change_idea(cur, lead, problem.id, idea.id)
    tested = actions.update_cycle(cur, lead, cycle.model_copy(update={
        "change_idea_id": idea.id, "do_start": TODAY}))
    actions.update_cycle(cur, lead, tested.model_copy(update={
        "do_end": TODAY, "do_what_happened": "Smerten blev scoret efter 8 minutter.",
        "study_results": "Det virkede.", "study_learning": "Skemaet er let at bruge.", "act_decision": "adopt"}))
    return {"problem": problem, "idea": idea, "observation": observation}


def _backdate(cur, entity: str, entity_id: int, days: int, *, which: str = "all") -> None:
    """Test only: the row's audit events (or its first / last one) as if they happened ``days`` ago."""
    moment = datetime.now().replace(microsecond=0) - timedelta(days=days)
    ids = [r[0] for r in cur.execute("SELECT id FROM audit_event WHERE entity = ? AND entity_id = ? ORDER BY id",
                                     [entity, entity_id]).fetchall()]
    chosen = {"all": ids, "first": ids[:1], "last": ids[-1:]}[which]
    for event_id in chosen:
        cur.execute("UPDATE audit_event SET happened_at = ? WHERE id = ?", [moment, event_id])


def _last_event(cur, entity: str, entity_id: int, days: int) -> None:
    _backdate(cur, entity, entity_id, days, which="last")


# --- the store ---------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, role", [
    ("Patient, 86 år", "patient"), ("Pårørende (datter)", "relative"), ("Pårørende via Patientkontoret", "relative"),
    ("Patientpartner", "patient_partner"), ("patient_partner", "patient_partner"), ("Relative", "relative"),
    ("Patient partner", "patient_partner"), ("Sygeplejerske", None), ("Personale", None), (None, None), ("", None),
])
def test_a_typed_role_is_read_as_patient_relative_or_patient_partner(typed, role):
    assert store.voice_role(typed) == role


def test_the_trail_follows_an_observation_to_its_problem_change_idea_cycle_and_decision(db):
    world = _world(db)
    patient = world["patient"]
    said = actions.add_observation(db, patient, Observation(
        text="Jeg ventede en time på noget mod smerterne.", kind="experience", author_role="Patientpartner",
        observed_on=TODAY - timedelta(days=10), pathway_id=world["pathway"].id, step_id=world["step"].id))
    _backdate(db, "observation", said.id, 10)
    done = _team_acts_on(db, world, said.id)
    # each change on its own day, as the audit trail tells it
    _last_event(db, "observation", said.id, 8)                     # linked to the problem
    events = [r[0] for r in db.execute("SELECT id FROM audit_event WHERE entity = 'problem' AND entity_id = ?"
                                       " ORDER BY id", [done["problem"].id]).fetchall()]
    for event_id, days in zip(events, (9, 7, 6, 5)):  # registered, triaged, linked to project, to the idea
        db.execute("UPDATE audit_event SET happened_at = ? WHERE id = ?",
                   [datetime.now().replace(microsecond=0) - timedelta(days=days), event_id])
    _backdate(db, "pdsa_cycle", world["cycle"].id, 12, which="first")

    [item] = [i for i in store.trail(db, user_id=patient.user_id, pathway_ids=patient.attached_pathways,
                                     project_ids=[world["project"].id]) if i.kind == "observation"]
    assert (item.id, item.mine, item.role, item.pathway_name) == (said.id, True, "patient_partner", "Hoftebrud")
    assert [(s.what, s.on, s.name, s.project_title) for s in item.steps] == [
        ("adopt", TODAY, "Smerteskema – 1 patient", "Smertefri i skadestuen"),
        ("tested", TODAY, "Smerteskema – 1 patient", "Smertefri i skadestuen"),
        ("change_idea", TODAY - timedelta(days=5), "Smerteskema ved ankomst", "Smertefri i skadestuen"),
        ("linked_project", TODAY - timedelta(days=6), None, "Smertefri i skadestuen"),
        ("triaged", TODAY - timedelta(days=7), None, None),
        ("linked_problem", TODAY - timedelta(days=8), "Ventetid på smertelindring", None),
        ("registered", TODAY - timedelta(days=10), None, None),
    ]
    # the problem the team made is raised by a patient partner on the pathway: it has its own trail
    [problem] = [i for i in store.trail(db, user_id=None, pathway_ids=[world["pathway"].id]) if i.kind == "problem"]
    assert (problem.role, problem.mine) == ("patient_partner", False)
    assert [s.what for s in problem.steps] == ["adopt", "tested", "change_idea", "linked_project", "triaged",
                                               "registered"]


def test_the_trail_holds_own_words_and_patients_and_relatives_words_but_not_staff_s(db):
    world = _world(db)
    patient, pathway = world["patient"], world["pathway"]

    def observe(text, role, actor=ADMIN, **links):
        return actions.add_observation(db, actor, Observation(text=text, kind="concern", author_role=role,
                                                              observed_on=TODAY, pathway_id=pathway.id, **links))

    mine = observe("Mine egne ord", "Personale", actor=patient)          # own words, whatever the role
    relative = observe("En datters ord", "Pårørende (datter)")
    observe("En sygeplejerskes ord", "Sygeplejerske")
    withdrawn = observe("Trukket tilbage", "Patient", actor=patient)
    actions.withdraw_observation(db, patient, withdrawn.id, expected_version=withdrawn.version)
    other = actions.create_pathway(db, ADMIN, Pathway(name="Kræft", steps=[
        PathwayStep(position=1, name="Udredning", sector="hospital")]))
    actions.add_observation(db, ADMIN, Observation(text="Et andet forløb", kind="concern", author_role="Patient",
                                                   observed_on=TODAY, pathway_id=other.id))
    for title, source, role in (("Klage fra en pårørende", "complaint", "Pårørende via Patientkontoret"),
                                ("Fra en patient", "patient_or_relative", None),
                                ("Personalets problem", "staff", "Sygeplejerske")):
        actions.register_problem(db, ADMIN, Problem(title=title, pathway_id=pathway.id, source=source,
                                                    reported_by_role=role, reported_on=TODAY))

    items = store.trail(db, user_id=patient.user_id, pathway_ids=patient.attached_pathways,
                        project_ids=[world["project"].id])
    found = {(i.kind, i.text): (i.role, i.mine) for i in items}
    assert found == {
        ("observation", "Mine egne ord"): ("patient_partner", True),
        ("observation", "En datters ord"): ("relative", False),
        ("problem", "Klage fra en pårørende"): ("relative", False),
        ("problem", "Fra en patient"): ("patient_or_relative", False),
    }
    assert all([s.what for s in i.steps] == ["registered"] for i in items)
    assert relative.id in {i.id for i in items if i.kind == "observation"} and mine.id != relative.id


def test_words_said_during_a_test_show_its_decision_not_the_test_itself(db):
    world = _world(db)
    lead, cycle = world["lead"], world["cycle"]
    running = actions.update_cycle(db, lead, cycle.model_copy(update={"do_start": TODAY - timedelta(days=3)}))
    said = actions.add_observation(db, world["patient"], Observation(
        text="Skemaet var let at forstå.", kind="experience", author_role="Patient", observed_on=TODAY,
        pathway_id=world["pathway"].id, project_id=world["project"].id, cycle_id=cycle.id))
    actions.update_cycle(db, lead, running.model_copy(update={"do_end": TODAY, "act_decision": "adapt",
                                                              "study_learning": "Kortere skema."}))
    [item] = store.trail(db, user_id=world["patient"].user_id, project_ids=[world["project"].id])
    assert item.id == said.id
    assert [s.what for s in item.steps] == ["adapt", "linked_cycle", "linked_project", "registered"]


def test_a_problem_raised_in_one_s_own_words_keeps_its_trail_when_merged_into_another(db):
    world = _world(db)
    patient, lead, pathway = world["patient"], world["lead"], world["pathway"]
    mine = actions.register_problem(db, patient, Problem(
        title="Ingen vidste, hvornår min mor skulle opereres", pathway_id=pathway.id, source="patient_or_relative",
        reported_by_role="Pårørende", reported_on=TODAY - timedelta(days=3)))
    kept = actions.register_problem(db, lead, Problem(title="Usikker operationstid", pathway_id=pathway.id,
                                                      source="staff", reported_on=TODAY - timedelta(days=20)))
    actions.link_problem_to_project(db, lead, kept.id, world["project"].id)
    _last_event(db, "problem", kept.id, 2)  # the problem kept was linked to the project two days ago
    actions.merge_problems(db, lead, kept.id, mine.id)
    _last_event(db, "problem", mine.id, 1)  # merged yesterday

    [item] = store.trail(db, user_id=patient.user_id)
    assert (item.kind, item.id, item.mine, item.role) == ("problem", mine.id, True, "relative")
    assert [(s.what, s.on, s.name or s.project_title) for s in item.steps] == [
        ("linked_project", TODAY - timedelta(days=2), "Smertefri i skadestuen"),  # shown after the merge
        ("linked_problem", TODAY - timedelta(days=1), "Usikker operationstid"),
        ("registered", TODAY - timedelta(days=3), None),
    ]


def test_what_is_being_tested_now_and_the_projects_followed(db):
    world = _world(db)
    lead, project = world["lead"], world["project"]
    doing = actions.start_cycle(db, lead, PdsaCycle(project_id=project.id, title="Kold pakning",
                                                    plan_what="Kold pakning til alle med hoftebrud i en uge.",
                                                    do_start=TODAY - timedelta(days=2)))
    actions.start_cycle(db, lead, PdsaCycle(project_id=project.id, title="Afsluttet", do_start=TODAY,
                                            do_end=TODAY, act_decision="abandon"))
    projects = store.followed_projects(db, [project.id], [])
    assert [(p.title, p.partner) for p in projects] == [("Smertefri i skadestuen", True)]
    now = store.cycles_now(db, projects)
    assert [(c.title, c.stage, c.sentence) for c in now] == [
        ("Kold pakning", "doing", "Kold pakning til alle med hoftebrud i en uge."),
        ("Smerteskema – 1 patient", "planning", "Smerten scores inden 10 minutter efter ankomst."),
    ]
    assert now[0].id == doing.id


def test_the_team_s_home_lists_comments_not_yet_answered(db):
    world = _world(db)
    lead, patient, cycle = world["lead"], world["patient"], world["cycle"]
    asked = actions.comment_on_cycle(db, patient, cycle.id, "plan", "Husk at spørge, om patienten hører godt.")
    actions.comment_on_cycle(db, lead, cycle.id, "plan", "Note til teamet selv.")
    projects = todo_store.my_projects(db, {world["project"].id: {"lead"}})
    waiting = todo_store.todo(db, projects, today=TODAY).unanswered_comments
    assert [(c.comment_id, c.cycle_id, c.stage, c.author_role, c.written_on) for c in waiting] == [
        (asked.id, cycle.id, "plan", "patient_partner", TODAY)]
    actions.answer_cycle_comment(db, lead, asked.id, "God idé – det gør vi.")
    assert todo_store.todo(db, projects, today=TODAY).unanswered_comments == []


def test_the_demo_patient_representative_s_trail(demo_db):
    from pdsa.store.users import find_user

    user = find_user(demo_db, "demo-patient")
    patient = _actor(demo_db, user)
    projects = store.followed_projects(demo_db, [p for p, r in patient.project_roles.items()
                                                 if "patient_partner" in r], patient.attached_pathways)
    items = store.trail(demo_db, user_id=user.id, pathway_ids=patient.attached_pathways,
                        project_ids=[p.id for p in projects])
    assert items and all(i.role in store.VOICE_ROLES for i in items)
    assert [i.latest for i in items] == sorted((i.latest for i in items), reverse=True)
    assert any(step.what == "adopt" for i in items for step in i.steps)


# --- the page: the scenario end to end -------------------------------------------------

def _links(at: AppTest) -> list[tuple[str, str, str]]:
    return [(el.proto.label, el.proto.page, el.proto.query_string) for el in at.get("page_link")]


def _home(monkeypatch, path, user: str, language: str = "da") -> AppTest:
    at = open_page(monkeypatch, path, "views/home.py", language, user=user)
    assert not at.exception, at.exception
    return at


def _no_statistics(at: AppTest) -> None:
    shown = everything_shown(at)
    assert not STATISTICS_WORDS.findall(shown), STATISTICS_WORDS.findall(shown)
    for kind in ("arrow_vega_lite_chart", "arrow_data_frame", "number_input", "data_editor"):
        assert not at.get(kind), kind
    assert not at.get("metric")


def test_a_patient_representative_comments_adds_words_and_sees_what_the_team_did(monkeypatch, tmp_path):
    path = tmp_path / "voice.duckdb"
    con = connect(path)
    world = _world(con.cursor())
    con.close()
    cycle, project = world["cycle"], world["project"]

    # the patient representative's home page: what they follow, what is tested, nothing statistical
    at = _home(monkeypatch, path, "birthe")
    shown = everything_shown(at)
    assert "Smerten scores inden 10 minutter efter ankomst\\." in shown
    assert ("**Smertefri i skadestuen**", "projects", f"project={project.id}") in _links(at)
    assert ("Hoftebrud", "pathways", f"pathway={world['pathway'].id}") in _links(at)
    assert ("Se afprøvningen »Smerteskema – 1 patient«", "projects", f"project={project.id}&cycle={cycle.id}") \
        in _links(at)
    assert "Her kommer til at stå det, du og andre patienter og pårørende siger" in shown
    _no_statistics(at)

    # a comment on the cycle in Plan, asked from the patient's side
    question = at.text_area(key=f"patient-home-comment-{cycle.id}")
    assert question.label == "Hvad bør teamet tænke på, set fra patientens side?"
    question.input("Husk at spørge, om patienten kan høre forklaringen.")
    at.button(key=f"FormSubmitter:patient-home-comment-{cycle.id}-form-Send").click().run()
    assert not at.exception, at.exception
    assert "Tak! Teamet kan nu se din kommentar" in at.success[0].value
    shown = everything_shown(at)
    assert "»Husk at spørge\\, om patienten kan høre forklaringen\\.« — patientpartner" in shown
    assert "Teamet har ikke svaret endnu." in shown

    # an observation on a pathway step, in their own words (the observation form of part B)
    assert "Tilføj en iagttagelse" in [e.label for e in at.expander]
    at.text_area(key="patient-home-words-text").input("Jeg ventede en time på noget mod smerterne – æøå.")
    at.selectbox(key="patient-home-words-place").set_value(f"step:{world['step'].id}")
    at.button(key="FormSubmitter:patient-home-words-form-" + _save_label()).click().run()
    assert not at.exception, at.exception
    shown = everything_shown(at)
    assert "»Jeg ventede en time på noget mod smerterne – æøå\\.«" in shown
    assert "Sagt af dig · Hoftebrud" in shown and "Modtaget og registreret" in shown
    assert "Birthe" not in shown  # never a name, only a role

    # the team sees the comment on its home page, linked to the cycle, and the new observation
    team = _home(monkeypatch, path, "lene")
    team_shown = everything_shown(team)
    assert "1 kommentar til jeres PDSA-cirkler venter på svar" in team_shown
    assert ("»Husk at spørge\\, om patienten kan høre forklaringen\\.«", "projects",
            f"project={project.id}&cycle={cycle.id}") in _links(team)
    assert "1 ny observation fra de seneste 14 dage" in team_shown

    # the team answers, links the words to a problem that becomes a change idea tested in the
    # cycle, and adopts the change
    con = connect(path)
    cur = con.cursor()
    [comment_id] = [r[0] for r in cur.execute("SELECT id FROM cycle_comment").fetchall()]
    actions.answer_cycle_comment(cur, world["lead"], comment_id, "Tak – vi spørger ved ankomsten.")
    [observation_id] = [r[0] for r in cur.execute("SELECT id FROM observation").fetchall()]
    _team_acts_on(cur, world, observation_id)
    con.close()
    team.run()
    assert "venter på svar" not in everything_shown(team)

    # "you said – we did" shows the whole trail, newest first, and the team's answer
    at = _home(monkeypatch, path, "birthe")
    shown = everything_shown(at)
    assert "**Teamets svar**" in shown and "Tak – vi spørger ved ankomsten\\." in shown
    [trail] = [m.value for m in at.markdown if "Knyttet til problemet" in m.value]
    steps = [line.split(" · ", 1)[1] for line in trail.splitlines()]
    assert steps == [
        "Teamet besluttede at beholde ændringen (»Smerteskema – 1 patient«)",
        "Afprøvet: »Smerteskema – 1 patient« i »Smertefri i skadestuen«",
        "Blev til ændringsidéen »Smerteskema ved ankomst« i »Smertefri i skadestuen«",
        "Knyttet til forbedringsprojektet »Smertefri i skadestuen«",
        "Teamet har set på det og prioriteret det",
        "Knyttet til problemet »Ventetid på smertelindring«",
        "Modtaget og registreret",
    ]
    assert all(line.startswith(f"- **{TODAY.strftime('%d-%m-%Y')}** · ") for line in trail.splitlines())
    # the cycle is decided: no longer "being tested", and no statistics anywhere
    assert "Smerten scores inden 10 minutter efter ankomst\\." not in shown
    assert "Teamene afprøver ikke noget nyt i dine projekter lige nu." in shown
    _no_statistics(at)


def _save_label() -> str:
    from pdsa.i18n import translate

    return translate("da", "patient_voice.save")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_patient_home_page_reads_in_both_languages_without_raw_values(monkeypatch, tmp_path, language):
    path = tmp_path / "voice.duckdb"
    con = connect(path)
    cur = con.cursor()
    world = _world(cur)
    actions.comment_on_cycle(cur, world["patient"], world["cycle"].id, "plan", "Tænk på de svagtseende.")
    said = actions.add_observation(cur, world["patient"], Observation(
        text="Ventetiden var lang.", kind="concern", author_role="Patient", observed_on=TODAY,
        pathway_id=world["pathway"].id, step_id=world["step"].id))
    _team_acts_on(cur, world, said.id)
    con.close()
    at = _home(monkeypatch, path, "birthe", language)
    shown = everything_shown(at)
    assert not RAW.findall(shown), sorted(set(RAW.findall(shown)))
    assert ("You said – we did" if language == "en" else "Du sagde – vi gjorde") in [s.value for s in at.subheader]
    _no_statistics(at)


def test_the_study_question_is_asked_of_a_cycle_in_study(monkeypatch, tmp_path):
    path = tmp_path / "study.duckdb"
    con = connect(path)
    cur = con.cursor()
    world = _world(cur)
    actions.update_cycle(cur, world["lead"], world["cycle"].model_copy(update={
        "do_start": TODAY - timedelta(days=5), "do_end": TODAY}))
    con.close()
    at = _home(monkeypatch, path, "birthe", "en")
    key = f"patient-home-comment-{world['cycle'].id}"
    assert at.text_area(key=key).label == "Did it make a difference for patients?"
    assert "Did it make a difference?" in [s.value for s in at.subheader]
    at.button(key=f"FormSubmitter:{key}-form-Send").click().run()   # nothing written: said under the field
    assert not at.exception, at.exception
    assert at.error and "Nothing was saved" in at.error[0].value
    con = connect(path)
    assert con.execute("SELECT count(*) FROM cycle_comment").fetchone()[0] == 0
    con.close()
    at.text_area(key=key).input("Yes: my mother had less pain.")
    at.button(key=f"FormSubmitter:{key}-form-Send").click().run()
    con = connect(path)
    assert con.execute("SELECT stage, author_role FROM cycle_comment").fetchall() == [("study", "patient_partner")]
    con.close()


def test_a_team_member_keeps_the_team_s_home_page(monkeypatch, tmp_path):
    path = tmp_path / "team.duckdb"
    con = connect(path)
    _world(con.cursor())
    con.close()
    at = _home(monkeypatch, path, "lene")
    assert "Det, der venter" in [s.value for s in at.subheader]
    assert "Du sagde – vi gjorde" not in [s.value for s in at.subheader]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_demo_patient_representative_s_home_page(monkeypatch, demo_copy, language):
    at = _home(monkeypatch, demo_copy, "demo-patient", language)
    shown = everything_shown(at)
    assert not RAW.findall(shown), sorted(set(RAW.findall(shown)))
    _no_statistics(at)
    said_by_me = "Sagt af dig" if language == "da" else "Said by you"
    assert said_by_me in shown and "Birthe" not in " ".join(m.value for m in at.markdown)
    assert ("Du sagde – vi gjorde" if language == "da" else "You said – we did") in [s.value for s in at.subheader]
    # the team's answers under the person's comments
    assert ("**Teamets svar**" if language == "da" else "**The team's answer**") in shown
