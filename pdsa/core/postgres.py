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

One thing is done differently for speed: ``execute(sql).df()`` of a read without parameters
fetches the whole result as one row of byte strings that numpy reads in place (a million rows:
a fraction of a second of the app's CPU instead of seconds), giving the same frame; see
"large results as DataFrames" below.
"""

from __future__ import annotations

import re
import threading
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import pandas as pd
import psycopg
from psycopg import errors as pg_errors

POSTGRES_PREFIXES = ("postgresql://", "postgres://")


def is_postgres_url(value: str) -> bool:
    return value.strip().lower().startswith(POSTGRES_PREFIXES)


def without_password(url: str) -> str:
    """The URL as it may be shown: a password (in user:password@ or as ?password=) as ***."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc and ":" in netloc.rsplit("@", 1)[0]:
            user = netloc.rsplit("@", 1)[0].split(":", 1)[0]
            netloc = f"{user}:***@{netloc.rsplit('@', 1)[1]}"
        query = re.sub(r"(?i)(^|&)(password)=[^&]*", r"\1\2=***", parts.query)
        return urlunsplit(parts._replace(netloc=netloc, query=query))
    except ValueError:
        return "postgresql://***"  # not even readable as an address: show none of it


_PLACEHOLDER = re.compile(r"\?")


def _pg_sql(sql: str) -> str:
    """DuckDB's ``?`` placeholders as psycopg's ``%s``; a literal % doubled. Our SQL holds no
    question mark or per cent sign inside string literals (tests run every statement on both)."""
    return _PLACEHOLDER.sub("%s", sql.replace("%", "%%"))


# --- large results as DataFrames, one row of bytes per column -------------------------------
#
# ``cur.execute(sql).df()`` of a large result row by row makes a Python object of every value
# and a tuple of every row (seconds for a million rows), and COPY … TO STDOUT is no better from
# Python: PostgreSQL sends one message per row. So df() asks the server for one row instead,
# holding each column as one byte string — every value in its binary send format (fixed width,
# big-endian), concatenated by string_agg in the order the query delivers its rows — which
# numpy reads in place. NULLs travel as one bigint bit mask per row. A plain aggregate reads
# its input in order: a query with ORDER BY stays a subquery with its sort on top (PostgreSQL
# does not pull it up), so the order is the query's. Column types beyond the plain ones below
# go the row-by-row way.
#
# For that, a statement that only reads and has no parameters is held back by execute() until
# the next call on the cursor: df() runs it as above (after asking for its column types with
# LIMIT 0), any other call runs it first, as before.

# type oid -> (SQL type name, value standing in for NULL, send function, numpy big-endian format)
_ONE_ROW_TYPES = {
    16: ("boolean", "false", "boolsend", "u1"),
    20: ("bigint", "0", "int8send", ">i8"),
    21: ("smallint", "0", "int2send", ">i2"),
    23: ("integer", "0", "int4send", ">i4"),
    700: ("real", "0", "float4send", ">f4"),
    701: ("double precision", "0", "float8send", ">f8"),
    1082: ("date", "'2000-01-01'", "date_send", ">i4"),
}
_INTEGERS, _BOOL, _DATE = {20, 21, 23}, 16, 1082
_MAX_ONE_ROW_COLUMNS = 62  # the NULL mask is one bigint
_PG_EPOCH_DAYS = 10_957  # 2000-01-01 (PostgreSQL's day 0) in days since 1970-01-01
_PY_DATE_RANGE = (-719_162, 2_932_896)  # 0001-01-01 and 9999-12-31 in days since 1970-01-01

_READ_ONLY = re.compile(r"^\s*(SELECT|WITH)\b", re.IGNORECASE)
# Never held back: whatever could change something or take a lock (a SELECT may call a function
# that does), so that delaying it until the next call could be noticed by another session.
_MAY_ACT = re.compile(
    r"\bFOR\s+(UPDATE|SHARE|NO\s+KEY|KEY)\b|\b(INSERT|UPDATE|DELETE|MERGE|NOTIFY)\b"
    r"|\bINTO\b|;\s*\S|pg_|nextval|setval|currval|set_config|\blo_|txid|dblink",
    re.IGNORECASE | re.DOTALL,
)


def _may_hold_back(sql: str) -> bool:
    return bool(_READ_ONLY.match(sql)) and not _MAY_ACT.search(sql)


def _frame_in_one_row(con: psycopg.Connection, cur: psycopg.Cursor, sql: str) -> tuple[pd.DataFrame, list] | None:
    """The result of ``sql`` (a read without parameters) as ``PgCursor.df`` makes it row by row
    — same columns, values, order and dtypes — fetched as one row of byte strings; None when a
    column has a type not read this way, or (outside a transaction) the result is too large for
    one row (over 1 GB): the caller then runs the statement the ordinary way."""
    body = sql.strip().rstrip(";")
    cur.execute(f"SELECT * FROM ({body}\n) AS q LIMIT 0")  # a newline ends a -- comment
    description = cur.description
    if not description or len(description) > _MAX_ONE_ROW_COLUMNS:
        return None
    oids = [d.type_code for d in description]
    if any(oid not in _ONE_ROW_TYPES for oid in oids):
        return None
    names = [d.name for d in description]
    aliases = [f"c{i}" for i in range(len(oids))]
    mask = " + ".join(f"CAST({a} IS NULL AS integer) * CAST({1 << i} AS bigint)" for i, a in enumerate(aliases))
    columns_sql = ", ".join(
        f"string_agg({_ONE_ROW_TYPES[o][2]}(coalesce({a}, CAST({_ONE_ROW_TYPES[o][1]} AS {_ONE_ROW_TYPES[o][0]}))),"
        " ''::bytea)" for a, o in zip(aliases, oids))
    try:
        row = cur.execute(
            f"SELECT count(*), string_agg(int8send({mask}), ''::bytea), {columns_sql}"
            f" FROM ({body}\n) AS q({', '.join(aliases)})", binary=True).fetchone()
    except (pg_errors.ProgramLimitExceeded, pg_errors.OutOfMemory):
        if con.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
            return None  # nothing was spoilt: fetch it row by row
        raise
    rows = row[0]
    if rows == 0:
        return pd.DataFrame.from_records([], columns=names), description
    masks = np.frombuffer(row[1], dtype=">i8")
    if len(masks) != rows:
        raise psycopg.DataError("the columns fetched in one row do not have the expected length")
    columns = []
    for i, oid in enumerate(oids):
        value = np.frombuffer(row[i + 2], dtype=_ONE_ROW_TYPES[oid][3])
        if len(value) != rows:
            raise psycopg.DataError("the columns fetched in one row do not have the expected length")
        null = (masks >> i) & 1 == 1
        if null.all():
            columns.append(pd.Series([None] * rows, dtype=object))
        elif oid == _DATE:
            days = value.astype(np.int64) + _PG_EPOCH_DAYS
            if (days[~null] < _PY_DATE_RANGE[0]).any() or (days[~null] > _PY_DATE_RANGE[1]).any():
                return None  # infinity, or beyond Python's dates: the ordinary way says so
            dates = days.astype("datetime64[D]").astype(object)
            dates[null] = None
            columns.append(pd.Series(dates, dtype=object))
        elif oid == _BOOL:
            flags = value.astype(bool)
            if null.any():
                flags = flags.astype(object)
                flags[null] = None
            columns.append(pd.Series(flags))
        elif null.any():  # numbers with NULLs: float64 with NaN, as pandas makes of None
            columns.append(pd.Series(np.where(null, np.nan, value.astype(np.float64))))
        else:
            columns.append(pd.Series(value.astype(np.int64 if oid in _INTEGERS else np.float64)))
    frame = pd.concat(columns, axis=1, ignore_index=True)
    frame.columns = names
    return frame, description


class PgCursor:
    """The part of a DuckDB cursor the stores use, over one psycopg connection."""

    dialect = "postgresql"

    def __init__(self, database: "PgDatabase"):
        self.database = database
        self._con = psycopg.connect(database.url, autocommit=True, connect_timeout=10)
        self._cur = self._con.cursor()
        self._held_back: str | None = None      # a read execute() has not run yet (see above)
        self._taken: list | None = None        # the description of a result df() took in one row

    def _run_held_back(self) -> None:
        sql, self._held_back = self._held_back, None
        if sql is not None:
            self._cur.execute(sql)

    # what the stores call ------------------------------------------------------------------
    def execute(self, sql: str, params: Any = None) -> "PgCursor":
        self._run_held_back()
        self._taken = None
        text = sql.strip()
        if text.upper() == "BEGIN TRANSACTION":
            text = "BEGIN ISOLATION LEVEL REPEATABLE READ"
        if params:
            self._cur.execute(_pg_sql(text), list(params))
        elif _may_hold_back(text):
            self._held_back = text  # run by the next call: df() in one row, the others as usual
        else:
            self._cur.execute(text)  # without parameters psycopg reads no placeholders
        return self

    def executemany(self, sql: str, rows: Any) -> "PgCursor":
        self._run_held_back()
        self._taken = None
        self._cur.executemany(_pg_sql(sql), [list(r) for r in rows])
        return self

    def fetchone(self) -> tuple | None:
        if self._taken is not None:
            return None  # df() took every row
        self._run_held_back()
        return self._cur.fetchone()

    def fetchall(self) -> list[tuple]:
        if self._taken is not None:
            return []
        self._run_held_back()
        return self._cur.fetchall()

    @property
    def description(self):
        if self._taken is not None:
            return self._taken
        self._run_held_back()
        return self._cur.description

    def df(self) -> pd.DataFrame:
        """The rest of the result as a DataFrame: a column per result column, named as in the
        query, with the dtypes pandas gives the rows' Python values (int64, or float64 with NaN
        where a NULL is; float64; bool, or object with None; dates as ``datetime.date``)."""
        if self._taken is not None:
            return pd.DataFrame.from_records([], columns=[d.name for d in self._taken])
        sql, self._held_back = self._held_back, None
        if sql is not None:
            taken = _frame_in_one_row(self._con, self._cur, sql)
            if taken is not None:
                frame, self._taken = taken
                return frame
            self._cur.execute(sql)
        columns = [d.name for d in self._cur.description]
        return pd.DataFrame.from_records(self._cur.fetchall(), columns=columns)

    def close(self) -> None:
        self._held_back = None  # a read nobody looked at
        try:
            self._con.close()
        except psycopg.Error:
            pass
        self.database.forget(self)

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

    def forget(self, cur: PgCursor) -> None:
        """A cursor closed on its own (say the portfolio's second one) is no longer this
        database's to close."""
        with self._lock:
            if cur in self._all:
                self._all.remove(cur)

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
