"""The database: where it is, opening and migrating it, and writing in transactions.

One DuckDB file per deployment. The app holds one connection per process and takes a
cursor per thread; DuckDB's optimistic concurrency means two writers touching the same
row conflict, so every write goes through :func:`write`, which retries with back-off.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TypeVar

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_DB_PATH = PROJECT_ROOT / "data" / "pdsa.duckdb"
DB_ENV_VAR = "PDSA_DB"

T = TypeVar("T")


class DatabaseError(Exception):
    """A database problem explained in words a user can act on."""


class DatabaseLocked(DatabaseError):
    pass


class WriteConflict(DatabaseError):
    pass


@dataclass(frozen=True)
class DatabaseLocation:
    path: Path
    is_default: bool


def resolve_db_path(explicit: str | os.PathLike | None = None) -> DatabaseLocation:
    """--db wins over PDSA_DB, which wins over data/pdsa.duckdb."""
    if explicit:
        return DatabaseLocation(Path(explicit).expanduser().resolve(), False)
    from_env = os.environ.get(DB_ENV_VAR)
    if from_env:
        return DatabaseLocation(Path(from_env).expanduser().resolve(), False)
    return DatabaseLocation(DEFAULT_DB_PATH, True)


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) and migrate the database file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path))
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise DatabaseLocked(
                f"The database {path} is in use by another program (for example the running app). "
                "Stop that program first, or do this from inside the app."
            ) from exc
        raise DatabaseError(f"Could not open the database {path}: {exc}") from exc
    migrate(con)
    return con


# --- migrations -------------------------------------------------------------------------

_MIGRATION_NAME = re.compile(r"^(\d{3})_(\w+)\.sql$")


def available_migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every file in pdsa/migrations, in order."""
    found = []
    for entry in resources.files("pdsa.core.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    return sorted(found)


def applied_migrations(con: duckdb.DuckDBPyConnection) -> list[int]:
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migration ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMP NOT NULL DEFAULT current_localtimestamp())"
    )
    return [row[0] for row in con.execute("SELECT version FROM schema_migration ORDER BY version").fetchall()]


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply the migrations not yet recorded, each in its own transaction; return their versions."""
    done = set(applied_migrations(con))
    applied = []
    for version, name, sql in available_migrations():
        if version in done:
            continue

        def apply(cur, version=version, name=name, sql=sql):
            cur.execute(sql)
            cur.execute("INSERT INTO schema_migration (version, name) VALUES (?, ?)", [version, name])

        write(con, apply)
        applied.append(version)
    return applied


# --- transactions -----------------------------------------------------------------------

def _rollback_quietly(cur: duckdb.DuckDBPyConnection) -> None:
    try:
        cur.execute("ROLLBACK")
    except duckdb.Error:
        pass  # the transaction is already gone; nothing left to undo


_open_transactions = threading.local()


def _cursors_in_transaction() -> set[int]:
    if not hasattr(_open_transactions, "ids"):
        _open_transactions.ids = set()
    return _open_transactions.ids


def write(
    cur: duckdb.DuckDBPyConnection,
    change: Callable[[duckdb.DuckDBPyConnection], T],
    *,
    attempts: int = 5,
    backoff_seconds: float = 0.02,
) -> T:
    """Run ``change(cur)`` in one transaction: all of it is saved or none of it.

    A write inside another write joins the outer transaction, so store functions can be
    combined (the demo loads in one transaction). A write conflict (another user changed
    the same row at the same moment) is retried with growing pauses; when it keeps
    happening the user is told plainly.
    """
    open_ids = _cursors_in_transaction()
    if id(cur) in open_ids:
        return change(cur)
    for attempt in range(1, attempts + 1):
        cur.execute("BEGIN TRANSACTION")
        open_ids.add(id(cur))
        try:
            result = change(cur)
            cur.execute("COMMIT")
            return result
        except duckdb.TransactionException as exc:
            _rollback_quietly(cur)
            if attempt == attempts:
                raise WriteConflict(
                    "Someone else changed the same data at the same moment, and saving failed "
                    f"{attempts} times. Nothing was saved; please try again."
                ) from exc
            time.sleep(backoff_seconds * 2 ** (attempt - 1))
        except BaseException:
            _rollback_quietly(cur)
            raise
        finally:
            open_ids.discard(id(cur))
    raise AssertionError("unreachable")


def is_empty(cur: duckdb.DuckDBPyConnection) -> bool:
    """True when no pathway, project or unit has been registered yet."""
    row = cur.execute(
        "SELECT (SELECT count(*) FROM pathway) + (SELECT count(*) FROM project) + (SELECT count(*) FROM unit)"
    ).fetchone()
    return row[0] == 0


def fetch_records(cur: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    """Rows as dicts keyed by column name, so models can be built with ``Model(**row)``."""
    result = cur.execute(sql, params or [])
    columns = [d[0] for d in result.description]
    return [dict(zip(columns, row)) for row in result.fetchall()]
