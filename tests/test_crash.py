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
    # the demo is there: its people are offered on the sign-in page, and the file holds its pathways
    people = [button.label for button in at.button]
    assert any("Mette Kjær Andersen" in label for label in people), people
    con = connect(default)  # the app's own connection is open in this process too: DuckDB shares it
    try:
        assert con.execute("SELECT count(*) FROM pathway").fetchone()[0] == 3  # the three demo pathways
    finally:
        con.close()


# --- PostgreSQL (issue 7) -----------------------------------------------------------------

# Through the actions, as the app writes: one setup transaction (a pathway, a project and a weekly
# measure, found again by name after a restart), then, over and over, a pathway with three steps
# (create_pathway: the pathway, its steps, their positions and an audit event per row) and three
# new weeks of the measure (record_data_points: the points, an audit event each, and the
# measure's data_version bumped once), each action one transaction, its number printed after
# it returned.
PG_WRITER = r"""
import sys
sys.path.insert(0, sys.argv[3])
from datetime import date, timedelta

from actions import Actor, create_pathway, create_project, define_measure, record_data_points
from pathways.models import Pathway, PathwayStep
from pdsa.core.db import connect_postgres, write
from pdsa.models import Measure, Project

database = connect_postgres(sys.argv[1])
cur = database.cursor()
actor = Actor(user_id=None, name="crash-test", roles=frozenset({"administrator"}))


def setup(c):
    found = c.execute("SELECT id FROM measure WHERE name = 'crash measure'").fetchone()
    if found:
        return found[0]
    pathway = create_pathway(c, actor, Pathway(name="crash setup")).id
    project = create_project(c, actor, Project(
        title="crash project", pathway_id=pathway, aim_what="a", aim_how_much="b", aim_by_when=date(2031, 1, 1),
        start_date=date(2029, 1, 1))).id
    return define_measure(c, actor, Measure(project_id=project, name="crash measure", kind="process",
                                            data_type="continuous", period="week")).id


measure_id = write(cur, setup)  # nested actions join this one transaction
number = int(sys.argv[2])
print("ready", flush=True)
while True:
    number += 1
    create_pathway(cur, actor, Pathway(name=f"crash {number}", description="x" * 3000, steps=[
        PathwayStep(position=k, name=f"crash {number} step {k}", sector="hospital") for k in (1, 2, 3)]))
    print(f"pathway {number}", flush=True)
    weeks = [date(2030, 1, 7) + timedelta(weeks=3 * number + k) for k in range(3)]
    record_data_points(cur, actor, measure_id, [{"period": w, "value": number + k / 10, "note": f"crash {number}"}
                                                for k, w in enumerate(weeks)])
    print(f"points {number}", flush=True)
"""


def _pg_state(url: str) -> dict:
    """What the PostgreSQL database holds, read as the app opens it (migrating it if a kill
    stopped the first writer before it did): the action numbers found whole, and what is in part."""
    from pdsa.core.db import connect_postgres

    database = connect_postgres(url)
    try:
        cur = database.cursor()
        setup = cur.execute(
            "SELECT (SELECT count(*) FROM pathway WHERE name = 'crash setup'),"
            " (SELECT count(*) FROM project WHERE title = 'crash project'),"
            " (SELECT count(*) FROM measure WHERE name = 'crash measure')").fetchone()
        pathways = cur.execute(
            """
            SELECT p.name,
                   (SELECT count(*) FROM pathway_step s WHERE s.pathway_id = p.id AND s.name LIKE p.name || ' step %'),
                   (SELECT count(*) FROM pathway_step_position o JOIN pathway_step s ON s.id = o.step_id
                        WHERE o.pathway_id = p.id),
                   (SELECT count(*) FROM audit_event e WHERE e.entity = 'pathway' AND e.entity_id = p.id
                        AND e.action = 'create'),
                   (SELECT count(*) FROM audit_event e JOIN pathway_step s ON e.entity = 'pathway_step'
                        AND e.entity_id = s.id WHERE s.pathway_id = p.id AND e.action = 'create')
            FROM pathway p WHERE p.name LIKE 'crash %' AND p.name <> 'crash setup'
            """).fetchall()
        points = cur.execute(
            """
            SELECT d.note, count(*),
                   sum((SELECT count(*) FROM audit_event e WHERE e.entity = 'data_point' AND e.entity_id = d.id
                        AND e.action = 'create'))
            FROM data_point d JOIN measure m ON m.id = d.measure_id
            WHERE m.name = 'crash measure' GROUP BY d.note
            """).fetchall()
        data_version = cur.execute("SELECT max(data_version) FROM measure WHERE name = 'crash measure'").fetchone()[0]
        orphans = cur.execute(
            "SELECT count(*) FROM audit_event e WHERE e.who = 'crash-test' AND NOT EXISTS ("
            " SELECT 1 FROM pathway p WHERE e.entity = 'pathway' AND p.id = e.entity_id"
            " UNION ALL SELECT 1 FROM pathway_step s WHERE e.entity = 'pathway_step' AND s.id = e.entity_id"
            " UNION ALL SELECT 1 FROM data_point d WHERE e.entity = 'data_point' AND d.id = e.entity_id"
            " UNION ALL SELECT 1 FROM project j WHERE e.entity = 'project' AND j.id = e.entity_id"
            " UNION ALL SELECT 1 FROM measure m WHERE e.entity = 'measure' AND m.id = e.entity_id)"
        ).fetchone()[0]
        orphan_steps = cur.execute(
            "SELECT count(*) FROM pathway_step s WHERE s.name LIKE 'crash %'"
            " AND NOT EXISTS (SELECT 1 FROM pathway p WHERE p.id = s.pathway_id AND s.name LIKE p.name || ' step %')"
        ).fetchone()[0]
    finally:
        database.close()
    state = {"setup": setup, "pathways": set(), "points": set(), "partial": [], "data_version": data_version}
    if setup not in ((0, 0, 0), (1, 1, 1)):
        state["partial"].append(f"setup in part: {setup} pathway, project, measure")
    for name, steps, positions, pathway_events, step_events in pathways:
        number = int(name.split()[1])
        if (steps, positions, pathway_events, step_events) == (3, 3, 1, 3):
            state["pathways"].add(number)
        else:
            state["partial"].append(f"{name}: {steps} steps, {positions} positions, "
                                    f"{pathway_events} + {step_events} audit events")
    for note, rows, events in points:
        if (rows, events) == (3, 3):
            state["points"].add(int(note.split()[1]))
        else:
            state["partial"].append(f"points {note!r}: {rows} rows, {events} audit events")
    if orphans or orphan_steps:
        state["partial"].append(f"{orphans} audit events and {orphan_steps} steps without their rows")
    return state


def test_a_postgres_writer_killed_at_random_moments_loses_no_committed_action(pg_server, record_property):
    """Ten SIGKILLs at seeded random moments of a writer using the actions on PostgreSQL: every
    action reported committed is there whole, nothing is there in part, and the measure's
    data_version went up once per whole data entry. The first kill may land before or while the
    new database is migrated, or during the setup."""
    server, _ = pg_server
    name = server.create(f"{server.prefix}_crash")
    url = server.url(name)
    rng = random.Random(SEED + 7)
    started = time.monotonic()
    reported = {"pathway": set(), "points": set()}
    state: dict = {"pathways": set(), "points": set()}
    try:
        for kill in range(KILLS):
            start = max(state["pathways"] | state["points"] | reported["pathway"] | reported["points"], default=0)
            writer = _spawn([sys.executable, "-c", PG_WRITER, url, str(start), str(ROOT)])
            if kill == 0:
                time.sleep(rng.uniform(0.05, 2.0))  # anywhere in start-up, migration and setup
            else:
                assert writer.stdout.readline().strip() == "ready", writer.stderr.read()
                time.sleep(rng.uniform(0.05, 1.0))
            out, _ = _kill(writer)
            for line in out.splitlines():
                kind, _, number = line.partition(" ")
                if kind in reported and number.isdigit():
                    reported[kind].add(int(number))
            state = _pg_state(url)
            assert not state["partial"], f"kill {kill + 1}: saved in part: {state['partial'][:5]}"
            for kind, found in (("pathway", state["pathways"]), ("points", state["points"])):
                missing = reported[kind] - found
                assert not missing, f"kill {kill + 1}: committed {kind} actions lost: {sorted(missing)}"
            if state["setup"] == (1, 1, 1):
                assert state["data_version"] == 1 + len(state["points"]), (
                    f"kill {kill + 1}: data_version {state['data_version']}, {len(state['points'])} whole data entries")
    finally:
        server.drop(name)
    elapsed = time.monotonic() - started
    committed = len(reported["pathway"]) + len(reported["points"])
    found = len(state["pathways"]) + len(state["points"])
    summary = (f"{KILLS} kills: {committed} actions reported committed ({len(reported['pathway'])} pathways, "
               f"{len(reported['points'])} data entries), {found} found whole, 0 partial, {elapsed:.1f} s")
    record_property("pg_crash_summary", summary)
    print("\n" + summary)
    assert committed >= 20, "the writer must have committed something to lose"
    assert found - committed <= KILLS, "at most one unreported commit per kill"
