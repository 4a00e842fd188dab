"""PostgreSQL behind the same cursor the stores use on DuckDB.

Why a thin adapter rather than SQLAlchemy: every store is written as plain SQL text with
``?`` parameters run on a DuckDB cursor (``cur.execute(sql, params).fetchall()``, ``.df()``),
and that SQL is kept portable (see the README, "Two engines"). A cursor that looks like
DuckDB's over psycopg 3 keeps DuckDB — the default — on its native cursor at no cost, and on
PostgreSQL only swaps the placeholder (``?`` to ``%s``) and reports results the same way. It
translates no SQL: what differs between the engines is written so that it does not.

A :class:`PgDatabase` stands where the DuckDB connection stands (one per process);
``cursor()`` gives each thread its own psycopg connection, in autocommit mode so that
:func:`pdsa.core.db.write` opens and commits transactions itself, at REPEATABLE READ, where a
concurrent update fails like DuckDB's optimistic conflicts and is retried.
"""

from __future__ import annotations

import io
import re
import threading
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pandas as pd
import psycopg
from psycopg import errors as pg_errors

POSTGRES_PREFIXES = ("postgresql://", "postgres://")


def is_postgres_url(value: str) -> bool:
    return value.strip().lower().startswith(POSTGRES_PREFIXES)


def without_password(url: str) -> str:
    """The URL as it may be shown: any password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


_PLACEHOLDER = re.compile(r"\?")


def _pg_sql(sql: str) -> str:
    """DuckDB's ``?`` placeholders as psycopg's ``%s``; a literal % doubled. Our SQL holds no
    question mark or per cent sign inside string literals (tests run every statement on both)."""
    return _PLACEHOLDER.sub("%s", sql.replace("%", "%%"))


class PgCursor:
    """The part of a DuckDB cursor the stores use, over one psycopg connection."""

    dialect = "postgresql"

    def __init__(self, database: "PgDatabase"):
        self.database = database
        self._con = psycopg.connect(database.url, autocommit=True, connect_timeout=10)
        self._cur = self._con.cursor()

    # what the stores call ------------------------------------------------------------------
    def execute(self, sql: str, params: Any = None) -> "PgCursor":
        text = sql.strip()
        if text.upper() == "BEGIN TRANSACTION":
            text = "BEGIN ISOLATION LEVEL REPEATABLE READ"
        if params:
            self._cur.execute(_pg_sql(text), list(params))
        else:
            self._cur.execute(text)  # without parameters psycopg reads no placeholders
        return self

    def executemany(self, sql: str, rows: Any) -> "PgCursor":
        self._cur.executemany(_pg_sql(sql), [list(r) for r in rows])
        return self

    def fetchone(self) -> tuple | None:
        return self._cur.fetchone()

    def fetchall(self) -> list[tuple]:
        return self._cur.fetchall()

    @property
    def description(self):
        return self._cur.description

    def df(self) -> pd.DataFrame:
        columns = [d.name for d in self._cur.description]
        return pd.DataFrame.from_records(self._cur.fetchall(), columns=columns)

    def copy_frame(self, sql: str, params: Any = None) -> pd.DataFrame:
        """A large result as a DataFrame through COPY … TO STDOUT (text format), much faster
        than fetching row by row; ``sql`` is a SELECT."""
        if params:
            sql = psycopg.ClientCursor(self._con).mogrify(_pg_sql(sql), list(params))
        buffer = io.StringIO()
        with self._cur.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true)") as copy:
            for block in copy:
                buffer.write(bytes(block).decode("utf-8"))
        buffer.seek(0)
        return pd.read_csv(buffer)

    def close(self) -> None:
        try:
            self._con.close()
        except psycopg.Error:
            pass

    def cursor(self) -> "PgCursor":
        return self.database.cursor()


class PgDatabase:
    """A PostgreSQL database for this process: the stand-in for the DuckDB connection."""

    dialect = "postgresql"

    def __init__(self, url: str):
        self.url = url
        self._local = threading.local()
        self._all: list[PgCursor] = []
        self._lock = threading.Lock()

    def cursor(self) -> PgCursor:
        """A new cursor with its own connection (one per thread, as on DuckDB)."""
        cur = PgCursor(self)
        with self._lock:
            self._all.append(cur)
        return cur

    def execute(self, sql: str, params: Any = None) -> PgCursor:
        """Like DuckDB's connection.execute: on the calling thread's own cursor."""
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._local.cursor = self.cursor()
        return cur.execute(sql, params)

    def close(self) -> None:
        with self._lock:
            cursors, self._all = self._all, []
        for cur in cursors:
            cur.close()


def dialect_of(cur: Any) -> str:
    return getattr(cur, "dialect", "duckdb")


# psycopg errors as the storage core sorts them
CONFLICT_ERRORS = (pg_errors.SerializationFailure, pg_errors.DeadlockDetected)
DUPLICATE_KEY_ERRORS = (pg_errors.UniqueViolation,)
INTEGRITY_ERRORS = (psycopg.IntegrityError,)
DISK_ERRORS = (pg_errors.DiskFull, pg_errors.InsufficientResources)
CONNECTION_ERRORS = (psycopg.OperationalError,)
