"""The database layer on a real DuckDB file: migrations, transactions, write conflicts, locking."""

import subprocess
import sys
import threading
import time

import duckdb
import pytest

from pdsa.core import db as dbmod
from pdsa.core.db import (
    DEFAULT_DB_PATH,
    DatabaseLocked,
    WriteConflict,
    available_migrations,
    connect,
    migrate,
    resolve_db_path,
    write,
)

ENGINES = ("duckdb",)  # the DuckDB file itself: opening, locking, faults



def test_migrations_create_the_schema_and_are_recorded(tmp_path):
    con = connect(tmp_path / "new.duckdb")
    recorded = con.execute("SELECT version, name FROM schema_migration ORDER BY version").fetchall()
    assert [v for v, _ in recorded] == [v for v, _, _ in available_migrations()]
    assert recorded[0] == (1, "domain_model")
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {"unit", "pathway", "pathway_step", "problem", "problem_project", "project", "team_member",
            "progress_score", "driver", "change_idea", "change_idea_driver", "measure", "measure_split",
            "data_point", "pdsa_cycle", "observation", "audit_event"} <= tables


def test_running_migrations_again_changes_nothing(tmp_path):
    path = tmp_path / "twice.duckdb"
    con = connect(path)
    before = con.execute("SELECT * FROM schema_migration").fetchall()
    assert migrate(con) == []
    con.close()
    con = connect(path)  # a second start
    assert con.execute("SELECT * FROM schema_migration").fetchall() == before


def test_a_failing_migration_leaves_no_trace(tmp_path, monkeypatch):
    good = available_migrations()
    broken = good + [(999, "broken", "CREATE TABLE half_done (x INTEGER); SELECT * FROM no_such_table;")]
    monkeypatch.setattr(dbmod, "available_migrations", lambda: broken)
    with pytest.raises(duckdb.CatalogException):
        connect(tmp_path / "broken.duckdb")
    monkeypatch.setattr(dbmod, "available_migrations", lambda: good)
    con = connect(tmp_path / "broken.duckdb")
    assert 999 not in [r[0] for r in con.execute("SELECT version FROM schema_migration").fetchall()]
    assert con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'half_done'").fetchone()[0] == 0


def test_upgrading_a_database_that_holds_data_keeps_it(tmp_path, monkeypatch):
    first_only = available_migrations()[:1]
    monkeypatch.setattr(dbmod, "available_migrations", lambda: first_only)
    path = tmp_path / "v1.duckdb"
    con = connect(path)
    con.execute("INSERT INTO pathway (name) VALUES ('Hofte')")
    con.execute("INSERT INTO project (title, pathway_id, aim_what, aim_how_much, aim_by_when, status, start_date)"
                " VALUES ('P', 1, 'a', 'b', DATE '2027-01-01', 'active', DATE '2026-01-01')")
    con.execute("INSERT INTO measure (project_id, name, kind, data_type, period, direction)"
                " VALUES (1, 'Andel', 'process', 'proportion', 'week', 'up')")
    con.execute("INSERT INTO data_point (measure_id, period, numerator, denominator) VALUES (1, DATE '2026-01-05', 3, 10)")
    con.close()
    monkeypatch.undo()

    con = connect(path)
    assert con.execute("SELECT max(version) FROM schema_migration").fetchone()[0] == available_migrations()[-1][0]
    assert con.execute("SELECT name, rules, chart FROM measure").fetchall() == [("Andel", "anhoej", None)]
    assert con.execute("SELECT measure_id, numerator FROM data_point").fetchall() == [(1, 3.0)]
    new_id = con.execute("INSERT INTO measure (project_id, name, kind, data_type, period, direction)"
                         " VALUES (1, 'Ny', 'outcome', 'count', 'month', 'down') RETURNING id").fetchone()[0]
    assert new_id == 2  # the id sequence carried on


def test_db_path_precedence(monkeypatch, tmp_path):
    monkeypatch.delenv("PDSA_DB", raising=False)
    assert resolve_db_path() == dbmod.DatabaseLocation(DEFAULT_DB_PATH, True)
    monkeypatch.setenv("PDSA_DB", str(tmp_path / "env.duckdb"))
    assert resolve_db_path() == dbmod.DatabaseLocation(tmp_path / "env.duckdb", False)
    assert resolve_db_path(tmp_path / "cli.duckdb") == dbmod.DatabaseLocation(tmp_path / "cli.duckdb", False)


def test_a_transaction_that_fails_half_way_leaves_nothing(db):
    def change(cur):
        cur.execute("INSERT INTO unit (name, sector) VALUES ('Afsnit A', 'hospital')")
        cur.execute("INSERT INTO unit (name, sector) VALUES ('Afsnit B', 'nowhere')")  # CHECK fails

    with pytest.raises(duckdb.ConstraintException):
        write(db, change)
    assert db.execute("SELECT count(*) FROM unit").fetchone()[0] == 0


def test_nested_writes_join_the_outer_transaction(db):
    def inner(cur):
        cur.execute("INSERT INTO unit (name, sector) VALUES ('Inner', 'hospital')")

    def outer(cur):
        write(cur, inner)
        raise RuntimeError("stop after the inner write")

    with pytest.raises(RuntimeError):
        write(db, outer)
    assert db.execute("SELECT count(*) FROM unit").fetchone()[0] == 0


def _one_unit(cur) -> int:
    return cur.execute("INSERT INTO unit (name, sector) VALUES ('Afsnit', 'hospital') RETURNING id").fetchone()[0]


def test_a_write_conflict_is_retried_until_it_succeeds(db):
    unit_id = _one_unit(db)
    holder = db.cursor()
    holder.execute("BEGIN TRANSACTION")
    holder.execute("UPDATE unit SET name = 'Holder' WHERE id = ?", [unit_id])  # holds the row

    other = db.cursor()
    attempts = []

    def rename(cur):
        attempts.append(time.monotonic())
        cur.execute("UPDATE unit SET name = 'Writer' WHERE id = ?", [unit_id])

    worker = threading.Thread(target=lambda: write(other, rename, attempts=8, backoff_seconds=0.02))
    worker.start()
    time.sleep(0.15)
    holder.execute("COMMIT")
    worker.join(timeout=10)
    assert len(attempts) >= 2, "the first attempt must have met the conflict and been retried"
    assert db.execute("SELECT name FROM unit WHERE id = ?", [unit_id]).fetchone()[0] == "Writer"


def test_a_write_conflict_that_persists_is_reported_clearly(db):
    unit_id = _one_unit(db)
    holder = db.cursor()
    holder.execute("BEGIN TRANSACTION")
    holder.execute("UPDATE unit SET name = 'Holder' WHERE id = ?", [unit_id])
    other = db.cursor()
    calls = []

    def rename(cur):
        calls.append(1)
        cur.execute("UPDATE unit SET name = 'Writer' WHERE id = ?", [unit_id])

    with pytest.raises(WriteConflict, match="Nothing was saved"):
        write(other, rename, attempts=3, backoff_seconds=0.001)
    assert len(calls) == 3
    holder.execute("COMMIT")
    assert db.execute("SELECT name FROM unit WHERE id = ?", [unit_id]).fetchone()[0] == "Holder"


def test_a_database_held_by_another_process_is_refused_clearly(tmp_path):
    path = tmp_path / "held.duckdb"
    connect(path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         f"import duckdb, sys, time; con = duckdb.connect({str(path)!r}); print('ready', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(DatabaseLocked, match="in use by another program"):
            connect(path)
    finally:
        holder.kill()
        holder.wait()


# --- whole-database replacement and creation ------------------------------------------------

def _names(cur, table="pathway") -> list[str]:
    return [r[0] for r in cur.execute(f"SELECT name FROM {table} ORDER BY id").fetchall()]


def _old(path):
    """A database whose last commit is only in its .wal (the program that wrote it died)."""
    connect(path).close()
    subprocess.run([sys.executable, "-c", (
        "import duckdb, os, sys; con = duckdb.connect(sys.argv[1]);"
        " con.execute(\"INSERT INTO pathway (name) VALUES ('Old')\"); con.execute('CHECKPOINT');"
        " con.execute(\"INSERT INTO pathway (name) VALUES ('Old, only in the wal')\"); os._exit(0)"
    ), str(path)], check=True)
    assert dbmod.wal_path(path).stat().st_size > 0


def test_replace_database_swaps_in_the_new_database_whole(tmp_path):
    path = tmp_path / "x.duckdb"
    _old(path)

    def fill(con):
        con.execute("INSERT INTO pathway (name) VALUES ('New')")
        return "filled"

    assert dbmod.replace_database(path, fill) == "filled"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.duckdb"]  # no .wal, nothing left beside it
    con = connect(path)
    assert _names(con) == ["New"]
    assert con.execute("SELECT count(*) FROM audit_event").fetchone()[0] == 0  # the audit trail too
    con.close()


def test_replace_database_that_fails_leaves_the_old_database(tmp_path):
    path = tmp_path / "x.duckdb"
    _old(path)

    def fill(con):
        con.execute("INSERT INTO pathway (name) VALUES ('New')")
        raise RuntimeError("the demo could not be read")

    with pytest.raises(RuntimeError):
        dbmod.replace_database(path, fill)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.duckdb"]  # checkpointed, nothing left beside it
    con = connect(path)
    assert _names(con) == ["Old", "Old, only in the wal"]
    con.close()


def test_leftovers_of_killed_builds_are_swept_but_not_those_of_running_ones(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    path = tmp_path / "x.duckdb"
    stale = [tmp_path / f"x.duckdb.{dead_pid}.replacing", tmp_path / f"x.duckdb.{dead_pid}.creating.wal"]
    running = tmp_path / "x.duckdb.1.replacing"  # pid 1 is always alive
    other = tmp_path / f"y.duckdb.{dead_pid}.replacing"
    for file in [*stale, running, other]:
        file.write_bytes(b"half built")
    connect(path).close()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["x.duckdb", running.name, other.name])


def test_a_new_database_appears_whole_or_not_at_all(tmp_path, monkeypatch):
    good = available_migrations()
    monkeypatch.setattr(dbmod, "available_migrations", lambda: good + [(999, "broken", "SELECT * FROM nothing_here;")])
    with pytest.raises(duckdb.CatalogException):
        connect(tmp_path / "new.duckdb")
    assert list(tmp_path.iterdir()) == []


# --- what is retried ----------------------------------------------------------------------------

def test_a_duplicate_key_at_commit_is_a_conflict_and_retried(db):
    db.execute("CREATE TABLE k (id INTEGER PRIMARY KEY)")
    holder = db.cursor()
    holder.execute("BEGIN TRANSACTION")
    holder.execute("INSERT INTO k VALUES (1)")
    writer = db.cursor()
    attempts = []

    def insert(cur):
        attempts.append(1)
        cur.execute("INSERT INTO k VALUES (1)")
        if len(attempts) == 1:
            holder.execute("COMMIT")  # the other insert of the same key commits first

    with pytest.raises(duckdb.ConstraintException):  # the retry then meets the committed row itself
        write(writer, insert, backoff_seconds=0.001)
    assert len(attempts) == 2
