"""Observations in patients' and staff's own words."""

from __future__ import annotations

import duckdb

from pdsa.audit import insert_audited
from pdsa.db import fetch_records, write
from pdsa.models import Observation

Cursor = duckdb.DuckDBPyConnection

_COLUMNS = "id, text, kind, author_role, observed_on, pathway_id, step_id, problem_id, project_id, cycle_id"


def add_observation(cur: Cursor, observation: Observation, *, who: str) -> int:
    return write(cur, lambda c: insert_audited(c, "observation", observation.model_dump(exclude={"id"}), who=who))


def list_observations(
    cur: Cursor, *, pathway_id: int | None = None, project_id: int | None = None
) -> list[Observation]:
    rows = fetch_records(
        cur,
        f"SELECT {_COLUMNS} FROM observation WHERE (? IS NULL OR pathway_id = ?) AND (? IS NULL OR project_id = ?)"
        " ORDER BY observed_on DESC, id DESC",
        [pathway_id, pathway_id, project_id, project_id],
    )
    return [Observation(**r) for r in rows]
