"""Saving and reading units, pathways with their steps, and problems."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from pathways.models import PROBLEM_STATUSES, Pathway, PathwayStep, Problem, Unit
from pdsa.core.audit import insert_audited, record_event, update_audited
from pdsa.core.db import fetch_records, fetch_trusted, trusted, write

Cursor = duckdb.DuckDBPyConnection


# --- units ------------------------------------------------------------------------------

def add_unit(cur: Cursor, unit: Unit) -> int:
    return write(cur, lambda c: insert_audited(c, "unit", unit.model_dump(exclude={"id", "version", "archived"})))


def get_unit(cur: Cursor, unit_id: int) -> Unit:
    rows = fetch_records(cur, "SELECT id, name, sector, version, archived FROM unit WHERE id = ?", [unit_id])
    if not rows:
        raise LookupError(f"unit {unit_id} does not exist")
    return trusted(Unit, rows[0])


def list_units(cur: Cursor) -> list[Unit]:
    return fetch_trusted(cur, Unit, "SELECT id, name, sector, version, archived FROM unit WHERE NOT archived ORDER BY name")


def update_unit(cur: Cursor, unit: Unit) -> None:
    """Save a unit's name and sector; ``unit.version`` is the version the user saw."""
    values = unit.model_dump(include={"name", "sector"})
    write(cur, lambda c: update_audited(c, "unit", unit.id, values, expected_version=unit.version))


# --- pathways ---------------------------------------------------------------------------

def add_pathway(cur: Cursor, pathway: Pathway) -> int:
    """Save a pathway and all its steps together, in the order of their positions."""

    def change(c: Cursor) -> int:
        pathway_id = insert_audited(c, "pathway", pathway.model_dump(exclude={"id", "steps", "version", "archived"}))
        for step in sorted(pathway.steps, key=lambda s: s.position):
            add_step(c, pathway_id, step)
        return pathway_id

    return write(cur, change)


def add_step(cur: Cursor, pathway_id: int, step: PathwayStep) -> int:
    """Append a step to the pathway, or insert it before the step now at ``step.position``.

    The order lives in pathway_step_position, which nothing references, so the pathway's
    order is rewritten in one statement pair; the UNIQUE (pathway, position) makes two
    people adding a step at once conflict (and be retried) instead of sharing a position.
    """

    def change(c: Cursor) -> int:
        step_id = insert_audited(
            c, "pathway_step",
            {"pathway_id": pathway_id, **step.model_dump(exclude={"id", "position", "version", "archived"})},
        )
        order = _step_order(c, pathway_id)
        at = min(max(step.position, 1), len(order) + 1) if step.position else len(order) + 1
        order.insert(at - 1, step_id)
        _write_step_order(c, pathway_id, order)
        return step_id

    return write(cur, change)


def move_step(cur: Cursor, pathway_id: int, step_id: int, new_position: int) -> None:
    """Move a step to a new position (1 = first); the steps between shift by one."""

    def change(c: Cursor) -> None:
        order = _step_order(c, pathway_id)
        if step_id not in order:
            raise ValueError("step_id: the step is not part of the chosen pathway")
        before = order.index(step_id) + 1
        order.remove(step_id)
        order.insert(min(max(new_position, 1), len(order) + 1) - 1, step_id)
        if order.index(step_id) + 1 != before:
            _write_step_order(c, pathway_id, order)
            record_event(c, entity="pathway_step", entity_id=step_id, action="update",
                         before={"position": before}, after={"position": order.index(step_id) + 1})

    write(cur, change)


def _step_order(cur: Cursor, pathway_id: int) -> list[int]:
    rows = cur.execute(
        "SELECT step_id FROM pathway_step_position WHERE pathway_id = ? ORDER BY position", [pathway_id]
    ).fetchall()
    return [r[0] for r in rows]


def _write_step_order(cur: Cursor, pathway_id: int, order: list[int]) -> None:
    cur.execute("DELETE FROM pathway_step_position WHERE pathway_id = ?", [pathway_id])
    cur.executemany(
        "INSERT INTO pathway_step_position (pathway_id, position, step_id) VALUES (?, ?, ?)",
        [[pathway_id, position, step_id] for position, step_id in enumerate(order, start=1)],
    )


_STEPS_SQL = (
    "SELECT o.pathway_id, s.id, o.position, s.name, s.sector, s.unit_id, s.description, s.version, s.archived"
    " FROM pathway_step s JOIN pathway_step_position o ON o.step_id = s.id"
    " WHERE NOT s.archived AND (CAST(? AS INTEGER) IS NULL OR o.pathway_id = CAST(? AS INTEGER)) ORDER BY o.pathway_id, o.position"
)


def _steps_by_pathway(cur: Cursor, pathway_id: int | None = None) -> dict[int, list[PathwayStep]]:
    steps: dict[int, list[PathwayStep]] = {}
    for row in fetch_records(cur, _STEPS_SQL, [pathway_id, pathway_id]):
        steps.setdefault(row.pop("pathway_id"), []).append(trusted(PathwayStep, row))
    return steps


def list_pathways(cur: Cursor, *, include_archived: bool = False) -> list[Pathway]:
    """Pathways by name with their steps in order; archived ones only when asked."""
    steps = _steps_by_pathway(cur)
    rows = fetch_records(
        cur,
        "SELECT id, name, description, version, archived FROM pathway"
        " WHERE CAST(? AS BOOLEAN) OR NOT archived ORDER BY name",
        [include_archived],
    )
    return [trusted(Pathway, r, steps=steps.get(r["id"], [])) for r in rows]


def update_pathway(cur: Cursor, pathway: Pathway) -> None:
    """Save a pathway's name and description; ``pathway.version`` is the version the user saw."""
    values = pathway.model_dump(include={"name", "description"})
    write(cur, lambda c: update_audited(c, "pathway", pathway.id, values, expected_version=pathway.version))


def set_pathway_archived(cur: Cursor, pathway_id: int, archived: bool, *,
                         expected_version: int | None = None) -> None:
    """Archive a pathway (hidden from the lists, nothing deleted) or restore it."""
    write(cur, lambda c: update_audited(c, "pathway", pathway_id, {"archived": archived},
                                        expected_version=expected_version))


def update_step(cur: Cursor, pathway_id: int, step: PathwayStep) -> None:
    """Save a step's name, sector, unit and description (its place is changed by move_step);
    ``step.version`` is the version the user saw."""
    values = step.model_dump(include={"name", "sector", "unit_id", "description"})

    def change(c: Cursor) -> None:
        _check_step_of(c, step.id, pathway_id)
        update_audited(c, "pathway_step", step.id, values, expected_version=step.version)

    write(cur, change)


def set_step_archived(cur: Cursor, pathway_id: int, step_id: int, archived: bool) -> None:
    """Archive a step (it leaves the pathway's order; problems that name it keep their link)
    or restore it (it comes back as the last step)."""

    def change(c: Cursor) -> None:
        _check_step_of(c, step_id, pathway_id)
        order = [s for s in _step_order(c, pathway_id) if s != step_id]
        if not archived:
            order.append(step_id)
        if update_audited(c, "pathway_step", step_id, {"archived": archived}):
            _write_step_order(c, pathway_id, order)

    write(cur, change)


def archived_steps(cur: Cursor, pathway_id: int) -> list[PathwayStep]:
    """A pathway's archived steps (position 1 each: they have no place in the order)."""
    rows = fetch_records(
        cur,
        "SELECT id, name, sector, unit_id, description, version, archived FROM pathway_step"
        " WHERE pathway_id = ? AND archived ORDER BY name, id",
        [pathway_id],
    )
    return [trusted(PathwayStep, r, position=1) for r in rows]


def _check_step_of(cur: Cursor, step_id: int, pathway_id: int) -> None:
    row = cur.execute("SELECT pathway_id FROM pathway_step WHERE id = ?", [step_id]).fetchone()
    if row is None:
        raise LookupError(f"pathway_step {step_id} does not exist")
    if row[0] != pathway_id:
        raise ValueError("step_id: the step is not part of the chosen pathway")


def get_pathway(cur: Cursor, pathway_id: int) -> Pathway:
    rows = fetch_records(cur, "SELECT id, name, description, version, archived FROM pathway WHERE id = ?", [pathway_id])
    if not rows:
        raise LookupError(f"pathway {pathway_id} does not exist")
    return trusted(Pathway, rows[0], steps=_steps_by_pathway(cur, pathway_id).get(pathway_id, []))


# --- problems ---------------------------------------------------------------------------

def add_problem(cur: Cursor, problem: Problem) -> int:
    """Save a problem and its links to the projects that address it."""

    def change(c: Cursor) -> int:
        check_step_in_pathway(c, problem.step_id, problem.pathway_id)
        problem_id = insert_audited(
            c, "problem",
            problem.model_dump(exclude={"id", "project_ids", "change_idea_ids", "version", "archived", "merged_into_id"}),
        )
        for project_id in problem.project_ids:
            link_problem_to_project(c, problem_id, project_id)
        return problem_id

    return write(cur, change)


def check_step_in_pathway(cur: Cursor, step_id: int | None, pathway_id: int) -> None:
    """A step given with a pathway must be one of that pathway's steps."""
    if step_id is None:
        return
    row = cur.execute("SELECT pathway_id FROM pathway_step WHERE id = ?", [step_id]).fetchone()
    if row is None or row[0] != pathway_id:
        raise ValueError("step_id: the step is not part of the chosen pathway")


def link_problem_to_project(cur: Cursor, problem_id: int, project_id: int) -> None:
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
            c, entity="problem", entity_id=problem_id, action="update",
            after={"linked_project_id": project_id},
        )

    write(cur, change)


def link_problem_to_change_idea(cur: Cursor, problem_id: int, change_idea_id: int) -> None:
    """Kept both ways: the problem lists the idea and the idea the problems it answers."""

    def change(c: Cursor) -> None:
        pathways = c.execute(
            "SELECT (SELECT pathway_id FROM problem WHERE id = ?),"
            " (SELECT p.pathway_id FROM change_idea i JOIN project p ON p.id = i.project_id WHERE i.id = ?)",
            [problem_id, change_idea_id],
        ).fetchone()
        if pathways[0] is None or pathways[0] != pathways[1]:
            raise ValueError("change_idea_ids: the change idea belongs to a project on another pathway")
        inserted = c.execute(
            "INSERT INTO problem_change_idea (problem_id, change_idea_id) VALUES (?, ?) ON CONFLICT DO NOTHING"
            " RETURNING problem_id",
            [problem_id, change_idea_id],
        ).fetchall()
        if inserted:
            record_event(c, entity="problem", entity_id=problem_id, action="update",
                         after={"linked_change_idea_id": change_idea_id})

    write(cur, change)


def triage_problem(cur: Cursor, problem: Problem) -> None:
    """Save status, impact and effort; ``problem.version`` is the version the user saw."""
    values = problem.model_dump(include={"status", "impact", "effort"})
    write(cur, lambda c: update_audited(c, "problem", problem.id, values, expected_version=problem.version))


def set_problem_status(cur: Cursor, problem_id: int, status: str, *, expected_version: int | None = None) -> None:
    if status not in PROBLEM_STATUSES:
        raise ValueError(f"status: {status!r} is not one of {', '.join(PROBLEM_STATUSES)}")
    write(cur, lambda c: update_audited(c, "problem", problem_id, {"status": status}, expected_version=expected_version))


_PROBLEM_COLUMNS = (
    "id, title, description, pathway_id, step_id, source, reported_by_role, reported_on, status, impact, effort,"
    " merged_into_id, created_by, version, archived"
)


def list_problems(
    cur: Cursor, *, pathway_id: int | None = None, project_id: int | None = None, problem_id: int | None = None,
    include_merged: bool = False,
) -> list[Problem]:
    """Problems newest first, optionally only one pathway's or those linked to one project.

    A duplicate merged into another problem is left out unless asked for (or asked by its id)."""
    rows = fetch_records(
        cur,
        f"SELECT {_PROBLEM_COLUMNS} FROM problem"
        " WHERE (NOT archived OR id = CAST(? AS INTEGER)) AND (CAST(? AS INTEGER) IS NULL OR id = ?) AND (CAST(? AS INTEGER) IS NULL OR pathway_id = ?)"
        " AND (CAST(? AS INTEGER) IS NULL OR id IN (SELECT problem_id FROM problem_project WHERE project_id = ?))"
        " AND (merged_into_id IS NULL OR CAST(? AS BOOLEAN) OR id = CAST(? AS INTEGER))"
        " ORDER BY reported_on DESC, id DESC",
        [problem_id, problem_id, problem_id, pathway_id, pathway_id, project_id, project_id, include_merged, problem_id],
    )
    if not rows:
        return []
    # the links of the problems listed: all links when nothing was filtered (one scan, no id list)
    chosen = None if problem_id is None and pathway_id is None and project_id is None else [r["id"] for r in rows]
    only = " WHERE problem_id IN (SELECT unnest(CAST(? AS INTEGER[])))" if chosen is not None else ""
    links: dict[int, list[int]] = {}
    for linked_problem, linked_project in cur.execute(
        f"SELECT problem_id, project_id FROM problem_project{only} ORDER BY project_id", [chosen] if only else []
    ).fetchall():
        links.setdefault(linked_problem, []).append(linked_project)
    ideas: dict[int, list[int]] = {}
    for linked_problem, idea_id in cur.execute(
        f"SELECT problem_id, change_idea_id FROM problem_change_idea{only} ORDER BY change_idea_id", [chosen] if only else []
    ).fetchall():
        ideas.setdefault(linked_problem, []).append(idea_id)
    return [trusted(Problem, row, project_ids=links.get(row["id"], []), change_idea_ids=ideas.get(row["id"], []))
            for row in rows]


def get_problem(cur: Cursor, problem_id: int) -> Problem:
    found = [p for p in list_problems(cur, problem_id=problem_id)]
    if not found:
        raise LookupError(f"problem {problem_id} does not exist")
    return found[0]


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
               (SELECT count(*) FROM problem pr WHERE pr.pathway_id = p.id AND NOT pr.archived
                  AND pr.merged_into_id IS NULL AND pr.status NOT IN ('solved', 'not_pursued')),
               (SELECT count(*) FROM problem pr WHERE pr.pathway_id = p.id AND NOT pr.archived
                  AND pr.merged_into_id IS NULL),
               (SELECT count(*) FROM project pj WHERE pj.pathway_id = p.id)
        FROM pathway p
        """
    ).fetchall()
    return {r[0]: PathwayCounts(*r) for r in rows}
