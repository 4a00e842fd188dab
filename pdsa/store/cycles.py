"""PDSA cycles, which form ramps through their parent cycle."""

from __future__ import annotations

import duckdb

from pdsa.core.audit import bump_version, insert_audited, record_event, update_audited
from pdsa.core.db import fetch_records, trusted, write
from pdsa.models import PdsaCycle

Cursor = duckdb.DuckDBPyConnection

_CYCLE_FIELDS = tuple(name for name in PdsaCycle.model_fields if name not in ("id", "measure_ids"))
_EDIT_STATE = {"id", "version", "archived", "measure_ids"}


def add_cycle(cur: Cursor, cycle: PdsaCycle) -> int:
    """Save a cycle; its number in the ramp follows from its parent (the first cycle is 1)."""

    def change(c: Cursor) -> int:
        values = cycle.model_dump(exclude=_EDIT_STATE)
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
        cycle_id = insert_audited(c, "pdsa_cycle", values)
        _save_measure_links(c, cycle_id, cycle)
        return cycle_id

    return write(cur, change)


def _save_measure_links(cur: Cursor, cycle_id: int, cycle: PdsaCycle) -> None:
    """The measures the cycle is judged by: they must belong to the cycle's project."""
    before = _measure_links(cur, [cycle_id]).get(cycle_id, [])
    wanted = sorted(set(cycle.measure_ids))
    if before == wanted:
        return
    for measure_id in wanted:
        owner = cur.execute("SELECT project_id FROM measure WHERE id = ?", [measure_id]).fetchone()
        if owner is None or owner[0] != cycle.project_id:
            raise ValueError("measure_ids: the measure belongs to another project than the cycle")
    cur.execute("DELETE FROM cycle_measure WHERE cycle_id = ?", [cycle_id])
    if wanted:
        cur.executemany("INSERT INTO cycle_measure (cycle_id, measure_id) VALUES (?, ?)", [[cycle_id, m] for m in wanted])
    record_event(cur, entity="pdsa_cycle", entity_id=cycle_id, action="update",
                 before={"measure_ids": before}, after={"measure_ids": wanted})


def _measure_links(cur: Cursor, cycle_ids: list[int]) -> dict[int, list[int]]:
    links: dict[int, list[int]] = {}
    for cycle_id, measure_id in cur.execute(
        "SELECT cycle_id, measure_id FROM cycle_measure WHERE cycle_id IN (SELECT unnest(CAST(? AS INTEGER[]))) ORDER BY cycle_id, measure_id",
        [cycle_ids],
    ).fetchall():
        links.setdefault(cycle_id, []).append(measure_id)
    return links


def _check_change_idea(cur: Cursor, cycle: PdsaCycle) -> None:
    if cycle.change_idea_id is None:
        return
    owner = cur.execute("SELECT project_id FROM change_idea WHERE id = ?", [cycle.change_idea_id]).fetchone()
    if owner is None or owner[0] != cycle.project_id:
        raise ValueError("change_idea_id: the change idea belongs to another project")


def update_cycle(cur: Cursor, cycle: PdsaCycle) -> None:
    """Save what the team has filled in since (Do, Study, Act); the ramp position stays.

    ``cycle.version`` is the version the user saw; a cycle changed since raises StaleEdit.
    """
    values = cycle.model_dump(exclude=_EDIT_STATE | {"project_id", "parent_id", "cycle_number", "created_by"})

    def change(c: Cursor) -> None:
        _check_change_idea(c, cycle)
        changed = update_audited(c, "pdsa_cycle", cycle.id, values, expected_version=cycle.version)
        before = _measure_links(c, [cycle.id]).get(cycle.id, [])
        if before != sorted(set(cycle.measure_ids)):
            _save_measure_links(c, cycle.id, cycle)
            if not changed:
                bump_version(c, "pdsa_cycle", cycle.id)

    write(cur, change)


def list_cycles(cur: Cursor, *, project_id: int | None = None, include_archived: bool = False,
                archived_only: bool = False) -> list[PdsaCycle]:
    """Cycles in ramp order: by ramp root, then by number.

    Archived cycles only when asked: ``include_archived`` adds them, ``archived_only`` lists
    only them (the "Archived" list they are restored from)."""
    rows = fetch_records(
        cur,
        f"SELECT id, {', '.join(_CYCLE_FIELDS)} FROM pdsa_cycle"
        " WHERE (CASE WHEN CAST(? AS BOOLEAN) THEN archived WHEN CAST(? AS BOOLEAN) THEN TRUE ELSE NOT archived END)"
        " AND (CAST(? AS INTEGER) IS NULL OR project_id = ?)"
        " ORDER BY project_id, coalesce(do_start, DATE '9999-12-31'), id",
        [archived_only, include_archived, project_id, project_id],
    )
    links = _measure_links(cur, [r["id"] for r in rows]) if rows else {}
    return [trusted(PdsaCycle, r, measure_ids=links.get(r["id"], [])) for r in rows]


def set_cycle_archived(cur: Cursor, cycle_id: int, archived: bool, *, expected_version: int | None = None) -> bool:
    """Archive a cycle (it leaves the PDSA list and the charts; nothing is deleted) or restore
    it; True when that changed anything. A later cycle of its ramp stays where it is."""
    return write(cur, lambda c: update_audited(c, "pdsa_cycle", cycle_id, {"archived": archived},
                                               expected_version=expected_version))


def get_cycle(cur: Cursor, cycle_id: int) -> PdsaCycle:
    rows = fetch_records(cur, f"SELECT id, {', '.join(_CYCLE_FIELDS)} FROM pdsa_cycle WHERE id = ?", [cycle_id])
    if not rows:
        raise LookupError(f"PDSA cycle {cycle_id} does not exist")
    return trusted(PdsaCycle, rows[0], measure_ids=_measure_links(cur, [cycle_id]).get(cycle_id, []))


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
