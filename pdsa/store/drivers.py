"""A driver diagram edited: drivers renamed, moved and removed (archived), change ideas edited
and removed, and both restored.

Adding lives with the project (pdsa.store.projects.add_driver, add_change_idea), and so does
reading the whole diagram (get_driver_diagram), which leaves archived rows out.

Order: primary drivers are ordered among the project's primary drivers, a secondary driver
among the secondary drivers of its primary, by ``position``. Moving rewrites only the
positions that change; a position is order, not content, so it does not count as an edit of
the driver (its version stays, and a rename open in another browser still saves).

Removing a primary driver removes the secondary drivers under it with it, and restoring it
brings those back; restoring a secondary driver whose primary is archived restores that
primary too. Links from change
ideas to archived drivers are kept, and hidden while the driver is archived. A change idea
that a PDSA cycle tests is not removed: the cycle's ramp is told by its idea.
"""

from __future__ import annotations

import duckdb

from pdsa.core.audit import record_event, update_audited
from pdsa.core.db import fetch_records, write
from pdsa.models import ChangeIdea, Driver
from pdsa.store.team import Refused

Cursor = duckdb.DuckDBPyConnection

_COLUMNS = "id, kind, text, parent_id, position, version, archived"


def get_driver(cur: Cursor, driver_id: int) -> Driver:
    rows = fetch_records(cur, f"SELECT {_COLUMNS} FROM driver WHERE id = ?", [driver_id])
    if not rows:
        raise LookupError(f"driver {driver_id} does not exist")
    return Driver(**rows[0])


def driver_project(cur: Cursor, driver_id: int) -> int:
    row = cur.execute("SELECT project_id FROM driver WHERE id = ?", [driver_id]).fetchone()
    if row is None:
        raise LookupError(f"driver {driver_id} does not exist")
    return row[0]


def list_drivers(cur: Cursor, project_id: int, *, include_archived: bool = False) -> list[Driver]:
    """Primary drivers in their order, each followed by its secondary drivers in theirs."""
    drivers = [Driver(**r) for r in fetch_records(
        cur,
        f"SELECT {_COLUMNS} FROM driver WHERE project_id = ? AND (CAST(? AS BOOLEAN) OR NOT archived)"
        " ORDER BY position, id",
        [project_id, include_archived],
    )]
    return tree_order(drivers)


def tree_order(drivers: list[Driver]) -> list[Driver]:
    """Primary drivers in the given order, each followed by its secondary drivers; secondary
    drivers whose primary is not among them come last."""
    ordered: list[Driver] = []
    for primary in (d for d in drivers if d.kind == "primary"):
        ordered.append(primary)
        ordered.extend(d for d in drivers if d.kind == "secondary" and d.parent_id == primary.id)
    ordered.extend(d for d in drivers if d not in ordered)
    return ordered


def next_position(cur: Cursor, project_id: int, kind: str, parent_id: int | None) -> int:
    """The place after the last live driver of the same level (the same primary, for a secondary)."""
    return cur.execute(
        "SELECT coalesce(max(position), 0) + 1 FROM driver WHERE project_id = ? AND kind = ? AND NOT archived"
        " AND (CAST(? AS INTEGER) IS NULL OR parent_id = ?)",
        [project_id, kind, parent_id, parent_id],
    ).fetchone()[0]


def _live_primary(cur: Cursor, project_id: int, parent_id: int | None) -> None:
    row = cur.execute("SELECT kind, archived FROM driver WHERE id = ? AND project_id = ?", [parent_id, project_id]).fetchone()
    if row is None or row[0] != "primary":
        raise ValueError("parent_id: a secondary driver must hang under a primary driver of the same project")
    if row[1]:
        raise Refused("parent_archived", "the primary driver was removed", field="parent_id")


def _set_position(cur: Cursor, driver_id: int, old: int, new: int) -> None:
    if old == new:
        return
    cur.execute("UPDATE driver SET position = ? WHERE id = ?", [new, driver_id])
    record_event(cur, entity="driver", entity_id=driver_id, action="update", before={"position": old},
                 after={"position": new})


def update_driver(cur: Cursor, driver: Driver) -> None:
    """Rename a driver, and hang a secondary driver under another primary (it goes last
    there). The kind stays. ``driver.version`` is the version the user saw (StaleEdit)."""

    def change(c: Cursor) -> None:
        project_id = driver_project(c, driver.id)
        current = get_driver(c, driver.id)
        if current.archived:
            raise Refused("driver_archived", "the driver was removed meanwhile", name=current.text)
        if driver.kind != current.kind:
            raise ValueError("kind: a primary driver stays primary and a secondary driver stays secondary")
        values: dict = {"text": driver.text}
        if current.kind == "secondary" and driver.parent_id != current.parent_id:
            _live_primary(c, project_id, driver.parent_id)
            values |= {"parent_id": driver.parent_id, "position": next_position(c, project_id, "secondary",
                                                                                  driver.parent_id)}
        update_audited(c, "driver", driver.id, values, expected_version=driver.version)

    write(cur, change)


def move_driver(cur: Cursor, driver_id: int, step: int) -> None:
    """Move a driver one place up (step -1) or down (+1) among its live siblings; at either
    end it stays where it is."""
    if step not in (-1, 1):
        raise ValueError("step: a driver moves one place up (-1) or down (1)")

    def change(c: Cursor) -> None:
        project_id = driver_project(c, driver_id)
        current = get_driver(c, driver_id)
        if current.archived:
            raise Refused("driver_archived", "the driver was removed meanwhile", name=current.text)
        siblings = c.execute(
            "SELECT id, position FROM driver WHERE project_id = ? AND kind = ? AND NOT archived"
            " AND (CAST(? AS INTEGER) IS NULL OR parent_id = ?) ORDER BY position, id",
            [project_id, current.kind, current.parent_id, current.parent_id],
        ).fetchall()
        order = [row[0] for row in siblings]
        index = order.index(driver_id)
        target = index + step
        if not 0 <= target < len(order):
            return
        order[index], order[target] = order[target], order[index]
        old = dict(siblings)
        for position, sibling in enumerate(order, start=1):
            _set_position(c, sibling, old[sibling], position)

    write(cur, change)


def set_driver_archived(cur: Cursor, driver_id: int, archived: bool, *, expected_version: int | None = None) -> list[int]:
    """Remove (archive) or restore a driver; returns the ids of the drivers that went with it:
    a primary's secondary drivers when it is removed (and, when it is restored, those removed
    together with it), a secondary's primary when the secondary is restored."""

    def change(c: Cursor) -> list[int]:
        project_id = driver_project(c, driver_id)
        current = get_driver(c, driver_id)
        along: list[int] = []
        if archived and current.kind == "primary" and not current.archived:
            along = [r[0] for r in c.execute(
                "SELECT id FROM driver WHERE project_id = ? AND parent_id = ? AND NOT archived ORDER BY position, id",
                [project_id, driver_id]).fetchall()]
        elif not archived and current.archived and current.kind == "primary":
            along = _removed_together(c, project_id, driver_id)
        elif not archived and current.kind == "secondary" and get_driver(c, current.parent_id).archived:
            along = [current.parent_id]
        if update_audited(c, "driver", driver_id, {"archived": archived}, expected_version=expected_version) \
                and not archived:
            _set_position(c, driver_id, current.position, _restored_position(c, project_id, current))
        for other in along:
            was = get_driver(c, other)
            if update_audited(c, "driver", other, {"archived": archived}) and not archived:
                _set_position(c, other, was.position, _restored_position(c, project_id, was))
        return along

    return write(cur, change)


def _removed_together(cur: Cursor, project_id: int, primary_id: int) -> list[int]:
    """The archived secondary drivers of a primary that were removed in the same change as it
    (their archive events carry the same moment: one transaction)."""
    last_archived = (
        "SELECT max(e.happened_at) FROM audit_event e WHERE e.entity = 'driver' AND e.entity_id = {row}"
        " AND e.action = 'update' AND CAST(e.after AS VARCHAR) LIKE '%\"archived\": true%'"
    )
    rows = cur.execute(
        f"SELECT d.id FROM driver d WHERE d.project_id = ? AND d.parent_id = ? AND d.archived"
        f" AND ({last_archived.format(row='d.id')}) = ({last_archived.format(row='?')}) ORDER BY d.position, d.id",
        [project_id, primary_id, primary_id],
    ).fetchall()
    return [r[0] for r in rows]


def _restored_position(cur: Cursor, project_id: int, driver: Driver) -> int:
    """A restored driver keeps its place unless a live sibling holds it; then it goes last."""
    taken = cur.execute(
        "SELECT count(*) FROM driver WHERE project_id = ? AND kind = ? AND NOT archived AND id <> ? AND position = ?"
        " AND (CAST(? AS INTEGER) IS NULL OR parent_id = ?)",
        [project_id, driver.kind, driver.id, driver.position, driver.parent_id, driver.parent_id],
    ).fetchone()[0]
    if not taken:
        return driver.position
    return cur.execute(
        "SELECT coalesce(max(position), 0) + 1 FROM driver WHERE project_id = ? AND kind = ? AND NOT archived"
        " AND id <> ? AND (CAST(? AS INTEGER) IS NULL OR parent_id = ?)",
        [project_id, driver.kind, driver.id, driver.parent_id, driver.parent_id],
    ).fetchone()[0]


# --- change ideas ------------------------------------------------------------------------------

def get_change_idea(cur: Cursor, idea_id: int) -> ChangeIdea:
    """The idea with its links to live drivers (archived or not itself)."""
    rows = fetch_records(cur, "SELECT id, text, description, version, archived FROM change_idea WHERE id = ?", [idea_id])
    if not rows:
        raise LookupError(f"change idea {idea_id} does not exist")
    links = [r[0] for r in cur.execute(
        "SELECT l.driver_id FROM change_idea_driver l JOIN driver d ON d.id = l.driver_id"
        " WHERE l.change_idea_id = ? AND NOT d.archived ORDER BY l.driver_id", [idea_id]).fetchall()]
    return ChangeIdea(**rows[0], driver_ids=links)


def _check_drivers(cur: Cursor, project_id: int, driver_ids: list[int]) -> None:
    for driver_id in driver_ids:
        row = cur.execute("SELECT archived FROM driver WHERE id = ? AND project_id = ?", [driver_id, project_id]).fetchone()
        if row is None:
            raise ValueError(f"driver_ids: driver {driver_id} is not part of this project's driver diagram")
        if row[0]:
            raise Refused("idea_driver_archived", "one of the chosen drivers was removed", field="driver_ids")


def update_change_idea(cur: Cursor, idea: ChangeIdea) -> None:
    """Save an idea's text, description and the drivers it serves. Links to archived drivers
    stay (they come back with the driver). ``idea.version`` is the version the user saw."""
    from pdsa.store.projects import change_idea_project

    def change(c: Cursor) -> None:
        project_id = change_idea_project(c, idea.id)
        current = get_change_idea(c, idea.id)
        if current.archived:
            raise Refused("idea_archived", "the change idea was removed meanwhile", name=current.text)
        changed = update_audited(c, "change_idea", idea.id, {"text": idea.text, "description": idea.description},
                                 expected_version=idea.version)
        if sorted(idea.driver_ids) != sorted(current.driver_ids):
            _check_drivers(c, project_id, idea.driver_ids)
            c.execute("DELETE FROM change_idea_driver WHERE change_idea_id = ? AND driver_id IN"
                      " (SELECT id FROM driver WHERE NOT archived)", [idea.id])
            for driver_id in idea.driver_ids:
                c.execute("INSERT INTO change_idea_driver (change_idea_id, driver_id) VALUES (?, ?)", [idea.id, driver_id])
            if not changed:
                c.execute("UPDATE change_idea SET version = version + 1 WHERE id = ?", [idea.id])
            record_event(c, entity="change_idea", entity_id=idea.id, action="update",
                         before={"driver_ids": sorted(current.driver_ids)}, after={"driver_ids": sorted(idea.driver_ids)})

    write(cur, change)


def cycles_testing(cur: Cursor, idea_id: int) -> list[str]:
    """The titles of the live PDSA cycles that test the idea."""
    return [r[0] for r in cur.execute(
        "SELECT title FROM pdsa_cycle WHERE change_idea_id = ? AND NOT archived ORDER BY id", [idea_id]).fetchall()]


def set_change_idea_archived(cur: Cursor, idea_id: int, archived: bool, *, expected_version: int | None = None) -> None:
    """Remove (archive) or restore a change idea. An idea a live PDSA cycle tests stays."""

    def change(c: Cursor) -> None:
        current = get_change_idea(c, idea_id)
        if archived and not current.archived:
            cycles = cycles_testing(c, idea_id)
            if cycles:
                raise Refused("idea_in_cycles", "PDSA cycles test this change idea", name=current.text,
                              cycles=cycles, count=len(cycles))
        update_audited(c, "change_idea", idea_id, {"archived": archived}, expected_version=expected_version)

    write(cur, change)


def archived_change_ideas(cur: Cursor, project_id: int) -> list[ChangeIdea]:
    rows = fetch_records(cur, "SELECT id FROM change_idea WHERE project_id = ? AND archived ORDER BY id", [project_id])
    return [get_change_idea(cur, r["id"]) for r in rows]
