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


def link_observation(
    cur: Cursor, observation_id: int, *, problem_id: int | None, project_id: int | None,
    expected_version: int | None = None,
) -> bool:
    """Link an observation to the problem and the project it speaks to (None: to none).

    Both must belong to the observation's pathway; a problem merged into another is refused
    (link the one kept); a project must be the one of the observation's PDSA cycle, if it has
    one. True when anything changed. ``expected_version`` is the version the user saw.
    """

    def change(c: Cursor) -> bool:
        observation = get_observation(c, observation_id)
        check_version(c, "observation", observation_id, expected_version)
        if problem_id is not None:
            row = c.execute("SELECT pathway_id, merged_into_id FROM problem WHERE id = ?", [problem_id]).fetchone()
            if row is None or row[0] != observation.pathway_id:
                raise ValueError("problem_id: it belongs to another pathway than the observation")
            if row[1] is not None:
                raise ValueError("problem_id: the problem was merged into another one; link that one")
        if project_id is not None:
            row = c.execute("SELECT pathway_id FROM project WHERE id = ?", [project_id]).fetchone()
            if row is None or row[0] != observation.pathway_id:
                raise ValueError("project_id: it belongs to another pathway than the observation")
            if observation.cycle_id is not None:
                cycle = c.execute("SELECT project_id FROM pdsa_cycle WHERE id = ?", [observation.cycle_id]).fetchone()
                if cycle is not None and cycle[0] != project_id:
                    raise ValueError("cycle_id: the PDSA cycle belongs to another project than the observation")
        return update_audited(c, "observation", observation_id, {"problem_id": problem_id, "project_id": project_id})

    return write(cur, change)


def list_observations(
    cur: Cursor, *, pathway_id: int | None = None, project_id: int | None = None, problem_id: int | None = None
) -> list[Observation]:
    rows = fetch_records(
        cur,
        f"SELECT {_COLUMNS} FROM observation WHERE NOT archived AND (CAST(? AS INTEGER) IS NULL OR pathway_id = ?)"
        " AND (CAST(? AS INTEGER) IS NULL OR project_id = ?)"
        " AND (CAST(? AS INTEGER) IS NULL OR problem_id = ?)"
        " ORDER BY observed_on DESC, id DESC",
        [pathway_id, pathway_id, project_id, project_id, problem_id, problem_id],
    )
    return [Observation(**r) for r in rows]


def get_observation(cur: Cursor, observation_id: int) -> Observation:
    rows = fetch_records(cur, f"SELECT {_COLUMNS} FROM observation WHERE id = ?", [observation_id])
    if not rows:
        raise LookupError(f"observation {observation_id} does not exist")
    return Observation(**rows[0])
