"""Faults: each gives one clear sentence, exit status 1 on the command line, no traceback, and
leaves the database file as it was (bytes and modification time).

Full disks are real: a small tmpfs is mounted (we run as root); read-only files and folders
use chmod, or ``chattr +i`` where root ignores permissions. A test that cannot set its fault
up on this machine is skipped with the reason. Monkeypatched faults cover the same paths
everywhere.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from pdsa.core import db as dbmod
from pdsa.core.db import (
    CONNECT_CONFIG,
    DEFAULT_DB_PATH,
    INVALIDATED,
    WRITE_FAILED,
    DatabaseInvalidated,
    DatabaseUnusable,
    DatabaseWriteFailed,
    available_migrations,
    checkpoint,
    connect,
    db_from_argv,
    resolve_db_path,
    wal_path,
    write,
)

ROOT = Path(__file__).resolve().parent.parent
NEWEST = max(version for version, _, _ in available_migrations())


# --- helpers ------------------------------------------------------------------------------

def pdsa(*args: str, env_db: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PDSA_DB"}
    if env_db is not None:
        env["PDSA_DB"] = env_db
    return subprocess.run([sys.executable, "-m", "pdsa", *args], cwd=ROOT, env=env, capture_output=True, text=True)

ENGINES = ("duckdb",)  # the DuckDB file itself: opening, locking, faults



def state(path: Path) -> dict[str, tuple[bytes, int] | None]:
    """Bytes and modification time of the database file and its .wal (None: no such file)."""
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) if p.exists() else None for p in (path, wal_path(path))}


def assert_refused(result: subprocess.CompletedProcess, sentence: str) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.strip() == sentence
    assert result.returncode == 1


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@contextmanager
def read_only(target: Path):
    """Make a file or folder read-only even for root (chattr +i), or skip with the reason."""
    mode = target.stat().st_mode
    target.chmod(mode & ~0o222)
    immutable = False
    try:
        if os.access(target, os.W_OK) and shutil.which("chattr"):
            immutable = subprocess.run(["chattr", "+i", str(target)], capture_output=True).returncode == 0
        if os.access(target, os.W_OK):
            pytest.skip(f"cannot make {target.name} read-only for this user (root without a working chattr +i)")
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(target)], check=True)
        target.chmod(mode)


@pytest.fixture
def small_disk(tmp_path):
    """A folder on its own 8 MB file system, to fill up."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs to fill up: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def fill_disk(folder: Path, leave: int = 0) -> Path:
    """Fill the file system holding folder, leaving about ``leave`` bytes; remove the file to free it."""
    filler = folder / "filler"
    stat = os.statvfs(folder)
    free = stat.f_bavail * stat.f_frsize
    with filler.open("wb") as file:
        file.write(b"\0" * max(free - leave, 0))
    return filler


def database_with_data(path: Path, rows: int = 200) -> Path:
    con = connect(path)
    con.execute("INSERT INTO pathway (name) VALUES ('Hofte')")
    con.execute(
        "INSERT INTO audit_event (who, entity, entity_id, action, after)"
        " SELECT 'test', 'pathway', 1, 'create', json_object('note', repeat(md5(range::VARCHAR), 20)) FROM range(?)",
        [rows],
    )
    con.execute("CHECKPOINT")
    con.close()
    return path


# --- where the database is ----------------------------------------------------------------

EMPTY_DB_OPTION = "--db was given an empty path. Name the database file, for example --db data/ward.duckdb."


@pytest.mark.parametrize("args", [["init", "--db", ""], ["demo", "--db", "", "--replace"], ["demo", "--db="]])
def test_an_empty_db_option_is_refused_and_never_means_the_default_database(tmp_path, args):
    before = state(DEFAULT_DB_PATH)
    other = tmp_path / "env.duckdb"
    result = pdsa(*args, env_db=str(other))
    assert_refused(result, EMPTY_DB_OPTION)
    assert result.stdout == ""
    assert state(DEFAULT_DB_PATH) == before
    assert not other.exists()


def test_an_empty_pdsa_db_variable_is_refused(tmp_path):
    before = state(DEFAULT_DB_PATH)
    result = pdsa("demo", "--replace", env_db="")
    assert_refused(result, "The environment variable PDSA_DB is set but empty. Name the database file in it, "
                           f"or unset it to use {DEFAULT_DB_PATH}.")
    assert state(DEFAULT_DB_PATH) == before


def test_db_from_argv():
    assert db_from_argv([]) is None
    assert db_from_argv(["--db", "x.duckdb"]) == "x.duckdb"
    assert db_from_argv(["--other", "--db=y.duckdb"]) == "y.duckdb"
    assert db_from_argv(["--db"]) == ""
    with pytest.raises(DatabaseUnusable, match="empty path"):
        resolve_db_path(db_from_argv(["--db", ""]))


# --- files that are not a database we can use ---------------------------------------------

def _sqlite_file(path: Path) -> Path:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE a (x)")
    con.commit()
    con.close()
    return path


def _corrupt(source: Path, target: Path) -> Path:
    data = bytearray(source.read_bytes())
    middle = len(data) // 2
    for offset in range(middle, middle + 20_000, 3):
        data[offset] ^= 0xFF
    target.write_bytes(bytes(data))
    return target


def _truncated(source: Path, target: Path) -> Path:
    target.write_bytes(source.read_bytes()[:300_000])  # a copy that stopped part way
    return target


def _damaged_sentence(path: Path) -> str:
    return (f"The database {path} is damaged (cut short or corrupted) and cannot be read. Nothing was changed. "
            "Restore it from a backup (the file and its .wal together), or name another file.")


UNUSABLE = {
    "empty": (lambda p: (p.touch(), p)[1],
              lambda p: f"The file {p} is empty, so it is not a database. Nothing was changed. "
                        "Delete it to create a new database there, or name another file."),
    "sqlite": (_sqlite_file,
               lambda p: f"The file {p} is an SQLite database, not a database of this app (DuckDB). "
                         "Nothing was changed; name another file."),
    "text": (lambda p: (p.write_text("name;value\nHofte;3\n" * 100), p)[1],
             lambda p: f"The file {p} is not a database of this app (not a DuckDB file). "
                       "Nothing was changed; name another file."),
    "truncated": (lambda p: _truncated(database_with_data(p.with_name("whole.duckdb")), p), _damaged_sentence),
    "corrupt": (lambda p: _corrupt(database_with_data(p.with_name("whole.duckdb"), rows=3000), p),
                _damaged_sentence),
}


@pytest.mark.parametrize("command", [["init"], ["demo", "--replace"]])
@pytest.mark.parametrize("kind", UNUSABLE)
def test_a_file_that_is_not_a_usable_database_is_refused_and_left_alone(tmp_path, kind, command):
    make, sentence = UNUSABLE[kind]
    path = make(tmp_path / f"{kind}.duckdb")
    before, listing = state(path), files_in(tmp_path)
    result = pdsa(command[0], "--db", str(path), *command[1:])
    assert_refused(result, sentence(path))
    assert state(path) == before
    assert files_in(tmp_path) == listing


def test_the_corrupt_file_is_found_by_reading_it_not_by_its_header(tmp_path):
    """The corruption test above is only meaningful if DuckDB opens that file without noticing."""
    path = UNUSABLE["corrupt"][0](tmp_path / "corrupt.duckdb")
    con = duckdb.connect(str(path), config=CONNECT_CONFIG)
    try:
        assert con.execute("SELECT count(*) FROM schema_migration").fetchone()[0] >= 1
    finally:
        con.close()


def test_an_sqlite_file_never_makes_duckdb_fetch_an_extension(tmp_path, monkeypatch):
    path = _sqlite_file(tmp_path / "lite.duckdb")
    with pytest.raises(duckdb.Error) as raised:
        duckdb.connect(str(path), config=CONNECT_CONFIG)  # our connect refuses before DuckDB even looks
    assert "http" not in str(raised.value).lower()
    # even when our own header check is bypassed, DuckDB's refusal becomes the same sentence
    monkeypatch.setattr(dbmod, "_check_before_opening", lambda p: False)
    with pytest.raises(DatabaseUnusable) as refused:
        connect(path)
    assert str(refused.value) == UNUSABLE["sqlite"][1](path)
    monkeypatch.undo()
    con = connect(tmp_path / "new.duckdb")
    try:
        settings = con.execute(
            "SELECT current_setting('autoinstall_known_extensions'), current_setting('autoload_known_extensions')"
        ).fetchone()
    finally:
        con.close()
    assert settings == (False, False)


def test_a_path_that_cannot_be_created_is_refused(tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder")
    path = blocker / "ward" / "x.duckdb"
    result = pdsa("init", "--db", str(path))
    assert_refused(result, f"The database {path} cannot be created: its folder {path.parent} cannot be made "
                           f"({blocker} is a file, not a folder). Nothing was changed; name another path.")
    assert files_in(tmp_path) == ["notes.txt"]


def test_a_folder_is_not_a_database(tmp_path):
    result = pdsa("demo", "--db", str(tmp_path), "--replace")
    assert_refused(result, f"{tmp_path} is a folder, not a database file. Name a file, "
                           f"for example {tmp_path / 'pdsa.duckdb'}.")
    assert files_in(tmp_path) == []


def test_a_read_only_database_file_is_refused(tmp_path):
    path = database_with_data(tmp_path / "ro.duckdb")
    before = state(path)
    with read_only(path):
        for command in (["init"], ["demo", "--replace"]):
            result = pdsa(command[0], "--db", str(path), *command[1:])
            assert_refused(result, f"The database file {path} is read-only, so nothing could be saved in it. "
                                   "Nothing was changed. Make it writable, or copy it somewhere writable "
                                   "and name the copy.")
    assert state(path) == before
    assert files_in(tmp_path) == ["ro.duckdb"]


def test_a_read_only_folder_is_refused_for_an_existing_and_a_new_database(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    path = database_with_data(folder / "x.duckdb")
    before = state(path)
    with read_only(folder):
        for target in (path, folder / "new.duckdb"):
            result = pdsa("init", "--db", str(target))
            assert_refused(result, f"The folder {folder} is read-only, so the database {target.name} cannot be "
                                   "created or saved there (DuckDB keeps a .wal file beside it). Nothing was changed. "
                                   "Make the folder writable, or name a database in another folder.")
    assert state(path) == before
    assert files_in(folder) == ["x.duckdb"]


def test_a_database_made_by_a_newer_version_is_refused_before_any_migration(tmp_path, monkeypatch):
    path = tmp_path / "future.duckdb"
    monkeypatch.setattr(dbmod, "available_migrations", lambda: available_migrations()[:1])
    con = connect(path)  # schema version 1 only ...
    con.execute("INSERT INTO schema_migration (version, name) VALUES (?, 'from_the_future')", [NEWEST + 1])
    con.execute("CHECKPOINT")
    con.close()
    monkeypatch.undo()
    before = state(path)
    for command in (["init"], ["demo", "--replace"]):
        result = pdsa(command[0], "--db", str(path), *command[1:])
        assert_refused(result, f"The database {path} was made by a newer version of the app (schema version "
                               f"{NEWEST + 1}; this version knows up to {NEWEST}). Nothing was changed; "
                               "use the newer version of the app.")
        assert "ready" not in result.stdout
    assert state(path) == before  # ... and migration 2 was not applied to it


def test_the_command_line_cannot_open_a_file_the_app_holds_and_says_so(tmp_path):
    path = database_with_data(tmp_path / "held.duckdb")
    holder = subprocess.Popen(
        [sys.executable, "-c",
         f"import duckdb, time; c = duckdb.connect({str(path)!r}); print('ready', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        before = state(path)
        for command in (["init"], ["demo", "--replace"], ["demo"]):
            result = pdsa(command[0], "--db", str(path), *command[1:])
            assert_refused(result, f"The database {path} is in use by another program (for example the running app). "
                                   "Stop that program first, or do this from inside the app.")
        assert state(path) == before
    finally:
        holder.kill()
        holder.wait()


# --- writing: only real conflicts are retried -----------------------------------------------

class _FailingCommit:
    """A cursor whose COMMIT fails the way DuckDB fails on a full disk."""

    def __init__(self, cur, error: duckdb.Error):
        self.cur, self.error, self.commits = cur, error, 0

    def execute(self, sql, *args):
        if sql == "COMMIT":
            self.commits += 1
            raise self.error
        return self.cur.execute(sql, *args)


@pytest.mark.parametrize("error", [
    duckdb.IOException('IO Error: Could not write file "x.duckdb.wal": No space left on device'),
    duckdb.TransactionException('TransactionContext Error: Failed to commit: Could not write file '
                                '"x.duckdb.wal": No space left on device'),
    duckdb.TransactionException('TransactionContext Error: Failed to commit: Cannot open file '
                                '"x.duckdb.wal": Permission denied'),
])
def test_an_io_error_is_not_retried_as_a_write_conflict(db, error):
    failing = _FailingCommit(db, error)
    with pytest.raises(DatabaseWriteFailed) as raised:
        write(failing, lambda c: c.execute("INSERT INTO unit (name, sector) VALUES ('A', 'hospital')"))
    assert str(raised.value) == WRITE_FAILED
    assert failing.commits == 1
    assert db.execute("SELECT count(*) FROM unit").fetchone()[0] == 0


def test_a_transaction_error_that_is_no_conflict_is_not_retried(db):
    failing = _FailingCommit(db, duckdb.TransactionException("TransactionContext Error: something else"))
    with pytest.raises(duckdb.TransactionException, match="something else"):
        write(failing, lambda c: None)
    assert failing.commits == 1


def test_a_full_disk_is_said_plainly_and_saves_nothing(small_disk):
    path = small_disk / "full.duckdb"
    con = connect(path)
    cur = con.cursor()
    filler = fill_disk(small_disk, leave=64 * 1024)
    attempts = []

    def change(c):
        attempts.append(1)
        c.execute("INSERT INTO pathway (name, description) SELECT 'P' || range, repeat('x', 1000) FROM range(3000)")

    with pytest.raises(DatabaseWriteFailed) as raised:
        write(cur, change)
    assert str(raised.value) == WRITE_FAILED
    assert len(attempts) == 1, "a full disk is not a write conflict"
    filler.unlink()
    assert cur.execute("SELECT count(*) FROM pathway").fetchone()[0] == 0
    con.close()
    con = connect(path)
    assert con.execute("SELECT count(*) FROM pathway").fetchone()[0] == 0
    con.close()


def test_an_unwritable_wal_is_said_plainly(tmp_path):
    path = tmp_path / "wal.duckdb"
    con = connect(path)
    wal_path(path).touch()
    with read_only(wal_path(path)):
        with pytest.raises(DatabaseWriteFailed) as raised:
            write(con, lambda c: c.execute("INSERT INTO unit (name, sector) VALUES ('A', 'hospital')"))
        assert str(raised.value) == WRITE_FAILED
        assert con.execute("SELECT count(*) FROM unit").fetchone()[0] == 0
    con.close()


def test_init_on_a_full_disk_creates_nothing(small_disk):
    fill_disk(small_disk, leave=16 * 1024)
    path = small_disk / "new.duckdb"
    result = pdsa("init", "--db", str(path))
    assert_refused(result, f"The database {path} could not be created: the disk is full or the folder is "
                           "read-only. Nothing was changed.")
    assert files_in(small_disk) == ["filler"]


def test_demo_replace_on_a_full_disk_keeps_the_old_database(small_disk):
    path = database_with_data(small_disk / "old.duckdb")
    before = state(path)
    fill_disk(small_disk, leave=256 * 1024)
    result = pdsa("demo", "--db", str(path), "--replace")
    assert_refused(result, f"The database {path} could not be written beside the old one: the disk is full or "
                           "the folder is read-only. Nothing was changed.")
    assert "audit trail included" in result.stdout  # it said what it was about to do
    assert state(path) == before
    assert files_in(small_disk) == ["filler", "old.duckdb"]


# --- a failed checkpoint invalidates the database -------------------------------------------

def _invalidate(con: duckdb.DuckDBPyConnection, disk: Path) -> None:
    """A real failed checkpoint: data in the .wal, no room to fold it into the file."""
    con.execute("INSERT INTO pathway (name, description)"
                " SELECT 'P' || range, 'Forløb nummer ' || range FROM range(20000)")
    filler = fill_disk(disk, leave=8 * 1024)
    try:
        with pytest.raises(DatabaseWriteFailed):
            checkpoint(con)
    finally:
        filler.unlink()


def test_a_failed_checkpoint_is_reported_as_invalidated_and_reopening_recovers(small_disk):
    path = small_disk / "inv.duckdb"
    con = connect(path)
    _invalidate(con, small_disk)
    with pytest.raises(DatabaseInvalidated) as raised:
        write(con, lambda c: c.execute("INSERT INTO unit (name, sector) VALUES ('A', 'hospital')"))
    assert str(raised.value) == INVALIDATED
    con.close()
    con = connect(path)  # every committed row is back, replayed from the .wal
    assert con.execute("SELECT count(*) FROM pathway").fetchone()[0] == 20000
    con.close()


# --- the app --------------------------------------------------------------------------------

def _app(monkeypatch, env_db: Path | None, argv: list[str] | None = None) -> AppTest:
    if env_db is None:
        monkeypatch.delenv("PDSA_DB", raising=False)
    else:
        monkeypatch.setenv("PDSA_DB", str(env_db))
    monkeypatch.setattr(sys, "argv", ["streamlit_app.py", *(argv or [])])
    at = AppTest.from_file("../streamlit_app.py", default_timeout=60)
    at.session_state["lang"] = "en"
    return at


def _signed_in_as_administrator(at: AppTest, path: Path) -> AppTest:
    """An administrator in the database, signed in in this session (the pages need someone)."""
    from actions import Actor
    from actions.accounts import create_user

    con = connect(path)
    try:
        user = create_user(con.cursor(), Actor(None, "test", roles=frozenset({"administrator"})),
                           username="admin", display_name="Ada Admin", roles={"administrator"})
    finally:
        con.close()
    at.session_state["signed_in_user_id"] = user.id
    return at


def _pathway_count(at: AppTest) -> str:
    if not at.metric:  # signed in, the home page comes first; the overview counts the pathways
        at.switch_page("views/overview.py").run()
    return at.metric[0].value


def test_the_app_reads_db_from_its_own_argv_before_pdsa_db(monkeypatch, tmp_path):
    named, env = tmp_path / "named.duckdb", tmp_path / "env.duckdb"
    at = _app(monkeypatch, env, ["--db", str(named)])
    at.run()
    assert not at.exception, at.exception
    assert named.exists() and not env.exists()
    # a database the deployment names starts empty: no demo, nobody to sign in yet
    assert at.info[0].value.startswith("Nobody can sign in yet")


def test_the_app_refuses_an_empty_db_argument_with_a_sentence(monkeypatch, tmp_path):
    at = _app(monkeypatch, tmp_path / "env.duckdb", ["--db", ""])
    at.run()
    assert not at.exception, at.exception
    assert at.error[0].value == f"The database cannot be opened: {EMPTY_DB_OPTION}"
    assert files_in(tmp_path) == []


@pytest.mark.parametrize("kind", ["empty", "sqlite", "corrupt"])
def test_the_app_explains_a_file_it_cannot_use(monkeypatch, tmp_path, kind):
    make, sentence = UNUSABLE[kind]
    path = make(tmp_path / f"{kind}.duckdb")
    before = state(path)
    at = _app(monkeypatch, path)
    at.run()
    assert not at.exception, at.exception
    assert at.error[0].value == f"The database cannot be opened: {sentence(path)}"
    assert state(path) == before


def test_the_app_reopens_a_database_invalidated_by_a_failed_checkpoint(monkeypatch, small_disk):
    from ui.state import _open

    path = database_with_data(small_disk / "app.duckdb", rows=10)
    at = _signed_in_as_administrator(_app(monkeypatch, path), path)
    at.run()
    assert not at.exception, at.exception
    assert _pathway_count(at) == "1"
    held = _open(str(path), False)
    _invalidate(held.con.cursor(), small_disk)  # the app's own connection is now invalidated
    with pytest.raises(duckdb.FatalException):
        held.con.cursor().execute("SELECT 1")

    at.run()
    assert not at.exception, at.exception
    assert not at.error, at.error[0].value
    assert _pathway_count(at) == "20001"  # reopened, with the rows the .wal held
    assert _open(str(path), False) is not held


class _DeadConnection:
    """What a connection DuckDB invalidated answers to everything."""

    closed = False

    def cursor(self):
        return self

    def execute(self, *args):
        raise duckdb.FatalException(
            "FATAL Error: Failed: database has been invalidated because of a previous fatal error. "
            "The database must be restarted prior to being used again."
        )

    def close(self):
        _DeadConnection.closed = True


def test_the_app_reopens_a_connection_that_raises_fatal_errors(monkeypatch, tmp_path):
    from ui.state import _open

    path = database_with_data(tmp_path / "app.duckdb", rows=10)
    at = _signed_in_as_administrator(_app(monkeypatch, path), path)
    at.run()
    held = _open(str(path), False)
    held.con.close()
    held.con, held.cursors = _DeadConnection(), threading.local()

    at.run()
    assert not at.exception, at.exception
    assert _DeadConnection.closed
    assert _pathway_count(at) == "1"


def test_run_page_reopens_and_runs_the_page_once_more(monkeypatch, tmp_path):
    path = database_with_data(tmp_path / "page.duckdb", rows=10)
    monkeypatch.setenv("PDSA_DB", str(path))
    monkeypatch.setattr(sys, "argv", ["streamlit_app.py"])

    def script():
        import duckdb
        import streamlit as st

        from ui.state import run_page

        class Page:
            def run(self):
                runs = st.session_state.get("runs", 0)
                st.session_state["runs"] = runs + 1
                if runs < st.session_state.get("failures", 1):
                    raise duckdb.FatalException("FATAL Error: Failed: database has been invalidated")
                st.write("page shown")

        run_page(Page())

    at = AppTest.from_function(script, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert [m.value for m in at.markdown] == ["page shown"]
    assert at.session_state["runs"] == 2

    again = AppTest.from_function(script, default_timeout=60)
    again.session_state["failures"] = 99  # still failing after the reopen: shown, not looped
    again.run()
    assert again.exception
    assert again.session_state["runs"] == 2
