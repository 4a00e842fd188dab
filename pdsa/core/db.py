"""The database: where it is, opening and migrating it, and writing in transactions.

One DuckDB file per deployment. The app holds one connection per process and takes a
cursor per thread; DuckDB's optimistic concurrency means two writers touching the same
row conflict, so every write goes through :func:`write`, which retries real conflicts with
back-off and turns everything else DuckDB can throw at a writer into one plain sentence.

Opening refuses, with a sentence and without changing the file, whatever is not a database
this code can use: an empty path, a folder, an empty file, an SQLite or other non-DuckDB
file, a damaged file, a read-only file or folder, a path that cannot be created, and a
database made by a newer version of the app. :func:`replace_database` swaps a whole database
for a new one so that a crash at any moment leaves either the old file or the new one.
"""

from __future__ import annotations

import copy
import os
import random
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TypeVar

import duckdb
import psycopg

from pdsa.core.postgres import (
    CONFLICT_ERRORS,
    DISK_ERRORS,
    DUPLICATE_KEY_ERRORS,
    PgDatabase,
    dialect_of,
    is_postgres_url,
    without_password,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_DB_PATH = PROJECT_ROOT / "data" / "pdsa.duckdb"
DB_ENV_VAR = "PDSA_DB"

# No extension is ever installed or loaded behind our back: a file that looks like SQLite
# would otherwise make DuckDB download sqlite_scanner over plain HTTP.
CONNECT_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}

T = TypeVar("T")


# --- errors -----------------------------------------------------------------------------

class DatabaseError(Exception):
    """A database problem explained in words a user can act on.

    ``code`` names the kind of problem for a translation catalogue; ``path`` is the file it
    is about, when there is one.
    """

    code = "database_error"

    def __init__(self, message: str, *, path: Path | None = None):
        super().__init__(message)
        self.path = path


class DatabaseLocked(DatabaseError):
    """Another program holds the file (DuckDB lets one process open it at a time)."""

    code = "database_locked"


class WriteConflict(DatabaseError):
    """Someone else changed the same rows at the same moment, again and again."""

    code = "write_conflict"


class ConcurrentInsert(Exception):
    """Raised by a store when its insert met a key another transaction committed after this
    one began (a position computed as max + 1): retried by :func:`write` like a conflict."""


class DatabaseWriteFailed(DatabaseError):
    """The disk is full or the file or folder is read-only: nothing was saved."""

    code = "database_write_failed"


class DatabaseInvalidated(DatabaseError):
    """DuckDB gave up on the open database (e.g. a failed checkpoint): it must be reopened."""

    code = "database_invalidated"


class DatabaseUnusable(DatabaseError):
    """The path does not lead to a database this code can open; nothing was changed."""

    code = "database_unusable"


class NewerSchema(DatabaseUnusable):
    """The database was made by a newer version of the app."""

    code = "database_newer"


WRITE_FAILED = (
    "The database could not be written: the disk is full or the file is read-only. Nothing was saved."
)
INVALIDATED = (
    "The database stopped working after an error it cannot recover from (for example a full disk "
    "while saving) and must be opened again. The last change may not have been saved."
)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


_IO_MARKERS = (
    "could not write", "no space left", "disk quota", "permission denied", "operation not permitted",
    "read-only file system", "cannot open file", "could not fsync", "could not truncate", "input/output error",
)


def _words(exc: BaseException) -> str:
    """DuckDB's message without what it quotes (file names, keys), lower case, for matching."""
    return re.sub(r'"[^"]*"', '""', str(exc)).lower()


def _is_conflict(exc: duckdb.Error) -> bool:
    """A genuine write conflict: two transactions changed the same rows (or inserted the same key)."""
    text = _words(exc)
    if any(marker in text for marker in _IO_MARKERS):
        return False
    return "conflict" in text or "duplicate key" in text


def _is_io_failure(exc: duckdb.Error) -> bool:
    text = _words(exc)
    return any(marker in text for marker in _IO_MARKERS)


def is_invalidated(exc: BaseException) -> bool:
    """DuckDB gave up on the open database (a FATAL error): only reopening it helps."""
    return isinstance(exc, duckdb.FatalException) or "database has been invalidated" in _words(exc)


# --- where the database is ----------------------------------------------------------------

@dataclass(frozen=True)
class DatabaseLocation:
    """A DuckDB file (``path``) or a PostgreSQL server (``url``, when the value given starts with
    ``postgresql://``)."""

    path: Path | None
    is_default: bool
    url: str | None = None

    @property
    def shown(self) -> str:
        """How the location is named in messages: never with a password."""
        return without_password(self.url) if self.url else str(self.path)


def resolve_db_path(explicit: str | os.PathLike | None = None) -> DatabaseLocation:
    """--db wins over PDSA_DB, which wins over data/pdsa.duckdb.

    An empty --db or PDSA_DB is refused rather than read as "the default database": a
    ``demo --replace`` would otherwise wipe the default file.
    """
    if explicit is not None:
        if not os.fspath(explicit).strip():
            raise DatabaseUnusable(
                "--db was given an empty path. Name the database file, for example --db data/ward.duckdb."
            )
        if is_postgres_url(os.fspath(explicit)):
            return DatabaseLocation(None, False, url=os.fspath(explicit).strip())
        return DatabaseLocation(Path(explicit).expanduser().resolve(), False)
    from_env = os.environ.get(DB_ENV_VAR)
    if from_env is not None:
        if not from_env.strip():
            raise DatabaseUnusable(
                f"The environment variable {DB_ENV_VAR} is set but empty. Name the database file in it, "
                f"or unset it to use {DEFAULT_DB_PATH}."
            )
        if is_postgres_url(from_env):
            return DatabaseLocation(None, False, url=from_env.strip())
        return DatabaseLocation(Path(from_env).expanduser().resolve(), False)
    return DatabaseLocation(DEFAULT_DB_PATH, True)


def db_from_argv(argv: Sequence[str]) -> str | None:
    """The value of ``--db PATH`` or ``--db=PATH`` in argv, None when it is not there.

    The app reads its own argv (``streamlit run streamlit_app.py -- --db FILE``); ``--db``
    given without a value counts as an empty path, which :func:`resolve_db_path` refuses.
    """
    found = None
    for index, arg in enumerate(argv):
        if arg == "--db":
            found = argv[index + 1] if index + 1 < len(argv) else ""
        elif arg.startswith("--db="):
            found = arg[len("--db="):]
    return found


def wal_path(path: Path) -> Path:
    """The write-ahead log DuckDB keeps beside the database file."""
    return path.with_name(path.name + ".wal")


# --- opening ------------------------------------------------------------------------------

_SQLITE_HEADER = b"SQLite format 3\x00"
_DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file


def _damaged(path: Path) -> DatabaseUnusable:
    return DatabaseUnusable(
        f"The database {path} is damaged (cut short or corrupted) and cannot be read. Nothing was changed. "
        f"Restore it from a backup (the file and its .wal together), or name another file.",
        path=path,
    )


def _read_only_file(path: Path) -> DatabaseUnusable:
    return DatabaseUnusable(
        f"The database file {path} is read-only, so nothing could be saved in it. Nothing was changed. "
        "Make it writable, or copy it somewhere writable and name the copy.",
        path=path,
    )


def _read_only_folder(path: Path) -> DatabaseUnusable:
    return DatabaseUnusable(
        f"The folder {path.parent} is read-only, so the database {path.name} cannot be created or saved "
        "there (DuckDB keeps a .wal file beside it). Nothing was changed. Make the folder writable, "
        "or name a database in another folder.",
        path=path,
    )


def _check_before_opening(path: Path) -> bool:
    """Refuse what DuckDB would misread or half-create; True when the file does not exist yet."""
    if path.is_dir():
        raise DatabaseUnusable(
            f"{path} is a folder, not a database file. Name a file, for example {path / 'pdsa.duckdb'}.",
            path=path,
        )
    if path.exists():
        try:
            size = path.stat().st_size
            with path.open("rb") as file:
                head = file.read(16)
        except OSError as exc:
            raise DatabaseUnusable(
                f"The database file {path} cannot be read ({exc.strerror or exc}). Nothing was changed.", path=path
            ) from exc
        if size == 0:
            raise DatabaseUnusable(
                f"The file {path} is empty, so it is not a database. Nothing was changed. "
                "Delete it to create a new database there, or name another file.",
                path=path,
            )
        if head.startswith(_SQLITE_HEADER):
            raise DatabaseUnusable(
                f"The file {path} is an SQLite database, not a database of this app (DuckDB). "
                "Nothing was changed; name another file.",
                path=path,
            )
        if len(head) < 12:
            raise _damaged(path)
        if head[8:12] != _DUCKDB_MAGIC:
            raise DatabaseUnusable(
                f"The file {path} is not a database of this app (not a DuckDB file). "
                "Nothing was changed; name another file.",
                path=path,
            )
        if not os.access(path, os.W_OK):
            raise _read_only_file(path)
        if not os.access(path.parent, os.W_OK | os.X_OK):
            raise _read_only_folder(path)
        return False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        blocker = next((p for p in path.parents if p.exists()), None)
        reason = (
            f"{blocker} is a file, not a folder" if blocker is not None and not blocker.is_dir()
            else (exc.strerror or str(exc)).lower()
        )
        raise DatabaseUnusable(
            f"The database {path} cannot be created: its folder {path.parent} cannot be made ({reason}). "
            "Nothing was changed; name another path.",
            path=path,
        ) from exc
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise _read_only_folder(path)
    return True


def _opening_error(path: Path, exc: BaseException, *, is_new: bool = False) -> DatabaseError:
    """What DuckDB said on opening, as a sentence for the user."""
    text = _words(exc)
    if is_new and "cannot open file" in text:
        reason = _first_line(exc).rsplit(": ", 1)[-1].lower()
        return DatabaseUnusable(
            f"The database {path} cannot be created ({reason}). Nothing was changed; name another path.",
            path=path,
        )
    if "lock" in text and ("could not set lock" in text or "conflicting lock" in text):
        return DatabaseLocked(
            f"The database {path} is in use by another program (for example the running app). "
            "Stop that program first, or do this from inside the app.",
            path=path,
        )
    if "extension" in text and "sqlite" in str(exc).lower():  # DuckDB wanted its extension (never fetched)
        return DatabaseUnusable(
            f"The file {path} is an SQLite database, not a database of this app (DuckDB). "
            "Nothing was changed; name another file.",
            path=path,
        )
    if "not a valid duckdb database file" in text:
        return DatabaseUnusable(
            f"The file {path} is not a database of this app (not a DuckDB file). Nothing was changed; "
            "name another file.",
            path=path,
        )
    if "version number" in text and "can only" in text:
        return DatabaseUnusable(
            f"The database {path} was written by a newer version of DuckDB than this app uses. "
            "Nothing was changed; use the newer version of the app.",
            path=path,
        )
    if any(marker in text for marker in ("corrupt", "checksum", "could not read enough bytes", "replaying wal",
                                         "wal file", "serializ", "deserializ")):
        return _damaged(path)
    if any(marker in text for marker in ("permission denied", "operation not permitted", "read-only file system")):
        return _read_only_file(path)
    if "no space left" in text:
        return DatabaseWriteFailed(WRITE_FAILED, path=path)
    if is_invalidated(exc):
        return DatabaseInvalidated(INVALIDATED, path=path)
    return DatabaseError(f"Could not open the database {path}: {_first_line(exc)}", path=path)


def _close_quietly(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.close()
    except duckdb.Error:
        pass  # closing a connection DuckDB already gave up on


def remove_database_files(path: Path) -> None:
    """Delete a database file and its write-ahead log (the log first: it belongs to the file)."""
    for file in (wal_path(path), path):
        file.unlink(missing_ok=True)


def _schema_version(con: duckdb.DuckDBPyConnection) -> int | None:
    """The highest migration recorded in the file, read without writing anything."""
    if dialect_of(con) == "postgresql":
        if con.execute("SELECT to_regclass('schema_migration')").fetchone()[0] is None:
            return None
        return con.execute("SELECT max(version) FROM schema_migration").fetchone()[0]
    has_table = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()"
        " AND schema_name = 'main' AND table_name = 'schema_migration'"
    ).fetchone()[0]
    if not has_table:
        return None
    return con.execute("SELECT max(version) FROM schema_migration").fetchone()[0]


def _refuse_newer_schema(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    found = _schema_version(con)
    known = max((version for version, _, _ in available_migrations()), default=0)
    if found is not None and found > known:
        raise NewerSchema(
            f"The database {path} was made by a newer version of the app (schema version {found}; this "
            f"version knows up to {known}). Nothing was changed; use the newer version of the app.",
            path=path,
        )


def _read_everything(con: duckdb.DuckDBPyConnection) -> None:
    """Read every block of every table once, so a damaged file is found now, not on some page.

    DuckDB checks each block's checksum as it reads it; the demo database reads in ~30 ms.
    """
    tables = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main'"
    ).fetchall()
    for (table,) in tables:
        con.execute(f'SELECT bit_xor(hash(COLUMNS(*))) FROM "{table}"').fetchall()


def _open_file(path: Path, *, is_new: bool = False) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), config=CONNECT_CONFIG)
    except duckdb.Error as exc:
        raise _opening_error(path, exc, is_new=is_new) from exc


def open_database(location: DatabaseLocation):
    """The database at a location, opened and migrated: a DuckDB connection, or a
    :class:`~pdsa.core.postgres.PgDatabase` that stands in for it."""
    if location.url:
        return connect_postgres(location.url)
    return connect(location.path)


def connect_postgres(url: str) -> PgDatabase:
    """Open and migrate a PostgreSQL database; a server that cannot be reached or refuses the
    password is said in one sentence that never holds the password."""
    shown = without_password(url)
    database = PgDatabase(url)
    try:
        cur = database.cursor()
    except psycopg.Error as exc:  # the text may quote the URL, password included: never shown
        text = str(exc).lower()
        if not isinstance(exc, psycopg.OperationalError):
            reason = "the address is not a valid PostgreSQL URL (check its spelling and parameters)"
        elif "password" in text or "authentication" in text:
            reason = "it refused the user name or password"
        elif "does not exist" in text:
            reason = "the database does not exist on the server"
        else:
            reason = "the server could not be reached"
        raise DatabaseUnusable(
            f"Could not open the PostgreSQL database {shown}: {reason}. Nothing was changed; check the "
            "address, the user and the password (PDSA_DB or --db)."
        ) from None
    try:
        cur.execute("SELECT pg_advisory_lock(727274)")  # one app server migrates at a time
        try:
            migrate(cur)
        finally:
            cur.execute("SELECT pg_advisory_unlock(727274)")
    except BaseException:
        database.close()
        raise
    return database


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) and migrate the database file.

    Refuses with a :class:`DatabaseError` sentence, leaving an existing file as it was, when the
    file cannot be used. A new database is built beside the path and moved into place whole,
    so a crash while creating it leaves no file rather than a half-made one.
    """
    path = Path(path)
    if _check_before_opening(path):
        _create(path)
    con = _open_file(path)
    try:
        try:
            _refuse_newer_schema(con, path)
            _read_everything(con)
        except duckdb.Error as exc:
            raise _opening_error(path, exc) from exc
        migrate(con)
    except BaseException:
        _close_quietly(con)
        raise
    return con


def checkpoint(con: duckdb.DuckDBPyConnection) -> None:
    """Fold the write-ahead log into the database file; a failure (full disk) says so plainly."""
    try:
        con.execute("CHECKPOINT")
    except (duckdb.FatalException, duckdb.IOException, duckdb.TransactionException) as exc:
        if _is_io_failure(exc) or is_invalidated(exc):
            raise DatabaseWriteFailed(WRITE_FAILED) from exc
        raise


def _fsync(path: Path) -> None:
    """Make what was written to the file or folder durable (a folder: the names in it)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # not every file system lets a folder be synced
    finally:
        os.close(fd)


_BESIDE = re.compile(r"^(?P<name>.+)\.(?P<pid>\d+)\.(?:creating|replacing)(?:\.wal)?$")


def _sweep_leftovers(path: Path) -> None:
    """Remove databases a killed process left half-built beside ``path``."""
    try:
        entries = list(path.parent.iterdir())
    except OSError:
        return
    for entry in entries:
        match = _BESIDE.match(entry.name)
        if not match or match.group("name") != path.name:
            continue
        pid = int(match.group("pid"))
        try:
            os.kill(pid, 0)
            alive = pid != os.getpid()
        except ProcessLookupError:
            alive = False
        except PermissionError:
            alive = True
        if not alive:
            entry.unlink(missing_ok=True)


def _build_beside(
    path: Path, kind: str, fill: Callable[[duckdb.DuckDBPyConnection], T] | None
) -> tuple[Path, T | None]:
    """A complete database beside ``path``: created, migrated, filled, checkpointed, closed, synced."""
    _sweep_leftovers(path)
    temp = path.with_name(f"{path.name}.{os.getpid()}.{kind}")
    remove_database_files(temp)
    try:
        con = _open_file(temp, is_new=True)
        try:
            migrate(con)
            result = fill(con) if fill is not None else None
            checkpoint(con)
        finally:
            _close_quietly(con)
        if wal_path(temp).exists() and wal_path(temp).stat().st_size > 0:
            raise DatabaseWriteFailed(WRITE_FAILED)  # the new file is not whole on its own
        wal_path(temp).unlink(missing_ok=True)
        _fsync(temp)
    except BaseException as exc:
        remove_database_files(temp)
        if isinstance(exc, (DatabaseWriteFailed, DatabaseInvalidated)):
            what = "created" if kind == "creating" else "written beside the old one"
            raise DatabaseWriteFailed(
                f"The database {path} could not be {what}: the disk is full or the folder is read-only. "
                "Nothing was changed.",
                path=path,
            ) from exc
        if isinstance(exc, DatabaseError) and exc.path == temp:  # say it about the file the user named
            raise type(exc)(str(exc).replace(str(temp), str(path)), path=path) from exc
        raise
    return temp, result


def _create(path: Path) -> None:
    """Create a new, migrated database at ``path`` in one step, unless another program just did."""
    temp, _ = _build_beside(path, "creating", None)
    try:
        try:
            os.link(temp, path)  # fails if the file appeared meanwhile: then that one is used
        except FileExistsError:
            pass
        except OSError:
            if not path.exists():  # a file system without hard links
                os.replace(temp, path)
    finally:
        remove_database_files(temp)
    _fsync(path.parent)


def replace_database(path: Path, fill: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    """Replace the whole database at ``path`` (audit trail included) with a new one ``fill`` writes.

    The new database is built beside the target (``<name>.<pid>.replacing``), migrated, filled,
    checkpointed and closed; then the target's stale ``.wal`` is removed and the new file is
    renamed over the target in one atomic step. A crash at any moment leaves either the old
    database, whole, or the new one, whole (plus at most a leftover ``.replacing`` file that
    the next creation or replace beside it removes). The target must open normally first — a
    database in use, damaged or made by a newer version is refused and left as it was.
    """
    path = Path(path)
    old = connect(path) if path.exists() else None  # holds the target's lock while the new one is built
    try:
        if old is not None:
            checkpoint(old)  # everything committed is now in the file itself (no-op on a clean file)
        new, result = _build_beside(path, "replacing", fill)
    finally:
        if old is not None:
            _close_quietly(old)
    # Safe order: the old file was checkpointed, so its .wal holds nothing the file lacks; it
    # goes first, so the new file can never be opened with the old file's log.
    wal_path(path).unlink(missing_ok=True)
    os.replace(new, path)
    _fsync(path.parent)
    return result


# --- migrations -------------------------------------------------------------------------

_MIGRATION_NAME = re.compile(r"^(\d{3})_(\w+)\.sql$")


def available_migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every file in pdsa/core/migrations, in order."""
    found = []
    for entry in resources.files("pdsa.core.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    return sorted(found)


def applied_migrations(con: duckdb.DuckDBPyConnection) -> list[int]:
    if _schema_version(con) is None:
        con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migration ("
            " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
            " applied_at TIMESTAMP NOT NULL DEFAULT LOCALTIMESTAMP)"
        )
    return [row[0] for row in con.execute("SELECT version FROM schema_migration ORDER BY version").fetchall()]


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply the migrations not yet recorded, each in its own transaction; return their versions.

    A database whose schema is newer than the newest migration here is refused before
    anything is applied (:class:`NewerSchema`).
    """
    known = available_migrations()
    newest = max((version for version, _, _ in known), default=0)
    found = _schema_version(con)
    if found is not None and found > newest:
        raise NewerSchema(
            f"The database was made by a newer version of the app (schema version {found}; this version "
            f"knows up to {newest}). Nothing was changed; use the newer version of the app."
        )
    done = set(applied_migrations(con))
    applied = []
    for version, name, sql in known:
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
    except (duckdb.Error, psycopg.Error):
        pass  # the transaction is already gone; nothing left to undo


_open_transactions = threading.local()


def _cursors_in_transaction() -> set[int]:
    if not hasattr(_open_transactions, "ids"):
        _open_transactions.ids = set()
    return _open_transactions.ids


def _pause(attempt: int, backoff_seconds: float) -> None:
    """Growing pauses with jitter, so writers that collided do not collide again in step."""
    time.sleep(min(backoff_seconds * 2 ** (attempt - 1), 0.25) * random.uniform(0.5, 1.5))


def write(
    cur: duckdb.DuckDBPyConnection,
    change: Callable[[duckdb.DuckDBPyConnection], T],
    *,
    attempts: int = 10,
    backoff_seconds: float = 0.01,
) -> T:
    """Run ``change(cur)`` in one transaction: all of it is saved or none of it.

    A write inside another write joins the outer transaction, so store functions can be
    combined (the demo loads in one transaction). Only a genuine write conflict (another
    user changed the same row, or inserted the same key, at the same moment) is retried,
    with growing pauses; when it keeps happening the user is told plainly
    (:class:`WriteConflict`). A full disk or read-only file is not retried
    (:class:`DatabaseWriteFailed`), and a database DuckDB gave up on raises
    :class:`DatabaseInvalidated`, so the holder of the connection can reopen it.
    """
    open_ids = _cursors_in_transaction()
    if id(cur) in open_ids:
        return change(cur)
    for attempt in range(1, attempts + 1):
        try:
            cur.execute("BEGIN TRANSACTION")
        except duckdb.Error as exc:
            if is_invalidated(exc):
                raise DatabaseInvalidated(INVALIDATED) from exc
            raise
        open_ids.add(id(cur))
        committing = False
        try:
            result = change(cur)
            committing = True
            cur.execute("COMMIT")
            return result
        except duckdb.Error as exc:
            _rollback_quietly(cur)
            if is_invalidated(exc):
                # Before COMMIT nothing was saved; a failure at COMMIT may have saved the change.
                certain = not committing and _is_io_failure(exc)
                raise DatabaseInvalidated(WRITE_FAILED if certain else INVALIDATED) from exc
            if isinstance(exc, (duckdb.TransactionException, duckdb.IOException)) and _is_io_failure(exc):
                raise DatabaseWriteFailed(WRITE_FAILED) from exc
            if not (isinstance(exc, duckdb.TransactionException) and _is_conflict(exc)):
                raise
            if attempt == attempts:
                raise WriteConflict(
                    "Someone else changed the same data at the same moment, and saving failed "
                    f"{attempts} times. Nothing was saved; please try again."
                ) from exc
            _pause(attempt, backoff_seconds)
        except CONFLICT_ERRORS + DUPLICATE_KEY_ERRORS + (ConcurrentInsert,) as exc:
            _rollback_quietly(cur)
            if attempt == attempts:
                raise WriteConflict(
                    "Someone else changed the same data at the same moment, and saving failed "
                    f"{attempts} times. Nothing was saved; please try again."
                ) from exc
            _pause(attempt, backoff_seconds)
        except DISK_ERRORS as exc:
            _rollback_quietly(cur)
            raise DatabaseWriteFailed(WRITE_FAILED) from exc
        except psycopg.OperationalError as exc:
            _rollback_quietly(cur)
            raise DatabaseError(
                "The database server stopped answering while saving. The change may not have been saved; "
                "reload the page and check it."
            ) from exc
        except BaseException:
            _rollback_quietly(cur)
            raise
        finally:
            open_ids.discard(id(cur))
    raise AssertionError("unreachable")


def empty_all_tables(cur) -> None:
    """Delete every row of every table but the migration record, inside the caller's
    transaction (PostgreSQL's demo --replace); the sequences continue."""
    if dialect_of(cur) == "postgresql":
        tables = [r[0] for r in cur.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
            " AND table_type = 'BASE TABLE' AND table_name <> 'schema_migration'").fetchall()]
        if tables:
            cur.execute(f"TRUNCATE {', '.join(tables)}")
        return
    raise NotImplementedError("on DuckDB the database is replaced whole: replace_database()")


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


def trusted(model: type[T], row: dict, **more) -> T:
    """A model built from a row of our own database, without validating it again.

    Every row was validated by its model when it was written (the actions validate, the stores
    write only models), so reading it back needs no second pass: no CPR scan of every text, no
    per-field checks. At the scale of a region (1,000 projects, 10,000 measures) that second
    pass cost seconds per page. Values must already have the model's types (dates as dates,
    DOUBLE as float): select them so (CAST a DECIMAL to DOUBLE PRECISION). The model is what
    pydantic's ``model_construct`` makes (fields not given take their defaults and are not
    "set"), built about ten times faster; assigning to a field later still validates.
    """
    return _maker(model)({**row, **more} if more else row)


def fetch_trusted(cur: duckdb.DuckDBPyConnection, model: type[T], sql: str, params: list | None = None) -> list[T]:
    """``fetch_records`` made into models with :func:`trusted` (no second validation)."""
    result = cur.execute(sql, params or [])
    columns = [d[0] for d in result.description]
    make = _maker(model)
    return [make(dict(zip(columns, row))) for row in result.fetchall()]


_MAKERS: dict[type, Callable[[dict], object]] = {}


def _maker(model: type[T]) -> Callable[[dict], T]:
    """A function building ``model`` from a dict of field values as ``model_construct`` does."""
    maker = _MAKERS.get(model)
    if maker is not None:
        return maker
    fields = model.model_fields
    simple = model.model_config.get("extra") != "allow" and not model.__private_attributes__ and all(
        f.alias in (None, name) for name, f in fields.items())
    simple = simple and model.__pydantic_post_init__ is None
    if not simple:  # aliases, extra, private attributes or a post-init: let pydantic do it
        def maker(values: dict) -> T:
            return model.model_construct(**values)
    else:
        constants = {name: f.default for name, f in fields.items()
                     if f.default_factory is None and not f.is_required()}
        factories = [(name, f.default_factory) for name, f in fields.items() if f.default_factory is not None]
        for name, value in list(constants.items()):  # a mutable default is copied for each model, as pydantic does
            if isinstance(value, (list, dict, set)):
                factories.append((name, lambda value=value: copy.deepcopy(value)))
                del constants[name]
        known = set(fields)
        new, set_attr = model.__new__, object.__setattr__

        def maker(values: dict) -> T:
            given = values.keys() & known
            state = {**constants, **{k: values[k] for k in given}} if len(given) != len(values) else {**constants, **values}
            for name, factory in factories:
                if name not in given:
                    state[name] = factory()
            instance = new(model)
            set_attr(instance, "__dict__", state)
            set_attr(instance, "__pydantic_fields_set__", set(given))
            set_attr(instance, "__pydantic_extra__", None)
            set_attr(instance, "__pydantic_private__", None)
            return instance
    _MAKERS[model] = maker
    return maker


# The error a broken link (a foreign key) raises, on either engine.
INTEGRITY_ERRORS = (duckdb.ConstraintException, psycopg.IntegrityError)
