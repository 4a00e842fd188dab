"""A project's history in plain language, newest first; for administrators, the whole change log as CSV."""

from datetime import date

import streamlit as st

from actions import can
from pdsa.history import Formatters, audit_csv, project_history, reference_names, sentence
from pdsa.store.projects import list_projects
from ui.actor import current_actor
from ui.choice import choose
from ui.format import fmt_date, fmt_datetime, fmt_number, fmt_percent, fmt_period
from ui.plain import plain
from ui.visibility import visible_projects
from ui.state import cursor, database, t

PAGE_SIZE = 50
FORMATTERS = Formatters(number=fmt_number, percent=fmt_percent, date=fmt_date, period=fmt_period)


def _plain(text: str) -> str:
    return plain(text, one_line=True)


st.title(t("history.title"))
st.caption(t("history.purpose"))

cur = cursor()
actor = current_actor()
projects = visible_projects(actor, list_projects(cur))
if not projects:
    st.info(t("history_page.empty"))
    if actor is not None and can(actor, "create_project"):
        st.page_link("views/projects.py", label=t("history_page.to_projects"), icon=":material/flag:")
else:
    project_id = choose(t("history.choose"), {p.id: p.title for p in projects}, key="project")
    shown_key = f"history_shown_{project_id}"
    shown = st.session_state.get(shown_key, PAGE_SIZE)
    entries, more = project_history(cur, project_id, limit=shown)
    names = reference_names(cur, entries)
    lines = [(entry, sentence(entry, t, FORMATTERS, names, escape=_plain)) for entry in entries]
    lines = [(entry, told) for entry, told in lines if told]
    if not lines:
        st.info(t("history.no_events"))
    else:
        st.caption(t("history.shown", n=len(lines)))
        st.markdown("\n".join(f"- **{fmt_datetime(entry.happened_at)}** · {told}" for entry, told in lines))
    if more:
        def _show_more(key: str = shown_key, now: int = shown) -> None:
            st.session_state[key] = now + PAGE_SIZE

        st.button(t("history.show_more"), key="history_more", on_click=_show_more)

actor = current_actor()
if actor is not None and "administrator" in actor.roles:
    st.divider()
    st.subheader(t("history.export_heading"))
    st.caption(t("history.export_purpose"))
    connection = database().con

    def _whole_trail() -> bytes:
        """Made only when the button is pressed, on a thread of its own with a cursor of its own."""
        export_cursor = connection.cursor()
        try:
            return audit_csv(export_cursor)
        finally:
            export_cursor.close()

    st.download_button(
        t("history.export_button"), data=_whole_trail, file_name=t("history.export_file_name", date=date.today().isoformat()),
        mime="text/csv", key="history_export", on_click="ignore",
    )
