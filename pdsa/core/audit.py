"""Row writes that leave an audit trail: who changed which entity, when, before and after.

Each helper runs inside the caller's transaction, so the change and its audit event are
saved together or not at all. Who makes the change is set once per action with
:func:`acting_as`; editable rows carry a version, checked and raised on every update.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

import duckdb
import pandas as pd
from pydantic import BaseModel

from pdsa.core.db import ConcurrentInsert
from pdsa.core.fields import refuse_cpr
from pdsa.core.postgres import dialect_of


class AuditEvent(BaseModel):
    """Who changed what and when; written in the same transaction as the change."""

    id: int | None = None
    happened_at: datetime
    who: str
    actor_id: int | None = None
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


def _from_json(value: Any) -> dict | None:
    """A JSON column as read back: text on DuckDB, already parsed by psycopg on PostgreSQL."""
    if value is None or isinstance(value, dict):
        return value
    return json.loads(value)


# Columns whose values never enter the audit trail: it says that they were set, not what to.
SECRET_COLUMNS: frozenset[str] = frozenset({"password_hash"})


def _to_json(values: dict[str, Any] | None) -> str | None:
    if values is None:
        return None
    shown = {k: ("(set)" if v is not None else None) if k in SECRET_COLUMNS else v for k, v in values.items()}
    return json.dumps(shown, default=_jsonable, ensure_ascii=False)


@dataclass(frozen=True)
class Author:
    """Who a change is recorded under: the user's id (None for the command line and the demo
    loader, which act as the operating-system user or "demo") and the name shown in the trail."""

    user_id: int | None
    name: str


_current_author: ContextVar[Author | None] = ContextVar("author", default=None)


@contextmanager
def acting_as(author: Author) -> Iterator[Author]:
    """Record every change made inside the block under ``author``.

    The actions set it once, around their transaction, so the stores below them never pass a
    name around; a change made outside any action has no author and is refused.
    """
    if not author.name or not author.name.strip():
        raise ValueError("who: say who makes the change")
    refuse_cpr(author.name)
    token = _current_author.set(author)
    try:
        yield author
    finally:
        _current_author.reset(token)


def current_author() -> Author:
    author = _current_author.get()
    if author is None:
        raise RuntimeError("a change must be made through an action, which says who makes it")
    return author


class StaleEdit(Exception):
    """The row changed since the user read it: nothing was saved, and the user is told by whom."""

    def __init__(
        self, entity: str, entity_id: int, current_version: int, changed_by: str | None, changed_at: datetime | None
    ):
        self.entity, self.entity_id, self.current_version = entity, entity_id, current_version
        self.changed_by, self.changed_at = changed_by, changed_at
        when = changed_at.strftime("%Y-%m-%d %H:%M") if changed_at else "meanwhile"
        super().__init__(
            f"{changed_by or 'Someone'} changed this {entity.replace('_', ' ')} ({when}) after you opened it. "
            "Nothing was saved; your input is kept so you can look at their change and save again."
        )


# Tables whose rows carry a version number (optimistic locking) — see migration 003.
VERSIONED_TABLES: frozenset[str] = frozenset({
    "app_user", "unit", "pathway", "pathway_step", "theme", "project", "team_member", "problem",
    "driver", "change_idea", "measure", "pdsa_cycle", "observation",
})


def record_event(
    cur: duckdb.DuckDBPyConnection,
    *,
    entity: str,
    entity_id: int,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    author = current_author()
    cur.execute(
        "INSERT INTO audit_event (who, actor_id, entity, entity_id, action, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [author.name, author.user_id, entity, entity_id, action, _to_json(before), _to_json(after)],
    )


def last_change(cur: duckdb.DuckDBPyConnection, entity: str, entity_id: int) -> tuple[str | None, datetime | None]:
    """Who last changed the row and when, from the audit trail."""
    row = cur.execute(
        "SELECT who, happened_at FROM audit_event WHERE entity = ? AND entity_id = ? ORDER BY id DESC LIMIT 1",
        [entity, entity_id],
    ).fetchone()
    return (row[0], row[1]) if row else (None, None)


def check_version(cur: duckdb.DuckDBPyConnection, table: str, row_id: int, expected_version: int | None) -> int:
    """The row's current version; raises StaleEdit when it is not the one the user saw."""
    row = cur.execute(f"SELECT version FROM {table} WHERE id = ?", [row_id]).fetchone()
    if row is None:
        raise LookupError(f"{table} {row_id} does not exist")
    if expected_version is not None and row[0] != expected_version:
        raise StaleEdit(table, row_id, row[0], *last_change(cur, table, row_id))
    return row[0]


def bump_version(cur: duckdb.DuckDBPyConnection, table: str, row_id: int) -> None:
    cur.execute(f"UPDATE {table} SET version = version + 1 WHERE id = ?", [row_id])


def insert_audited(cur: duckdb.DuckDBPyConnection, table: str, values: dict[str, Any]) -> int:
    """Insert one row into a table of ours and record it; returns the new id."""
    columns = list(values)
    placeholders = ", ".join("?" for _ in columns)
    row = cur.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders}) RETURNING id",
        [values[c] for c in columns],
    ).fetchone()
    record_event(cur, entity=table, entity_id=row[0], action="create", after=values)
    return row[0]


def insert_many_audited(
    cur: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]
) -> list[int]:
    """Insert many rows (same keys) and their audit events in two statements; returns their ids.

    Ids are drawn from the table's sequence first, so each audit event names its row
    without relying on the order RETURNING reports rows in.
    """
    if not rows:
        return []
    author = current_author()
    ids = [r[0] for r in cur.execute(
        f"SELECT nextval('{table}_id_seq') FROM generate_series(1, CAST(? AS INTEGER))", [len(rows)]
    ).fetchall()]
    if dialect_of(cur) == "postgresql":
        _insert_many_rows_postgres(cur, table, ids, rows, author)
        return ids
    frame = pd.DataFrame([{"id": row_id, **row} for row_id, row in zip(ids, rows)]).astype(object)
    frame = frame.where(frame.notna(), None)  # NULL, not NaN, for missing values
    events = pd.DataFrame({
        "who": author.name, "actor_id": author.user_id, "entity": table, "entity_id": ids, "action": "create",
        "after": [_to_json(row) for row in rows],
    })
    columns = ", ".join(frame.columns)
    cur.register("_new_rows", frame)
    cur.register("_new_events", events)
    try:
        try:
            cur.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM _new_rows")
        except duckdb.ConstraintException as exc:
            if "duplicate key" in str(exc).lower():  # someone saved the same key since this began
                raise ConcurrentInsert(str(exc)) from exc
            raise
        cur.execute(
            "INSERT INTO audit_event (who, actor_id, entity, entity_id, action, after)"
            " SELECT who, CAST(actor_id AS INTEGER), entity, entity_id, action, CAST(after AS JSON) FROM _new_events"
        )
    finally:
        for name in ("_new_rows", "_new_events"):
            try:
                cur.unregister(name)
            except duckdb.Error:
                pass  # an aborted transaction refuses it; the error that aborted it is the one to see
    return ids


def _insert_many_rows_postgres(cur, table: str, ids: list[int], rows: list[dict[str, Any]], author: Author) -> None:
    """PostgreSQL has no registered DataFrames: the rows and their events go in as two batches
    (psycopg pipelines executemany)."""
    columns = ["id", *rows[0]]
    placeholders = ", ".join("?" for _ in columns)
    cur.executemany(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",
        [[row_id, *row.values()] for row_id, row in zip(ids, rows)],
    )
    cur.executemany(
        "INSERT INTO audit_event (who, actor_id, entity, entity_id, action, after) VALUES (?, ?, ?, ?, 'create', ?)",
        [[author.name, author.user_id, table, row_id, _to_json(row)] for row_id, row in zip(ids, rows)],
    )


def update_audited(
    cur: duckdb.DuckDBPyConnection, table: str, row_id: int, values: dict[str, Any],
    *, expected_version: int | None = None,
) -> bool:
    """Update scalar columns of one row and record what they were before; True if anything changed.

    On a versioned table the row's version goes up by one, and ``expected_version`` (the
    version the user saw) is checked first: a row changed since raises StaleEdit.
    """
    if table in VERSIONED_TABLES:
        check_version(cur, table, row_id, expected_version)
    columns = list(values)
    before_row = cur.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE id = ?", [row_id]).fetchone()
    if before_row is None:
        raise LookupError(f"{table} {row_id} does not exist")
    before = dict(zip(columns, before_row))
    if before == values:
        return False
    assignments = ", ".join(f"{c} = ?" for c in columns)
    cur.execute(f"UPDATE {table} SET {assignments} WHERE id = ?", [values[c] for c in columns] + [row_id])
    if table in VERSIONED_TABLES:
        bump_version(cur, table, row_id)
    record_event(cur, entity=table, entity_id=row_id, action="update", before=before, after=values)
    return True


def list_events(
    cur: duckdb.DuckDBPyConnection, *, entity: str | None = None, entity_id: int | None = None, limit: int = 200
) -> list[AuditEvent]:
    """Newest first."""
    rows = cur.execute(
        "SELECT id, happened_at, who, actor_id, entity, entity_id, action, before, after FROM audit_event"
        " WHERE (CAST(? AS VARCHAR) IS NULL OR entity = ?) AND (CAST(? AS INTEGER) IS NULL OR entity_id = ?)"
        " ORDER BY id DESC LIMIT ?",
        [entity, entity, entity_id, entity_id, limit],
    ).fetchall()
    return [
        AuditEvent(
            id=r[0], happened_at=r[1], who=r[2], actor_id=r[3], entity=r[4], entity_id=r[5], action=r[6],
            before=_from_json(r[7]), after=_from_json(r[8]),
        )
        for r in rows
    ]
