"""One database connection per process and path, a cursor per thread, and the user's language."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import duckdb
import streamlit as st

from pdsa.core.db import connect, is_empty, resolve_db_path
from pdsa.core.fields import contains_cpr
from pdsa.i18n import LANGUAGES, language_from_locale, translate


@dataclass
class Database:
    con: duckdb.DuckDBPyConnection
    path: str
    needs_demo: bool
    lock: threading.Lock = field(default_factory=threading.Lock)
    cursors: threading.local = field(default_factory=threading.local)


@st.cache_resource(show_spinner=False)
def _open(path: str, is_default: bool) -> Database:
    from pathlib import Path

    is_new = not Path(path).exists()
    con = connect(Path(path))
    return Database(con=con, path=path, needs_demo=is_default and is_new)


def database() -> Database:
    location = resolve_db_path()
    db = _open(str(location.path), location.is_default)
    if db.needs_demo:
        _load_demo_once(db)
    return db


def _load_demo_once(db: Database) -> None:
    """A newcomer sees the demo at once: load it into a newly created default database."""
    from pdsa.demo import load_demo

    with db.lock:
        if not db.needs_demo:
            return
        cur = db.con.cursor()
        if is_empty(cur):
            bar = st.progress(0.0, text=t("app.loading_demo"))
            load_demo(cur, progress=lambda fraction, _message: bar.progress(min(fraction, 1.0), text=t("app.loading_demo")))
            bar.empty()
        db.needs_demo = False


def cursor() -> duckdb.DuckDBPyConnection:
    """A cursor for the current thread: DuckDB connections must not be shared across threads."""
    db = database()
    cur = getattr(db.cursors, "cursor", None)
    if cur is None:
        cur = db.con.cursor()
        db.cursors.cursor = cur
    return cur


def language() -> str:
    if "lang" not in st.session_state:
        st.session_state["lang"] = language_from_locale(st.context.locale)
    lang = st.session_state["lang"]
    return lang if lang in LANGUAGES else LANGUAGES[0]


def t(key: str, **values: object) -> str:
    """The text for key in the user's language."""
    return translate(language(), key, **values)


def user_name() -> str:
    """The name the user gave in the sidebar; the audit trail records who changed what.

    Empty when none was given, or when what was typed holds a CPR number."""
    name = (st.session_state.get("user_name") or "").strip()
    return "" if contains_cpr(name) else name
