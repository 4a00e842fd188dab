"""The problems of a pathway: registering one, the inbox with its triage table, merging
duplicates, and one problem's page with its links to projects, change ideas and observations.

Every save runs in its button's ``on_click`` (before the page is drawn again), keeps its
outcome in session_state and shows it on the rerun; form and widget keys stay the same for a
pathway or problem, so what the user typed stays in place when a save is refused. A refused
field says so right under the field, and nothing is saved.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from actions import (
    NotAllowed,
    StaleEdit,
    can,
    edit_problem,
    link_observation,
    link_problem_to_change_idea,
    link_problem_to_project,
    merge_problems,
    register_problem,
)
from actions.actor import Actor
from actions.permissions import Scope
from actions.problems import Triage, triage_problems
from pathways.models import PROBLEM_STATUSES, Pathway, Problem
from pathways.problems import merged_into
from pathways.store import get_problem, list_problems
from pdsa.core.audit import list_events
from pdsa.core.db import DatabaseError
from pdsa.history import Formatters, HistoryEvent, reference_names, sentence
from pdsa.models import Observation
from pdsa.store.observations import list_observations
from pdsa.store.projects import list_change_ideas, list_projects
from ui.actor import current_actor
from ui.errors import field_label, reason, show_message
from ui.format import fmt_date, fmt_datetime, fmt_number, fmt_percent, fmt_period, label
from ui.plain import plain
from ui.state import cursor, database_error_text, language, t, tn

# Complaints first: the normal way a problem comes in.
SOURCE_ORDER: tuple[str, ...] = ("complaint", "patient_or_relative", "staff", "incident_report", "audit", "other")
PROBLEM_PARAM = "problem"
NO_STEP = 0  # the step filter's choice for problems not placed on a step
FORMATTERS = Formatters(number=fmt_number, percent=fmt_percent, date=fmt_date, period=fmt_period)


def _one_line(text: object) -> str:
    return plain(text, one_line=True)


# --- outcomes kept for the rerun ----------------------------------------------------------------

def _failure(exc: Exception, stale_text: Callable[[StaleEdit], str] | None = None) -> tuple[str, Any]:
    """An exception from an action as ("invalid", {field: text}) or ("error", text)."""
    if isinstance(exc, ValidationError):
        return "invalid", _field_errors(exc)
    if isinstance(exc, StaleEdit):
        text = stale_text(exc) if stale_text else t(
            "problem_forms.stale", who=_one_line(exc.changed_by or "?"), when=fmt_datetime(exc.changed_at))
        return "error", text
    if isinstance(exc, NotAllowed):
        return "error", t("app.not_allowed")
    if isinstance(exc, DatabaseError):
        return "error", database_error_text(exc)
    if isinstance(exc, (ValueError, LookupError)):
        field, _, why = str(exc).partition(": ")
        return "error", t("problem_forms.not_possible", reason=plain(why or field))
    raise exc


def _field_errors(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or (error.get("ctx") or {}).get("field", "")
        if field == "title" and error["type"] in ("string_too_short", "too_short", "missing"):
            errors[field] = t("problem_forms.title_needed")
        else:
            errors.setdefault(field, reason(error))
    return errors


def _show_outcome(outcome: tuple[str, Any] | None) -> None:
    """A success, or a refusal that is not about one field."""
    if outcome is None:
        return
    kind, message = outcome[0], outcome[1]
    if show_message(kind, message):
        return
    if kind == "invalid":
        loose = {f: m for f, m in message.items() if f not in _FORM_FIELDS}
        if loose:
            st.error(t("app.not_saved") + "\n" + "\n".join(f"- **{field_label(f)}**: {m}" if f else f"- {m}"
                                                        for f, m in loose.items()))


_FORM_FIELDS = ("title", "source", "step_id", "reported_on", "description")


def _field_error(outcome: tuple[str, Any] | None, field: str) -> None:
    """The message about one field, right under it."""
    if outcome is not None and outcome[0] == "invalid" and field in outcome[1]:
        st.error(outcome[1][field], icon=":material/error:")


def _words(group: str, values: tuple[str, ...]) -> dict[str, str]:
    """Coded values in words, made once per run (a widget's format_func must not read the language)."""
    return {value: label(group, value) for value in values}


def _step_names(pathway: Pathway) -> dict[int, str]:
    """"Not sure" first, then the pathway's steps in order."""
    return {NO_STEP: t("problem_forms.no_step"), **{s.id: s.name for s in pathway.steps}}


# --- opening a problem ---------------------------------------------------------------------------

def open_problem(problem_id: int) -> None:
    st.query_params[PROBLEM_PARAM] = str(problem_id)


def close_problem() -> None:
    if PROBLEM_PARAM in st.query_params:
        del st.query_params[PROBLEM_PARAM]


def _open_chosen(key: str) -> None:
    chosen = st.session_state.get(key)
    if chosen is not None:
        open_problem(chosen)


# --- registering ---------------------------------------------------------------------------------

REGISTER_RESULT = "register-problem-result"


def register_keys(pathway_id: int) -> dict[str, str]:
    return {name: f"register-{name}-{pathway_id}" for name in _FORM_FIELDS}


def _register(pathway_id: int) -> None:
    """The Register button's on_click: validate, run the action, keep the outcome."""
    state, keys = st.session_state, register_keys(pathway_id)
    actor = current_actor()
    if actor is None:
        state[REGISTER_RESULT] = ("error", t("app.not_allowed"))
        return
    step = state.get(keys["step_id"])
    try:
        problem = Problem.model_validate({
            "title": state.get(keys["title"]) or "",
            "description": state.get(keys["description"]),
            "pathway_id": pathway_id,
            "step_id": step or None,
            "source": state.get(keys["source"]) or "complaint",
            "reported_on": state.get(keys["reported_on"]) or date.today(),
        })
        saved = register_problem(cursor(), actor, problem)
    except ValueError as exc:
        if not isinstance(exc, ValidationError) and str(exc).startswith("step_id:"):
            state[REGISTER_RESULT] = ("invalid", {"step_id": t("problem_forms.step_not_in_pathway")})
        else:
            state[REGISTER_RESULT] = _failure(exc)
        return
    except Exception as exc:  # noqa: BLE001 (NotAllowed, StaleEdit, DatabaseError are told; others raise)
        state[REGISTER_RESULT] = _failure(exc)
        return
    state[keys["title"]] = ""
    state[keys["description"]] = ""
    state[REGISTER_RESULT] = ("saved", t("problem_forms.registered", title=_one_line(saved.title)), saved.id)


def register_form(actor: Actor | None, pathway: Pathway) -> None:
    """Title, where it comes from (a complaint unless told otherwise), and optionally the step,
    the date and what happened. Shown to those who may register problems on the pathway."""
    if actor is None or not can(actor, "register_problem", Scope(pathway_id=pathway.id)):
        return
    keys = register_keys(pathway.id)
    outcome = st.session_state.pop(REGISTER_RESULT, None)
    with st.container(border=True):
        st.subheader(t("problem_forms.register_heading"), anchor="register")
        st.info(t("problem_forms.complaints_gold"), icon=":material/campaign:")
        with st.form(f"register-problem-{pathway.id}", border=False, enter_to_submit=False):
            st.radio(t("problem_forms.source_label"), SOURCE_ORDER, format_func=_words("source", SOURCE_ORDER).__getitem__,
                     horizontal=True, key=keys["source"])
            _field_error(outcome, "source")
            st.text_input(t("problem_forms.title_label"), key=keys["title"], max_chars=200,
                          placeholder=t("problem_forms.title_placeholder"))
            _field_error(outcome, "title")
            left, right = st.columns(2)
            with left:
                steps = _step_names(pathway)
                st.selectbox(t("problem_forms.step_label"), list(steps), format_func=steps.__getitem__,
                             key=keys["step_id"])
                _field_error(outcome, "step_id")
            with right:
                if keys["reported_on"] not in st.session_state:
                    st.session_state[keys["reported_on"]] = date.today()
                st.date_input(t("problem_forms.date_label"), key=keys["reported_on"], max_value=date.today(),
                              format="DD-MM-YYYY" if language() == "da" else "YYYY-MM-DD")
                _field_error(outcome, "reported_on")
            st.text_area(t("problem_forms.description_label"), key=keys["description"],
                         placeholder=t("problem_forms.description_placeholder"))
            _field_error(outcome, "description")
            st.form_submit_button(t("problem_forms.register_button"), type="primary", icon=":material/send:",
                                  on_click=_register, args=(pathway.id,))
        _show_outcome(outcome)
        if outcome is not None and outcome[0] == "saved":
            st.button(t("problem_forms.open_new"), key=f"open-new-{outcome[2]}", on_click=open_problem,
                      args=(outcome[2],))


# --- the inbox -------------------------------------------------------------------------------------

def filter_problems(problems: list[Problem], pathway: Pathway) -> list[Problem]:
    """Filters by status, source and step (nothing chosen: all)."""
    steps = {s.id: s.name for s in pathway.steps}
    status_col, source_col, step_col = st.columns(3)
    statuses = status_col.multiselect(
        t("problem_forms.filter_status"), PROBLEM_STATUSES, format_func=_words("problem_status", PROBLEM_STATUSES).__getitem__,
        key=f"filter-status-{pathway.id}", placeholder=t("problem_forms.filter_all"))
    sources = source_col.multiselect(
        t("problem_forms.filter_source"), SOURCE_ORDER, format_func=_words("source", SOURCE_ORDER).__getitem__,
        key=f"filter-source-{pathway.id}", placeholder=t("problem_forms.filter_all"))
    chosen_steps = step_col.multiselect(
        t("problem_forms.filter_step"), [*steps, NO_STEP],
        format_func=_step_names(pathway).__getitem__,
        key=f"filter-step-{pathway.id}", placeholder=t("problem_forms.filter_all"))
    return [p for p in problems
            if (not statuses or p.status in statuses) and (not sources or p.source in sources)
            and (not chosen_steps or (p.step_id or NO_STEP) in chosen_steps)]


TRIAGE_RESULT = "triage-result"
TRIAGE_KEY = "problem-triage-editor-key"  # the editor's current key (its data changes with every save)


def _columns() -> dict[str, str]:
    """Column name (as shown) per field."""
    return {"title": t("problems.title"), "source": t("problems.source"), "step": t("problems.step"),
            "reported_on": t("problems.reported_on"), "status": t("problems.status"),
            "impact": t("problems.impact"), "effort": t("problems.effort"), "projects": t("problems.projects")}


def _score(value: Any) -> int | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    return int(value)


def _save_triage(key: str, shown: tuple[tuple[int, int, str, int | None, int | None, str], ...]) -> None:
    """The Save button's on_click: every changed row is triaged, all in one transaction."""
    state, columns = st.session_state, _columns()
    statuses = {label("problem_status", s): s for s in PROBLEM_STATUSES}
    edits = (state.get(key) or {}).get("edited_rows", {})
    rows: list[Triage] = []
    titles: dict[int, str] = {}
    for position, change in edits.items():
        problem_id, version, status, impact, effort, title = shown[int(position)]
        titles[problem_id] = title
        new_status = statuses.get(change.get(columns["status"]), status) if columns["status"] in change else status
        new_impact = _score(change[columns["impact"]]) if columns["impact"] in change else impact
        new_effort = _score(change[columns["effort"]]) if columns["effort"] in change else effort
        if status == "new" and columns["status"] not in change and None not in (new_impact, new_effort):
            new_status = "triaged"  # given an impact and an effort, a new problem has been triaged
        if (new_status, new_impact, new_effort) != (status, impact, effort):
            rows.append(Triage(problem_id, new_status, new_impact, new_effort, version))
    if not rows:
        state[TRIAGE_RESULT] = ("info", t("problem_forms.triage_nothing"))
        return
    actor = current_actor()
    try:
        if actor is None:
            raise NotAllowed(Actor(None, "?"), "triage_problem")
        triage_problems(cursor(), actor, rows)
    except Exception as exc:  # noqa: BLE001 (told in words; anything else raises in _failure)
        state[TRIAGE_RESULT] = _failure(exc, lambda stale: t(
            "problem_forms.triage_stale", title=_one_line(titles.get(stale.entity_id, "?")),
            who=_one_line(stale.changed_by or "?"), when=fmt_datetime(stale.changed_at)))
        return
    round_key = f"{key.rsplit('-', 2)[0]}-round"
    state[round_key] = state.get(round_key, 0) + 1  # a fresh editor over the saved values
    state[TRIAGE_RESULT] = ("saved", tn("problem_forms.triaged", len(rows)))


def triage_table(actor: Actor | None, pathway: Pathway, problems: list[Problem]) -> None:
    """The problems as a table; those who may triage edit status, impact and effort in it."""
    columns = _columns()
    steps = {s.id: s.name for s in pathway.steps}
    projects = {p.id: p.title for p in list_projects(cursor())}
    frame = pd.DataFrame({
        columns["title"]: [p.title for p in problems],
        columns["status"]: [label("problem_status", p.status) for p in problems],
        columns["impact"]: pd.array([p.impact for p in problems], dtype="Int64"),
        columns["effort"]: pd.array([p.effort for p in problems], dtype="Int64"),
        columns["source"]: [label("source", p.source) for p in problems],
        columns["step"]: [steps.get(p.step_id, "–") for p in problems],
        columns["reported_on"]: [fmt_date(p.reported_on) for p in problems],
        columns["projects"]: [", ".join(projects.get(i, "–") for i in p.project_ids) or "–" for p in problems],
    })
    outcome = st.session_state.pop(TRIAGE_RESULT, None)
    if actor is None or not can(actor, "triage_problem", Scope(pathway_id=pathway.id)):
        st.dataframe(frame, hide_index=True, width="stretch")
        return
    shown = tuple((p.id, p.version, p.status, p.impact, p.effort, p.title) for p in problems)
    digest = hashlib.sha1(",".join(str(p.id) for p in problems).encode()).hexdigest()[:8]
    base = f"triage-{pathway.id}"
    key = f"{base}-{st.session_state.get(f'{base}-round', 0)}-{digest}"
    st.session_state[TRIAGE_KEY] = key
    scores = list(range(1, 6))
    st.data_editor(
        frame, key=key, hide_index=True, width="stretch", num_rows="fixed",
        disabled=[columns[c] for c in ("title", "source", "step", "reported_on", "projects")],
        column_config={
            columns["title"]: st.column_config.TextColumn(pinned=True),
            columns["status"]: st.column_config.SelectboxColumn(
                options=[label("problem_status", s) for s in PROBLEM_STATUSES], required=True),
            columns["impact"]: st.column_config.SelectboxColumn(options=scores, help=t("problem_forms.impact_help")),
            columns["effort"]: st.column_config.SelectboxColumn(options=scores, help=t("problem_forms.effort_help")),
        },
    )
    st.caption(t("problem_forms.triage_hint"))
    st.button(t("problem_forms.save_triage"), type="primary", key=f"save-{base}", on_click=_save_triage,
              args=(key, shown), icon=":material/save:")
    _show_outcome(outcome)


def open_picker(pathway: Pathway, problems: list[Problem]) -> None:
    """Choose a problem and open its page."""
    key = f"open-pick-{pathway.id}"
    names = {p.id: p.title for p in problems}
    if st.session_state.get(key) not in names:
        st.session_state.pop(key, None)
    left, right = st.columns([4, 1], vertical_alignment="bottom")
    left.selectbox(t("problem_forms.open_label"), list(names), format_func=names.__getitem__, key=key)
    right.button(t("problem_forms.open_button"), key=f"open-{pathway.id}", on_click=_open_chosen, args=(key,),
                 icon=":material/open_in_new:")


def project_from_problems(actor: Actor | None, pathway: Pathway, problems: list[Problem]) -> None:
    """Choose one or more problems and start a new project from them on the Projects page
    (``?new_from_problem=3,4`` opens its form filled in and links them when it is saved)."""
    if actor is None or not can(actor, "create_project") or not problems:
        return
    names = {p.id: p.title for p in problems}
    key = f"project-from-{pathway.id}"
    st.session_state[key] = [i for i in st.session_state.get(key, []) if i in names]
    chosen = st.multiselect(t("problem_forms.project_from_label"), list(names), format_func=names.__getitem__,
                            key=key, placeholder=t("problem_forms.project_from_placeholder"))
    if chosen:
        st.page_link("views/projects.py", label=tn("problem_forms.project_from_link", len(chosen)),
                     icon=":material/add_circle:", query_params={"new_from_problem": ",".join(map(str, chosen))})


# --- merging two duplicates -------------------------------------------------------------------------

MERGE_RESULT = "merge-result"


def _merge(pathway_id: int, keep: tuple[int, int, str], duplicate: tuple[int, int, str]) -> None:
    state = st.session_state
    state.pop(f"merge-asking-{pathway_id}", None)
    actor = current_actor()
    try:
        if actor is None:
            raise NotAllowed(Actor(None, "?"), "merge_problems")
        merge_problems(cursor(), actor, keep[0], duplicate[0], keep_version=keep[1], duplicate_version=duplicate[1])
    except Exception as exc:  # noqa: BLE001
        state[MERGE_RESULT] = _failure(exc)
        return
    state[MERGE_RESULT] = ("saved", t("problem_forms.merged", duplicate=_one_line(duplicate[2]),
                                      keep=_one_line(keep[2])))


def merge_section(actor: Actor | None, pathway: Pathway, problems: list[Problem]) -> None:
    """Choose the problem to keep and its duplicate; asks before it merges."""
    if actor is None or not can(actor, "merge_problems", Scope(pathway_id=pathway.id)):
        return
    outcome = st.session_state.pop(MERGE_RESULT, None)
    asking_key = f"merge-asking-{pathway.id}"
    with st.expander(t("problem_forms.merge_heading"), expanded=outcome is not None or asking_key in st.session_state,
                     icon=":material/merge:"):
        st.caption(t("problem_forms.merge_purpose"))
        if len(problems) < 2:
            st.info(t("problem_forms.merge_too_few"))
            _show_outcome(outcome)
            return
        by_id = {p.id: p for p in problems}
        names = {p.id: p.title for p in problems}
        keep_key, duplicate_key = f"merge-keep-{pathway.id}", f"merge-duplicate-{pathway.id}"
        for key in (keep_key, duplicate_key):
            if st.session_state.get(key) not in names:
                st.session_state.pop(key, None)
        keep_id = st.selectbox(t("problem_forms.merge_keep"), list(names), format_func=names.__getitem__,
                               key=keep_key)
        others = [i for i in names if i != keep_id]
        if st.session_state.get(duplicate_key) not in others:
            st.session_state.pop(duplicate_key, None)
        duplicate_id = st.selectbox(t("problem_forms.merge_duplicate"), others, format_func=names.__getitem__,
                                    key=duplicate_key)
        keep, duplicate = by_id[keep_id], by_id[duplicate_id]
        pair = ((keep.id, keep.version, keep.title), (duplicate.id, duplicate.version, duplicate.title))
        asked = st.session_state.get(asking_key)
        if asked is not None and (asked[0][0], asked[1][0]) != (keep.id, duplicate.id):
            asked = None  # another pair was chosen since: ask again
            st.session_state.pop(asking_key, None)
        if asked is None:
            st.button(t("problem_forms.merge_button"), key=f"merge-ask-{pathway.id}", icon=":material/merge:",
                      on_click=lambda: st.session_state.__setitem__(asking_key, pair))
        else:
            st.warning(t("problem_forms.merge_confirm", duplicate=_one_line(duplicate.title),
                         keep=_one_line(keep.title)), icon=":material/warning:")
            yes, no = st.columns(2)
            yes.button(t("problem_forms.merge_yes"), type="primary", key=f"merge-yes-{pathway.id}",
                       on_click=_merge, args=(pathway.id, *asked))
            no.button(t("problem_forms.merge_cancel"), key=f"merge-cancel-{pathway.id}",
                      on_click=lambda: st.session_state.pop(asking_key, None))
        _show_outcome(outcome)


# --- correcting a problem ----------------------------------------------------------------------------

def _edit_keys(problem_id: int) -> dict[str, str]:
    return {name: f"edit-{name}-{problem_id}" for name in _FORM_FIELDS}


def _edit_version_key(problem_id: int) -> str:
    return f"edit-version-{problem_id}"


def _edit_result_key(problem_id: int) -> str:
    return f"edit-result-{problem_id}"


def _fill_edit_form(problem: Problem) -> None:
    keys, state = _edit_keys(problem.id), st.session_state
    state[keys["title"]] = problem.title
    state[keys["source"]] = problem.source
    state[keys["step_id"]] = problem.step_id or NO_STEP
    state[keys["reported_on"]] = problem.reported_on
    state[keys["description"]] = problem.description or ""
    state[_edit_version_key(problem.id)] = problem.version


def _save_edit(problem: Problem) -> None:
    """The Save button's on_click: the corrected problem, on the version the form showed."""
    keys, state = _edit_keys(problem.id), st.session_state
    actor = current_actor()
    try:
        if actor is None:
            raise NotAllowed(Actor(None, "?"), "edit_problem")
        wanted = Problem.model_validate({
            **problem.model_dump(),
            "title": state.get(keys["title"]) or "",
            "source": state.get(keys["source"]) or problem.source,
            "step_id": state.get(keys["step_id"]) or None,
            "reported_on": state.get(keys["reported_on"]) or problem.reported_on,
            "description": state.get(keys["description"]),
            "version": state.get(_edit_version_key(problem.id), problem.version),
        })
        saved = edit_problem(cursor(), actor, wanted)
    except StaleEdit as exc:
        state[_edit_version_key(problem.id)] = exc.current_version  # a second Save saves over theirs
        state[_edit_result_key(problem.id)] = ("error", t(
            "problem_forms.edit_stale", who=_one_line(exc.changed_by or "?"), when=fmt_datetime(exc.changed_at)))
        return
    except Exception as exc:  # noqa: BLE001
        if isinstance(exc, ValueError) and not isinstance(exc, ValidationError) and str(exc).startswith("step_id:"):
            state[_edit_result_key(problem.id)] = ("invalid", {"step_id": t("problem_forms.step_not_in_pathway")})
        else:
            state[_edit_result_key(problem.id)] = _failure(exc)
        return
    state[_edit_version_key(problem.id)] = saved.version
    state[DETAIL_RESULT] = ("saved", t("problem_forms.edited"))


def edit_form(actor: Actor | None, problem: Problem, pathway: Pathway) -> None:
    """Correct the title, what happened, the step, the source and the date."""
    if actor is None or problem.merged_into_id is not None or not can(
            actor, "edit_problem", Scope(pathway_id=problem.pathway_id, created_by=problem.created_by)):
        return
    result_key, version_key = _edit_result_key(problem.id), _edit_version_key(problem.id)
    if st.session_state.get(version_key) is None or (
            st.session_state[version_key] < problem.version and result_key not in st.session_state):
        _fill_edit_form(problem)  # first view, or saved since (by this user or another)
    outcome = st.session_state.pop(result_key, None)
    keys = _edit_keys(problem.id)
    with st.expander(t("problem_forms.edit_heading"), icon=":material/edit:", expanded=outcome is not None):
        with st.form(f"edit-problem-{problem.id}", border=False, enter_to_submit=False):
            st.text_input(t("problem_forms.title_label"), key=keys["title"], max_chars=200)
            _field_error(outcome, "title")
            st.radio(t("problem_forms.source_label"), SOURCE_ORDER,
                     format_func=_words("source", SOURCE_ORDER).__getitem__, horizontal=True, key=keys["source"])
            left, right = st.columns(2)
            with left:
                steps = _step_names(pathway)
                if st.session_state.get(keys["step_id"]) not in steps:
                    st.session_state[keys["step_id"]] = NO_STEP  # the step was archived since
                st.selectbox(t("problem_forms.step_label"), list(steps), format_func=steps.__getitem__,
                             key=keys["step_id"])
                _field_error(outcome, "step_id")
            with right:
                # a date later than today (typed elsewhere, or another time zone) must not break the page
                st.date_input(t("problem_forms.date_label"), key=keys["reported_on"],
                              max_value=max(date.today(), problem.reported_on),
                              format="DD-MM-YYYY" if language() == "da" else "YYYY-MM-DD")
                _field_error(outcome, "reported_on")
            st.text_area(t("problem_forms.description_label"), key=keys["description"])
            _field_error(outcome, "description")
            st.form_submit_button(t("problem_forms.edit_save"), type="primary", on_click=_save_edit, args=(problem,))
        _show_outcome(outcome)


# --- one problem -------------------------------------------------------------------------------------

DETAIL_RESULT = "problem-detail-result"


def _act(call: Callable[[], Any], success: str) -> None:
    """Run an action from a button's on_click and keep its outcome for the problem's page."""
    actor = current_actor()
    try:
        if actor is None:
            raise NotAllowed(Actor(None, "?"), "link")
        call(actor)
    except Exception as exc:  # noqa: BLE001
        st.session_state[DETAIL_RESULT] = _failure(exc)
        return
    st.session_state[DETAIL_RESULT] = ("saved", success)


def _link_project(problem_id: int, key: str) -> None:
    project_id = st.session_state.get(key)
    if project_id is not None:
        _act(lambda actor: link_problem_to_project(cursor(), actor, problem_id, project_id),
             t("problem_forms.linked_project"))


def _link_idea(problem_id: int, key: str) -> None:
    idea_id = st.session_state.get(key)
    if idea_id is not None:
        _act(lambda actor: link_problem_to_change_idea(cursor(), actor, problem_id, idea_id),
             t("problem_forms.linked_idea"))


def _link_observation(problem_id: int, observations: dict[int, Observation], key: str, project_key: str) -> None:
    observation = observations.get(st.session_state.get(key))
    if observation is None:
        return
    project_id = st.session_state.get(f"{project_key}-{observation.id}", observation.project_id) or None
    cycle_id = observation.cycle_id if project_id == observation.project_id else None  # another project: not its cycle
    _act(lambda actor: link_observation(cursor(), actor, observation.id, problem_id=problem_id, project_id=project_id,
                                        cycle_id=cycle_id, expected_version=observation.version),
         t("problem_forms.linked_observation"))


def _unlink_observation(observation: Observation) -> None:
    _act(lambda actor: link_observation(cursor(), actor, observation.id, problem_id=None,
                                        project_id=observation.project_id, expected_version=observation.version),
         t("problem_forms.unlinked_observation"))


def _may_link_observation(actor: Actor | None, observation: Observation) -> bool:
    return actor is not None and can(actor, "link_observation", Scope(pathway_id=observation.pathway_id,
                                                                      project_id=observation.project_id))


def problem_detail(actor: Actor | None, problem: Problem, pathway: Pathway) -> None:
    """Everything about one problem, and what may be done with it."""
    cur = cursor()
    st.button(t("problem_forms.back"), key="problem-back", on_click=close_problem, icon=":material/arrow_back:")
    st.header(_one_line(problem.title), anchor=False)
    outcome = st.session_state.pop(DETAIL_RESULT, None)
    _show_outcome(outcome)
    if problem.merged_into_id is not None:
        kept = get_problem(cur, problem.merged_into_id)
        st.info(t("problem_forms.was_merged", keep=_one_line(kept.title)), icon=":material/merge:")
        st.button(t("problem_forms.open_kept"), key="open-kept", on_click=open_problem, args=(kept.id,))
    steps = {s.id: s.name for s in pathway.steps}
    facts = [*st.columns(3), *st.columns(3)]  # two rows: readable at a tablet's width
    facts[0].markdown(f"**{t('problems.source')}**  \n{label('source', problem.source)}")
    facts[1].markdown(f"**{t('problems.step')}**  \n{_one_line(steps.get(problem.step_id)) or t('problem_forms.no_step')}")
    facts[2].markdown(f"**{t('problems.status')}**  \n{label('problem_status', problem.status)}")
    facts[3].markdown(f"**{t('problems.reported_on')}**  \n{fmt_date(problem.reported_on)}")
    facts[4].markdown(f"**{t('problems.impact')}**  \n{'–' if problem.impact is None else problem.impact}")
    facts[5].markdown(f"**{t('problems.effort')}**  \n{'–' if problem.effort is None else problem.effort}")
    st.markdown(f"**{t('problem_forms.description_heading')}**")
    if problem.description:
        st.markdown(plain(problem.description))
    else:
        st.caption(t("problem_forms.no_description"))
    if problem.reported_by_role:
        st.caption(t("problems.reported_by", role=_one_line(problem.reported_by_role)))
    edit_form(actor, problem, pathway)
    duplicates = merged_into(cur, problem.id)
    if duplicates:
        st.caption(t("problem_forms.absorbed", titles=", ".join(f"«{_one_line(d.title)}»" for d in duplicates)))

    pathway_projects = {p.id: p for p in list_projects(cur, pathway_id=pathway.id)}
    all_projects = {p.id: p for p in list_projects(cur)}
    live = problem.merged_into_id is None

    st.subheader(t("problem_forms.projects_heading"), anchor=False)
    for project_id in problem.project_ids:
        project = all_projects.get(project_id)
        if project is not None:
            st.page_link("views/projects.py", label=_one_line(project.title), icon=":material/flag:",
                         query_params={"project": str(project_id)})
    if not problem.project_ids:
        st.caption(t("problem_forms.no_projects"))
    if live and actor is not None and can(actor, "create_project"):
        st.page_link("views/projects.py", label=t("problem_forms.new_project"), icon=":material/add_circle:",
                     query_params={"new_from_problem": str(problem.id)})
    linkable = {pid: p.title for pid, p in pathway_projects.items()
                if pid not in problem.project_ids and actor is not None
                and can(actor, "link_problem_to_project", Scope(project_id=pid))}
    if live and linkable:
        key = f"link-project-{problem.id}"
        left, right = st.columns([4, 1], vertical_alignment="bottom")
        left.selectbox(t("problem_forms.link_project_label"), list(linkable), format_func=linkable.__getitem__,
                       key=key)
        right.button(t("problem_forms.link_button"), key=f"{key}-go", on_click=_link_project, args=(problem.id, key),
                     icon=":material/link:")

    st.subheader(t("problem_forms.ideas_heading"), anchor=False)
    ideas = {idea.id: (idea, project) for project in pathway_projects.values()
             for idea in list_change_ideas(cur, project.id)}
    for idea_id in problem.change_idea_ids:
        if idea_id in ideas:
            idea, project = ideas[idea_id]
            st.markdown(f"- {_one_line(idea.text)} · {t('problem_forms.in_project', project=_one_line(project.title))}")
    if not problem.change_idea_ids:
        st.caption(t("problem_forms.no_ideas"))
    idea_choices = {i: f"{idea.text} ({project.title})" for i, (idea, project) in ideas.items()
                    if i not in problem.change_idea_ids and actor is not None
                    and can(actor, "link_problem_to_change_idea", Scope(project_id=project.id))}
    if live and idea_choices:
        key = f"link-idea-{problem.id}"
        left, right = st.columns([4, 1], vertical_alignment="bottom")
        left.selectbox(t("problem_forms.link_idea_label"), list(idea_choices), format_func=idea_choices.__getitem__,
                       key=key)
        right.button(t("problem_forms.link_button"), key=f"{key}-go", on_click=_link_idea, args=(problem.id, key),
                     icon=":material/link:")

    st.subheader(t("problem_forms.observations_heading"), anchor=False)
    linked = list_observations(cur, problem_id=problem.id)
    for observation in linked:
        with st.container(border=True):
            st.markdown(f"“{plain(observation.text)}”")
            who = _one_line(observation.author_role) or t("observations.anonymous")
            where = all_projects.get(observation.project_id)
            st.caption(" · ".join([label("observation_kind", observation.kind), who, fmt_date(observation.observed_on)]
                                  + ([t("problem_forms.in_project", project=_one_line(where.title))] if where else [])))
            if live and _may_link_observation(actor, observation):
                st.button(t("problem_forms.unlink_observation"), key=f"unlink-observation-{observation.id}",
                          on_click=_unlink_observation, args=(observation,), icon=":material/link_off:")
    if not linked:
        st.caption(t("problem_forms.no_observations"))
    candidates = {o.id: o for o in list_observations(cur, pathway_id=pathway.id)
                  if o.problem_id != problem.id and _may_link_observation(actor, o)}
    if live and candidates:
        with st.expander(t("problem_forms.link_observation_heading"), icon=":material/record_voice_over:"):
            key, project_key = f"link-observation-{problem.id}", f"link-observation-project-{problem.id}"
            chosen = st.selectbox(t("problem_forms.link_observation_label"), list(candidates),
                                  format_func={i: o.text[:120] for i, o in candidates.items()}.__getitem__, key=key)
            projects = {0: t("problem_forms.no_project"), **{pid: p.title for pid, p in pathway_projects.items()}}
            current = candidates[chosen].project_id or 0
            st.selectbox(t("problem_forms.observation_project_label"), list(projects),
                         index=list(projects).index(current) if current in projects else 0,
                         format_func=projects.__getitem__, key=f"{project_key}-{chosen}")
            st.button(t("problem_forms.link_button"), key=f"{key}-go", icon=":material/link:",
                      on_click=_link_observation, args=(problem.id, candidates, key, project_key))

    with st.expander(t("problem_forms.history_heading"), icon=":material/history:"):
        events = [HistoryEvent(id=e.id, happened_at=e.happened_at, who=e.who, actor_id=e.actor_id, entity=e.entity,
                               entity_id=e.entity_id, action=e.action, before=e.before, after=e.after,
                               subject=problem.title)
                  for e in list_events(cur, entity="problem", entity_id=problem.id)]
        names = reference_names(cur, events)
        lines = [(e, sentence(e, t, FORMATTERS, names, escape=_one_line)) for e in events]
        lines = [(e, told) for e, told in lines if told]
        if lines:
            st.markdown("\n".join(f"- **{fmt_datetime(e.happened_at)}** · {told}" for e, told in lines))
        else:
            st.caption(t("problem_forms.no_history"))


def visible_problem(problem_id: int | None, pathway_ids: set[int]) -> Problem | None:
    """The problem a link names, when it exists and its pathway may be read."""
    if problem_id is None:
        return None
    try:
        problem = get_problem(cursor(), problem_id)
    except LookupError:
        return None
    return problem if problem.pathway_id in pathway_ids else None


def pathway_problems(pathway_id: int) -> list[Problem]:
    return list_problems(cursor(), pathway_id=pathway_id)
