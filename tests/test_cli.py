"""The command line as a user runs it: python -m pdsa init | demo."""

import subprocess
import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent

ENGINES = ("duckdb",)  # the DuckDB file itself: opening, locking, faults



def pdsa(*args: str, env_db: str | None = None) -> subprocess.CompletedProcess:
    import os

    env = {k: v for k, v in os.environ.items() if k != "PDSA_DB"}
    if env_db:
        env["PDSA_DB"] = env_db
    return subprocess.run([sys.executable, "-m", "pdsa", *args], cwd=ROOT, env=env, capture_output=True, text=True)


def count(path: Path, table: str) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def test_init_then_demo_then_refusal_then_replace(tmp_path):
    db = tmp_path / "x.duckdb"
    init = pdsa("init", "--db", str(db))
    assert init.returncode == 0, init.stderr
    assert "ready" in init.stdout
    assert count(db, "project") == 0  # a named database starts empty

    assert pdsa("init", "--db", str(db)).returncode == 0  # twice changes nothing
    demo = pdsa("demo", "--db", str(db))
    assert demo.returncode == 0, demo.stderr
    projects = count(db, "project")
    assert projects >= 4

    again = pdsa("demo", "--db", str(db))
    assert again.returncode == 1
    assert "already holds data" in again.stderr and "--replace" in again.stderr
    assert count(db, "project") == projects  # nothing was added

    replaced = pdsa("demo", "--db", str(db), "--replace")
    assert replaced.returncode == 0, replaced.stderr
    assert count(db, "project") == projects


def test_pdsa_db_environment_variable_names_the_database(tmp_path):
    db = tmp_path / "env.duckdb"
    assert pdsa("demo", env_db=str(db)).returncode == 0
    assert count(db, "pathway") >= 3


def test_demo_refuses_clearly_while_another_program_holds_the_file(tmp_path):
    db = tmp_path / "held.duckdb"
    assert pdsa("init", "--db", str(db)).returncode == 0
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(db)!r}); print('ready', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        result = pdsa("demo", "--db", str(db), "--replace")
        assert result.returncode == 1
        assert "in use by another program" in result.stderr
        assert "Traceback" not in result.stderr
    finally:
        holder.kill()
        holder.wait()
