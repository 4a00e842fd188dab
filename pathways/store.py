"""Saving and reading units, pathways with their steps, and problems."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from pathways.models import PROBLEM_STATUSES, Pathway, PathwayStep, Problem, Unit
from pdsa.core.audit import insert_audited, record_event, update_audited
from pdsa.core.db import fetch_records, write

Cursor = duckdb.DuckDBPyConnection


# --- units ------------------------------------------------------------------------------

def add_unit(cur: Cursor, unit: Unit, *, who: str) -> int:
    return write(cur, lambda c: insert_audited(c, "unit", unit.model_dump(exclude={"id"}), who=who))


def list_units(cur: Cursor) -> list[Unit]:
    rows = cur.execute("SELECT id, name, sector FROM unit ORDER BY name").fetchall()
    return [Unit(id=r[0], name=r[1], sector=r[2]) for r in rows]


# --- pathways ---------------------------------------------------------------------------

def add_pathway(cur: Cursor, pathway: Pathway, *, who: str) -> int:
    """Save a pathway and all its steps together."""

    def change(c: Cursor) -> int:
        pathway_id = insert_audited(c, "pathway", pathway.model_dump(exclude={"id", "steps"}), who=who)
        for step in pathway.steps:
            insert_audited(
                c, "pathway_step", {"pathway_id": pathway_id, **step.model_dump(exclude={"id"})}, who=who
            )
        return pathway_id

    return write(cur, change)


_STEP_COLUMNS = "id, position, name, sector, unit_id, description"


def _steps_by_pathway(cur: Cursor) -> dict[int, list[PathwayStep]]:
    rows = cur.execute(f"SELECT pathway_id, {_STEP_COLUMNS} FROM pathway_step ORDER BY pathway_id, position").fetchall()
    steps: dict[int, list[PathwayStep]] = {}
    for r in rows:
        steps.setdefault(r[0], []).append(
            PathwayStep(id=r[1], position=r[2], name=r[3], sector=r[4], unit_id=r[5], description=r[6])
        )
    return steps


def list_pathways(cur: Cursor) -> list[Pathway]:
    steps = _steps_by_pathway(cur)
    rows = cur.execute("SELECT id, name, description FROM pathway ORDER BY name").fetchall()
    return [Pathway(id=r[0], name=r[1], description=r[2], steps=steps.get(r[0], [])) for r in rows]


def get_pathway(cur: Cursor, pathway_id: int) -> Pathway:
    row = cur.execute("SELECT id, name, description FROM pathway WHERE id = ?", [pathway_id]).fetchone()
    if row is None:
        raise LookupError(f"pathway {pathway_id} does not exist")
    rows = cur.execute(
        f"SELECT {_STEP_COLUMNS} FROM pathway_step WHERE pathway_id = ? ORDER BY position", [pathway_id]
    ).fetchall()
    steps = [PathwayStep(id=r[0], position=r[1], name=r[2], sector=r[3], unit_id=r[4], description=r[5]) for r in rows]
    return Pathway(id=row[0], name=row[1], description=row[2], steps=steps)


# --- problems ---------------------------------------------------------------------------

def add_problem(cur: Cursor, problem: Problem, *, who: str) -> int:
    """Save a problem and its links to the projects that address it."""

    def change(c: Cursor) -> int:
        check_step_in_pathway(c, problem.step_id, problem.pathway_id)
        problem_id = insert_audited(c, "problem", problem.model_dump(exclude={"id", "project_ids"}), who=who)
        for project_id in problem.project_ids:
            link_problem_to_project(c, problem_id, project_id, who=who)
        return problem_id

    return write(cur, change)


def check_step_in_pathway(cur: Cursor, step_id: int | None, pathway_id: int) -> None:
    """A step given with a pathway must be one of that pathway's steps."""
    if step_id is None:
        return
    row = cur.execute("SELECT pathway_id FROM pathway_step WHERE id = ?", [step_id]).fetchone()
    if row is None or row[0] != pathway_id:
        raise ValueError("step_id: the step is not part of the chosen pathway")


def link_problem_to_project(cur: Cursor, problem_id: int, project_id: int, *, who: str) -> None:
    def change(c: Cursor) -> None:
        pathways = c.execute(
            "SELECT (SELECT pathway_id FROM problem WHERE id = ?), (SELECT pathway_id FROM project WHERE id = ?)",
            [problem_id, project_id],
        ).fetchone()
        if pathways[1] is not None and pathways[0] != pathways[1]:
            raise ValueError("project_ids: the project works on another pathway than the problem")
        inserted = c.execute(
            "INSERT INTO problem_project (problem_id, project_id) VALUES (?, ?) ON CONFLICT DO NOTHING"
            " RETURNING problem_id",
            [problem_id, project_id],
        ).fetchall()
        if not inserted:
            return  # already linked: nothing changed, nothing to record
        record_event(
            c, who=who, entity="problem", entity_id=problem_id, action="update",
            after={"linked_project_id": project_id},
        )

    write(cur, change)


def set_problem_status(cur: Cursor, problem_id: int, status: str, *, who: str) -> None:
    if status not in PROBLEM_STATUSES:
        raise ValueError(f"status: {status!r} is not one of {', '.join(PROBLEM_STATUSES)}")
    write(cur, lambda c: update_audited(c, "problem", problem_id, {"status": status}, who=who))


_PROBLEM_COLUMNS = (
    "id, title, description, pathway_id, step_id, source, reported_by_role, reported_on, status, impact, effort"
)


def list_problems(cur: Cursor, *, pathway_id: int | None = None, project_id: int | None = None) -> list[Problem]:
    """Problems newest first, optionally only one pathway's or those linked to one project."""
    links: dict[int, list[int]] = {}
    for problem_id, linked_project in cur.execute(
        "SELECT problem_id, project_id FROM problem_project ORDER BY project_id"
    ).fetchall():
        links.setdefault(problem_id, []).append(linked_project)
    rows = fetch_records(
        cur,
        f"SELECT {_PROBLEM_COLUMNS} FROM problem"
        " WHERE (? IS NULL OR pathway_id = ?)"
        " AND (? IS NULL OR id IN (SELECT problem_id FROM problem_project WHERE project_id = ?))"
        " ORDER BY reported_on DESC, id DESC",
        [pathway_id, pathway_id, project_id, project_id],
    )
    return [Problem(**row, project_ids=links.get(row["id"], [])) for row in rows]


@dataclass(frozen=True)
class PathwayCounts:
    pathway_id: int
    problems_open: int
    problems_total: int
    projects: int


def pathway_counts(cur: Cursor) -> dict[int, PathwayCounts]:
    """Per pathway: open and total problems, and projects — for the overview cards."""
    rows = cur.execute(
        """
        SELECT p.id,
               (SELECT count(*) FROM problem pr WHERE pr.pathway_id = p.id
                  AND pr.status NOT IN ('solved', 'not_pursued')),
               (SELECT count(*) FROM problem pr WHERE pr.pathway_id = p.id),
               (SELECT count(*) FROM project pj WHERE pj.pathway_id = p.id)
        FROM pathway p
        """
    ).fetchall()
    return {r[0]: PathwayCounts(*r) for r in rows}
