"""What people do with units, pathways and their steps, and the problems found in them."""

from __future__ import annotations

from actions.actor import Actor
from actions.perform import Cursor, perform
from actions.permissions import Scope
from pathways import store
from pdsa.store.projects import change_idea_project
from pathways.models import Pathway, PathwayStep, Problem, Unit


def add_unit(cur: Cursor, actor: Actor, unit: Unit) -> Unit:
    return perform(cur, actor, "add_unit", lambda c: store.get_unit(c, store.add_unit(c, unit)))


def create_pathway(cur: Cursor, actor: Actor, pathway: Pathway) -> Pathway:
    """A pathway with its steps, saved together."""
    return perform(cur, actor, "create_pathway", lambda c: store.get_pathway(c, store.add_pathway(c, pathway)))


def add_pathway_step(cur: Cursor, actor: Actor, pathway_id: int, step: PathwayStep) -> Pathway:
    """Insert a step at ``step.position`` (the steps from there move one down) or append it."""

    def change(c: Cursor) -> Pathway:
        store.get_pathway(c, pathway_id)  # a clear LookupError for an unknown pathway
        store.add_step(c, pathway_id, step)
        return store.get_pathway(c, pathway_id)

    return perform(cur, actor, "add_pathway_step", change, target=Scope(pathway_id=pathway_id))


def move_pathway_step(cur: Cursor, actor: Actor, pathway_id: int, step_id: int, new_position: int) -> Pathway:
    def change(c: Cursor) -> Pathway:
        store.move_step(c, pathway_id, step_id, new_position)
        return store.get_pathway(c, pathway_id)

    return perform(cur, actor, "move_pathway_step", change, target=Scope(pathway_id=pathway_id))


# slice: pathways — editing units, pathways and steps

def update_unit(cur: Cursor, actor: Actor, unit: Unit) -> Unit:
    """Rename a unit or change its sector, on the version the user saw (``unit.version``)."""

    def change(c: Cursor) -> Unit:
        store.update_unit(c, unit)
        return store.get_unit(c, unit.id)

    return perform(cur, actor, "update_unit", change)


def update_pathway(cur: Cursor, actor: Actor, pathway: Pathway) -> Pathway:
    """Save a pathway's name and description, on the version the user saw (``pathway.version``);
    its steps are changed by the step actions."""

    def change(c: Cursor) -> Pathway:
        store.update_pathway(c, pathway)
        return store.get_pathway(c, pathway.id)

    return perform(cur, actor, "update_pathway", change, target=Scope(pathway_id=pathway.id))


def archive_pathway(cur: Cursor, actor: Actor, pathway_id: int) -> Pathway:
    """Hide a pathway from the lists; its steps, problems and projects are kept and come back with it."""

    def change(c: Cursor) -> Pathway:
        store.set_pathway_archived(c, pathway_id, True)
        return store.get_pathway(c, pathway_id)

    return perform(cur, actor, "archive_pathway", change, target=Scope(pathway_id=pathway_id))


def restore_pathway(cur: Cursor, actor: Actor, pathway_id: int) -> Pathway:
    def change(c: Cursor) -> Pathway:
        store.set_pathway_archived(c, pathway_id, False)
        return store.get_pathway(c, pathway_id)

    return perform(cur, actor, "restore_pathway", change, target=Scope(pathway_id=pathway_id))


def update_pathway_step(cur: Cursor, actor: Actor, pathway_id: int, step: PathwayStep) -> Pathway:
    """Save a step's name, sector, unit and description, on the version the user saw."""

    def change(c: Cursor) -> Pathway:
        store.update_step(c, pathway_id, step)
        return store.get_pathway(c, pathway_id)

    return perform(cur, actor, "update_pathway_step", change, target=Scope(pathway_id=pathway_id))


def archive_pathway_step(cur: Cursor, actor: Actor, pathway_id: int, step_id: int) -> Pathway:
    """Take a step out of the pathway (the steps after it move up); it is archived, not deleted,
    so problems that name it keep their step."""

    def change(c: Cursor) -> Pathway:
        store.set_step_archived(c, pathway_id, step_id, True)
        return store.get_pathway(c, pathway_id)

    return perform(cur, actor, "archive_pathway_step", change, target=Scope(pathway_id=pathway_id))


def restore_pathway_step(cur: Cursor, actor: Actor, pathway_id: int, step_id: int) -> Pathway:
    """Bring an archived step back, as the pathway's last step."""

    def change(c: Cursor) -> Pathway:
        store.set_step_archived(c, pathway_id, step_id, False)
        return store.get_pathway(c, pathway_id)

    return perform(cur, actor, "restore_pathway_step", change, target=Scope(pathway_id=pathway_id))


def register_problem(cur: Cursor, actor: Actor, problem: Problem) -> Problem:
    """A problem as it is first told: title, pathway and source are enough; triage comes later."""
    problem = problem.model_copy(update={"created_by": actor.user_id})
    return perform(cur, actor, "register_problem", lambda c: store.get_problem(c, store.add_problem(c, problem)),
                   target=Scope(pathway_id=problem.pathway_id))


def triage_problem(
    cur: Cursor, actor: Actor, problem_id: int, *, status: str, impact: int | None, effort: int | None,
    expected_version: int,
) -> Problem:
    """Set status, impact and effort together, on the version the user saw."""

    def change(c: Cursor) -> Problem:
        triaged = store.get_problem(c, problem_id).model_copy()
        triaged.status, triaged.impact, triaged.effort = status, impact, effort  # validated on assignment
        triaged.version = expected_version
        store.triage_problem(c, triaged)
        return store.get_problem(c, problem_id)

    return perform(cur, actor, "triage_problem", change, target=lambda c: _problem_scope(c, problem_id))


def _problem_scope(cur: Cursor, problem_id: int) -> Scope:
    problem = store.get_problem(cur, problem_id)
    return Scope(pathway_id=problem.pathway_id, created_by=problem.created_by)


def link_problem_to_project(cur: Cursor, actor: Actor, problem_id: int, project_id: int) -> Problem:
    def change(c: Cursor) -> Problem:
        store.link_problem_to_project(c, problem_id, project_id)
        return store.get_problem(c, problem_id)

    return perform(cur, actor, "link_problem_to_project", change, target=Scope(project_id=project_id))


def link_problem_to_change_idea(cur: Cursor, actor: Actor, problem_id: int, change_idea_id: int) -> Problem:
    """Kept both ways: the problem lists the idea, and the idea's project shows the problem."""

    def change(c: Cursor) -> Problem:
        store.link_problem_to_change_idea(c, problem_id, change_idea_id)
        return store.get_problem(c, problem_id)

    return perform(cur, actor, "link_problem_to_change_idea", change,
                   target=lambda c: Scope(project_id=change_idea_project(c, change_idea_id)))
