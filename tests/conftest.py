"""Shared fixtures: a fresh migrated database, and one with the Danish demo loaded.

``db``      a cursor on a new, migrated DuckDB file of its own (one per test).
``demo_db`` a cursor on a database holding the demo. The demo is loaded once per test
            session and each test gets its own copy of the file, so a test may change it.
``demo_copy`` the path of a test's own copy of the demo DuckDB file, for page (AppTest) and
            command-line tests, with ``read_from(path, read)`` to look at what was stored.
``add_edge_case_measures(cur)`` adds measures the demo lacks (several splits, Making Data
            Count with exclusions and an outlier, days between events, a lone first event).
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from pdsa.core.db import connect, connect_postgres

ENGINES = ("duckdb", "postgresql")
# An administrator's connection to the PostgreSQL server the tests may create databases on;
# .ci/run starts Debian's cluster and creates this role.
PG_ADMIN_URL = os.environ.get("PDSA_TEST_POSTGRES", "postgresql://pdsa:pdsa@localhost:5432/postgres")


def pytest_generate_tests(metafunc):
    """Every test that takes ``db`` or ``demo_db`` runs on both engines, unless its module
    says ``ENGINES = ("duckdb",)`` (tests of the DuckDB file itself)."""
    if {"db", "demo_db"} & set(metafunc.fixturenames):
        metafunc.parametrize("engine", getattr(metafunc.module, "ENGINES", ENGINES))


def _open(path: Path):
    con = connect(path)
    return con, con.cursor()


class PostgresServer:
    """Creates and drops the tests' databases: one template per session (migrated, and one
    with the demo), and a copy of it for each test."""

    def __init__(self, admin_url: str):
        import psycopg

        self.admin_url = admin_url
        self.admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=5)
        self.prefix = f"pdsa_test_{os.getpid()}"
        self.count = 0

    def url(self, name: str) -> str:
        from urllib.parse import urlsplit, urlunsplit

        return urlunsplit(urlsplit(self.admin_url)._replace(path=f"/{name}"))

    def create(self, name: str, template: str | None = None) -> str:
        self.admin.execute(f"DROP DATABASE IF EXISTS {name}")
        self.admin.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
        return name

    def new_copy(self, template: str) -> str:
        self.count += 1
        return self.create(f"{self.prefix}_{self.count}", template)

    def drop(self, name: str) -> None:
        """FORCE ends the test's own connections; an autovacuum worker that happens to be in the
        database belongs to the server, not to our role, and makes the drop fail until it is done
        (seen once in a CI run), so that case is tried again for a few seconds."""
        import time

        import psycopg

        for attempt in range(20):
            try:
                self.admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                return
            except psycopg.errors.InsufficientPrivilege:
                if attempt == 19:
                    raise
                time.sleep(0.25)


@pytest.fixture(scope="session")
def pg_server():
    """The PostgreSQL server, or a skip with the reason (a failure under CI=true)."""
    import psycopg

    try:
        server = PostgresServer(PG_ADMIN_URL)
    except psycopg.Error as exc:
        reason = f"PostgreSQL is not reachable at {PG_ADMIN_URL.split('@')[-1]} ({str(exc).strip().splitlines()[0]})"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " — .ci/run starts it")
        pytest.skip(reason)
    created = []
    yield server, created
    for name in created:
        server.drop(name)
    server.admin.close()


@pytest.fixture(scope="session")
def pg_templates(pg_server):
    """Two template databases: migrated and empty, and with the demo loaded."""
    from actions.demo import load_demo

    server, created = pg_server
    empty = server.create(f"{server.prefix}_empty")
    created.append(empty)
    database = connect_postgres(server.url(empty))
    database.close()
    demo = server.create(f"{server.prefix}_demo", template=empty)
    created.append(demo)
    database = connect_postgres(server.url(demo))
    load_demo(database.cursor())
    database.close()
    return {"empty": empty, "demo": demo}


@contextmanager
def _postgres_cursor(request, template: str):
    server, created = request.getfixturevalue("pg_server")
    name = server.new_copy(request.getfixturevalue("pg_templates")[template])
    database = connect_postgres(server.url(name))
    try:
        yield database.cursor()
    finally:
        database.close()
        server.drop(name)


@pytest.fixture
def db(request, engine, tmp_path):
    """A cursor on a fresh, migrated, empty database of the engine (DuckDB file or PostgreSQL)."""
    if engine == "postgresql":
        with _postgres_cursor(request, "empty") as cur:
            yield cur
        return
    con, cur = _open(tmp_path / "test.duckdb")
    yield cur
    cur.close()
    con.close()


@pytest.fixture(scope="session")
def demo_db_file(tmp_path_factory) -> Path:
    """A DuckDB file with the demo loaded, made once per session; copy it, do not open it."""
    from actions.demo import load_demo

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    con, cur = _open(path)
    load_demo(cur)
    con.execute("CHECKPOINT")
    cur.close()
    con.close()
    return path


@pytest.fixture
def demo_db(request, engine, demo_db_file, tmp_path):
    """A cursor on this test's own copy of the demo database, on the engine."""
    if engine == "postgresql":
        with _postgres_cursor(request, "demo") as cur:
            yield cur
        return
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db_file, path)
    con, cur = _open(path)
    yield cur
    cur.close()
    con.close()


@pytest.fixture
def demo_copy(demo_db_file, tmp_path) -> Path:
    """The path of this test's own copy of the demo DuckDB file, for page tests (AppTest) and
    command-line tests.

    A page (or ``python -m pdsa``) is given a database path (``PDSA_DB``, ``--db``), not a
    cursor, and opens and closes the file itself, so these tests take a path rather than
    ``demo_db``; the copy is theirs to change. DuckDB only: store and action tests cover both
    engines through ``demo_db``. One fixture here rather than a copy in each test file; read
    what a page stored with ``read_from(demo_copy, read)``."""
    path = tmp_path / "demo-copy.duckdb"
    shutil.copyfile(demo_db_file, path)
    return path


def read_from(path: Path, read):
    """Open the DuckDB file at ``path``, return ``read(cursor)`` and close the file again, so
    the test leaves no connection open on the file the page uses."""
    con = connect(path)
    try:
        return read(con.cursor())
    finally:
        con.close()


def add_edge_case_measures(db):
    """Measures the demo lacks: several splits, Making Data Count with an excluded point and an
    outlier mid-series, days between events, and a measure with only its first event."""
    from datetime import date, timedelta

    import numpy as np

    from actions import Actor, create_pathway, create_project, define_measure, record_data_points
    from pathways.models import Pathway
    from pdsa.models import Measure, Project

    actor = Actor(user_id=None, name="test", roles=frozenset({"administrator"}))
    pathway = create_pathway(db, actor, Pathway(name="Forløb")).id
    project = create_project(db, actor, Project(title="P", pathway_id=pathway, aim_what="a", aim_how_much="b",
                                               aim_by_when=date(2027, 1, 1), start_date=date(2025, 1, 1))).id
    rng = np.random.default_rng(5)
    mondays = [date(2025, 1, 6) + timedelta(weeks=k) for k in range(40)]

    def measure(**fields):
        return define_measure(db, actor, Measure(project_id=project, name=fields.pop("name"), kind="process", **fields))

    def save(m, rows):
        record_data_points(db, actor, m.id, rows)

    split = measure(name="splits", data_type="proportion", period="week",
                    splits=[mondays[12], mondays[25], mondays[39] + timedelta(weeks=1)])
    save(split, [{"period": d, "numerator": int(rng.integers(5, 15)), "denominator": 20} for d in mondays])
    mdc = measure(name="mdc", data_type="continuous", period="week", rules="mdc", direction="down", target=40)
    values = rng.normal(50, 3, 40).round(1)
    values[20] = 90  # one outlier mid-series; the last point is ordinary
    save(mdc, [{"period": d, "value": float(v), "excluded": k == 5} for k, (d, v) in enumerate(zip(mondays, values))])
    days = measure(name="days", data_type="days_between", period="day", freeze_until=date(2025, 4, 1))
    event_days = sorted({date(2025, 1, 1) + timedelta(days=int(k)) for k in rng.integers(0, 300, 35)})
    save(days, [{"period": d} for d in event_days])
    lonely = measure(name="first event only", data_type="days_between", period="day")
    save(lonely, [{"period": date(2025, 3, 3)}])
    return [split, mdc, days, lonely]


@pytest.fixture
def formatters_in(monkeypatch):
    """The pages' own formatters (ui.format) in a chosen language: ``formatters_in("da")``, for
    tests of the history's sentences as a page words them."""
    import ui.format
    from pdsa.history import Formatters

    def in_language(language: str):
        monkeypatch.setattr(ui.format, "language", lambda: language)
        return Formatters(number=ui.format.fmt_number, percent=ui.format.fmt_percent, date=ui.format.fmt_date,
                          period=ui.format.fmt_period)

    return in_language


@pytest.fixture
def handed_downloads(monkeypatch) -> dict:
    """What the pages hand their download buttons, by the button's key: the bytes, or the
    callable Streamlit runs when the button is clicked (AppTest cannot click one)."""
    from streamlit.delta_generator import DeltaGenerator

    handed = {}
    real_button = DeltaGenerator.download_button

    def recording_button(self, label, data, *args, **kwargs):
        handed[kwargs.get("key")] = data
        return real_button(self, label, data, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", recording_button)
    return handed
