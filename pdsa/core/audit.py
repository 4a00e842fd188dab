"""Row writes that leave an audit trail: who changed which entity, when, before and after.

Each helper runs inside the caller's transaction, so the change and its audit event are
saved together or not at all.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

import duckdb
import pandas as pd
from pydantic import BaseModel

from pdsa.core.fields import refuse_cpr


class AuditEvent(BaseModel):
    """Who changed what and when; written in the same transaction as the change."""

    id: int | None = None
    happened_at: datetime
    who: str
    entity: str
    entity_id: int
    action: Literal["create", "update", "delete"]
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


def _jsonable(value: Any) -> Any:
    """json.dumps fallback for the non-JSON types our rows hold."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"cannot record {type(value).__name__} in the audit trail")


def _to_json(values: dict[str, Any] | None) -> str | None:
    if values is None:
        return None
    return json.dumps(values, default=_jsonable, ensure_ascii=False)


def check_who(who: str) -> str:
    """The name recorded for a change must be a name, not empty and never a CPR number."""
    if not who or not who.strip():
        raise ValueError("who: say who makes the change")
    refuse_cpr(who)
    return who


def record_event(
    cur: duckdb.DuckDBPyConnection,
    *,
    who: str,
    entity: str,
    entity_id: int,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    check_who(who)
    cur.execute(
        "INSERT INTO audit_event (who, entity, entity_id, action, before, after) VALUES (?, ?, ?, ?, ?, ?)",
        [who, entity, entity_id, action, _to_json(before), _to_json(after)],
    )


def insert_audited(cur: duckdb.DuckDBPyConnection, table: str, values: dict[str, Any], *, who: str) -> int:
    """Insert one row into a table of ours and record it; returns the new id."""
    columns = list(values)
    placeholders = ", ".join("?" for _ in columns)
    row = cur.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders}) RETURNING id",
        [values[c] for c in columns],
    ).fetchone()
    record_event(cur, who=who, entity=table, entity_id=row[0], action="create", after=values)
    return row[0]


def insert_many_audited(
    cur: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]], *, who: str
) -> list[int]:
    """Insert many rows (same keys) and their audit events in two statements; returns their ids.

    Ids are drawn from the table's sequence first, so each audit event names its row
    without relying on the order RETURNING reports rows in.
    """
    if not rows:
        return []
    check_who(who)
    ids = [r[0] for r in cur.execute(f"SELECT nextval('{table}_id_seq') FROM range(?)", [len(rows)]).fetchall()]
    frame = pd.DataFrame([{"id": row_id, **row} for row_id, row in zip(ids, rows)]).astype(object)
    frame = frame.where(frame.notna(), None)  # NULL, not NaN, for missing values
    events = pd.DataFrame({
        "who": who, "entity": table, "entity_id": ids, "action": "create",
        "after": [_to_json(row) for row in rows],
    })
    columns = ", ".join(frame.columns)
    cur.register("_new_rows", frame)
    cur.register("_new_events", events)
    try:
        cur.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM _new_rows")
        cur.execute(
            "INSERT INTO audit_event (who, entity, entity_id, action, after)"
            " SELECT who, entity, entity_id, action, CAST(after AS JSON) FROM _new_events"
        )
    finally:
        cur.unregister("_new_rows")
        cur.unregister("_new_events")
    return ids


def update_audited(
    cur: duckdb.DuckDBPyConnection, table: str, row_id: int, values: dict[str, Any], *, who: str
) -> None:
    """Update scalar columns of one row and record what they were before."""
    columns = list(values)
    before_row = cur.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE id = ?", [row_id]).fetchone()
    if before_row is None:
        raise LookupError(f"{table} {row_id} does not exist")
    before = dict(zip(columns, before_row))
    if before == values:
        return
    assignments = ", ".join(f"{c} = ?" for c in columns)
    cur.execute(f"UPDATE {table} SET {assignments} WHERE id = ?", [values[c] for c in columns] + [row_id])
    record_event(cur, who=who, entity=table, entity_id=row_id, action="update", before=before, after=values)


def list_events(
    cur: duckdb.DuckDBPyConnection, *, entity: str | None = None, entity_id: int | None = None, limit: int = 200
) -> list[AuditEvent]:
    """Newest first."""
    rows = cur.execute(
        "SELECT id, happened_at, who, entity, entity_id, action, before, after FROM audit_event"
        " WHERE (? IS NULL OR entity = ?) AND (? IS NULL OR entity_id = ?)"
        " ORDER BY id DESC LIMIT ?",
        [entity, entity, entity_id, entity_id, limit],
    ).fetchall()
    return [
        AuditEvent(
            id=r[0], happened_at=r[1], who=r[2], entity=r[3], entity_id=r[4], action=r[5],
            before=json.loads(r[6]) if r[6] else None, after=json.loads(r[7]) if r[7] else None,
        )
        for r in rows
    ]
