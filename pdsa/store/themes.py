"""Themes: citizen-centred goals across projects, what contributes to them, their own measures.

A project contributes to a theme when it names the theme as its own (``project.theme_id``, set
on the project's form) or when a leader chose it on the theme's page (``theme_project``); a
single measure of any project contributes when a leader chose it (``theme_measure``). A
theme's own outcome measures are measures with ``theme_id`` set (``project_id`` empty).
Every change leaves audit events: the links as one ``update`` event on the theme with the
project and measure ids before and after.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from pdsa.core.audit import bump_version, check_version, insert_audited, record_event, update_audited
from pdsa.core.db import fetch_records, write
from pdsa.models import Measure, Theme

Cursor = duckdb.DuckDBPyConnection

_COLUMNS = "id, name, goal, description, created_by, version, archived"
_EDITED = ("name", "goal", "description")


def add_theme(cur: Cursor, theme: Theme) -> int:
    return write(cur, lambda c: insert_audited(c, "theme", theme.model_dump(include={*_EDITED, "created_by"})))


def get_theme(cur: Cursor, theme_id: int) -> Theme:
    rows = fetch_records(cur, f"SELECT {_COLUMNS} FROM theme WHERE id = ?", [theme_id])
    if not rows:
        raise LookupError(f"theme {theme_id} does not exist")
    return Theme(**rows[0])


def list_themes(cur: Cursor, *, include_archived: bool = False, archived_only: bool = False) -> list[Theme]:
    """Themes by name; archived ones only when asked (``archived_only`` for the Restore list)."""
    rows = fetch_records(
        cur,
        f"SELECT {_COLUMNS} FROM theme"
        " WHERE (CASE WHEN CAST(? AS BOOLEAN) THEN archived WHEN CAST(? AS BOOLEAN) THEN TRUE ELSE NOT archived END)"
        " ORDER BY name, id",
        [archived_only, include_archived],
    )
    return [Theme(**r) for r in rows]


def update_theme(cur: Cursor, theme: Theme) -> bool:
    """Save a theme's name, goal and description on the version the user saw (StaleEdit when
    someone saved since); True when anything changed."""
    return write(cur, lambda c: update_audited(c, "theme", theme.id, theme.model_dump(include=set(_EDITED)),
                                               expected_version=theme.version))


def set_theme_archived(cur: Cursor, theme_id: int, archived: bool, *, expected_version: int | None = None) -> bool:
    """Archive a theme (it leaves the lists; its links and measures stay) or restore it."""
    return write(cur, lambda c: update_audited(c, "theme", theme_id, {"archived": archived},
                                               expected_version=expected_version))


# --- what contributes -----------------------------------------------------------------------

def contributing_project_ids(cur: Cursor, theme_id: int, *, include_archived: bool = False) -> list[int]:
    """The projects that name the theme as their own or were chosen for it, by title."""
    rows = cur.execute(
        "SELECT p.id FROM project p WHERE (CAST(? AS BOOLEAN) OR NOT p.archived)"
        " AND (p.theme_id = ? OR p.id IN (SELECT project_id FROM theme_project WHERE theme_id = ?))"
        " ORDER BY p.title, p.id",
        [include_archived, theme_id, theme_id],
    ).fetchall()
    return [row[0] for row in rows]


def contributing_measure_ids(cur: Cursor, theme_id: int) -> list[int]:
    """The projects' measures chosen for the theme (archived ones left out)."""
    rows = cur.execute(
        "SELECT m.id FROM theme_measure l JOIN measure m ON m.id = l.measure_id"
        " WHERE l.theme_id = ? AND NOT m.archived ORDER BY m.project_id, m.id",
        [theme_id],
    ).fetchall()
    return [row[0] for row in rows]


def project_theme_ids(cur: Cursor) -> dict[int, set[int]]:
    """Every project's themes (its own and those it was chosen for): project id -> theme ids.
    For filters across the portfolio."""
    found: dict[int, set[int]] = {}
    for project_id, theme_id in cur.execute(
        "SELECT id, theme_id FROM project WHERE theme_id IS NOT NULL"
        " UNION SELECT project_id, theme_id FROM theme_project"
    ).fetchall():
        found.setdefault(project_id, set()).add(theme_id)
    return found


def measure_theme_ids(cur: Cursor) -> dict[int, set[int]]:
    """Every measure's themes: a theme's own measures, the measures chosen for a theme, and the
    measures of the projects that contribute to it: measure id -> theme ids."""
    found: dict[int, set[int]] = {}
    for measure_id, theme_id in cur.execute(
        "SELECT id, theme_id FROM measure WHERE theme_id IS NOT NULL"
        " UNION SELECT measure_id, theme_id FROM theme_measure"
        " UNION SELECT m.id, p.theme_id FROM measure m JOIN project p ON p.id = m.project_id"
        "  WHERE p.theme_id IS NOT NULL"
        " UNION SELECT m.id, l.theme_id FROM measure m JOIN theme_project l ON l.project_id = m.project_id"
    ).fetchall():
        found.setdefault(measure_id, set()).add(theme_id)
    return found


@dataclass(frozen=True)
class Contributions:
    """What a leader chose on the theme's page (the projects naming the theme are not in it)."""

    project_ids: tuple[int, ...]
    measure_ids: tuple[int, ...]


def chosen_contributions(cur: Cursor, theme_id: int) -> Contributions:
    projects = cur.execute("SELECT project_id FROM theme_project WHERE theme_id = ? ORDER BY project_id",
                           [theme_id]).fetchall()
    measures = cur.execute("SELECT measure_id FROM theme_measure WHERE theme_id = ? ORDER BY measure_id",
                           [theme_id]).fetchall()
    return Contributions(tuple(r[0] for r in projects), tuple(r[0] for r in measures))


def measure_names(cur: Cursor, measure_ids: list[int]) -> dict[int, tuple[int, str]]:
    """The live project measures among these ids: measure id -> (project id, name), for showing
    the chosen ones without reading every measure of the region."""
    if not measure_ids:
        return {}
    rows = cur.execute(
        "SELECT id, project_id, name FROM measure WHERE id IN (SELECT unnest(CAST(? AS INTEGER[])))"
        " AND project_id IS NOT NULL AND NOT archived",
        [list(measure_ids)],
    ).fetchall()
    return {row[0]: (row[1], row[2]) for row in rows}


def set_contributions(cur: Cursor, theme_id: int, project_ids: list[int], measure_ids: list[int], *,
                      expected_version: int | None = None) -> bool:
    """The theme's contributing projects and measures become exactly these (on the version of
    the theme the user saw). A project that names the theme as its own and is left out stops
    naming it (its theme is emptied, audited on the project). True when anything changed."""
    wanted_projects, wanted_measures = sorted(set(project_ids)), sorted(set(measure_ids))

    def change(c: Cursor) -> bool:
        check_version(c, "theme", theme_id, expected_version)
        for project_id in wanted_projects:
            row = c.execute("SELECT archived FROM project WHERE id = ?", [project_id]).fetchone()
            if row is None:
                raise LookupError(f"project {project_id} does not exist")
        for measure_id in wanted_measures:
            row = c.execute("SELECT project_id FROM measure WHERE id = ?", [measure_id]).fetchone()
            if row is None:
                raise LookupError(f"measure {measure_id} does not exist")
            if row[0] is None:
                raise ValueError("measure_ids: a theme's own measure is not chosen as a contribution")
        before = chosen_contributions(c, theme_id)
        own = [r[0] for r in c.execute("SELECT id FROM project WHERE theme_id = ? ORDER BY id", [theme_id]).fetchall()]
        before_projects = sorted(set(before.project_ids) | set(own))
        for project_id in own:
            if project_id not in wanted_projects:
                update_audited(c, "project", project_id, {"theme_id": None})
        links = [p for p in wanted_projects if p not in own]
        for table, column, old, new in (("theme_project", "project_id", before.project_ids, links),
                                        ("theme_measure", "measure_id", before.measure_ids, wanted_measures)):
            for gone in sorted(set(old) - set(new)):
                c.execute(f"DELETE FROM {table} WHERE theme_id = ? AND {column} = ?", [theme_id, gone])
                if table == "theme_project":  # told in the project's own history too
                    record_event(c, entity="project", entity_id=gone, action="update",
                                 before={"linked_theme_id": theme_id}, after={"linked_theme_id": None})
            for added in sorted(set(new) - set(old)):
                c.execute(f"INSERT INTO {table} (theme_id, {column}) VALUES (?, ?)", [theme_id, added])
                if table == "theme_project":
                    record_event(c, entity="project", entity_id=added, action="update",
                                 before={"linked_theme_id": None}, after={"linked_theme_id": theme_id})
        if before_projects == wanted_projects and list(before.measure_ids) == wanted_measures:
            return False
        name = c.execute("SELECT name FROM theme WHERE id = ?", [theme_id]).fetchone()[0]
        record_event(c, entity="theme", entity_id=theme_id, action="update",
                     before={"name": name, "project_ids": before_projects, "measure_ids": list(before.measure_ids)},
                     after={"name": name, "project_ids": wanted_projects, "measure_ids": wanted_measures})
        bump_version(c, "theme", theme_id)
        return True

    return write(cur, change)


def theme_measures(cur: Cursor, theme_id: int, *, archived_only: bool = False) -> list[Measure]:
    """The theme's own measures (outcome first), as the measure store reads them."""
    from pdsa.store.measures import get_measure

    rows = cur.execute(
        "SELECT id FROM measure WHERE theme_id = ? AND archived = CAST(? AS BOOLEAN)"
        " ORDER BY CASE kind WHEN 'outcome' THEN 1 WHEN 'process' THEN 2 ELSE 3 END, id",
        [theme_id, archived_only],
    ).fetchall()
    return [get_measure(cur, row[0]) for row in rows]


def themes_of_project(cur: Cursor, project_id: int) -> list[Theme]:
    """The live themes a project contributes to, by name."""
    rows = fetch_records(
        cur,
        "SELECT t.id, t.name, t.goal, t.description, t.created_by, t.version, t.archived FROM theme t"
        " WHERE NOT t.archived AND (t.id IN (SELECT theme_id FROM project WHERE id = ?)"
        "  OR t.id IN (SELECT theme_id FROM theme_project WHERE project_id = ?)) ORDER BY t.name, t.id",
        [project_id, project_id],
    )
    return [Theme(**r) for r in rows]
