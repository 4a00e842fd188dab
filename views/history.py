"""A project's or a theme's history in plain language, newest first; for administrators, the
whole change log as CSV.

Deep links: ``?project=ID`` tells that project's history, ``?theme=ID`` that theme's (for those
who read themes: everyone who reads every project — a patient representative reads only their
own projects, so not the themes that gather many)."""

from datetime import date

import streamlit as st

from actions import can
from pdsa.history import (
    Formatters,
    audit_csv,
    project_history,
    reference_names,
    sentence,
    theme_history,
)
from pdsa.store.portfolio import project_refs
from pdsa.store.themes import list_themes
from ui.actor import current_actor
from ui.choice import choose, linked_id
from ui.format import fmt_date, fmt_datetime, fmt_number, fmt_percent, fmt_period
from ui.plain import plain
from ui.state import cursor, database, t
from ui.visibility import reads_everything, visible_projects

PAGE_SIZE = 50
FORMATTERS = Formatters(number=fmt_number, percent=fmt_percent, date=fmt_date, period=fmt_period)
_KIND = "history-kind"            # the radio: a project's or a theme's history
_ADDRESS = "history-address"      # the (project, theme) ids the address held at the end of the last run


def _plain(text: str) -> str:
    return plain(text, one_line=True)


def _tell(history, owner_id: int, shown_key: str, no_events: str) -> None:
    """The newest lines of a history (project_history or theme_history), with "Show more"."""
    shown = st.session_state.get(shown_key, PAGE_SIZE)
    entries, more = history(cur, owner_id, limit=shown)
    names = reference_names(cur, entries)
    lines = [(entry, sentence(entry, t, FORMATTERS, names, escape=_plain)) for entry in entries]
    lines = [(entry, told) for entry, told in lines if told]
    if not lines:
        st.info(no_events)
    else:
        st.caption(t("history.shown", n=len(lines)))
        st.markdown("\n".join(f"- **{fmt_datetime(entry.happened_at)}** · {told}" for entry, told in lines))
    if more:
        def _show_more(key: str = shown_key, now: int = shown) -> None:
            st.session_state[key] = now + PAGE_SIZE

        st.button(t("history.show_more"), key="history_more", on_click=_show_more)


def _choose_kind(project_ids: set[int], theme_ids: set[int]) -> str:
    """Project or theme. A link that names a theme (``?theme=ID``) or a project opens that kind;
    otherwise the reader's last choice holds (also after a visit to another page)."""
    address = (linked_id("project"), linked_id("theme"))
    if address != st.session_state.get(_ADDRESS):  # a link was opened or typed, not written by this page
        if address[1] in theme_ids:
            st.session_state[_KIND] = "theme"
        elif address[0] in project_ids:
            st.session_state[_KIND] = "project"
    if _KIND not in st.session_state and st.session_state.get(f"{_KIND}-remembered") in ("project", "theme"):
        st.session_state[_KIND] = st.session_state[f"{_KIND}-remembered"]
    labels = {"project": t("history_page.kind_project"), "theme": t("history_page.kind_theme")}
    kind = st.radio(t("history_page.kind"), list(labels), format_func=labels.__getitem__, key=_KIND, horizontal=True)
    st.session_state[f"{_KIND}-remembered"] = kind
    return kind


def _forget_in_address(param: str) -> None:
    if param in st.query_params:
        del st.query_params[param]


def _project_history(projects) -> None:
    if not projects:
        st.info(t("history_page.empty"))
        if actor is not None and can(actor, "create_project"):
            st.page_link("views/projects.py", label=t("history_page.to_projects"), icon=":material/flag:")
        return
    project_id = choose(t("history.choose"), {p.id: p.title for p in projects}, key="project", param="project")
    _tell(project_history, project_id, f"history_shown_{project_id}", t("history.no_events"))


def _theme_history(themes) -> None:
    if not themes:
        leader = actor is not None and can(actor, "create_theme")
        st.info(t("history_page.no_themes_leader" if leader else "history_page.no_themes"))
        st.page_link("views/themes.py", label=t("history_page.to_themes"), icon=":material/target:")
        return
    names = {th.id: t("history_page.archived_theme", name=th.name) if th.archived else th.name for th in themes}
    theme_id = choose(t("history_page.choose_theme"), names, key="theme", param="theme")
    _tell(theme_history, theme_id, f"history_shown_theme_{theme_id}", t("history_page.no_theme_events"))


st.title(t("history.title"))

cur = cursor()
actor = current_actor()
projects = visible_projects(actor, project_refs(cur))  # ids and titles: only the chosen one is told
if reads_everything(actor):
    # archived themes too: their history tells who archived them
    themes = sorted(list_themes(cur, include_archived=True), key=lambda th: (th.archived, th.name.lower(), th.id))
    kind = _choose_kind({p.id for p in projects}, {th.id for th in themes})
else:
    themes, kind = [], "project"
st.caption(t("history_page.theme_purpose" if kind == "theme" else "history.purpose"))
if kind == "theme":
    _forget_in_address("project")
    _theme_history(themes)
else:
    _forget_in_address("theme")
    _project_history(projects)
st.session_state[_ADDRESS] = (linked_id("project"), linked_id("theme"))

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
