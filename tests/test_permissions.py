"""The permission matrix, tried through the actions themselves: every action by every role —
a team lead, member and patient partner on their own project and on another one — is
allowed or refused as the expectations below say (written out here, not read from the code),
and the README's table is the one the code generates."""

import re
from datetime import date
from pathlib import Path

import pytest

import actions
from actions import Actor, NotAllowed
from actions.accounts import actor_for
from actions.permissions import PERMISSIONS, markdown_table
from pdsa.core.audit import acting_as
from pathways.models import Pathway, PathwayStep, Problem, Unit
from pdsa.models import ChangeIdea, Driver, Measure, Observation, PdsaCycle, ProgressScore, Project, TeamMember, Theme
from pdsa.store import users
from pdsa.store.measures import list_data_points, list_measures
from pdsa.store.cycles import list_cycles
from pdsa.store.projects import list_change_ideas, list_projects

ROOT = Path(__file__).resolve().parent.parent

# Who may, per action: a role name, or "lead"/"member"/"partner" = that team role on the
# action's own project (the demo lead's project); "patient" = a patient representative on
# an attached pathway. An administrator may always.
EXPECTED = {
    "add_unit": {"staff"}, "create_pathway": {"staff"}, "add_pathway_step": {"staff"},
    "move_pathway_step": {"staff"}, "register_problem": {"staff", "patient"}, "triage_problem": {"staff"},
    "link_problem_to_project": {"staff", "lead", "member"}, "link_problem_to_change_idea": {"staff", "lead", "member"},
    "create_theme": {"leader"}, "create_project": {"staff"}, "set_project_status": {"lead", "member"},
    "add_team_member": {"lead"}, "record_progress": {"lead", "member"}, "add_driver": {"lead", "member"},
    "add_change_idea": {"lead", "member"}, "define_measure": {"lead", "member"},
    "update_chart_settings": {"lead", "member"}, "record_data_points": {"lead", "member"},
    "set_point_excluded": {"lead", "member"}, "start_cycle": {"lead", "member"}, "update_cycle": {"lead", "member"},
    "add_observation": {"staff", "lead", "member", "partner", "patient"},
    "create_user": set(), "set_user_password": set(), "set_user_roles": set(), "disable_user": set(),
    "grant_identity": set(), "load_demo": set(),
}
# slice: pathways
EXPECTED.update({
    "update_unit": {"staff"}, "update_pathway": {"staff"}, "archive_pathway": {"staff"}, "restore_pathway": {"staff"},
    "update_pathway_step": {"staff"}, "archive_pathway_step": {"staff"}, "restore_pathway_step": {"staff"},
})

# slice: problems
EXPECTED.update({"merge_problems": {"staff"}, "link_observation": {"staff", "lead", "member"},
                 "edit_problem": {"staff"}})  # a patient representative edits only their own (test_problem_inbox)

# slice: projects
EXPECTED.update({"update_project": {"lead", "member"}, "archive_project": {"lead"},
                 "restore_project": {"staff"}})

# slice: team
EXPECTED.update({
    "update_team_member": {"lead"}, "remove_team_member": {"lead"}, "restore_team_member": {"lead"},
    "update_driver": {"lead", "member"}, "move_driver": {"lead", "member"}, "remove_driver": {"lead", "member"},
    "restore_driver": {"lead", "member"}, "update_change_idea": {"lead", "member"},
    "remove_change_idea": {"lead", "member"}, "restore_change_idea": {"lead", "member"},
})

# slice: measures
EXPECTED.update({"archive_measure": {"lead", "member"}, "restore_measure": {"lead", "member"},
                 "archive_cycle": {"lead", "member"}, "restore_cycle": {"lead", "member"}})
# slice: measures and data
EXPECTED.update({"update_measure": {"lead", "member"}, "save_data_points": {"lead", "member"}})
# slice: no event this period
EXPECTED.update({"record_no_event_period": {"lead", "member"}, "remove_no_event_period": {"lead", "member"}})
# slice: worksheet (a patient partner comments; attached patient representatives too)
EXPECTED.update({"comment_on_cycle": {"lead", "member", "partner"}, "answer_cycle_comment": {"lead", "member"}})
# slice: patient voice (each tries on an observation of their own: a patient representative edits
# and withdraws their own words on an attached pathway; staff any; see tests/test_patient_controls.py)
EXPECTED.update({"edit_observation": {"staff", "patient"}, "withdraw_observation": {"staff", "patient"},
                 "restore_observation": {"staff", "patient"}})
# slice: themes (leaders: a theme's goal, what contributes to it, archive and restore)
EXPECTED.update({"update_theme": {"leader"}, "set_theme_contributions": {"leader"}, "archive_theme": {"leader"},
                 "restore_theme": {"leader"}})

# slice: import (as save_data_points)
EXPECTED.update({"import_data_points": {"lead", "member"}})

# (profile, global roles, team role on the demo lead's project or None)
PROFILES = [
    ("administrator", {"administrator"}, None), ("leader", {"leader"}, None), ("staff", {"staff"}, None),
    ("lead", {"staff"}, "lead"), ("member", {"staff"}, "member"), ("partner", {"patient_representative"}, "patient_partner"),
    ("reader", {"reader"}, None), ("lead elsewhere", {"reader"}, "lead of another project"),
]


def _actor(cur, name, roles, team_role) -> Actor:
    projects = list_projects(cur)
    own = next(p for p in projects if p.title.startswith("Hoftebrud – smertefri"))
    other = next(p for p in projects if p.id != own.id)
    user = actions.create_user(cur, ADMIN, username=f"u-{name.replace(' ', '-')}", display_name=name.title(),
                               roles=roles)
    if team_role:
        project = other if team_role.endswith("another project") else own
        actions.add_team_member(cur, ADMIN, project.id, TeamMember(name=name, sector="hospital",
                                                                    role=team_role.split()[0], user_id=user.id))
    return actor_for(cur, user), own


ADMIN = Actor(None, "setup", roles=frozenset({"administrator"}))


def _calls(cur, own):
    """One real call per action, on the demo lead's project (or its pathway) where it has one."""
    pathway = own.pathway_id
    measure = next(m for m in list_measures(cur, project_id=own.id) if m.data_type == "proportion")
    point = list_data_points(cur, measure.id)[0]
    cycle = list_cycles(cur, project_id=own.id)[0]
    idea = list_change_ideas(cur, own.id)[0]
    problem = actions.register_problem(cur, ADMIN, Problem(title="Til test", pathway_id=pathway, source="staff",
                                                           reported_on=date(2026, 3, 1)))
    n = iter(range(1, 10_000))
    return {
        "add_unit": lambda a: actions.add_unit(cur, a, Unit(name=f"Enhed {next(n)}", sector="hospital")),
        "create_pathway": lambda a: actions.create_pathway(cur, a, Pathway(name=f"Forløb {next(n)}")),
        "add_pathway_step": lambda a: actions.add_pathway_step(cur, a, pathway, PathwayStep(position=1, name="Nyt",
                                                                                              sector="hospital")),
        "move_pathway_step": lambda a: actions.move_pathway_step(
            cur, a, pathway, actions.pathways.store.get_pathway(cur, pathway).steps[0].id, 2),
        "register_problem": lambda a: actions.register_problem(cur, a, Problem(
            title="Ny", pathway_id=pathway, source="patient_or_relative", reported_on=date(2026, 3, 1))),
        "triage_problem": lambda a: actions.triage_problem(
            cur, a, problem.id, status="triaged", impact=3, effort=2,
            expected_version=actions.pathways.store.get_problem(cur, problem.id).version),
        "link_problem_to_project": lambda a: actions.link_problem_to_project(cur, a, problem.id, own.id),
        "link_problem_to_change_idea": lambda a: actions.link_problem_to_change_idea(cur, a, problem.id, idea.id),
        "create_theme": lambda a: actions.create_theme(cur, a, Theme(name=f"Tema {next(n)}")),
        "create_project": lambda a: actions.create_project(cur, a, Project(
            title=f"Nyt {next(n)}", pathway_id=pathway, aim_what="a", aim_how_much="b",
            aim_by_when=date(2027, 1, 1), start_date=date(2026, 1, 1))),
        "set_project_status": lambda a: actions.set_project_status(
            cur, a, own.id, "active", expected_version=actions.projects.store.get_project(cur, own.id).version),
        "add_team_member": lambda a: actions.add_team_member(cur, a, own.id, TeamMember(name="Ny", sector="region")),
        "record_progress": lambda a: actions.record_progress(cur, a, own.id, ProgressScore(scored_on=date(2026, 3, 1),
                                                                                           score=2.0)),
        "add_driver": lambda a: actions.add_driver(cur, a, own.id, Driver(kind="primary", text="Ny driver")),
        "add_change_idea": lambda a: actions.add_change_idea(cur, a, own.id, ChangeIdea(text="Ny idé")),
        "define_measure": lambda a: actions.define_measure(cur, a, Measure(project_id=own.id, name="Ny", kind="process",
                                                                           data_type="count", period="month")),
        "update_chart_settings": lambda a: actions.update_chart_settings(
            cur, a, actions.measures.store.get_measure(cur, measure.id).model_copy(update={"target": 0.5})),
        "record_data_points": lambda a: actions.record_data_points(cur, a, measure.id, [
            {"period": point.period, "numerator": 1, "denominator": 2}]),
        "set_point_excluded": lambda a: actions.set_point_excluded(cur, a, point.id, True),
        "start_cycle": lambda a: actions.start_cycle(cur, a, PdsaCycle(project_id=own.id, title="Ny")),
        "update_cycle": lambda a: actions.update_cycle(cur, a, actions.cycles.store.get_cycle(cur, cycle.id).model_copy(
            update={"study_learning": "lært"})),
        "add_observation": lambda a: actions.add_observation(cur, a, Observation(
            text="Godt", kind="experience", observed_on=date(2026, 3, 1), pathway_id=pathway)),
        "create_user": lambda a: actions.create_user(cur, a, username=f"ny{next(n)}", display_name="Ny", roles=set()),
        "set_user_password": lambda a: actions.set_user_password(cur, a, problem.id and 1, "et langt kodeord"),
        "set_user_roles": lambda a: actions.set_user_roles(cur, a, 1, {"administrator"}),
        "disable_user": lambda a: actions.disable_user(cur, a, 2, False),
        "grant_identity": lambda a: _grant(cur, a),
        "load_demo": lambda a: actions.demo.load_demo(cur, a),
        **_pathway_calls(cur, pathway),  # slice: pathways
        **_problem_calls(cur, own),  # slice: problems
        **_project_calls(cur, own),  # slice: projects
        **_team_calls(cur, own),  # slice: team
        **_measure_calls(cur, own),  # slice: measures
        **_worksheet_calls(cur, own),  # slice: worksheet
        **_theme_calls(cur, own),  # slice: themes
        **_patient_voice_calls(cur, own),  # slice: patient voice
        **_no_event_calls(cur, own),  # slice: no event this period
        **_import_calls(cur, own),  # slice: import
    }


def _no_event_calls(cur, own):  # slice: no event this period
    """Weeks without falls on an event measure of the project: each call records another week;
    removing takes back a week the administrator recorded."""
    measure = actions.define_measure(cur, ADMIN, Measure(project_id=own.id, name="Dage mellem fald", kind="balancing",
                                                         data_type="days_between", period="day"))
    weeks = iter(date.fromordinal(date(2026, 11, 30).toordinal() - 7 * k) for k in range(10_000))

    def remove(a):
        entry = actions.record_no_event_period(cur, ADMIN, measure.id, next(weeks), today=date(2026, 12, 2))
        return actions.remove_no_event_period(cur, a, entry.id)

    return {
        "record_no_event_period": lambda a: actions.record_no_event_period(cur, a, measure.id, next(weeks),
                                                                           today=date(2026, 12, 2)),
        "remove_no_event_period": remove,
    }


def _patient_voice_calls(cur, own):  # slice: patient voice
    """Each try works on an observation of the trying person's own (written as theirs)."""
    from pdsa.store import observations as observation_store

    def own_observation(a):
        with acting_as(ADMIN.author):
            made = observation_store.add_observation(cur, Observation(
                text="Mine egne ord", kind="experience", observed_on=date(2026, 3, 1), pathway_id=own.pathway_id,
                project_id=own.id, created_by=a.user_id))
        return observation_store.get_observation(cur, made)

    def withdrawn(a):
        made = own_observation(a)
        with acting_as(ADMIN.author):
            observation_store.set_observation_archived(cur, made.id, True)
        return made

    return {
        "edit_observation": lambda a: actions.edit_observation(cur, a, own_observation(a).model_copy(
            update={"text": "Mine rettede ord"})),
        "withdraw_observation": lambda a: actions.withdraw_observation(cur, a, own_observation(a).id),
        "restore_observation": lambda a: actions.restore_observation(cur, a, withdrawn(a).id),
    }


def _import_calls(cur, own):  # slice: import
    """A small file planned for a measure of its own; repeatable (periods already there are skipped)."""
    from pdsa.imports import guess_mapping, plan_import, read_file_for

    measure = actions.define_measure(cur, ADMIN, Measure(project_id=own.id, name="Til import", kind="process",
                                                         data_type="count", period="month"))
    sheet = read_file_for("Måned;Antal\njan 2026;4\nfeb 2026;5\n".encode(), "data.csv")
    plan = plan_import(sheet, guess_mapping(sheet, "count"), measure)
    return {"import_data_points": lambda a: actions.import_data_points(cur, a, measure.id, plan)}


def _theme_calls(cur, own):  # slice: themes
    """A theme of its own, made by the administrator; archive runs before restore."""
    from pdsa.store.themes import get_theme

    theme = actions.create_theme(cur, ADMIN, Theme(name="Tema til test", goal="Godt koordineret udskrivelse"))
    return {
        "update_theme": lambda a: actions.update_theme(cur, a, get_theme(cur, theme.id).model_copy(
            update={"goal": f"80 % oplever udskrivelsen som godt koordineret ({a.name})"})),
        "set_theme_contributions": lambda a: actions.set_theme_contributions(cur, a, theme.id, project_ids=[own.id]),
        "archive_theme": lambda a: actions.archive_theme(cur, a, theme.id),
        "restore_theme": lambda a: actions.restore_theme(cur, a, theme.id),
    }


def _worksheet_calls(cur, own):  # slice: worksheet
    """Comment on the project's first cycle, and answer a comment made for it."""
    cycle = list_cycles(cur, project_id=own.id)[0]
    comment = actions.comment_on_cycle(cur, ADMIN, cycle.id, "plan", "Husk de pårørende")
    return {
        "comment_on_cycle": lambda a: actions.comment_on_cycle(cur, a, cycle.id, "study", "Gjorde det en forskel?"),
        "answer_cycle_comment": lambda a: actions.answer_cycle_comment(cur, a, comment.id, "Ja, vi spørger dem"),
    }


def _measure_calls(cur, own):  # slice: measures
    """Archive and restore a measure and a cycle made for it, so the other calls keep theirs."""
    measure = actions.define_measure(cur, ADMIN, Measure(project_id=own.id, name="Til arkiv", kind="balancing",
                                                         data_type="count", period="month"))
    cycle = actions.start_cycle(cur, ADMIN, PdsaCycle(project_id=own.id, title="Til arkiv"))
    return {
        "archive_measure": lambda a: actions.archive_measure(cur, a, measure.id),
        "restore_measure": lambda a: actions.restore_measure(cur, a, measure.id),
        "archive_cycle": lambda a: actions.archive_cycle(cur, a, cycle.id),
        "restore_cycle": lambda a: actions.restore_cycle(cur, a, cycle.id),
        # slice: measures and data — repeatable: the same unit, the same point's value
        "update_measure": lambda a: actions.update_measure(cur, a, actions.measures.store.get_measure(
            cur, measure.id).model_copy(update={"unit": "fald"})),
        "save_data_points": lambda a: actions.save_data_points(cur, a, measure.id, edited=[
            {"id": p.id, "period": p.period, "value": 3} for p in actions.measures.store.list_data_points(cur, measure.id)],
            added=[] if actions.measures.store.list_data_points(cur, measure.id) else [
                {"period": date(2026, 1, 1), "value": 2}]),
    }


def _team_calls(cur, own):  # slice: team
    """Each call works on a member, driver or idea of its own, made (and removed) by the administrator."""
    from pdsa.store import drivers

    def member(name="Til test"):
        project = actions.add_team_member(cur, ADMIN, own.id, TeamMember(name=name, sector="municipality"))
        return max(project.team, key=lambda m: m.id)

    def removed_member():
        added = member("Fjernet")
        return actions.remove_team_member(cur, ADMIN, added.id)

    def primary():
        return actions.add_driver(cur, ADMIN, own.id, Driver(kind="primary", text="Til test"))

    def idea():
        return actions.add_change_idea(cur, ADMIN, own.id, ChangeIdea(text="Til test"))

    first = drivers.list_drivers(cur, own.id)[0]
    return {
        "update_team_member": lambda a: actions.update_team_member(cur, a, member().model_copy(
            update={"discipline": "Ergoterapeut", "role": "sponsor"})),
        "remove_team_member": lambda a: actions.remove_team_member(cur, a, member().id),
        "restore_team_member": lambda a: actions.restore_team_member(cur, a, removed_member().id),
        "update_driver": lambda a: actions.update_driver(cur, a, drivers.get_driver(cur, first.id).model_copy(
            update={"text": f"{first.text} ({a.name})"})),
        "move_driver": lambda a: actions.move_driver(cur, a, first.id, 1),
        "remove_driver": lambda a: actions.remove_driver(cur, a, primary().id),
        "restore_driver": lambda a: actions.restore_driver(cur, a, actions.remove_driver(cur, ADMIN, primary().id).id),
        "update_change_idea": lambda a: actions.update_change_idea(cur, a, idea().model_copy(
            update={"description": "Ny beskrivelse"})),
        "remove_change_idea": lambda a: actions.remove_change_idea(cur, a, idea().id),
        "restore_change_idea": lambda a: actions.restore_change_idea(
            cur, a, actions.remove_change_idea(cur, ADMIN, idea().id).id),
    }


def _project_calls(cur, own):  # slice: projects
    from pdsa.store.projects import get_project

    def edit(a):
        project = get_project(cur, own.id)
        return actions.update_project(cur, a, project.model_copy(update={"aim_how_much": f"med 20 % ({a.name})"}))

    # archive runs before restore: a profile that may archive (lead, administrator) restores it again
    return {
        "update_project": edit,
        "archive_project": lambda a: actions.archive_project(cur, a, own.id,
                                                             expected_version=get_project(cur, own.id).version),
        "restore_project": lambda a: actions.restore_project(cur, a, own.id),
    }


def _problem_calls(cur, own):  # slice: problems
    """Each call gets problems and an observation of its own, made by the administrator."""

    def problem(title: str) -> Problem:
        return actions.register_problem(cur, ADMIN, Problem(title=title, pathway_id=own.pathway_id, source="complaint",
                                                            reported_on=date(2026, 3, 1)))

    def merge(a):
        keep, duplicate = problem("Beholdes"), problem("Dublet")
        return actions.merge_problems(cur, a, keep.id, duplicate.id)

    def link(a):
        observation = actions.add_observation(cur, ADMIN, Observation(
            text="Ventede længe", kind="concern", observed_on=date(2026, 3, 1), pathway_id=own.pathway_id))
        return actions.link_observation(cur, a, observation.id, problem_id=problem("Ventetid").id, project_id=own.id)

    def edit(a):
        made = problem("Uklar titel")
        return actions.edit_problem(cur, a, made.model_copy(update={"title": "Klar titel"}))

    return {"merge_problems": merge, "link_observation": link, "edit_problem": edit}


def _pathway_calls(cur, pathway):  # slice: pathways
    from pathways import store as pathway_store

    def step(c):
        return pathway_store.get_pathway(c, pathway).steps[0]

    def archived_step(c):
        if not pathway_store.archived_steps(c, pathway):
            actions.archive_pathway_step(c, ADMIN, pathway, step(c).id)
        return pathway_store.archived_steps(c, pathway)[0]

    unit = pathway_store.list_units(cur)[0]
    return {
        "update_unit": lambda a: actions.update_unit(cur, a, pathway_store.get_unit(cur, unit.id).model_copy(
            update={"name": f"{unit.name} ({a.name})"})),
        "update_pathway": lambda a: actions.update_pathway(cur, a, pathway_store.get_pathway(cur, pathway).model_copy(
            update={"description": f"Ændret af {a.name}"})),
        "archive_pathway": lambda a: actions.archive_pathway(cur, a, pathway),
        "restore_pathway": lambda a: actions.restore_pathway(cur, a, pathway),
        "update_pathway_step": lambda a: actions.update_pathway_step(cur, a, pathway, step(cur).model_copy(
            update={"description": f"Ændret af {a.name}"})),
        "archive_pathway_step": lambda a: actions.archive_pathway_step(cur, a, pathway, step(cur).id),
        "restore_pathway_step": lambda a: actions.restore_pathway_step(cur, a, pathway, archived_step(cur).id),
    }


def _grant(cur, actor):
    with acting_as(ADMIN.author):
        users.add_waiting_identity(cur, "https://login.example", f"s{id(actor)}", "Ny", None)
    return actions.grant_identity(cur, actor, "https://login.example", f"s{id(actor)}", roles={"reader"})


def test_every_action_by_every_role(demo_db):
    import actions.demo  # noqa: F401 (load_demo is called through the module)

    assert set(EXPECTED) == set(PERMISSIONS), "every action has its expectation here"
    results = []
    for profile, roles, team_role in PROFILES:
        actor, own = _actor(demo_db, profile, roles, team_role)
        for action, call in _calls(demo_db, own).items():
            allowed = profile == "administrator" or profile in EXPECTED[action] or bool(
                roles & EXPECTED[action]) or (profile == "partner" and "patient" in EXPECTED[action])
            try:
                call(actor)
                outcome = True
            except NotAllowed:
                outcome = False
            except ValueError as exc:  # allowed, then refused for what it was asked (load_demo on data)
                assert "already holds data" in str(exc), (action, profile, exc)
                outcome = True
            results.append((action, profile, allowed, outcome))
    wrong = [(a, p, "expected allowed" if e else "expected refused") for a, p, e, o in results if e != o]
    assert wrong == [], wrong
    assert len(results) == len(PROFILES) * len(PERMISSIONS)  # 8 profiles x every action (59: 472 tries)


def test_the_readme_shows_the_matrix_the_code_has():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"<!-- permissions:start -->\n(.*?)\n<!-- permissions:end -->", readme, re.S)
    assert shown, "the README has the generated table between its markers"
    assert shown.group(1).strip() == markdown_table().strip(), "run python -m actions.permissions and paste it"
