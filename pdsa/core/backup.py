"""Backups: every table as a Parquet file with a manifest, and restoring one into an empty database.

A backup is a folder: ``<table>.parquet`` for every table of the schema and ``manifest.json``
(the app's schema version, the engine it came from, when it was made, per table its columns,
row count and the SHA-256 of its file, and the last value of every sequence). The files do not
depend on the engine: a column's Parquet type follows a portable name of its SQL type
(``integer``, ``varchar``, ``date``, ``timestamp``, ``boolean``, ``decimal(2,1)``, ``double``,
``json`` …), rows are sorted, and JSON is kept as the exact text stored — the same data backed
up from DuckDB and from PostgreSQL gives the same bytes. That is how a hospital moves from
the embedded file to a server: back up the file, restore into PostgreSQL.

:func:`backup` takes a cursor, so the app can call it in-process (DuckDB lets one process hold
the file, so a command-line backup needs the app stopped); it reads every table in one read
transaction, writes the files into ``<folder>.<pid>.partial`` beside the folder named and
renames that into place when everything is written, so a folder with a manifest is complete.

:func:`restore` fills an empty, migrated database of either engine: the backup's schema
version must be the database's, every file must match its checksum (checked before anything is
written), and the database must hold no rows (the migration record aside). All tables are
inserted parents first (the order is read from the foreign keys) in one transaction through
:func:`~pdsa.core.db.write`, every sequence is set past the restored ids (``setval``, which
DuckDB 2.0 has as well), and the demo mark is deleted (:func:`clear_demo_mark`), so a restored
database never lets the demo users sign in; the database's other marks are restored like any
data. The migration record is not restored: the target's own migrations wrote it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from pdsa.core.db import INTEGRITY_ERRORS, DatabaseError, write
from pdsa.core.postgres import dialect_of

FORMAT = "pdsa-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MIGRATION_TABLE = "schema_migration"
MARK_TABLE = "database_mark"
DEMO_MARK = "demo"  # the name pdsa.store.users gives the demo mark (the core cannot import it)
# Written by the target's own migrations: never restored, and its rows do not make a database
# count as holding data.
NOT_RESTORED = (MIGRATION_TABLE,)

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
_NEXTVAL = re.compile(r"nextval\('(?:[a-z_][a-z0-9_]*\.)?([a-z_][a-z0-9_]*)'")


class BackupRefused(DatabaseError):
    """A backup or restore that was refused before it changed anything, said in one sentence."""

    code = "backup_refused"


@dataclass(frozen=True)
class BackupSummary:
    directory: Path
    engine: str
    schema_version: int
    tables: int
    rows: int
    seconds: float


@dataclass(frozen=True)
class RestoreSummary:
    directory: Path
    source_engine: str
    created_at: str
    schema_version: int
    tables: int
    rows: int
    seconds: float


# --- types ----------------------------------------------------------------------------------

_PORTABLE = {
    "integer": "integer", "int": "integer", "int4": "integer",
    "bigint": "bigint", "int8": "bigint",
    "smallint": "smallint", "int2": "smallint",
    "varchar": "varchar", "character varying": "varchar", "text": "varchar",
    "date": "date",
    "timestamp": "timestamp", "timestamp without time zone": "timestamp",
    "boolean": "boolean", "bool": "boolean",
    "double": "double", "double precision": "double", "float8": "double",
    "real": "real", "float": "real", "float4": "real",
    "json": "json",
}
_ARROW = {
    "integer": pa.int32(), "bigint": pa.int64(), "smallint": pa.int16(), "varchar": pa.string(),
    "date": pa.date32(), "timestamp": pa.timestamp("us"), "boolean": pa.bool_(), "double": pa.float64(),
    "real": pa.float32(), "json": pa.string(),
}
_DECIMAL = re.compile(r"^(?:decimal|numeric)(?:\((\d+),\s*(\d+)\))?$")


def portable_type(data_type: str, precision: int | None = None, scale: int | None = None) -> str | None:
    """The engine-independent name of a column's SQL type, None when backups do not know it."""
    name = data_type.strip().lower()
    decimal = _DECIMAL.match(name)
    if decimal:
        digits = decimal.group(1) or precision
        places = decimal.group(2) or scale
        return None if digits is None or places is None else f"decimal({int(digits)},{int(places)})"
    return _PORTABLE.get(name)


def arrow_type(portable: str) -> pa.DataType:
    decimal = re.match(r"^decimal\((\d+),(\d+)\)$", portable)
    if decimal:
        return pa.decimal128(int(decimal.group(1)), int(decimal.group(2)))
    return _ARROW[portable]


def _arrow_schema(columns: list[tuple[str, str]]) -> pa.Schema:
    return pa.schema([pa.field(name, arrow_type(kind), nullable=True) for name, kind in columns])


# --- the catalogue --------------------------------------------------------------------------

def _is_postgres(cur) -> bool:
    return dialect_of(cur) == "postgresql"


def list_tables(cur) -> list[str]:
    """Every table of the database's schema, by name."""
    if _is_postgres(cur):
        sql = ("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
               " AND table_type = 'BASE TABLE' ORDER BY table_name")
    else:
        sql = ("SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
               " AND schema_name = current_schema() AND NOT temporary ORDER BY table_name")
    return [row[0] for row in cur.execute(sql).fetchall()]


def _column_rows(cur) -> list[tuple]:
    where = "table_schema = current_schema()"
    if not _is_postgres(cur):
        where += " AND table_catalog = current_database()"
    return cur.execute(
        "SELECT table_name, column_name, data_type, numeric_precision, numeric_scale, column_default"
        f" FROM information_schema.columns WHERE {where} ORDER BY table_name, ordinal_position"
    ).fetchall()


def table_columns(cur) -> dict[str, list[tuple[str, str]]]:
    """Per table its columns in order, as (name, portable type); a type backups do not know
    is refused with the table and column named."""
    tables = set(list_tables(cur))
    found: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type, precision, scale, _ in _column_rows(cur):
        if table not in tables:
            continue  # a view
        kind = portable_type(data_type, precision, scale)
        if kind is None:
            raise BackupRefused(
                f"The column {table}.{column} has the type {data_type}, which backups do not know yet; "
                "nothing was written."
            )
        found.setdefault(table, []).append((column, kind))
    return found


def foreign_keys(cur) -> list[tuple[str, str]]:
    """(child table, parent table) for every foreign key."""
    if _is_postgres(cur):
        sql = ("SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint"
               " WHERE contype = 'f' AND connamespace = current_schema()::regnamespace")
    else:
        sql = ("SELECT table_name, referenced_table FROM duckdb_constraints() WHERE constraint_type = 'FOREIGN KEY'"
               " AND database_name = current_database() AND schema_name = current_schema()")
    return sorted({(child.strip('"'), parent.strip('"')) for child, parent in cur.execute(sql).fetchall()})


def restore_order(cur) -> list[str]:
    """Every table, parents before the tables whose foreign keys point at them (a table's
    reference to itself aside); ties in alphabetical order."""
    tables = list_tables(cur)
    parents: dict[str, set[str]] = {table: set() for table in tables}
    for child, parent in foreign_keys(cur):
        if child != parent and child in parents and parent in parents:
            parents[child].add(parent)
    order: list[str] = []
    placed: set[str] = set()
    while len(order) < len(tables):
        ready = [t for t in tables if t not in placed and parents[t] <= placed]
        if not ready:
            stuck = ", ".join(t for t in tables if t not in placed)
            raise BackupRefused(f"The tables {stuck} reference each other in a circle, so they cannot be restored in order.")
        order.extend(ready)
        placed.update(ready)
    return order


def sequence_values(cur) -> dict[str, int | None]:
    """Every sequence and the last value it handed out (None: never used)."""
    if _is_postgres(cur):
        sql = "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = current_schema()"
    else:
        sql = ("SELECT sequence_name, last_value FROM duckdb_sequences() WHERE database_name = current_database()"
               " AND schema_name = current_schema()")
    return {name: (None if value is None else int(value)) for name, value in cur.execute(sql).fetchall()}


def sequence_columns(cur) -> dict[str, list[tuple[str, str]]]:
    """Per sequence the (table, column) pairs whose DEFAULT takes the next value from it."""
    found: dict[str, list[tuple[str, str]]] = {}
    for table, column, _, _, _, default in _column_rows(cur):
        match = _NEXTVAL.search(default or "")
        if match:
            found.setdefault(match.group(1), []).append((table, column))
    return found


def schema_version(cur) -> int | None:
    return cur.execute(f"SELECT max(version) FROM {MIGRATION_TABLE}").fetchall()[0][0]


def clear_demo_mark(cur) -> bool:
    """Delete the database's demo mark, so the demo users cannot sign in; True when the
    database has marks (the table ``database_mark``) at all.

    Demo users may sign in only while the database carries the mark named ``demo`` (migration
    004 and ``pdsa.store.users``); a database without the marks table has nothing to clear. A
    restored database must never let the demo users sign in, so :func:`restore` calls this
    inside its transaction, after the backup's other marks were restored.
    """
    if MARK_TABLE not in list_tables(cur):
        return False
    cur.execute(f"DELETE FROM {MARK_TABLE} WHERE name = '{DEMO_MARK}'")
    return True


# --- backup ---------------------------------------------------------------------------------

def _quoted(names) -> str:
    return ", ".join(f'"{name}"' for name in names)


def _select(table: str, columns: list[tuple[str, str]]) -> str:
    """Every column; JSON as the text stored (psycopg would otherwise parse it)."""
    parts = [f'CAST("{name}" AS VARCHAR)' if kind == "json" else f'"{name}"' for name, kind in columns]
    return f'SELECT {", ".join(parts)} FROM "{table}"'


def _sort_key(row: tuple) -> tuple:
    return tuple((value is None, value) for value in row)


def _parquet_bytes(rows: list[tuple], columns: list[tuple[str, str]]) -> bytes:
    schema = _arrow_schema(columns)
    values = list(zip(*rows)) if rows else [() for _ in columns]
    arrays = [pa.array(list(column), type=field.type) for column, field in zip(values, schema)]
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_arrays(arrays, schema=schema), buffer)
    return buffer.getvalue()


def _write_durably(path: Path, data: bytes) -> None:
    with path.open("wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())


def _fsync_folder(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def check_backup_folder(directory: str | os.PathLike) -> Path:
    """The folder a backup is to be written to: new, or existing and empty."""
    folder = Path(directory).expanduser().resolve()
    if folder.exists() and not folder.is_dir():
        raise BackupRefused(f"{folder} is a file, so no backup was written there; name a new folder.")
    if folder.is_dir() and any(folder.iterdir()):
        raise BackupRefused(
            f"The folder {folder} already holds files, so no backup was written there; name a new or empty folder."
        )
    return folder


def _read_everything(cur, folder: Path) -> dict:
    """Inside one read transaction: every table into its Parquet file; the manifest's content."""
    tables: dict[str, dict] = {}
    for table, columns in sorted(table_columns(cur).items()):
        rows = cur.execute(_select(table, columns)).fetchall()
        rows.sort(key=_sort_key)
        data = _parquet_bytes(rows, columns)
        _write_durably(folder / f"{table}.parquet", data)
        tables[table] = {
            "file": f"{table}.parquet",
            "rows": len(rows),
            "sha256": hashlib.sha256(data).hexdigest(),
            "columns": [{"name": name, "type": kind} for name, kind in columns],
        }
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema_version": schema_version(cur),
        "engine": dialect_of(cur),
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "tables": tables,
        "sequences": dict(sorted(sequence_values(cur).items())),
    }


def backup(cur, directory: str | os.PathLike) -> BackupSummary:
    """Write every table of the database behind ``cur`` to ``directory`` (new or empty), as one
    consistent snapshot; the folder appears with its manifest only when everything is written."""
    started = time.perf_counter()
    folder = check_backup_folder(directory)
    partial = folder.with_name(f"{folder.name}.{os.getpid()}.partial")
    try:
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        manifest = write(cur, lambda c: _read_everything(c, partial))
        _write_durably(partial / MANIFEST, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
        _fsync_folder(partial)
        check_backup_folder(folder)  # nothing appeared there meanwhile
        os.replace(partial, folder)  # an empty folder is replaced whole
        _fsync_folder(folder.parent)
    except OSError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise BackupRefused(
            f"The backup could not be written to {folder} ({(exc.strerror or str(exc)).lower()}); "
            "the database was not changed."
        ) from exc
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return BackupSummary(
        directory=folder,
        engine=manifest["engine"],
        schema_version=manifest["schema_version"],
        tables=len(manifest["tables"]),
        rows=sum(entry["rows"] for entry in manifest["tables"].values()),
        seconds=time.perf_counter() - started,
    )


# --- restore --------------------------------------------------------------------------------

def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _manifest_is_well_formed(manifest: Any) -> bool:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return False
    if not isinstance(manifest.get("schema_version"), int) or not isinstance(manifest.get("tables"), dict):
        return False
    if not isinstance(manifest.get("sequences", {}), dict):
        return False
    for name, value in manifest["sequences"].items():
        if not _IDENTIFIER.match(str(name)) or not (value is None or isinstance(value, int)):
            return False
    for table, entry in manifest["tables"].items():
        if not _IDENTIFIER.match(table) or not isinstance(entry, dict):
            return False
        if entry.get("file") != f"{table}.parquet" or not isinstance(entry.get("rows"), int):
            return False
        if not re.fullmatch(r"[0-9a-f]{64}", str(entry.get("sha256"))):
            return False
        columns = entry.get("columns")
        if not isinstance(columns, list) or not all(
            isinstance(c, dict) and isinstance(c.get("name"), str) and isinstance(c.get("type"), str) for c in columns
        ):
            return False
    return True


def verify_backup(directory: str | os.PathLike) -> dict:
    """The backup's manifest, once every file in it matches its checksum; refused otherwise."""
    folder = Path(directory).expanduser().resolve()
    if not folder.is_dir():
        raise BackupRefused(f"There is no backup at {folder}: no such folder.")
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupRefused(f"{folder} is not a backup of this app: it has no {MANIFEST}.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        manifest = None
    if not _manifest_is_well_formed(manifest):
        raise BackupRefused(f"The backup's {MANIFEST} in {folder} is damaged or not this app's; nothing was restored.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupRefused(
            f"The backup in {folder} has format {manifest.get('format_version')}, which this version of the app "
            "cannot read; nothing was restored."
        )
    for entry in manifest["tables"].values():
        file = folder / entry["file"]
        if not file.is_file():
            raise BackupRefused(f"The backup in {folder} is incomplete: {entry['file']} is missing. Nothing was restored.")
        if _sha256(file) != entry["sha256"]:
            raise BackupRefused(
                f"The backup in {folder} is damaged: {entry['file']} does not match the checksum in its manifest. "
                "Nothing was restored."
            )
    return manifest


def _load(folder: Path, table: str, entry: dict) -> pa.Table:
    """A table's file, read once: checksum again, then its rows and columns as the manifest says."""
    data = (folder / entry["file"]).read_bytes()
    damaged = BackupRefused(
        f"The backup in {folder} is damaged: {entry['file']} does not match its manifest. Nothing was restored."
    )
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise damaged
    try:
        arrow = pq.read_table(io.BytesIO(data))
    except (pa.ArrowException, OSError) as exc:
        raise damaged from exc
    expected = _arrow_schema([(c["name"], c["type"]) for c in entry["columns"]])
    if arrow.num_rows != entry["rows"] or not arrow.schema.remove_metadata().equals(expected):
        raise damaged
    return arrow


def _holding_data(cur) -> list[tuple[str, int]]:
    found = []
    for table in list_tables(cur):
        if table in NOT_RESTORED:
            continue
        count = cur.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0][0]
        if count:
            found.append((table, count))
    return found


def _insert(cur, table: str, arrow: pa.Table) -> None:
    if arrow.num_rows == 0:
        return
    columns = _quoted(arrow.column_names)
    if _is_postgres(cur):
        rows = list(zip(*(column.to_pylist() for column in arrow.columns)))
        marks = ", ".join("?" for _ in arrow.column_names)
        cur.executemany(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', rows)
        return
    name = f"pdsa_restore_{table}"
    cur.register(name, arrow)
    try:
        cur.execute(f'INSERT INTO "{table}" ({columns}) SELECT {columns} FROM "{name}"')
    finally:
        try:
            cur.unregister(name)
        except duckdb.Error:
            pass  # the transaction failed already; the original error is the one to tell


def _continue_sequences(cur, manifest: dict) -> None:
    """Every sequence past both the backup's value and the restored ids that come from it."""
    owners = sequence_columns(cur)
    for sequence, current in sorted(sequence_values(cur).items()):
        wanted = max(manifest["sequences"].get(sequence) or 0, current or 0)
        for table, column in owners.get(sequence, []):
            wanted = max(wanted, cur.execute(f'SELECT max("{column}") FROM "{table}"').fetchall()[0][0] or 0)
        if wanted > (current or 0) and _IDENTIFIER.match(sequence):
            cur.execute(f"SELECT setval('{sequence}', {int(wanted)})").fetchall()


def restore(
    cur, directory: str | os.PathLike, *, manifest: dict | None = None, shown: str | None = None
) -> RestoreSummary:
    """Fill the empty database behind ``cur`` from the backup in ``directory``, all or nothing.

    ``manifest`` is what :func:`verify_backup` returned, when the caller checked the backup
    already; ``shown`` names the database in messages (never with a password).
    """
    started = time.perf_counter()
    folder = Path(directory).expanduser().resolve()
    manifest = manifest if manifest is not None else verify_backup(folder)
    name = f"The database {shown}" if shown else "This database"

    version = schema_version(cur)
    if manifest["schema_version"] != version:
        raise BackupRefused(
            f"The backup in {folder} is of schema version {manifest['schema_version']} but {name[0].lower() + name[1:]} "
            f"is at version {version}, so nothing was restored; restore it with the version of the app that made it."
        )
    target = {t: cols for t, cols in table_columns(cur).items() if t not in NOT_RESTORED}
    backed_up = {t: [(c["name"], c["type"]) for c in e["columns"]] for t, e in manifest["tables"].items()
                 if t not in NOT_RESTORED}
    if set(target) != set(backed_up):
        differing = ", ".join(sorted(set(target) ^ set(backed_up)))
        raise BackupRefused(
            f"The backup in {folder} does not have the tables this database has (differing: {differing}), "
            "so nothing was restored."
        )
    for table, columns in target.items():
        if backed_up[table] != columns:
            raise BackupRefused(
                f"The backup's table {table} in {folder} does not have the columns this database's has, "
                "so nothing was restored."
            )
    order = [t for t in restore_order(cur) if t in target]

    def fill(c) -> int:
        holding = _holding_data(c)
        if holding:
            table, count = holding[0]
            more = f" and {len(holding) - 1} other tables" if len(holding) > 1 else ""
            raise BackupRefused(
                f"{name} already holds data ({count} rows in {table}{more}), so nothing was restored; "
                "restore into a new, empty database."
            )
        rows = 0
        for table in order:
            arrow = _load(folder, table, manifest["tables"][table])
            _insert(c, table, arrow)
            rows += arrow.num_rows
        _continue_sequences(c, manifest)
        clear_demo_mark(c)
        return rows

    try:
        rows = write(cur, fill)
    except INTEGRITY_ERRORS as exc:
        raise BackupRefused(
            f"The backup in {folder} holds rows whose links do not hold in this database "
            f"({str(exc).strip().splitlines()[0]}), so nothing was restored."
        ) from exc
    return RestoreSummary(
        directory=folder,
        source_engine=str(manifest.get("engine")),
        created_at=str(manifest.get("created_at")),
        schema_version=version,
        tables=len(order),
        rows=rows,
        seconds=time.perf_counter() - started,
    )
