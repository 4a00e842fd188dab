"""Shared fixtures: a fresh migrated database, and one with the Danish demo loaded.

``db``      a cursor on a new, migrated DuckDB file of its own (one per test).
``demo_db`` a cursor on a database holding the demo. The demo is loaded once per test
            session and each test gets its own copy of the file, so a test may change it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pdsa.db import connect


def _open(path: Path):
    con = connect(path)
    return con, con.cursor()


@pytest.fixture
def db(tmp_path):
    """A cursor on a fresh, migrated, empty database file."""
    con, cur = _open(tmp_path / "test.duckdb")
    yield cur
    cur.close()
    con.close()


@pytest.fixture(scope="session")
def demo_db_file(tmp_path_factory) -> Path:
    """A database file with the demo loaded, made once per session; copy it, do not open it."""
    from pdsa.demo import load_demo

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    con, cur = _open(path)
    load_demo(cur)
    con.execute("CHECKPOINT")
    cur.close()
    con.close()
    return path


@pytest.fixture
def demo_db(demo_db_file, tmp_path):
    """A cursor on this test's own copy of the demo database."""
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db_file, path)
    con, cur = _open(path)
    yield cur
    cur.close()
    con.close()
