"""Backups and restores (issue 7): every table to Parquet with a manifest, restored into an
empty database of either engine, all or nothing.

The round trip demo-DuckDB → PostgreSQL → DuckDB compares every table row for row, and the
Parquet files written from DuckDB and from PostgreSQL are the same bytes. Refusals — a database
that holds data, a damaged or foreign backup, another schema version — leave the target as it
was. The command line says what happened in one sentence and never shows a password.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import pytest

from pdsa.core import backup as bk
from pdsa.core.backup import BackupRefused, backup, clear_demo_mark, restore, restore_order, verify_backup
from pdsa.core.db import available_migrations, connect, connect_postgres, write

ROOT = Path(__file__).resolve().parent.parent
VERSION = max(version for version, _, _ in available_migrations())


# --- helpers --------------------------------------------------------------------------------

def snapshot(cur) -> dict[str, list[tuple]]:
    """Every table's rows, sorted, JSON as its text: comparable across the engines. The
    migration record is left out (each database's own migrations wrote it)."""
    found = {}
    for table, columns in bk.table_columns(cur).items():
        if table == bk.MIGRATION_TABLE:
            continue
        rows = cur.execute(bk._select(table, columns)).fetchall()
        found[table] = sorted(rows, key=bk._sort_key)
    return found


def counts(cur) -> dict[str, int]:
    return {t: cur.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0] for t in bk.list_tables(cur)}


def add_rows_the_demo_lacks(cur) -> None:
    """Rows in the tables the demo leaves empty, with the types and values a backup must keep:
    booleans both ways, timestamps and NULLs, decimals, JSON with Danish letters and quotes."""

    def change(c):
        c.execute("INSERT INTO app_user (username, display_name, email, password_hash, disabled, failed_sign_ins,"
                  " last_failed_at, created_at) VALUES ('ane', 'Ane Ø. Åberg', NULL, 'scrypt$x', true, 3,"
                  " TIMESTAMP '2026-03-04 05:06:07.123456', TIMESTAMP '2026-01-01 00:00:00')")
        c.execute("INSERT INTO app_user (username, display_name) VALUES ('bo', 'Bo')")
        ids = [r[0] for r in c.execute(
            "SELECT id FROM app_user WHERE username IN ('ane', 'bo') ORDER BY username").fetchall()]
        c.execute("INSERT INTO app_user_role (user_id, role) VALUES (?, 'administrator')", [ids[0]])
        c.execute("INSERT INTO app_user_role (user_id, role) VALUES (?, 'reader')", [ids[1]])
        c.execute("INSERT INTO app_user_identity (issuer, subject, user_id, display_name) VALUES"
                  " ('https://login.example/', 'abc-1', ?, 'Ane')", [ids[0]])
        c.execute("INSERT INTO app_user_identity (issuer, subject) VALUES ('https://login.example/', 'waiting')")
        project, unit = c.execute("SELECT (SELECT min(id) FROM project), (SELECT min(id) FROM unit)").fetchall()[0]
        c.execute("INSERT INTO project_unit (project_id, unit_id) VALUES (?, ?)", [project, unit])
        cycle, measure = c.execute(
            "SELECT (SELECT min(id) FROM pdsa_cycle WHERE project_id = ?), (SELECT min(id) FROM measure WHERE project_id = ?)",
            [project, project]).fetchall()[0]
        c.execute("INSERT INTO cycle_measure (cycle_id, measure_id) VALUES (?, ?)", [cycle, measure])
        # slice: worksheet — a comment on a cycle and the team's answer (reply_to), archived both ways
        c.execute("INSERT INTO cycle_comment (cycle_id, stage, text, author_id, author_name, author_role, archived)"
                  " VALUES (?, 'plan', 'Husk de pårørende – \"ø\"', ?, 'Ane Ø.',"
                  " 'patient_partner', false)", [cycle, ids[0]])
        asked = c.execute("SELECT max(id) FROM cycle_comment").fetchone()[0]
        c.execute("INSERT INTO cycle_comment (cycle_id, stage, text, author_name, author_role, reply_to, archived)"
                  " VALUES (?, 'plan', 'Tak', 'Bo', 'lead', ?, true)", [cycle, asked])
        # slice: no event this period — weeks without events of a measure, one of them removed (archived)
        c.execute("INSERT INTO no_event_period (measure_id, period, entered_by, entered_at, version, archived) VALUES"
                  " (?, DATE '2026-11-23', 'Ane Ø.', TIMESTAMP '2026-11-29 18:01:02.5', 1, false)", [measure])
        c.execute("INSERT INTO no_event_period (measure_id, period, entered_by, version, archived) VALUES"
                  " (?, DATE '2026-11-16', 'Bo', 2, true)", [measure])
        # slice: import — a measure's remembered import columns (JSON with Danish letters and quotes)
        c.execute("INSERT INTO import_mapping (measure_id, mapping, sheet, decimal_mark, updated_at) VALUES"
                  " (?, '{\"period\": \"Dato\", \"numerator\": \"Tæller \\\"ø\\\"\"}', 'Data', ',',"
                  " TIMESTAMP '2026-11-30 08:09:10')", [measure])
        problem, idea = c.execute("SELECT (SELECT min(id) FROM problem), (SELECT min(id) FROM change_idea)").fetchall()[0]
        c.execute("INSERT INTO problem_change_idea (problem_id, change_idea_id) VALUES (?, ?)", [problem, idea])
        c.execute("UPDATE data_point SET excluded = true, note = 'udeladt – ø' WHERE id = (SELECT min(id) FROM data_point)")
        c.execute("INSERT INTO progress_score (project_id, scored_on, score, comment) VALUES (?, DATE '2026-02-02', 4.5, NULL)",
                  [project])
        c.execute("INSERT INTO audit_event (who, entity, entity_id, action, before, after) VALUES"
                  " ('Søren \"test\"', 'unit', 1, 'update', ?, ?)",
                  ['{"name": "Rødovre", "tags": ["a", "ø"], "n": 1.5, "x": null}', '{ "spaced" :  true }'])
        # the portfolio's kept evaluation (migration 017): a long text, as it is kept
        c.execute("INSERT INTO portfolio_snapshot (id, evaluation, saved_at, body) VALUES"
                  " (1, 'abc123', TIMESTAMP '2026-12-02 07:00:00', ?)", ["QUJD" * 50_000])
        tables = bk.list_tables(c)
        if bk.MARK_TABLE in tables:  # migration 004: marks a database carries
            c.execute(f"DELETE FROM {bk.MARK_TABLE}")
            c.execute(f"INSERT INTO {bk.MARK_TABLE} (name, value) VALUES ('kept', 'a mark that is not the demo')")
        if "sign_in_failure" in tables:
            c.execute("INSERT INTO sign_in_failure (address, failures, last_failed_at) VALUES"
                      " ('10.0.0.7', 2, TIMESTAMP '2026-05-06 07:08:09')")

    write(cur, change)


def flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def new_pathway_id(cur) -> int:
    from actions import Actor, create_pathway
    from pathways.models import Pathway

    administrator = Actor(user_id=None, name="after restore", roles=frozenset({"administrator"}))
    return create_pathway(cur, administrator, Pathway(name="Nyt forløb")).id


@pytest.fixture(scope="session")
def demo_backup(demo_db_file, tmp_path_factory) -> Path:
    """A backup of the demo DuckDB file, made once; copy it before changing it."""
    folder = tmp_path_factory.mktemp("backups") / "demo"
    work = tmp_path_factory.mktemp("demo_copy") / "demo.duckdb"
    shutil.copyfile(demo_db_file, work)
    con = connect(work)
    try:
        backup(con.cursor(), folder)
    finally:
        con.close()
    return folder


def copy_of(folder: Path, tmp_path: Path) -> Path:
    target = tmp_path / "backup"
    shutil.copytree(folder, target)
    return target


# --- the round trip -------------------------------------------------------------------------

def test_round_trip_duckdb_to_postgres_to_duckdb_is_equal_row_for_row(demo_db_file, pg_server, tmp_path):
    server, created = pg_server
    timings = {}

    source_path = tmp_path / "source.duckdb"
    shutil.copyfile(demo_db_file, source_path)
    source_con = connect(source_path)
    source = source_con.cursor()
    add_rows_the_demo_lacks(source)
    original = snapshot(source)
    started = time.perf_counter()
    first = backup(source, tmp_path / "from_duckdb")
    timings["backup duckdb"] = time.perf_counter() - started
    source.close()
    source_con.close()
    assert first.engine == "duckdb" and first.schema_version == VERSION
    empty = [t for t in original if not original[t]]
    assert not empty, f"add rows to {empty} in add_rows_the_demo_lacks, so the round trip covers their types"

    name = server.create(f"{server.prefix}_roundtrip")
    created.append(name)
    database = connect_postgres(server.url(name))
    try:
        pg = database.cursor()
        started = time.perf_counter()
        into_pg = restore(pg, tmp_path / "from_duckdb")
        timings["restore postgresql"] = time.perf_counter() - started
        assert into_pg.rows == sum(len(rows) for rows in original.values())
        assert snapshot(pg) == original
        started = time.perf_counter()
        second = backup(pg, tmp_path / "from_postgres")
        timings["backup postgresql"] = time.perf_counter() - started
        assert second.engine == "postgresql"
    finally:
        database.close()

    final_con = connect(tmp_path / "final.duckdb")
    try:
        final = final_con.cursor()
        started = time.perf_counter()
        restore(final, tmp_path / "from_postgres")
        timings["restore duckdb"] = time.perf_counter() - started
        assert snapshot(final) == original
    finally:
        final_con.close()

    # The files do not depend on the engine: the same data gives the same bytes.
    one = json.loads((tmp_path / "from_duckdb" / "manifest.json").read_text())
    two = json.loads((tmp_path / "from_postgres" / "manifest.json").read_text())
    assert set(one["tables"]) == set(two["tables"])
    for table in one["tables"]:
        if table != bk.MIGRATION_TABLE:
            assert one["tables"][table]["sha256"] == two["tables"][table]["sha256"], table
            assert one["tables"][table]["columns"] == two["tables"][table]["columns"], table
    assert one["sequences"] == two["sequences"]
    print("timings (s):", {k: round(v, 3) for k, v in timings.items()})


def test_ids_continue_after_the_restored_ones(demo_backup, db):
    restore(db, demo_backup)
    if bk.MARK_TABLE in bk.list_tables(db):  # the demo is marked since migration 004: not once restored
        assert db.execute(f"SELECT count(*) FROM {bk.MARK_TABLE} WHERE name = 'demo'").fetchall()[0][0] == 0
    restored = {t: db.execute(f"SELECT max(id) FROM {t}").fetchall()[0][0] for t in ("pathway", "audit_event")}
    manifest = json.loads((demo_backup / "manifest.json").read_text())
    pathway = new_pathway_id(db)
    assert pathway > restored["pathway"]
    assert pathway > (manifest["sequences"]["pathway_id_seq"] or 0)
    assert db.execute("SELECT max(id) FROM audit_event").fetchall()[0][0] > restored["audit_event"]
    assert db.execute("SELECT count(*) FROM audit_event WHERE entity = 'pathway' AND entity_id = ?",
                      [pathway]).fetchall()[0][0] == 1


def test_a_backup_holds_every_table_with_its_manifest(demo_db, tmp_path):
    summary = backup(demo_db, tmp_path / "b")
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    tables = bk.list_tables(demo_db)
    assert sorted(manifest["tables"]) == sorted(tables)
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == sorted([f"{t}.parquet" for t in tables] + ["manifest.json"])
    assert manifest["schema_version"] == summary.schema_version == VERSION
    assert manifest["engine"] == bk.dialect_of(demo_db)
    assert manifest["created_at"].endswith("+00:00")
    live = counts(demo_db)
    assert {t: e["rows"] for t, e in manifest["tables"].items()} == live
    assert set(manifest["sequences"]) == set(bk.sequence_values(demo_db))
    assert manifest["sequences"]["audit_event_id_seq"] >= live["audit_event"]
    assert {c["type"] for e in manifest["tables"].values() for c in e["columns"]} >= {
        "integer", "varchar", "date", "timestamp", "boolean", "decimal(2,1)", "double", "json"}
    assert not list(tmp_path.glob("*.partial"))


def test_a_backup_is_not_written_into_a_folder_that_holds_files(demo_db, tmp_path):
    folder = tmp_path / "used"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(BackupRefused, match="already holds files"):
        backup(demo_db, folder)
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
    (tmp_path / "empty").mkdir()
    backup(demo_db, tmp_path / "empty")  # an empty folder is fine
    assert (tmp_path / "empty" / "manifest.json").exists()


# --- refusals -------------------------------------------------------------------------------

def test_restore_refuses_a_database_that_holds_data_and_leaves_it_unchanged(demo_backup, demo_db):
    before = snapshot(demo_db)
    sequences = bk.sequence_values(demo_db)
    with pytest.raises(BackupRefused, match="already holds data.*nothing was restored"):
        restore(demo_db, demo_backup, shown="the ward's database")
    assert snapshot(demo_db) == before
    assert bk.sequence_values(demo_db) == sequences


def test_one_row_anywhere_is_data(demo_backup, db):
    write(db, lambda c: c.execute("INSERT INTO app_user_identity (issuer, subject) VALUES ('i', 's')"))
    with pytest.raises(BackupRefused, match="1 rows in app_user_identity"):
        restore(db, demo_backup)
    assert counts(db)["pathway"] == 0


@pytest.mark.parametrize("damage", ["flipped byte", "missing file", "manifest not JSON", "row count changed"])
def test_a_damaged_backup_is_refused_with_nothing_written(demo_backup, db, tmp_path, damage):
    folder = copy_of(demo_backup, tmp_path)
    if damage == "flipped byte":
        flip_a_byte(folder / "data_point.parquet")
        expected = "damaged: data_point.parquet does not match the checksum"
    elif damage == "missing file":
        (folder / "observation.parquet").unlink()
        expected = "incomplete: observation.parquet is missing"
    elif damage == "manifest not JSON":
        flip_a_byte(folder / "manifest.json")
        expected = "manifest.json in .* is damaged"
    else:
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest["tables"]["audit_event"]["rows"] += 1
        (folder / "manifest.json").write_text(json.dumps(manifest))
        expected = "damaged: audit_event.parquet does not match its manifest"
    before, sequences = counts(db), bk.sequence_values(db)
    with pytest.raises(BackupRefused, match=expected):
        restore(db, folder)
    assert counts(db) == before and not any(before[t] for t in before if t != "schema_migration")
    assert bk.sequence_values(db) == sequences


def test_a_backup_of_another_schema_version_is_refused(demo_backup, db, tmp_path):
    folder = copy_of(demo_backup, tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["schema_version"] = VERSION - 1
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BackupRefused, match=f"schema version {VERSION - 1} but this database is at version {VERSION}"):
        restore(db, folder)
    assert counts(db)["audit_event"] == 0


def test_a_folder_that_is_not_a_backup_is_refused(tmp_path):
    with pytest.raises(BackupRefused, match="no such folder"):
        verify_backup(tmp_path / "nothing")
    with pytest.raises(BackupRefused, match="has no manifest.json"):
        verify_backup(tmp_path)


# --- order, the demo mark -------------------------------------------------------------------

def test_restore_order_covers_every_table_parents_first(db):
    order = restore_order(db)
    assert sorted(order) == sorted(bk.list_tables(db)) and len(order) == len(set(order))
    keys = bk.foreign_keys(db)
    assert ("pathway_step", "pathway") in keys and ("data_point", "measure") in keys
    for child, parent in keys:
        if child != parent:
            assert order.index(parent) < order.index(child), (parent, child)

    # A table added later is covered without a list to update: its foreign key places it.
    db.execute("CREATE TABLE zz_parent (id INTEGER PRIMARY KEY)")
    db.execute("CREATE TABLE aa_child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES zz_parent (id),"
               " measure_id INTEGER REFERENCES measure (id))")
    order = restore_order(db)
    assert order.index("zz_parent") < order.index("aa_child") and order.index("measure") < order.index("aa_child")


def test_every_column_type_of_the_schema_is_known_to_backups(db):
    for table, columns in bk.table_columns(db).items():
        for name, kind in columns:
            assert bk.arrow_type(kind) is not None, (table, name)
    assert bk.portable_type("BLOB") is None
    db.execute("CREATE TABLE odd (b BYTEA)" if bk.dialect_of(db) == "postgresql" else "CREATE TABLE odd (b BLOB)")
    with pytest.raises(BackupRefused, match="odd.b has the type"):
        bk.table_columns(db)


def with_marks(cur) -> None:
    """The marks table as migration 004 makes it, on a schema from before it."""
    if bk.MARK_TABLE not in bk.list_tables(cur):
        cur.execute(f"CREATE TABLE {bk.MARK_TABLE} (name VARCHAR PRIMARY KEY, value VARCHAR,"
                    " set_at TIMESTAMP NOT NULL DEFAULT LOCALTIMESTAMP)")


def without_marks(cur) -> None:
    if bk.MARK_TABLE in bk.list_tables(cur):
        cur.execute(f"DROP TABLE {bk.MARK_TABLE}")


def test_a_restore_never_brings_the_demo_mark(demo_db, db, tmp_path):
    with_marks(demo_db)
    demo_db.execute(f"DELETE FROM {bk.MARK_TABLE}")
    demo_db.execute(f"INSERT INTO {bk.MARK_TABLE} (name, value) VALUES ('demo', 'on'), ('kept', 'x')")
    backup(demo_db, tmp_path / "b")
    with_marks(db)
    restore(db, tmp_path / "b")
    assert db.execute(f"SELECT name, value FROM {bk.MARK_TABLE}").fetchall() == [("kept", "x")]
    assert counts(db)["pathway"] == 3


def test_a_restore_without_the_marks_table_succeeds(demo_db, db, tmp_path):
    without_marks(demo_db)
    backup(demo_db, tmp_path / "b")
    without_marks(db)
    assert clear_demo_mark(db) is False  # nothing to clear
    restore(db, tmp_path / "b")
    assert counts(db)["pathway"] == 3


def test_the_demo_mark_has_the_name_the_sign_in_code_gives_it():
    try:
        from pdsa.store.users import DEMO_MARK
    except ImportError:
        pytest.skip("the sign-in code (pdsa.store.users) is not here yet")
    assert bk.DEMO_MARK == DEMO_MARK


# --- the command line -----------------------------------------------------------------------

def pdsa(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PDSA_DB"}
    return subprocess.run([sys.executable, "-m", "pdsa", *args], cwd=ROOT, env=env, capture_output=True, text=True)


def test_command_line_backup_and_restore_say_what_happened(demo_db_file, pg_server, tmp_path):
    server, created = pg_server
    source = tmp_path / "ward.duckdb"
    shutil.copyfile(demo_db_file, source)

    done = pdsa("backup", str(tmp_path / "b"), "--db", str(source))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Backed up {source} to {tmp_path / 'b'}: ") and not done.stderr
    assert f"schema version {VERSION}, in " in done.stdout

    again = pdsa("backup", str(tmp_path / "b"), "--db", str(source))
    assert again.returncode == 1 and "already holds files" in again.stderr and "Traceback" not in again.stderr

    name = server.create(f"{server.prefix}_cli")
    created.append(name)
    url = server.url(name)
    password = urlsplit(url).password
    into = pdsa("restore", str(tmp_path / "b"), "--db", url)
    refused = pdsa("restore", str(tmp_path / "b"), "--db", url)
    wrong = url.replace(f":{password}@", ":Not-The-Secret-42@")
    unreachable = pdsa("restore", str(tmp_path / "b"), "--db", wrong)
    for run in (into, refused, unreachable):
        shown = run.stdout + run.stderr
        assert url not in shown and f":{password}@" not in shown and "Not-The-Secret-42" not in shown
        assert "Traceback" not in shown
    assert into.returncode == 0, into.stderr
    assert "Restored the backup" in into.stdout and ":***@" in into.stdout and "demo sign-in is off" in into.stdout
    assert refused.returncode == 1 and "already holds data" in refused.stderr and ":***@" in refused.stderr
    assert unreachable.returncode == 1 and "refused the user name or password" in unreachable.stderr

    # Back to a DuckDB file through the command line.
    out = pdsa("backup", str(tmp_path / "b2"), "--db", url)
    assert out.returncode == 0, out.stderr
    back = pdsa("restore", str(tmp_path / "b2"), "--db", str(tmp_path / "back.duckdb"))
    assert back.returncode == 0, back.stderr


def test_command_line_refusals_and_usage(demo_backup, tmp_path):
    folder = copy_of(demo_backup, tmp_path)
    flip_a_byte(folder / "pathway.parquet")
    target = tmp_path / "new.duckdb"
    damaged = pdsa("restore", str(folder), "--db", str(target))
    assert damaged.returncode == 1
    assert damaged.stderr.strip().endswith("does not match the checksum in its manifest. Nothing was restored.")
    assert not target.exists()  # refused before any database was created

    missing = pdsa("backup", str(tmp_path / "x"), "--db", str(tmp_path / "none.duckdb"))
    assert missing.returncode == 1 and "There is no database at" in missing.stderr
    assert not (tmp_path / "none.duckdb").exists() and not (tmp_path / "x").exists()

    usage = pdsa("restore")
    assert usage.returncode == 2 and "DIR" in usage.stderr

    # A restore refused after the new file was created removes that file again.
    wrong_version = copy_of(demo_backup, tmp_path / "v")
    manifest = json.loads((wrong_version / "manifest.json").read_text())
    manifest["schema_version"] = 99
    (wrong_version / "manifest.json").write_text(json.dumps(manifest))
    refused = pdsa("restore", str(wrong_version), "--db", str(target))
    assert refused.returncode == 1 and "schema version 99" in refused.stderr
    assert not target.exists()


def test_command_line_backup_of_a_file_the_app_holds_says_to_stop_it(demo_db_file, tmp_path):
    source = tmp_path / "held.duckdb"
    shutil.copyfile(demo_db_file, source)
    holder = duckdb.connect(str(source))  # as the running app would
    try:
        held = pdsa("backup", str(tmp_path / "b"), "--db", str(source))
    finally:
        holder.close()
    assert held.returncode == 1
    assert "in use by another program" in held.stderr and "from inside the app" in held.stderr
    assert not (tmp_path / "b").exists()


def test_a_restore_that_fails_midway_leaves_nothing(demo_backup, db, tmp_path):
    """All or nothing: a backup whose steps are gone (checksums made to match) fails at the step
    positions that point at them, after the pathways and units were inserted — and none stay."""
    folder = copy_of(demo_backup, tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    entry = manifest["tables"]["pathway_step"]
    data = bk._parquet_bytes([], [(c["name"], c["type"]) for c in entry["columns"]])
    (folder / entry["file"]).write_bytes(data)
    entry["rows"], entry["sha256"] = 0, bk.hashlib.sha256(data).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))
    order = restore_order(db)
    assert order.index("pathway") < order.index("pathway_step_position")
    with pytest.raises(BackupRefused, match="links do not hold.*nothing was restored"):
        restore(db, folder)
    assert not any(n for t, n in counts(db).items() if t != "schema_migration")
    restore(db, demo_backup)  # the database is still usable, and still empty enough to restore into
    assert counts(db)["pathway_step"] == 19
