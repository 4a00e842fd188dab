"""PDSA cycles, which form ramps through their parent cycle."""

from __future__ import annotations

import duckdb

from pdsa.core.audit import insert_audited, update_audited
from pdsa.core.db import fetch_records, write
from pdsa.models import PdsaCycle

Cursor = duckdb.DuckDBPyConnection

_CYCLE_FIELDS = tuple(name for name in PdsaCycle.model_fields if name != "id")


def add_cycle(cur: Cursor, cycle: PdsaCycle, *, who: str) -> int:
    """Save a cycle; its number in the ramp follows from its parent (the first cycle is 1)."""

    def change(c: Cursor) -> int:
        values = cycle.model_dump(exclude={"id"})
        _check_change_idea(c, cycle)
        if cycle.parent_id is not None:
            parent = c.execute(
                "SELECT project_id, cycle_number FROM pdsa_cycle WHERE id = ?", [cycle.parent_id]
            ).fetchone()
            if parent is None or parent[0] != cycle.project_id:
                raise ValueError("parent_id: the earlier cycle must belong to the same project")
            values["cycle_number"] = parent[1] + 1
        else:
            values["cycle_number"] = 1
        return insert_audited(c, "pdsa_cycle", values, who=who)

    return write(cur, change)


def _check_change_idea(cur: Cursor, cycle: PdsaCycle) -> None:
    if cycle.change_idea_id is None:
        return
    owner = cur.execute("SELECT project_id FROM change_idea WHERE id = ?", [cycle.change_idea_id]).fetchone()
    if owner is None or owner[0] != cycle.project_id:
        raise ValueError("change_idea_id: the change idea belongs to another project")


def update_cycle(cur: Cursor, cycle: PdsaCycle, *, who: str) -> None:
    """Save what the team has filled in since (Do, Study, Act); the ramp position stays."""
    values = cycle.model_dump(exclude={"id", "project_id", "parent_id", "cycle_number"})

    def change(c: Cursor) -> None:
        _check_change_idea(c, cycle)
        update_audited(c, "pdsa_cycle", cycle.id, values, who=who)

    write(cur, change)


def list_cycles(cur: Cursor, *, project_id: int | None = None) -> list[PdsaCycle]:
    """Cycles in ramp order: by ramp root, then by number."""
    rows = fetch_records(
        cur,
        f"SELECT id, {', '.join(_CYCLE_FIELDS)} FROM pdsa_cycle"
        " WHERE ? IS NULL OR project_id = ? ORDER BY project_id, coalesce(do_start, DATE '9999-12-31'), id",
        [project_id, project_id],
    )
    return [PdsaCycle(**r) for r in rows]


def get_cycle(cur: Cursor, cycle_id: int) -> PdsaCycle:
    rows = fetch_records(cur, f"SELECT id, {', '.join(_CYCLE_FIELDS)} FROM pdsa_cycle WHERE id = ?", [cycle_id])
    if not rows:
        raise LookupError(f"PDSA cycle {cycle_id} does not exist")
    return PdsaCycle(**rows[0])


def ramps(cycles: list[PdsaCycle]) -> list[list[PdsaCycle]]:
    """Group cycles into ramps: each ramp is a chain from a first cycle through its children."""
    by_id = {c.id: c for c in cycles}
    children: dict[int | None, list[PdsaCycle]] = {}
    for c in cycles:
        parent = c.parent_id if c.parent_id in by_id else None
        children.setdefault(parent, []).append(c)
    result = []
    for root in children.get(None, []):
        ramp, queue = [], [root]
        while queue:
            current = queue.pop(0)
            ramp.append(current)
            queue.extend(children.get(current.id, []))
        result.append(ramp)
    return result
