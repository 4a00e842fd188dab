"""PostgreSQL servers that cannot be used (issue 7): a clear sentence, never the password.

A PostgreSQL URL whose server cannot be reached, refuses the password, or has no such database
ends the command line with exit status 1 and one sentence on stderr (no traceback), and shows
the app a sentence instead of its pages; the password appears in no message and no log — not
on stdout or stderr, not on the page, not in the app server's log.

The last part checks that ``PgCursor.df()`` — which fetches a result of plain columns in one
row of byte strings instead of row by row (pdsa/core/postgres.py) — gives exactly the frame the
row-by-row fetch gives: columns, dtypes, values, NULLs, order.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pandas as pd
import pytest
from conftest import PG_ADMIN_URL

ROOT = Path(__file__).resolve().parent.parent
SECRET = "WRONGSECRET"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _url(*, password: str | None = None, port: int | None = None, database: str | None = None,
         query: str = "") -> str:
    """The test server's URL with another password, port or database."""
    parts = urlsplit(PG_ADMIN_URL)
    user = parts.username or "pdsa"
    netloc = f"{user}:{parts.password if password is None else password}@{parts.hostname or 'localhost'}"
    netloc += f":{port or parts.port or 5432}"
    return urlunsplit(parts._replace(netloc=netloc, path=f"/{database or parts.path.lstrip('/')}", query=query))


def _real_password() -> str:
    return urlsplit(PG_ADMIN_URL).password or ""


def _secrets_in(text: str, password: str) -> list[str]:
    """The forms of the password found in ``text``: as given, and as user:password@ (the real
    test password may be a word that appears elsewhere, such as the user name)."""
    user = urlsplit(PG_ADMIN_URL).username or "pdsa"
    found = [form for form in (f":{password}@", f"{user}:{password}") if form in text]
    if password != user and len(password) >= 6 and password in text:
        found.append(password)
    return found


CASES = {
    # name: (URL, words of the reason, the password that must not appear, needs the server)
    "refused password": (lambda: _url(password=SECRET), "refused the user name or password", SECRET, True),
    "unreachable port": (lambda: _url(password=SECRET, port=_free_port()), "could not be reached", SECRET, False),
    "no such database": (lambda: _url(database=f"pdsa_no_such_database_{os.getpid()}"),
                         "the database does not exist", None, True),
}


def _run_cli(args: list[str], env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "PDSA_DB"}
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "pdsa", *args], cwd=ROOT, env=environment, capture_output=True,
                          text=True, timeout=120, check=False)


def _assert_one_sentence(done: subprocess.CompletedProcess, reason: str, password: str) -> None:
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "Traceback" not in output, output
    assert done.stdout == "", done.stdout
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"one sentence on stderr, got {len(lines)} lines:\n{done.stderr}"
    assert lines[0].startswith("Could not open the PostgreSQL database postgresql://"), lines[0]
    assert reason in lines[0], lines[0]
    assert ":***@" in lines[0], f"the URL is shown with its password starred: {lines[0]}"
    assert not _secrets_in(output, password), f"the password is in the output: {output}"


@pytest.mark.parametrize("case", list(CASES))
def test_the_command_line_says_one_sentence_and_never_the_password(request, case):
    make_url, reason, password, needs_server = CASES[case]
    if needs_server:
        request.getfixturevalue("pg_server")  # skips (or fails under CI) without the server
    url = make_url()
    _assert_one_sentence(_run_cli(["init", "--db", url]), reason, password or _real_password())


def test_the_same_from_pdsa_db_in_the_environment(pg_server):
    url = _url(password=SECRET)
    _assert_one_sentence(_run_cli(["demo"], env={"PDSA_DB": url}), "refused the user name or password", SECRET)


# Bugs found while writing these tests (issue 7), fixed since (ed23d06): a password in ?password=,
# a password libpq cannot decode, a misspelt URL parameter.
def test_a_password_given_as_a_query_parameter_is_not_shown(pg_server):
    url = _url(password="", query=f"password={SECRET}").replace(":@", "@")
    done = _run_cli(["init", "--db", url])
    assert done.returncode == 1
    assert SECRET not in done.stdout + done.stderr, done.stderr


def test_a_password_libpq_cannot_decode_is_not_shown(pg_server):
    password = "50%offSECRET"  # a % not followed by two hex digits: invalid percent-encoding
    done = _run_cli(["init", "--db", _url(password=password)])
    assert done.returncode == 1
    assert "Traceback" not in done.stderr, done.stderr
    assert password not in done.stdout + done.stderr, done.stderr


def test_a_misspelt_url_parameter_is_said_in_a_sentence(pg_server):
    done = _run_cli(["init", "--db", _url(password=SECRET, query="sslmod=require")])
    assert done.returncode == 1
    assert "Traceback" not in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


# --- the app -------------------------------------------------------------------------------

def _page_texts(at) -> list[str]:
    """Every text the page shows: errors, warnings, markdown, titles, captions, metrics."""
    texts = []
    for kind in ("error", "warning", "info", "success", "markdown", "title", "header", "subheader", "caption",
                 "text", "exception"):
        for element in getattr(at, kind, []):
            texts.append(str(getattr(element, "value", element)))
    return texts


@pytest.mark.parametrize("case", list(CASES))
def test_the_app_says_it_in_a_sentence_and_never_shows_the_password(request, case, monkeypatch, caplog, capfd):
    from streamlit.testing.v1 import AppTest

    make_url, reason, password, needs_server = CASES[case]
    if needs_server:
        request.getfixturevalue("pg_server")
    url = make_url()
    password = password or _real_password()
    monkeypatch.delenv("PDSA_DB", raising=False)
    monkeypatch.setattr(sys, "argv", ["streamlit_app.py", "--db", url])
    caplog.set_level("DEBUG")
    at = AppTest.from_file("../streamlit_app.py", default_timeout=60)
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and reason in errors[0], errors
    assert "postgresql://" in errors[0] and ":***@" in errors[0], errors[0]
    shown = "\n".join(_page_texts(at))
    assert not _secrets_in(shown, password), shown
    captured = capfd.readouterr()
    logged = caplog.text + captured.out + captured.err
    assert not _secrets_in(logged, password), logged  # (the server's own log: the test below)


async def _one_page_load(port: int, timeout: float = 90) -> list[str]:
    """Open a session on the app server as a browser does and run the page once: the texts of
    the elements it sent (without a browser: Streamlit's websocket and its protobuf messages)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.asyncio.client import connect

    async with connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"], max_size=None) as ws:
        message = BackMsg()
        message.rerun_script.query_string = ""
        message.rerun_script.page_script_hash = ""
        await ws.send(message.SerializeToString())
        texts = []
        while True:
            forward = ForwardMsg()
            forward.ParseFromString(await asyncio.wait_for(ws.recv(), timeout))
            if forward.WhichOneof("type") == "delta":
                texts.append(str(forward.delta))
            elif forward.WhichOneof("type") == "script_finished":
                return texts


def test_the_app_servers_log_never_holds_the_password(pg_server, tmp_path):
    """A real ``streamlit run … -- --db URL`` with a refused password: a page load shows the
    sentence; the server's whole log (stdout and stderr) holds neither the password nor a traceback."""
    url = _url(password=SECRET)
    port = _free_port()
    log = tmp_path / "streamlit.log"
    env = {k: v for k, v in os.environ.items() if k != "PDSA_DB"}
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.headless=true",
             f"--server.port={port}", "--server.address=127.0.0.1", "--browser.gatherUsageStats=false",
             "--logger.level=debug", "--", "--db", url],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
                    if response.read().decode().strip() == "ok":
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"the app did not start:\n{log.read_text()}"
            time.sleep(0.3)
        # in a thread of its own: a browser test earlier in the session leaves an event loop running here
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            texts = pool.submit(asyncio.run, _one_page_load(port)).result(timeout=120)
        page = "\n".join(texts)
        assert "refused the user name or password" in page, page
        assert SECRET not in page, page
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
    written = log.read_text()
    assert "Uvicorn server started" in written or "You can now view" in written, written
    assert SECRET not in written, f"the password is in the app server's log:\n{written}"
    assert "Traceback" not in written, written


# --- PgCursor.df() in one row equals the row-by-row fetch ---------------------------------------

DF_QUERIES = {
    "every plain type": "SELECT 1 AS a, CAST(2 AS smallint) AS b, CAST(3 AS bigint) AS c, CAST(1.5 AS real) AS d,"
                        " CAST(2.5 AS double precision) AS e, true AS f, DATE '2020-02-29' AS g",
    "NULLs everywhere": "SELECT CAST(NULL AS integer) AS a, CAST(NULL AS date) AS b, CAST(NULL AS boolean) AS c,"
                        " CAST(NULL AS double precision) AS d",
    "some NULLs": "SELECT * FROM (VALUES (1, CAST(NULL AS double precision), true, DATE '1999-12-31'),"
                  " (NULL, 2.0, NULL, NULL), (3, CAST('NaN' AS double precision), false, DATE '0001-01-01'))"
                  " AS t(a, b, c, d)",
    "same name twice": "SELECT 1 AS a, 2 AS a",
    "no rows": "SELECT id, period FROM data_point WHERE false",
    "text and numeric (row by row)": "SELECT name, CAST(score AS numeric) AS score FROM"
                                     " (VALUES ('x', 1.5), ('y', NULL)) AS t(name, score)",
    "the order of the query": "SELECT g AS k, 1000 - g AS v FROM generate_series(1, 5000) AS g ORDER BY (g * 7919) % 5000",
    "a comment at the end": "SELECT 1 AS one -- the end",
    "a date beyond Python's": "SELECT DATE '10000-01-01' AS far",
}


@pytest.mark.parametrize("name", list(DF_QUERIES))
def test_the_fast_frame_is_the_row_by_row_frame(pg_server, name):
    from pdsa.core.postgres import PgDatabase

    server, _ = pg_server
    database = PgDatabase(server.admin_url)
    try:
        cur = database.cursor()
        sql = DF_QUERIES[name]
        try:
            slow_cursor = cur._cur.execute(sql)  # psycopg itself, row by row
            slow = pd.DataFrame.from_records(slow_cursor.fetchall(), columns=[d.name for d in slow_cursor.description])
        except Exception as exc:  # noqa: BLE001 — then df() must fail the same way
            with pytest.raises(type(exc)):
                cur.execute(sql).df()
            return
        fast = cur.execute(sql).df()
        assert list(fast.columns) == list(slow.columns)
        assert list(fast.dtypes) == list(slow.dtypes)
        assert fast.equals(slow), f"{fast}\n{slow}"
        for column in range(fast.shape[1]):
            assert [type(v) for v in fast.iloc[:, column]] == [type(v) for v in slow.iloc[:, column]]
        assert cur.fetchall() == [] and cur.fetchone() is None, "df() took every row, as on DuckDB"
    finally:
        database.close()


def test_reads_run_in_order_and_a_lock_is_never_held_back(pg_server):
    """A read held back for df() runs before the next statement; a SELECT that takes or frees a
    lock (or writes) runs at once, as before."""
    import psycopg

    from pdsa.core.postgres import PgDatabase

    server, _ = pg_server
    database = PgDatabase(server.admin_url)
    other = psycopg.connect(server.admin_url, autocommit=True)
    try:
        cur = database.cursor()
        cur.execute("SELECT pg_advisory_lock(4711)")  # not fetched: must be taken now
        assert other.execute("SELECT pg_try_advisory_lock(4711)").fetchone()[0] is False
        cur.execute("SELECT pg_advisory_unlock(4711)")
        assert other.execute("SELECT pg_try_advisory_lock(4711)").fetchone()[0] is True
        other.execute("SELECT pg_advisory_unlock(4711)")
        assert cur.execute("SELECT 1 AS x").description[0].name == "x"
        assert cur.execute("SELECT 2 AS y").fetchone() == (2,)
        with pytest.raises(psycopg.errors.UndefinedColumn):
            cur.execute("SELECT no_such_column FROM (SELECT 1 AS a) AS t").fetchall()
        assert cur.execute("SELECT DATE '2026-12-01' AS d").df()["d"].tolist() == [dt.date(2026, 12, 1)]
    finally:
        other.close()
        database.close()
