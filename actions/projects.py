"""What people do with themes, projects, their teams, progress scores and driver diagrams."""

from __future__ import annotations

from actions.actor import Actor
from actions.perform import Cursor, perform
from actions.permissions import Scope
from pdsa.models import ChangeIdea, Driver, ProgressScore, Project, TeamMember, Theme
from pdsa.store import projects as store


def create_theme(cur: Cursor, actor: Actor, theme: Theme) -> Theme:
    theme = theme.model_copy(update={"created_by": actor.user_id})
    return perform(cur, actor, "create_theme", lambda c: store.get_theme(c, store.add_theme(c, theme)))


def create_project(cur: Cursor, actor: Actor, project: Project, *, problem_ids: tuple[int, ...] = ()) -> Project:
    """A project with its aim, units, team and progress history, saved together; with
    ``problem_ids`` it is made from those problems, which are linked to it in the same
    transaction (they must lie on the project's pathway)."""
    from pathways.store import get_problem, link_problem_to_project

    project = project.model_copy(update={"created_by": actor.user_id})

    def change(c: Cursor) -> Project:
        _check_project_links(c, project)
        project_id = store.add_project(c, project)
        if actor.user_id is not None and not any(m.user_id == actor.user_id for m in project.team):
            # whoever creates a project becomes its lead
            store.add_team_member(c, project_id, TeamMember(name=actor.name, sector="other", role="lead",
                                                            user_id=actor.user_id))
        for problem_id in dict.fromkeys(problem_ids):
            get_problem(c, problem_id)
            link_problem_to_project(c, problem_id, project_id)
        return store.get_project(c, project_id)

    return perform(cur, actor, "create_project", change, target=Scope(pathway_id=project.pathway_id))


def _check_project_links(cur: Cursor, project: Project) -> None:
    """The links that carry no foreign key (they may be edited) are checked here."""
    from pathways.store import get_pathway, get_unit

    get_pathway(cur, project.pathway_id)
    if project.theme_id is not None:
        store.get_theme(cur, project.theme_id)
    for unit_id in project.unit_ids:
        get_unit(cur, unit_id)


def set_project_status(cur: Cursor, actor: Actor, project_id: int, status: str, *, expected_version: int) -> Project:
    def change(c: Cursor) -> Project:
        store.set_project_status(c, project_id, status, expected_version=expected_version)
        return store.get_project(c, project_id)

    return perform(cur, actor, "set_project_status", change, target=Scope(project_id=project_id))


# slice: projects — editing, archiving and restoring a project
def update_project(cur: Cursor, actor: Actor, project: Project) -> Project:
    """Save the project's title, pathway, units, theme, status, start date and aim as the user
    edited them; ``project.version`` is the version the user saw (StaleEdit when someone saved
    since: nothing saved)."""

    def change(c: Cursor) -> Project:
        store.get_project(c, project.id)
        _check_project_links(c, project)
        store.update_project(c, project)
        return store.get_project(c, project.id)

    return perform(cur, actor, "update_project", change, target=Scope(project_id=project.id))


def archive_project(cur: Cursor, actor: Actor, project_id: int, *, expected_version: int | None = None) -> Project:
    """The project leaves the lists (nothing is deleted); restore_project brings it back."""

    def change(c: Cursor) -> Project:
        store.get_project(c, project_id)
        store.set_project_archived(c, project_id, True, expected_version=expected_version)
        return store.get_project(c, project_id)

    return perform(cur, actor, "archive_project", change, target=Scope(project_id=project_id))


def restore_project(cur: Cursor, actor: Actor, project_id: int, *, expected_version: int | None = None) -> Project:
    """An archived project back in the lists, as it was (restoring one that is not archived changes nothing)."""

    def change(c: Cursor) -> Project:
        store.get_project(c, project_id)
        store.set_project_archived(c, project_id, False, expected_version=expected_version)
        return store.get_project(c, project_id)

    return perform(cur, actor, "restore_project", change, target=Scope(project_id=project_id))


def add_team_member(cur: Cursor, actor: Actor, project_id: int, member: TeamMember) -> Project:
    def change(c: Cursor) -> Project:
        from pdsa.store.team import check_new_member  # slice: team

        store.get_project(c, project_id)
        check_new_member(c, project_id, member)
        store.add_team_member(c, project_id, member)
        return store.get_project(c, project_id)

    return perform(cur, actor, "add_team_member", change, target=Scope(project_id=project_id))


def record_progress(cur: Cursor, actor: Actor, project_id: int, score: ProgressScore) -> Project:
    def change(c: Cursor) -> Project:
        store.get_project(c, project_id)
        store.add_progress_score(c, project_id, score)
        return store.get_project(c, project_id)

    return perform(cur, actor, "record_progress", change, target=Scope(project_id=project_id))


def add_driver(cur: Cursor, actor: Actor, project_id: int, driver: Driver) -> Driver:
    def change(c: Cursor) -> Driver:
        driver_id = store.add_driver(c, project_id, driver)
        return next(d for d in store.get_driver_diagram(c, project_id).drivers if d.id == driver_id)

    return perform(cur, actor, "add_driver", change, target=Scope(project_id=project_id))


def add_change_idea(cur: Cursor, actor: Actor, project_id: int, idea: ChangeIdea) -> ChangeIdea:
    def change(c: Cursor) -> ChangeIdea:
        idea_id = store.add_change_idea(c, project_id, idea)
        return next(i for i in store.list_change_ideas(c, project_id) if i.id == idea_id)

    return perform(cur, actor, "add_change_idea", change, target=Scope(project_id=project_id))
