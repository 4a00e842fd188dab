"""Themes: citizen-centred goals across projects ("80 % af patienterne oplever udskrivelsen som
godt koordineret"). A leader creates a theme, chooses the projects and the projects' measures
that contribute, and defines the theme's own outcome measure and enters its data with the same
form and table a team uses. The page lists the contributing projects with their key measures'
latest signals and charts the theme's own measures.

Deep links: ``?theme=ID`` opens a theme, ``&measure=ID`` puts that measure of the theme's own first.
"""

from __future__ import annotations

import streamlit as st
from pydantic import ValidationError

from actions import (
    NotAllowed,
    StaleEdit,
    archive_measure,
    archive_theme,
    can,
    create_theme,
    restore_measure,
    restore_theme,
    set_theme_contributions,
    update_theme,
)
from actions.permissions import Scope
from pdsa.core.db import DatabaseError
from pdsa.models import Theme
from pdsa.store.measures import data_points_frame, get_measure, list_measures
from pdsa.store.projects import list_projects
from pdsa.store.themes import (
    chosen_contributions,
    contributing_measure_ids,
    contributing_project_ids,
    list_themes,
    measure_names,
    theme_measures,
)
from ui.actor import current_actor
from ui.archive_control import Archivable, archive_outcome, restore_button
from ui.chart_cache import measure_card
from ui.choice import choose, distinct_names, linked_id
from ui.errors import problems, show_field_error
from ui.format import fmt_datetime, label
from ui.measure_form import new_measure_form
from ui.plain import plain
from ui.signals import key_measure, latest_signal, latest_value_text, points_of, signal_words
from ui.state import cursor, database_error_text, fragment_rerun, t
from ui.visibility import reads_everything, visible_projects

_FIELDS = ("name", "goal", "description")
_OUTCOME = "theme-outcome"  # what became of the last change, said at the top on the rerun


def _key(prefix: str, field: str) -> str:
    return f"{prefix}-{field}"


def _problem_text(exc: Exception) -> str:
    if isinstance(exc, NotAllowed):
        return t("app.not_allowed")
    if isinstance(exc, StaleEdit):
        return t("themes.changed_meanwhile", who=plain(exc.changed_by or "?"), when=fmt_datetime(exc.changed_at))
    return database_error_text(exc)


def _wanted(prefix: str, base: dict) -> tuple[Theme | None, dict[str, list[str]]]:
    values = {field: (st.session_state.get(_key(prefix, field)) or "").strip() or None for field in _FIELDS}
    try:
        return Theme.model_validate({**base, **values}), {}
    except ValidationError as exc:
        found: dict[str, list[str]] = {}
        for location, text in problems(exc):
            found.setdefault(location if location in _FIELDS else "name", []).append(text)
        return None, found


def _theme_fields(prefix: str, invalid: dict[str, list[str]]) -> None:
    st.text_input(t("themes.name"), key=_key(prefix, "name"), help=t("themes.name_help"))
    show_field_error("name", invalid.get("name", []), label=t("themes.name"))
    st.text_area(t("themes.goal"), key=_key(prefix, "goal"), height=80, help=t("themes.goal_help"))
    show_field_error("goal", invalid.get("goal", []), label=t("themes.goal"))
    st.text_area(t("themes.description"), key=_key(prefix, "description"), height=80,
                 help=t("themes.description_help"))
    show_field_error("description", invalid.get("description", []), label=t("themes.description"))


# --- a new theme ------------------------------------------------------------------------------

_NEW = "theme-new"


def _create() -> None:
    """on_click of "Create the theme"."""
    state, actor = st.session_state, current_actor()
    theme, invalid = _wanted(_NEW, {})
    if invalid or actor is None:
        state[f"{_NEW}-result"] = ("invalid", invalid) if invalid else ("error", t("app.not_allowed"))
        return
    try:
        saved = create_theme(cursor(), actor, theme)
    except (NotAllowed, DatabaseError) as exc:
        state[f"{_NEW}-result"] = ("error", _problem_text(exc))
        return
    for field in _FIELDS:
        state[_key(_NEW, field)] = ""
    state["theme"] = saved.id  # the new theme is shown
    state[_OUTCOME] = ("success", t("themes.created", name=plain(saved.name, one_line=True)))


def _new_theme_form(actor, *, expanded: bool) -> bool:
    if actor is None or not can(actor, "create_theme"):
        return False
    result = st.session_state.pop(f"{_NEW}-result", None)
    invalid = result[1] if result and result[0] == "invalid" else {}
    with st.expander(t("themes.new_heading"), icon=":material/add:", expanded=expanded or result is not None):
        st.caption(t("themes.new_purpose"))
        with st.form(_NEW, border=False):
            _theme_fields(_NEW, invalid)
            st.form_submit_button(t("themes.create"), type="primary", on_click=_create)
            if result and result[0] == "error":
                st.error(result[1])
    return True


# --- editing, archiving, restoring -----------------------------------------------------------

def _edit_prefix(theme: Theme) -> str:
    return f"theme-edit-{theme.id}"


def _fill(theme: Theme) -> None:
    prefix = _edit_prefix(theme)
    for field in _FIELDS:
        st.session_state[_key(prefix, field)] = getattr(theme, field) or ""
    st.session_state[f"{prefix}-version"] = theme.version


def _save_edit(theme: Theme) -> None:
    prefix, state, actor = _edit_prefix(theme), st.session_state, current_actor()
    wanted, invalid = _wanted(prefix, {"id": theme.id, "created_by": theme.created_by,
                                       "version": state.get(f"{prefix}-version", theme.version)})
    if invalid or actor is None:
        state[f"{prefix}-result"] = ("invalid", invalid) if invalid else ("error", t("app.not_allowed"))
        return
    try:
        saved = update_theme(cursor(), actor, wanted)
    except StaleEdit as exc:
        state[f"{prefix}-version"] = exc.current_version  # a second Save saves over theirs
        state[f"{prefix}-result"] = ("error", _problem_text(exc))
        return
    except (NotAllowed, DatabaseError) as exc:
        state[f"{prefix}-result"] = ("error", _problem_text(exc))
        return
    state[f"{prefix}-version"] = saved.version
    state[f"{prefix}-result"] = ("saved", t("themes.saved", name=plain(saved.name, one_line=True)))


def _edit_form(actor, theme: Theme) -> None:
    if actor is None or not can(actor, "update_theme", Scope(theme_id=theme.id)):
        return
    prefix, state = _edit_prefix(theme), st.session_state
    shown = state.get(f"{prefix}-version")
    result = state.pop(f"{prefix}-result", None)
    if shown is None or any(_key(prefix, f) not in state for f in _FIELDS) or (shown < theme.version and result is None):
        _fill(theme)
    invalid = result[1] if result and result[0] == "invalid" else {}
    with st.expander(t("themes.edit_heading"), icon=":material/edit:", expanded=result is not None):
        with st.form(prefix, border=False):
            _theme_fields(prefix, invalid)
            st.form_submit_button(t("themes.save"), type="primary", on_click=_save_edit, args=(theme,))
            if result and result[0] == "error":
                st.error(result[1])
            if result and result[0] == "saved":
                st.success(result[1])


def _set_archived(theme: Theme, archived: bool) -> None:
    st.session_state.pop(f"theme-archive-ask-{theme.id}", None)
    actor, name = current_actor(), plain(theme.name, one_line=True)
    try:
        if actor is None:
            raise NotAllowed(actor, "archive_theme")
        (archive_theme if archived else restore_theme)(cursor(), actor, theme.id, expected_version=theme.version)
    except (NotAllowed, StaleEdit, DatabaseError) as exc:
        st.session_state[_OUTCOME] = ("error", _problem_text(exc))
        return
    st.session_state[_OUTCOME] = ("success", t("themes.archived" if archived else "themes.restored", name=name))


def _ask(theme_id: int, value: bool) -> None:
    st.session_state[f"theme-archive-ask-{theme_id}"] = value


def _archive_control(actor, theme: Theme) -> None:
    """A quiet Archive button; it asks first."""
    if actor is None or not can(actor, "archive_theme", Scope(theme_id=theme.id)):
        return
    if not st.session_state.get(f"theme-archive-ask-{theme.id}"):
        st.button(t("themes.archive"), key=f"theme-archive-{theme.id}", type="tertiary", icon=":material/archive:",
                  on_click=_ask, args=(theme.id, True))
        return
    st.warning(t("themes.archive_question", name=plain(theme.name, one_line=True)))
    row = st.container(horizontal=True)
    row.button(t("themes.archive_yes"), key=f"theme-archive-yes-{theme.id}", type="primary",
               on_click=_set_archived, args=(theme, True))
    row.button(t("themes.archive_no"), key=f"theme-archive-no-{theme.id}", on_click=_ask, args=(theme.id, False))


def _archived_themes(actor, archived: list[Theme]) -> None:
    if not archived or actor is None or not can(actor, "restore_theme", Scope(theme_id=archived[0].id)):
        return
    with st.expander(t("themes.archived_heading", n=len(archived))):
        st.caption(t("themes.archived_purpose"))
        for theme in archived:
            row = st.container(horizontal=True, vertical_alignment="center")
            row.markdown(f"**{plain(theme.name, one_line=True)}**")
            row.button(t("themes.restore"), key=f"theme-restore-{theme.id}", icon=":material/unarchive:",
                       on_click=_set_archived, args=(theme, False))


# --- what contributes -------------------------------------------------------------------------
# The choice lives in session_state until it is saved: the projects (a multiselect) and the
# single measures (a list with a Remove button each, added by first picking a project and then
# among that project's measures). Only the chosen measures and the picked project's are read,
# never all the measures of the region. Keys: theme-links-{theme id}-…

def _links(theme_id: int) -> str:
    return f"theme-links-{theme_id}"


def _fill_contributions(cur, theme: Theme, project_ids: set[int], contributing: list[int]) -> None:
    """The choice as stored (the projects the reader may see, the live measures of those)."""
    prefix, state = _links(theme.id), st.session_state
    stored = measure_names(cur, list(chosen_contributions(cur, theme.id).measure_ids))
    projects = [p for p in contributing if p in project_ids]
    measures = [m for m, (project_id, _) in sorted(stored.items(), key=lambda item: (item[1][0], item[0]))
                if project_id in project_ids]
    state[f"{prefix}-projects"] = projects
    state[f"{prefix}-measures"] = measures
    state[f"{prefix}-base"] = (sorted(projects), sorted(measures))
    state[f"{prefix}-version"] = theme.version


def _unsaved(prefix: str) -> bool:
    state = st.session_state
    now = (sorted(state.get(f"{prefix}-projects", [])), sorted(state.get(f"{prefix}-measures", [])))
    return now != state.get(f"{prefix}-base")


def _clear_pick(prefix: str) -> None:
    """on_change of the project picker: the measures picked from the last project are let go."""
    st.session_state[f"{prefix}-pick-measures"] = []


def _add_measures(prefix: str) -> None:
    """on_click of "Add": the picked measures join the chosen ones (not saved yet)."""
    state = st.session_state
    chosen = list(state.get(f"{prefix}-measures", []))
    chosen += [m for m in state.get(f"{prefix}-pick-measures", []) if m not in chosen]
    state[f"{prefix}-measures"] = chosen
    state[f"{prefix}-pick-measures"] = []


def _remove_measure(prefix: str, measure_id: int) -> None:
    state = st.session_state
    state[f"{prefix}-measures"] = [m for m in state.get(f"{prefix}-measures", []) if m != measure_id]


def _save_contributions(theme: Theme) -> None:
    """on_click of "Save the choice": both lists through one action, on the version the choice
    was made from; a stale edit says who saved first and keeps the choice (a second Save saves
    over theirs)."""
    prefix, state, actor = _links(theme.id), st.session_state, current_actor()
    projects, measures = list(state.get(f"{prefix}-projects", [])), list(state.get(f"{prefix}-measures", []))
    try:
        if actor is None:
            raise NotAllowed(actor, "set_theme_contributions")
        saved = set_theme_contributions(cursor(), actor, theme.id, project_ids=projects, measure_ids=measures,
                                        expected_version=state.get(f"{prefix}-version", theme.version))
    except StaleEdit as exc:
        state[f"{prefix}-version"] = exc.current_version
        state[f"{prefix}-result"] = ("error", _problem_text(exc))
        return
    except (NotAllowed, DatabaseError) as exc:
        state[f"{prefix}-result"] = ("error", _problem_text(exc))
        return
    except (LookupError, ValueError):
        state[f"{prefix}-result"] = ("error", t("themes.links_gone"))
        state.pop(f"{prefix}-version", None)  # filled again from what is stored
        return
    state[f"{prefix}-version"] = saved.version
    state[f"{prefix}-base"] = (sorted(projects), sorted(measures))
    state[f"{prefix}-pick-project"] = None  # the next measure is added from a fresh start
    state[f"{prefix}-pick-measures"] = []
    state[f"{prefix}-result"] = ("saved", t("themes.links_saved", name=plain(saved.name, one_line=True)))


def _contributions_form(actor, theme: Theme, projects, contributing: list[int]) -> None:
    """Choose the projects and measures that contribute (leaders)."""
    if actor is None or not can(actor, "set_theme_contributions", Scope(theme_id=theme.id)):
        return
    _contributions_part(theme, projects, contributing)


@st.fragment
def _contributions_part(theme: Theme, projects, contributing: list[int]) -> None:
    """A fragment: picking a project, adding or removing a measure redraws this part only; a
    save redraws the page (its lists of what contributes)."""
    prefix, state, cur = _links(theme.id), st.session_state, cursor()
    if fragment_rerun() and (state.get(f"{prefix}-result") or ("",))[0] == "saved":
        st.rerun(scope="app")
    result = state.pop(f"{prefix}-result", None)
    if result is not None and result[0] == "saved":
        st.success(result[1])
    project_names = distinct_names({p.id: p.title for p in projects})
    keys = (f"{prefix}-projects", f"{prefix}-measures", f"{prefix}-base", f"{prefix}-version")
    if any(key not in state for key in keys) or (
            state[f"{prefix}-version"] != theme.version and not _unsaved(prefix)):  # someone saved since
        _fill_contributions(cur, theme, set(project_names), contributing)
    if any(p not in project_names for p in state[f"{prefix}-projects"]):
        state[f"{prefix}-projects"] = [p for p in state[f"{prefix}-projects"] if p in project_names]
    names = measure_names(cur, state[f"{prefix}-measures"])
    chosen = [m for m in state[f"{prefix}-measures"] if m in names and names[m][0] in project_names]
    state[f"{prefix}-measures"] = chosen

    with st.expander(t("themes.links_heading"), icon=":material/link:",
                     expanded=result is not None or not contributing or _unsaved(prefix)):
        st.caption(t("themes.links_purpose"))
        st.multiselect(t("themes.links_projects"), list(project_names), format_func=project_names.__getitem__,
                       key=f"{prefix}-projects", placeholder=t("themes.links_none"))

        st.markdown(f"**{t('themes.links_measures')}**")
        st.caption(t("themes.links_measures_help"))
        if not chosen:
            st.caption(t("themes.links_no_measures"))
        for measure_id in chosen:
            project_id, name = names[measure_id]
            row = st.container(horizontal=True, vertical_alignment="center")
            row.markdown(f"{plain(project_names[project_id], one_line=True)} · **{plain(name, one_line=True)}**")
            row.button(t("themes.links_remove"), key=f"{prefix}-remove-{measure_id}", icon=":material/close:",
                       type="tertiary", on_click=_remove_measure, args=(prefix, measure_id),
                       help=t("themes.links_remove_help"))

        with st.container(border=True):
            st.markdown(f"**{t('themes.links_add_heading')}**")
            picked = st.selectbox(t("themes.links_pick_project"), list(project_names),
                                  format_func=project_names.__getitem__, index=None, key=f"{prefix}-pick-project",
                                  placeholder=t("themes.links_pick_project_placeholder"),
                                  on_change=_clear_pick, args=(prefix,))
            if picked is not None:
                offered = {m.id: m.name for m in list_measures(cur, project_id=picked) if m.id not in chosen}
                picks = f"{prefix}-pick-measures"
                if any(m not in offered for m in state.get(picks, [])):
                    state[picks] = [m for m in state[picks] if m in offered]
                if not offered:
                    st.caption(t("themes.links_pick_none_left"))
                else:
                    st.multiselect(t("themes.links_pick_measures"), list(offered), format_func=offered.__getitem__,
                                   key=picks, placeholder=t("themes.links_pick_measures_placeholder"))
                    st.button(t("themes.links_add"), key=f"{prefix}-add", icon=":material/add:",
                              on_click=_add_measures, args=(prefix,))

        st.button(t("themes.links_save"), key=f"{prefix}-save", type="primary", on_click=_save_contributions,
                  args=(theme,))
        if _unsaved(prefix):
            st.caption(t("themes.links_unsaved"))
        if result is not None and result[0] == "error":
            st.error(result[1])


def _measure_line(measure, frame) -> str:
    signal = latest_signal(measure, points_of(frame, measure.id))
    value = latest_value_text(measure, signal)
    return f"{signal_words(signal)}" + (f" · {value}" if value else "")


def _contributing_projects(cur, theme: Theme, projects, contributing: list[int]) -> None:
    by_id = {p.id: p for p in projects}
    shown = [by_id[p] for p in contributing if p in by_id]
    chosen_measures = set(contributing_measure_ids(cur, theme.id))
    # only the contributing projects' measures and the chosen ones are read (not the whole region's)
    measures = [m for p in contributing if p in by_id for m in list_measures(cur, project_id=p)]
    measures += [get_measure(cur, m) for m in sorted(chosen_measures - {x.id for x in measures})]
    measures = [m for m in measures if m.project_id in by_id]
    keys = [key_measure([m for m in measures if m.project_id == p]) for p in contributing if p in by_id]
    key_ids = {m.id for m in keys if m is not None}
    frame = data_points_frame(cur, sorted(key_ids | chosen_measures) or [-1])
    st.markdown(f"### {t('themes.projects_heading')}")
    if not shown:
        st.info(t("themes.no_projects"))
    for project in shown:
        with st.container(border=True, key=f"theme-project-{project.id}"):
            st.page_link("views/projects.py", label=f"**{plain(project.title, one_line=True)}**",
                         query_params={"project": project.id}, icon=":material/flag:")
            st.caption(f"{label('project_status', project.status)} · {t('themes.aim')}: "
                       f"{plain(project.aim_what, one_line=True)} {plain(project.aim_how_much, one_line=True)}")
            own = [m for m in measures if m.project_id == project.id and (m.id in key_ids or m.id in chosen_measures)]
            if not own:
                st.markdown(t("themes.no_key_measure"))
            for measure in own:
                badge = t("themes.key_measure") if measure.id in key_ids else t("themes.chosen_measure")
                row = st.container(horizontal=True, vertical_alignment="center")
                row.markdown(f"{badge}: **{plain(measure.name, one_line=True)}** — {_measure_line(measure, frame)}")
                row.page_link("views/projects.py", label=t("themes.open_chart"), icon=":material/show_chart:",
                              query_params={"project": project.id, "measure": measure.id})
            st.page_link("views/summary.py", label=t("themes.open_summary"), icon=":material/summarize:",
                         query_params={"project": project.id})
    others = [m for m in measures if m.id in chosen_measures and m.project_id not in contributing]
    if others:
        st.markdown(f"#### {t('themes.other_measures_heading')}")
        for measure in others:
            row = st.container(horizontal=True, vertical_alignment="center")
            row.markdown(f"**{plain(by_id[measure.project_id].title, one_line=True)} · "
                         f"{plain(measure.name, one_line=True)}** — {_measure_line(measure, frame)}")
            row.page_link("views/projects.py", label=t("themes.open_chart"), icon=":material/show_chart:",
                          query_params={"project": measure.project_id, "measure": measure.id})


# --- the theme's own measures ----------------------------------------------------------------

def _archivable(measure) -> Archivable:
    """A theme's measure for ui/archive_control.py: its outcome is said under the group None
    (a theme measure has no project), where the card's own Archive button says it too."""
    return Archivable(
        kind="measure", item_id=measure.id, version=measure.version, name=measure.name, group=None,
        archive=archive_measure, restore=restore_measure, archive_label="measure_forms.archive_measure",
        question="measure_forms.archive_measure_question", archived_text="measure_forms.measure_archived",
        restored_text="themes.measure_restored")


def _own_measures(cur, actor, theme: Theme) -> None:
    st.markdown(f"### {t('themes.own_measures_heading')}")
    st.caption(t("themes.own_measures_purpose"))
    archive_outcome("measure", None)  # a theme measure archived on its card, or restored below
    measures = theme_measures(cur, theme.id)
    form_shown = new_measure_form(actor, None, expanded=not measures, theme_id=theme.id)
    if not measures:
        st.info(t("themes.no_own_measures_define" if form_shown else "themes.no_own_measures"))
    linked = linked_id("measure")  # ?theme=ID&measure=ID (the portfolio's link): that measure first
    for measure in sorted(measures, key=lambda m: m.id != linked):
        measure_card(measure, [])  # the same card a team's measure has: data table, chart, settings
    archived = theme_measures(cur, theme.id, archived_only=True)
    if archived:
        may = actor is not None and can(actor, "restore_measure", Scope(theme_id=theme.id))
        with st.expander(t("measure_forms.archived_measures", n=len(archived))):
            st.caption(t("measure_forms.archived_measures_purpose"))
            for measure in archived:
                row = st.container(horizontal=True, vertical_alignment="center")
                row.markdown(f"**{plain(measure.name, one_line=True)}** · {label('measure_kind', measure.kind)}")
                restore_button(row, _archivable(measure), may=may)


# --- the page ---------------------------------------------------------------------------------

st.title(t("themes.title"))
st.caption(t("themes.purpose"))

cur = cursor()
actor = current_actor()
outcome = st.session_state.pop(_OUTCOME, None)
if outcome is not None:
    (st.success if outcome[0] == "success" else st.error)(outcome[1])
themes = list_themes(cur)
form_shown = _new_theme_form(actor, expanded=not themes)
_archived_themes(actor, list_themes(cur, archived_only=True))
if not themes:
    st.info(t("themes.empty_create" if form_shown else "themes.empty_ask"))
    st.stop()

by_id = {theme.id: theme for theme in themes}
theme = by_id[choose(t("themes.choose"), {th.id: th.name for th in themes}, key="theme", param="theme")]
projects = visible_projects(actor, list_projects(cur))
contributing = contributing_project_ids(cur, theme.id)

with st.container(border=True):
    st.markdown(f"## {plain(theme.name, one_line=True)}")
    if theme.goal:
        st.markdown(f"**{t('themes.goal')}:** {plain(theme.goal)}")
    else:
        st.caption(t("themes.no_goal"))
    if theme.description:
        st.markdown(plain(theme.description))
    st.caption(t("themes.counts", projects=len([p for p in contributing if p in {x.id for x in projects}]),
                 measures=len(theme_measures(cur, theme.id))))
    if reads_everything(actor):  # the History page tells a theme's history to the same readers
        st.page_link("views/history.py", label=t("themes.open_history"), icon=":material/history:",
                     query_params={"theme": theme.id})
_edit_form(actor, theme)
_archive_control(actor, theme)

_contributions_form(actor, theme, projects, contributing)
_contributing_projects(cur, theme, projects, contributing)
_own_measures(cur, actor, theme)
