"""One database connection per process and path, a cursor per thread, and the user's language."""

from __future__ import annotations

import secrets
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import psycopg
import streamlit as st

from pdsa.core.db import (
    INVALIDATED,
    DatabaseInvalidated,
    DatabaseLocation,
    db_from_argv,
    is_empty,
    is_invalidated,
    open_database,
    resolve_db_path,
)
from pdsa.core.postgres import is_postgres_url
from pdsa.i18n import LANGUAGES, catalogue, language_from_locale, translate, translate_plural


@dataclass
class Database:
    con: duckdb.DuckDBPyConnection
    path: str
    is_default: bool
    needs_demo: bool
    setup_code: str | None = None  # one-time code for the first administrator, printed to the log only
    lock: threading.Lock = field(default_factory=threading.Lock)
    cursors: threading.local = field(default_factory=threading.local)
    # which opening this is: a database reopened (after DuckDB gave up on it, or a restore) may
    # hold rows no audit event announced, so what is cached per data version is keyed by it too
    opening: str = field(default_factory=lambda: secrets.token_hex(6))


@st.cache_resource(show_spinner=False)
def _open(path: str, is_default: bool) -> Database:
    """``path`` is the DuckDB file, or the PostgreSQL URL (the cache key; never shown)."""
    location = DatabaseLocation(None, False, url=path) if is_postgres_url(path) else DatabaseLocation(Path(path), is_default)
    con = open_database(location)
    db = Database(con=con, path=path, is_default=is_default, needs_demo=is_default and _never_used(con))
    if not db.needs_demo:
        db.setup_code = _setup_code_when_no_users(con)
    return db


def _setup_code_when_no_users(con) -> str | None:
    """A database nobody can sign in to yet gets a one-time setup code for its first
    administrator, written to the server's log — never shown on the page."""
    cur = con.cursor()
    if cur.execute("SELECT count(*) FROM app_user").fetchone()[0]:
        return None
    code = secrets.token_urlsafe(9)
    print(f"PDSA: no user can sign in to this database yet. Setup code for the first administrator: {code} "
          "(or create one on the command line: python -m pdsa user add)", file=sys.stderr, flush=True)
    return code


def _never_used(con: duckdb.DuckDBPyConnection) -> bool:
    """Nothing was ever saved in it: new, or the first start was stopped while the demo loaded
    (the demo loads in one transaction, so that leaves it exactly as new)."""
    cur = con.cursor()
    try:
        return is_empty(cur) and cur.execute("SELECT count(*) FROM audit_event").fetchone()[0] == 0
    finally:
        cur.close()


def database_location() -> DatabaseLocation:
    """``--db`` in the app's own argv (``streamlit run streamlit_app.py -- --db FILE``), else
    ``PDSA_DB``, else data/pdsa.duckdb; an empty path is refused."""
    return resolve_db_path(db_from_argv(sys.argv[1:]))


def database() -> Database:
    location = database_location()
    db = _open(location.url or str(location.path), location.is_default)
    if db.needs_demo:
        _load_demo_once(db)
    return db


def _load_demo_once(db: Database) -> None:
    """A newcomer sees the demo at once: load it into a newly created default database."""
    from actions.demo import load_demo

    with db.lock:
        if not db.needs_demo:
            return
        cur = db.con.cursor()
        if is_empty(cur):
            bar = st.progress(0.0, text=t("app.loading_demo"))
            load_demo(cur, progress=lambda fraction, _message: bar.progress(min(fraction, 1.0), text=t("app.loading_demo")))
            bar.empty()
        db.needs_demo = False


_reopening = threading.Lock()


def _answers(con: duckdb.DuckDBPyConnection) -> bool:
    """False when DuckDB has given up on the database (FATAL, invalidated) or the connection is closed."""
    try:
        con.execute("SELECT 1").fetchall()
        return True
    except duckdb.Error as exc:
        if is_invalidated(exc) or isinstance(exc, duckdb.ConnectionException):
            return False
        raise
    except psycopg.OperationalError:
        return False  # the server went away or restarted: open new connections


def reopen_if_invalidated() -> Database:
    """After a failed checkpoint (e.g. a full disk) DuckDB refuses every statement on the open
    database until it is opened again: close it and open the file anew, once, for every thread."""
    with _reopening:
        db = database()
        try:
            probe = db.con.cursor()
        except duckdb.Error:
            probe = None
        if probe is not None and _answers(probe):
            probe.close()
            return db
        _open.clear(db.path, db.is_default)
        try:
            db.con.close()  # closes every thread's cursor too; DuckDB reopens the file only once all are closed
        except (duckdb.Error, psycopg.Error):
            pass
        return database()


def _thread_cursor(db: Database) -> duckdb.DuckDBPyConnection:
    cur = getattr(db.cursors, "cursor", None)
    if cur is None:
        cur = db.con.cursor()
        db.cursors.cursor = cur
    return cur


def cursor() -> duckdb.DuckDBPyConnection:
    """A cursor for the current thread: DuckDB connections must not be shared across threads.

    It is checked first: on a database DuckDB gave up on, the connection is reopened once and
    the check repeated; if that fails too, :class:`DatabaseInvalidated` says so.
    """
    db = database()
    try:
        cur = _thread_cursor(db)
    except duckdb.ConnectionException:
        cur = None
    if cur is not None and _answers(cur):
        return cur
    db = reopen_if_invalidated()
    cur = _thread_cursor(db)
    try:
        healthy = _answers(cur)
    except duckdb.Error:
        healthy = False
    if not healthy:
        raise DatabaseInvalidated(INVALIDATED, path=Path(db.path))
    return cur


def saved_data_key() -> tuple[str, tuple[int, int]]:
    """The open database and its data version: a cache key for anything made from the stored
    data, which any save changes (on this server or another sharing the PostgreSQL database;
    ``pdsa.store.portfolio.data_version``). A reopened database gets a key of its own."""
    from pdsa.store.portfolio import data_version

    db = database()
    return f"{db.path}#{db.opening}", data_version(cursor())


def run_page(page) -> None:
    """Run the page; when DuckDB gives up on the database while it runs, reopen the database and
    run the page once more (``st.navigation(pages)`` is such a page)."""
    try:
        page.run()
    except (DatabaseInvalidated, duckdb.FatalException, duckdb.ConnectionException) as exc:
        if isinstance(exc, duckdb.ConnectionException) and "closed" not in str(exc).lower():
            raise
        if st.session_state.get("_database_reopened"):
            st.session_state["_database_reopened"] = False
            raise
        reopen_if_invalidated()
        st.session_state["_database_reopened"] = True
        st.rerun()
    st.session_state["_database_reopened"] = False


def fragment_rerun() -> bool:
    """True when Streamlit runs only fragments this time (a widget inside one was used): a
    fragment that saw a change the rest of the page shows then asks for the whole page."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    return bool(ctx is not None and ctx.fragment_ids_this_run)


def language() -> str:
    if "lang" not in st.session_state:
        st.session_state["lang"] = language_from_locale(st.context.locale)
    lang = st.session_state["lang"]
    return lang if lang in LANGUAGES else LANGUAGES[0]


def t(key: str, **values: object) -> str:
    """The text for key in the user's language."""
    return translate(language(), key, **values)


def tn(key: str, count: int | float, **values: object) -> str:
    """A counted text ("1 åbent problem", "3 open problems"): key.one / key.other in the catalogue."""
    return translate_plural(language(), key, count, **values)


def database_error_text(exc: Exception) -> str:
    """A storage-core error in the user's language: its own sentence when the catalogue has its
    code (write conflict, full disk, reopened database), else the general one with its words."""
    key = f"app.{getattr(exc, 'code', '')}"
    if key in catalogue(language()) and key != "app.database_error":
        try:
            return t(key)
        except (KeyError, IndexError):
            pass  # a sentence that needs values (a path) this caller does not have
    return t("app.database_error", error=str(exc))
