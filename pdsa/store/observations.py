"""Observations in patients' and staff's own words."""

from __future__ import annotations

import duckdb

from pdsa.core.audit import check_version, insert_audited, update_audited
from pdsa.core.db import fetch_records, write
from pdsa.models import Observation

Cursor = duckdb.DuckDBPyConnection

_COLUMNS = (
    "id, text, kind, author_role, observed_on, pathway_id, step_id, problem_id, project_id, cycle_id, created_by,"
    " version, archived"
)


def add_observation(cur: Cursor, observation: Observation) -> int:
    """Save an observation; what it is linked to must belong to the same pathway."""

    def change(c: Cursor) -> int:
        links = (("step_id", "SELECT pathway_id FROM pathway_step WHERE id = ?"),
                 ("problem_id", "SELECT pathway_id FROM problem WHERE id = ?"),
                 ("project_id", "SELECT pathway_id FROM project WHERE id = ?"),
                 ("cycle_id", "SELECT p.pathway_id FROM pdsa_cycle c JOIN project p ON p.id = c.project_id"
                              " WHERE c.id = ?"))
        for field, sql in links:
            linked = getattr(observation, field)
            if linked is not None:
                row = c.execute(sql, [linked]).fetchone()
                if row is None or row[0] != observation.pathway_id:
                    raise ValueError(f"{field}: it belongs to another pathway than the observation")
        if observation.cycle_id is not None and observation.project_id is not None:
            project = c.execute("SELECT project_id FROM pdsa_cycle WHERE id = ?", [observation.cycle_id]).fetchone()
            if project[0] != observation.project_id:
                raise ValueError("cycle_id: the PDSA cycle belongs to another project than the observation")
        return insert_audited(c, "observation", observation.model_dump(exclude={"id", "version", "archived"}))

    return write(cur, change)


KEEP: object = object()
"""link_observation's default for ``cycle_id``: leave the cycle it has."""


def link_observation(
    cur: Cursor, observation_id: int, *, problem_id: int | None, project_id: int | None,
    cycle_id: int | None | object = KEEP, expected_version: int | None = None,
) -> bool:
    """Link an observation to the problem, the project and the PDSA cycle it speaks to (None: to none;
    ``cycle_id`` left out: the cycle it has).

    All must belong to the observation's pathway; a problem merged into another is refused
    (link the one kept); a cycle brings its project (a project given must be the cycle's).
    True when anything changed. ``expected_version`` is the version the user saw.
    """

    def change(c: Cursor) -> bool:
        observation = get_observation(c, observation_id)
        check_version(c, "observation", observation_id, expected_version)
        cycle = observation.cycle_id if cycle_id is KEEP else cycle_id
        project = project_id
        if problem_id is not None:
            row = c.execute("SELECT pathway_id, merged_into_id FROM problem WHERE id = ?", [problem_id]).fetchone()
            if row is None or row[0] != observation.pathway_id:
                raise ValueError("problem_id: it belongs to another pathway than the observation")
            if row[1] is not None:
                raise ValueError("problem_id: the problem was merged into another one; link that one")
        if cycle is not None:
            row = c.execute("SELECT project_id FROM pdsa_cycle WHERE id = ?", [cycle]).fetchone()
            if row is None:
                raise ValueError("cycle_id: the PDSA cycle does not exist")
            if project is None and cycle_id is KEEP:
                cycle = None  # the project unlinked: its cycle goes with it
            elif project is None:
                project = row[0]  # a cycle chosen brings its project
            elif project != row[0]:
                raise ValueError("cycle_id: the PDSA cycle belongs to another project than the observation")
        if project is not None:
            row = c.execute("SELECT pathway_id FROM project WHERE id = ?", [project]).fetchone()
            if row is None or row[0] != observation.pathway_id:
                raise ValueError("project_id: it belongs to another pathway than the observation")
        values = {"problem_id": problem_id, "project_id": project}
        if cycle_id is not KEEP or cycle != observation.cycle_id:
            values["cycle_id"] = cycle
        return update_audited(c, "observation", observation_id, values)

    return write(cur, change)


def update_observation(cur: Cursor, observation: Observation) -> bool:
    """The words, kind, author's role, date and step of an observation, on the version the
    user saw (``observation.version``); its links stay. True when anything changed."""

    def change(c: Cursor) -> bool:
        stored = get_observation(c, observation.id)
        if observation.step_id is not None:
            row = c.execute("SELECT pathway_id FROM pathway_step WHERE id = ?", [observation.step_id]).fetchone()
            if row is None or row[0] != stored.pathway_id:
                raise ValueError("step_id: it belongs to another pathway than the observation")
        values = {name: getattr(observation, name) for name in ("text", "kind", "author_role", "observed_on", "step_id")}
        return update_audited(c, "observation", stored.id, values, expected_version=observation.version)

    return write(cur, change)


def set_observation_archived(cur: Cursor, observation_id: int, archived: bool,
                             *, expected_version: int | None = None) -> bool:
    """Withdraw an observation (archived: it is no longer listed; its history stays) or bring it back."""
    return write(cur, lambda c: update_audited(c, "observation", observation_id, {"archived": archived},
                                               expected_version=expected_version))


def list_observations(
    cur: Cursor, *, pathway_id: int | None = None, project_id: int | None = None, problem_id: int | None = None,
    cycle_id: int | None = None, created_by: int | None = None, include_archived: bool = False,
) -> list[Observation]:
    """Newest first; withdrawn (archived) ones only when asked."""
    rows = fetch_records(
        cur,
        f"SELECT {_COLUMNS} FROM observation WHERE (? OR NOT archived)"
        " AND (CAST(? AS INTEGER) IS NULL OR pathway_id = ?)"
        " AND (CAST(? AS INTEGER) IS NULL OR project_id = ?)"
        " AND (CAST(? AS INTEGER) IS NULL OR problem_id = ?)"
        " AND (CAST(? AS INTEGER) IS NULL OR cycle_id = ?)"
        " AND (CAST(? AS INTEGER) IS NULL OR created_by = ?)"
        " ORDER BY observed_on DESC, id DESC",
        [include_archived, pathway_id, pathway_id, project_id, project_id, problem_id, problem_id,
         cycle_id, cycle_id, created_by, created_by],
    )
    return [Observation(**r) for r in rows]


def get_observation(cur: Cursor, observation_id: int) -> Observation:
    rows = fetch_records(cur, f"SELECT {_COLUMNS} FROM observation WHERE id = ?", [observation_id])
    if not rows:
        raise LookupError(f"observation {observation_id} does not exist")
    return Observation(**rows[0])
