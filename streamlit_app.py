"""The app's entry point: language, database, navigation.

Run with `streamlit run streamlit_app.py`, or `streamlit run streamlit_app.py -- --db FILE` for a database of
your own (precedence: --db, then PDSA_DB, then data/pdsa.duckdb).
"""

import streamlit as st

from pdsa.core.db import DatabaseError, DatabaseLocked
from pdsa.i18n import LANGUAGES
from ui.auth import sign_in_page, sign_out, signed_in_actor
from ui.state import cursor, language, run_page, t

st.set_page_config(page_title="PDSA", page_icon="📈", layout="wide")

with st.sidebar:
    language()  # sets the default from the browser's locale before the widget reads it
    st.radio(
        t("app.language"),
        options=list(LANGUAGES),
        format_func=lambda code: t(f"language.{code}"),
        key="lang",
        horizontal=True,
    )

# The database: --db after "--" on the command line, else PDSA_DB, else data/pdsa.duckdb. Taking
# the cursor opens it (loading the demo into a new default database) and reopens one DuckDB gave
# up on; a database that cannot be used is explained in one sentence instead of a page.
try:
    cursor()
except DatabaseLocked as exc:
    st.error(t("app.database_locked", path=str(exc.path)))
    st.stop()
except DatabaseError as exc:
    st.error(t("app.database_error", error=str(exc)))
    st.stop()

pages = {
    t("nav.section_overview"): [
        st.Page("views/home.py", title=t("home.title"), icon=":material/home:", default=True, url_path="home"),
        st.Page("views/overview.py", title=t("overview.title"), icon=":material/dashboard:", url_path="overview"),
        st.Page("views/themes.py", title=t("themes.title"), icon=":material/target:", url_path="themes"),
    ],
    t("nav.section_improvement"): [
        st.Page("views/pathways.py", title=t("pathways.title"), icon=":material/route:", url_path="pathways"),
        st.Page("views/problems.py", title=t("problem_forms.title"), icon=":material/report:", url_path="problems"),
        st.Page("views/projects.py", title=t("projects.title"), icon=":material/flag:", url_path="projects"),
        st.Page("views/summary.py", title=t("summary.title"), icon=":material/summarize:", url_path="summary"),
        st.Page("views/history.py", title=t("history.title"), icon=":material/history:", url_path="history"),
    ],
}

# Everyone signs in; someone who is not signed in sees the sign-in page and nothing else. The
# navigation is still declared (hidden), so the address of a deep link survives signing in.
actor = signed_in_actor()
if actor is not None and "administrator" in actor.roles:
    pages[t("nav.section_admin")] = [
        st.Page("views/admin.py", title=t("admin.title"), icon=":material/admin_panel_settings:", url_path="admin"),
    ]
navigation = st.navigation(pages, position="sidebar" if actor else "hidden")
if actor is None:
    sign_in_page()
    st.stop()
with st.sidebar:
    st.text(t("app.signed_in_as", name=actor.name))
    st.caption(", ".join(t(f"user_role.{role}") for role in sorted(actor.roles)) or t("app.no_role"))
    st.button(t("app.sign_out"), on_click=sign_out, key="sign-out")

run_page(navigation)  # reopens a database DuckDB gave up on, and reruns once
