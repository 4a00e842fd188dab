"""Nothing lost: writer processes killed with SIGKILL at random (seeded) moments.

A writer saves, transaction after transaction, a pathway with its three steps and an audit
event for each row, and prints the number of every transaction after its commit returned.
After each kill the file must open, every reported transaction must be there whole, and no
transaction may be there in part. Killing ``python -m pdsa demo`` (plain and ``--replace``)
must leave either the old database or the complete demo.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from pdsa.core.db import connect, wal_path

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261201
KILLS = 10

# Inserts only the columns the current schema has, so the writer outlives schema changes.
WRITER = r"""
import json, sys
sys.path.insert(0, sys.argv[3])
from pathlib import Path
from pdsa.core.db import connect, write

con = connect(Path(sys.argv[1]))
cur = con.cursor()
columns = {
    table: {r[0] for r in cur.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]).fetchall()}
    for table in ("pathway", "pathway_step", "audit_event")
}

def insert(c, table, values):
    values = {k: v for k, v in values.items() if k in columns[table]}
    sql = f"INSERT INTO {table} ({', '.join(values)}) VALUES ({', '.join('?' for _ in values)}) RETURNING id"
    row_id = c.execute(sql, list(values.values())).fetchone()[0]
    c.execute("INSERT INTO audit_event (who, entity, entity_id, action, after) VALUES (?, ?, ?, 'create', ?)",
              ["crash-test", table, row_id, json.dumps(values)])
    return row_id

number = int(sys.argv[2])
print("ready", flush=True)
while True:
    number += 1

    def change(c, n=number):
        pathway = insert(c, "pathway", {"name": f"crash {n}", "description": "x" * 3000})
        for position in (1, 2, 3):
            insert(c, "pathway_step", {"pathway_id": pathway, "position": position,
                                       "name": f"crash {n} step {position}", "sector": "hospital"})

    write(cur, change)
    print(number, flush=True)
    if number % 15 == 0:
        cur.execute("CHECKPOINT")  # so that some kills land in the middle of a checkpoint
"""


def _spawn(args: list[str]) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "PDSA_DB"}
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _kill(proc: subprocess.Popen) -> tuple[str, str]:
    proc.send_signal(signal.SIGKILL)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL, f"the process ended before it was killed: {err}"
    return out, err


def _whole_and_partial(path: Path) -> tuple[set[int], set[int]]:
    """Open the file as the app does; the transaction numbers found whole, and those found in part."""
    con = connect(path)
    try:
        rows = con.execute(
            """
            SELECT p.name,
                   (SELECT count(*) FROM pathway_step s WHERE s.pathway_id = p.id
                        AND s.name LIKE p.name || ' step %') AS steps,
                   (SELECT count(*) FROM audit_event e
                        WHERE e.entity = 'pathway' AND e.entity_id = p.id) AS pathway_events,
                   (SELECT count(*) FROM audit_event e JOIN pathway_step s ON e.entity = 'pathway_step'
                        AND e.entity_id = s.id WHERE s.pathway_id = p.id) AS step_events
            FROM pathway p WHERE p.name LIKE 'crash %'
            """
        ).fetchall()
        orphan_steps = con.execute(
            "SELECT count(*) FROM pathway_step s WHERE s.name LIKE 'crash %'"
            " AND NOT EXISTS (SELECT 1 FROM pathway p WHERE p.id = s.pathway_id)"
        ).fetchone()[0]
        orphan_events = con.execute(
            "SELECT count(*) FROM audit_event e WHERE e.who = 'crash-test' AND NOT EXISTS ("
            " SELECT 1 FROM pathway p WHERE e.entity = 'pathway' AND p.id = e.entity_id"
            " UNION ALL SELECT 1 FROM pathway_step s WHERE e.entity = 'pathway_step' AND s.id = e.entity_id)"
        ).fetchone()[0]
    finally:
        con.close()
    whole, partial = set(), set()
    for name, steps, pathway_events, step_events in rows:
        number = int(name.split()[1])
        (whole if (steps, pathway_events, step_events) == (3, 1, 3) else partial).add(number)
    assert orphan_steps == 0 and orphan_events == 0, "rows of a transaction whose pathway is missing"
    return whole, partial


def test_a_writer_killed_at_random_moments_loses_no_committed_transaction(tmp_path, record_property):
    path = tmp_path / "crash.duckdb"
    rng = random.Random(SEED)
    started = time.monotonic()
    reported: set[int] = set()
    found: set[int] = set()
    for kill in range(KILLS):
        writer = _spawn([sys.executable, "-c", WRITER, str(path), str(max(found | reported, default=0)), str(ROOT)])
        if kill == 0:
            # the first kill may land while the database is still being created and migrated
            time.sleep(rng.uniform(0.05, 0.5))
        else:
            assert writer.stdout.readline().strip() == "ready", writer.stderr.read()
            time.sleep(rng.uniform(0.02, 0.6))
        out, _ = _kill(writer)
        committed = {int(line) for line in out.split() if line.isdigit()}
        reported |= committed
        whole, partial = _whole_and_partial(path)
        assert not partial, f"kill {kill + 1}: transactions saved in part: {sorted(partial)}"
        missing = reported - whole
        assert not missing, f"kill {kill + 1}: committed transactions lost: {sorted(missing)}"
        found = whole
    elapsed = time.monotonic() - started
    record_property("crash_summary", f"{KILLS} kills, {len(reported)} reported committed, "
                                     f"{len(found)} found whole, 0 partial, {elapsed:.1f} s")
    print(f"\n{KILLS} kills: {len(reported)} transactions reported committed, {len(found)} found whole "
          f"(the rest committed just before a kill, unreported), 0 partial, {elapsed:.1f} s")
    assert len(reported) >= 20, "the writer must have committed something to lose"
    assert len(found - reported) <= KILLS, "at most one unreported commit per kill"


# --- the demo ---------------------------------------------------------------------------

def _counts(path: Path) -> dict[str, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND table_name <> 'schema_migration'"
        ).fetchall()]
        return {table: con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in sorted(tables)}
    finally:
        con.close()


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith((".replacing", ".creating", ".replacing.wal")))


def _kill_demo_at_random(args: list[str], rng: random.Random) -> subprocess.Popen:
    """Start the demo and kill it at a random moment while it loads (after its first progress line)."""
    demo = _spawn([sys.executable, "-m", "pdsa", "demo", *args])
    while True:
        line = demo.stdout.readline()
        assert line, demo.stderr.read()
        if "%" in line:
            break
    time.sleep(rng.uniform(0.0, 1.2))
    _kill(demo)
    return demo


def _old_database(path: Path) -> dict[str, int]:
    """A database holding data of its own, the last of it only in its .wal (its writer died)."""
    connect(path).close()
    subprocess.run([sys.executable, "-c", (
        "import duckdb, os, sys; con = duckdb.connect(sys.argv[1]);"
        " con.execute(\"INSERT INTO pathway (name) VALUES ('Old pathway')\");"
        " con.execute(\"INSERT INTO audit_event (who, entity, entity_id, action)"
        " VALUES ('old', 'pathway', 1, 'create')\");"
        " con.execute('CHECKPOINT');"
        " con.execute(\"INSERT INTO unit (name, sector) VALUES ('Old unit', 'hospital')\"); os._exit(0)"
    ), str(path)], check=True)
    assert wal_path(path).stat().st_size > 0
    return _counts(path)


def test_killed_demo_leaves_the_old_database_or_the_whole_demo(tmp_path):
    rng = random.Random(SEED + 1)
    started = time.monotonic()

    # demo --replace over a database that holds data: the old database, or the whole demo
    path = tmp_path / "replace.duckdb"
    before = _old_database(path)
    _kill_demo_at_random(["--db", str(path), "--replace"], rng)
    killed = _counts(path)
    done = subprocess.run([sys.executable, "-m", "pdsa", "demo", "--db", str(path), "--replace"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    demo = _counts(path)
    assert demo["project"] >= 4 and demo["audit_event"] > 0
    assert killed in (before, demo), "neither the old database nor the whole demo"
    assert _leftovers(tmp_path) == [], "the half-built database of the killed run is cleared away"

    # plain demo into an empty database: still empty, or the whole demo
    plain = tmp_path / "plain.duckdb"
    connect(plain).close()
    empty = _counts(plain)
    _kill_demo_at_random(["--db", str(plain)], rng)
    killed_plain = _counts(plain)
    assert killed_plain in (empty, demo), "a half-loaded demo"
    print(f"\ndemo --replace killed: {'old database' if killed == before else 'whole demo'}; "
          f"demo killed: {'empty database' if killed_plain == empty else 'whole demo'}; "
          f"{time.monotonic() - started:.1f} s")


def test_a_first_start_stopped_while_the_demo_loaded_loads_it_next_time(monkeypatch, tmp_path):
    """The app loads the demo into a new default database in one transaction; a kill during it
    leaves the database as new (no rows, no audit events), so the next start loads the demo."""
    from streamlit.testing.v1 import AppTest

    import pdsa.core.db

    default = tmp_path / "data" / "pdsa.duckdb"
    connect(default).close()  # what a kill during the first start's demo load leaves behind
    monkeypatch.setattr(pdsa.core.db, "DEFAULT_DB_PATH", default)
    monkeypatch.delenv("PDSA_DB", raising=False)
    monkeypatch.setattr(sys, "argv", ["streamlit_app.py"])
    at = AppTest.from_file("../streamlit_app.py", default_timeout=60)
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception, at.exception
    assert at.metric[0].value == "3"  # the three demo pathways
