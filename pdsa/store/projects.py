"""Projects with their team and progress scores, and their driver diagrams."""

from __future__ import annotations

import duckdb

from pdsa.core.audit import bump_version, check_version, insert_audited, record_event, update_audited
from pdsa.core.db import ConcurrentInsert, fetch_records, fetch_trusted, trusted, write
from pdsa.models import PROJECT_STATUSES, ChangeIdea, Driver, DriverDiagram, ProgressScore, Project, TeamMember, Theme

Cursor = duckdb.DuckDBPyConnection

_PROJECT_COLUMNS = (
    "id, title, pathway_id, aim_what, aim_how_much, aim_by_when, theme_id, status, start_date, created_by, version, archived"
)
_EDIT_STATE = {"id", "version", "archived"}


def add_project(cur: Cursor, project: Project) -> int:
    """Save a project with its team and progress history together."""

    def change(c: Cursor) -> int:
        project_id = insert_audited(c, "project", project.model_dump(exclude=_EDIT_STATE | {"team", "progress", "unit_ids"}))
        for unit_id in project.unit_ids:
            c.execute("INSERT INTO project_unit (project_id, unit_id) VALUES (?, ?)", [project_id, unit_id])
        if project.unit_ids:
            record_event(c, entity="project", entity_id=project_id, action="update", after={"unit_ids": project.unit_ids})
        for position, member in enumerate(project.team, start=1):
            add_team_member(c, project_id, member, position=position)
        for score in project.progress:
            add_progress_score(c, project_id, score)
        return project_id

    return write(cur, change)


def add_team_member(cur: Cursor, project_id: int, member: TeamMember, *, position: int | None = None) -> int:
    def change(c: Cursor) -> int:
        pos = position or member.position or c.execute(
            "SELECT coalesce(max(position), 0) + 1 FROM team_member WHERE project_id = ?", [project_id]
        ).fetchone()[0]
        values = {"project_id": project_id, **member.model_dump(exclude=_EDIT_STATE | {"position"}), "position": pos}
        try:
            return insert_audited(c, "team_member", values)
        except duckdb.ConstraintException as exc:
            if "duplicate key" in str(exc).lower():  # someone added a member since this began
                raise ConcurrentInsert(str(exc)) from exc
            raise

    return write(cur, change)


def link_team_member_to_user(cur: Cursor, member_id: int, user_id: int | None) -> None:
    """The account that gives a team member their rights on the project (None: listed by name only)."""
    write(cur, lambda c: update_audited(c, "team_member", member_id, {"user_id": user_id}))


def add_progress_score(cur: Cursor, project_id: int, score: ProgressScore) -> int:
    values = {"project_id": project_id, **score.model_dump(exclude={"id"})}
    return write(cur, lambda c: insert_audited(c, "progress_score", values))


def set_project_status(cur: Cursor, project_id: int, status: str, *, expected_version: int | None = None) -> None:
    if status not in PROJECT_STATUSES:
        raise ValueError(f"status: {status!r} is not one of {', '.join(PROJECT_STATUSES)}")
    write(cur, lambda c: update_audited(c, "project", project_id, {"status": status}, expected_version=expected_version))


# slice: projects — editing, archiving and restoring a project
_PROJECT_FIELDS = ("title", "pathway_id", "aim_what", "aim_how_much", "aim_by_when", "theme_id", "status", "start_date")


def update_project(cur: Cursor, project: Project) -> bool:
    """Save a project's title, pathway, units, theme, status, start date and aim; ``project.version``
    is the version the user saw (someone who saved since raises StaleEdit). True if anything changed.

    The pathway may change only while no linked problem lies on the old one (a problem and the
    project that works on it share their pathway)."""

    def change(c: Cursor) -> bool:
        check_version(c, "project", project.id, project.version)
        values = project.model_dump(include=set(_PROJECT_FIELDS))
        stray = c.execute(
            "SELECT count(*) FROM problem_project l JOIN problem p ON p.id = l.problem_id"
            " WHERE l.project_id = ? AND p.pathway_id <> ?", [project.id, project.pathway_id],
        ).fetchone()[0]
        if stray:
            raise ValueError("pathway_id: the project is linked to problems on its present pathway")
        changed = update_audited(c, "project", project.id, values, expected_version=project.version)
        units_before = _units(c, [project.id]).get(project.id, [])
        units_after = sorted(set(project.unit_ids))
        if units_before != units_after:
            c.execute("DELETE FROM project_unit WHERE project_id = ?", [project.id])
            for unit_id in units_after:
                c.execute("INSERT INTO project_unit (project_id, unit_id) VALUES (?, ?)", [project.id, unit_id])
            if not changed:
                bump_version(c, "project", project.id)
            record_event(c, entity="project", entity_id=project.id, action="update",
                         before={"unit_ids": units_before}, after={"unit_ids": units_after})
            changed = True
        return changed

    return write(cur, change)


def set_project_archived(cur: Cursor, project_id: int, archived: bool, *, expected_version: int | None = None) -> None:
    """Archive a project (it leaves the lists; nothing is deleted) or restore it."""
    write(cur, lambda c: update_audited(c, "project", project_id, {"archived": archived},
                                        expected_version=expected_version))


def _team_and_progress(cur: Cursor, project_ids: list[int]) -> tuple[dict, dict]:
    team: dict[int, list[TeamMember]] = {}
    for row in fetch_records(
        cur,
        "SELECT project_id, id, name, discipline, sector, role, user_id, position, version, archived FROM team_member"
        " WHERE NOT archived AND project_id IN (SELECT unnest(CAST(? AS INTEGER[]))) ORDER BY project_id, position",
        [project_ids],
    ):
        team.setdefault(row.pop("project_id"), []).append(trusted(TeamMember, row))
    progress: dict[int, list[ProgressScore]] = {}
    for row in fetch_records(
        cur,
        "SELECT project_id, id, scored_on, CAST(score AS DOUBLE PRECISION) AS score, comment FROM progress_score"
        " WHERE project_id IN (SELECT unnest(CAST(? AS INTEGER[]))) ORDER BY project_id, scored_on, id",
        [project_ids],
    ):
        progress.setdefault(row.pop("project_id"), []).append(trusted(ProgressScore, row))
    return team, progress


def _units(cur: Cursor, project_ids: list[int]) -> dict[int, list[int]]:
    units: dict[int, list[int]] = {}
    for project_id, unit_id in cur.execute(
        "SELECT project_id, unit_id FROM project_unit WHERE project_id IN (SELECT unnest(CAST(? AS INTEGER[]))) ORDER BY project_id, unit_id",
        [project_ids],
    ).fetchall():
        units.setdefault(project_id, []).append(unit_id)
    return units


def _projects(cur: Cursor, rows: list[dict]) -> list[Project]:
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    team, progress = _team_and_progress(cur, ids)
    units = _units(cur, ids)
    return [trusted(Project, r, team=team.get(r["id"], []), progress=progress.get(r["id"], []),
                    unit_ids=units.get(r["id"], []))
            for r in rows]


def list_projects(cur: Cursor, *, pathway_id: int | None = None, include_archived: bool = False) -> list[Project]:
    """Projects by title; archived ones only with ``include_archived=True``."""
    rows = fetch_records(
        cur,
        f"SELECT {_PROJECT_COLUMNS} FROM project WHERE (CAST(? AS BOOLEAN) OR NOT archived)"
        " AND (CAST(? AS INTEGER) IS NULL OR pathway_id = ?) ORDER BY title, id",
        [include_archived, pathway_id, pathway_id],
    )
    return _projects(cur, rows)


def get_project(cur: Cursor, project_id: int) -> Project:
    rows = fetch_records(cur, f"SELECT {_PROJECT_COLUMNS} FROM project WHERE id = ?", [project_id])
    if not rows:
        raise LookupError(f"project {project_id} does not exist")
    return _projects(cur, rows)[0]


def add_theme(cur: Cursor, theme: Theme) -> int:
    return write(cur, lambda c: insert_audited(c, "theme", theme.model_dump(exclude=_EDIT_STATE)))


def get_theme(cur: Cursor, theme_id: int) -> Theme:
    rows = fetch_records(
        cur, "SELECT id, name, goal, description, created_by, version, archived FROM theme WHERE id = ?", [theme_id]
    )
    if not rows:
        raise LookupError(f"theme {theme_id} does not exist")
    return trusted(Theme, rows[0])


def list_themes(cur: Cursor) -> list[Theme]:
    return fetch_trusted(
        cur, Theme, "SELECT id, name, goal, description, created_by, version, archived FROM theme WHERE NOT archived ORDER BY name"
    )


def latest_progress(project: Project) -> ProgressScore | None:
    return max(project.progress, key=lambda p: (p.scored_on, p.id or 0), default=None)


# --- driver diagram ---------------------------------------------------------------------

def add_driver(cur: Cursor, project_id: int, driver: Driver) -> int:
    """Save a driver; without a position given it goes last in its level (slice: team)."""
    from pdsa.store.drivers import next_position
    from pdsa.store.team import Refused

    def change(c: Cursor) -> int:
        if driver.parent_id is not None:
            parent = c.execute(
                "SELECT kind, archived FROM driver WHERE id = ? AND project_id = ?", [driver.parent_id, project_id]
            ).fetchone()
            if parent is None or parent[0] != "primary":
                raise ValueError("parent_id: a secondary driver must hang under a primary driver of the same project")
            if parent[1]:
                raise Refused("parent_archived", "the primary driver was removed", field="parent_id")
        values = {"project_id": project_id, **driver.model_dump(exclude=_EDIT_STATE)}
        if "position" not in driver.model_fields_set:
            values["position"] = next_position(c, project_id, driver.kind, driver.parent_id)
        return insert_audited(c, "driver", values)

    return write(cur, change)


def add_change_idea(cur: Cursor, project_id: int, idea: ChangeIdea) -> int:
    """Save a change idea and its links to the secondary drivers it serves."""

    def change(c: Cursor) -> int:
        idea_id = insert_audited(
            c, "change_idea", {"project_id": project_id, **idea.model_dump(exclude=_EDIT_STATE | {"driver_ids"})}
        )
        for driver_id in idea.driver_ids:
            kind = c.execute(
                "SELECT kind FROM driver WHERE id = ? AND project_id = ?", [driver_id, project_id]
            ).fetchone()
            if kind is None:
                raise ValueError(f"driver_ids: driver {driver_id} is not part of this project's driver diagram")
            if c.execute("SELECT archived FROM driver WHERE id = ?", [driver_id]).fetchone()[0]:
                from pdsa.store.team import Refused

                raise Refused("idea_driver_archived", "one of the chosen drivers was removed", field="driver_ids")
            c.execute("INSERT INTO change_idea_driver (change_idea_id, driver_id) VALUES (?, ?)", [idea_id, driver_id])
        record_event(c, entity="change_idea", entity_id=idea_id, action="update",
                     after={"driver_ids": idea.driver_ids})
        return idea_id

    return write(cur, change)


def change_idea_project(cur: Cursor, change_idea_id: int) -> int:
    row = cur.execute("SELECT project_id FROM change_idea WHERE id = ?", [change_idea_id]).fetchone()
    if row is None:
        raise LookupError(f"change idea {change_idea_id} does not exist")
    return row[0]


def list_change_ideas(cur: Cursor, project_id: int, *, include_archived: bool = False) -> list[ChangeIdea]:
    """The project's change ideas with the live drivers they serve (links to an archived driver
    are kept, and hidden while it is archived); archived ideas only when asked."""
    links: dict[int, list[int]] = {}
    for idea_id, driver_id in cur.execute(
        "SELECT l.change_idea_id, l.driver_id FROM change_idea_driver l"
        " JOIN change_idea i ON i.id = l.change_idea_id JOIN driver d ON d.id = l.driver_id"
        " WHERE i.project_id = ? AND NOT d.archived ORDER BY l.driver_id",
        [project_id],
    ).fetchall():
        links.setdefault(idea_id, []).append(driver_id)
    rows = fetch_records(
        cur, "SELECT id, text, description, version, archived FROM change_idea"
        " WHERE (CAST(? AS BOOLEAN) OR NOT archived) AND project_id = ? ORDER BY id", [include_archived, project_id],
    )
    return [trusted(ChangeIdea, r, driver_ids=links.get(r["id"], [])) for r in rows]


def get_driver_diagram(cur: Cursor, project_id: int) -> DriverDiagram:
    from pdsa.store.drivers import list_drivers

    project = get_project(cur, project_id)
    drivers = list_drivers(cur, project_id)  # each primary followed by its secondary drivers, in their order
    aim = f"{project.aim_what} {project.aim_how_much}".strip()
    return DriverDiagram(project_id=project_id, aim=aim, drivers=drivers, change_ideas=list_change_ideas(cur, project_id))
