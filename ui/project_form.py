"""Starting a project (from scratch or from problems), editing it, archiving and restoring it,
and scoring its progress on the IHI scale.

Every form works as ``ui/measure_settings.py`` does: its key and its widgets' keys stay the same,
the save runs in the submit button's ``on_click`` (before the page is drawn again), and the
outcome is kept in session state and shown on that rerun. A field that is wrong gets its message
right under it and nothing is saved; an edit someone else saved first says who and when, and the
form keeps what the user typed (a second Save then saves over theirs).

The aim is written in three parts, what, how much and by when, with guidance under each part.
A vague aim (no number in "how much", a deadline already passed) is saved all the same, with a
gentle warning that says how to sharpen it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import streamlit as st
from pydantic import ValidationError

from actions import (
    Actor,
    NotAllowed,
    StaleEdit,
    archive_project,
    can,
    create_project,
    record_progress,
    restore_project,
    update_project,
)
from actions.permissions import Scope
from pathways.store import list_pathways, list_problems, list_units
from pdsa.core.db import DatabaseError
from pdsa.models import PROGRESS_SCORES, PROJECT_STATUSES, ProgressScore, Project
from pdsa.store.projects import list_themes
from ui.errors import reason
from ui.format import fmt_date, fmt_datetime, fmt_number, label, progress_label
from ui.plain import plain
from ui.state import cursor, database_error_text, language, t, tn

# The project's fields in the order the form shows them.
_PROJECT_FIELDS = ("title", "pathway_id", "unit_ids", "theme_id", "status", "start_date",
                   "aim_what", "aim_how_much", "aim_by_when")
_DIGIT = re.compile(r"\d")


# --- the aim ------------------------------------------------------------------------------------

def aim_warnings(how_much: str | None, by_when: date | None, *, today: date | None = None) -> list[str]:
    """What makes an aim vague, as catalogue keys: no number in "how much", no deadline, or a
    deadline already passed. Warnings only: the aim is saved all the same."""
    today = today or date.today()
    found = []
    if not _DIGIT.search(how_much or ""):
        found.append("project_forms.warn_no_number")
    if by_when is None:
        found.append("project_forms.warn_no_date")
    elif by_when < today:
        found.append("project_forms.warn_past_date")
    return found


def show_aim_warnings(keys: list[str]) -> None:
    if keys:
        st.warning(t("project_forms.warn_heading") + "\n" + "\n".join(f"- {t(k)}" for k in keys),
                   icon=":material/lightbulb:")


# --- shared pieces -------------------------------------------------------------------------------

def _keys(key: str) -> dict[str, str]:
    return {name: f"{key}-{name}" for name in (*_PROJECT_FIELDS, "problem_ids", "form")}


def _result_key(key: str) -> str:
    return f"{key}-result"


def _date_format() -> str:
    return "DD-MM-YYYY" if language() == "da" else "YYYY-MM-DD"


_EARLIEST, _LATEST = date(2000, 1, 1), date(2100, 12, 31)


def _field_errors(exc: ValidationError) -> dict[str, str]:
    """field -> the message shown under it (the first one per field)."""
    found: dict[str, str] = {}
    for error in exc.errors():
        location = str(error["loc"][0]) if error["loc"] else (error.get("ctx") or {}).get("field", "")
        if location == "aim_by_when" and error["type"] == "missing":
            found.setdefault(location, t("project_forms.by_when_needed"))
        found.setdefault(location or "", reason(error))
    return found


def _value_error(exc: ValueError) -> dict[str, str]:
    """A store's "field: reason" refusal as a message under that field."""
    text = str(exc)
    if text.startswith("project_ids:"):
        return {"problem_ids": t("project_forms.problem_other_pathway")}
    if text.startswith("pathway_id:"):
        return {"pathway_id": t("project_forms.pathway_has_problems")}
    return {"": plain(text)}


def _under(errors: dict[str, str], field: str) -> None:
    """The message for a field, right under it."""
    if field in errors:
        st.error(errors[field], icon=":material/error:")


def _other_errors(errors: dict[str, str]) -> None:
    rest = [message for field, message in errors.items() if field not in (*_PROJECT_FIELDS, "problem_ids")]
    if rest:
        st.error(t("app.not_saved") + "\n" + "\n".join(f"- {m}" for m in rest))


def _project_fields(cur, keys: dict[str, str], errors: dict[str, str], *, problems: dict[int, str] | None = None) -> None:
    """The widgets of a project's form, each followed by its message when it is wrong."""
    # A choice's words are shown as typed (options are not Markdown: escaping would show backslashes)
    pathways = {p.id: p.name for p in list_pathways(cur)}
    units = {u.id: u.name for u in list_units(cur)}
    themes = {th.id: th.name for th in list_themes(cur)}
    for stale in ("pathway_id", "theme_id"):  # a choice archived since the form was filled in
        known = pathways if stale == "pathway_id" else themes
        if st.session_state.get(keys[stale]) is not None and st.session_state[keys[stale]] not in known:
            del st.session_state[keys[stale]]
    if keys["unit_ids"] in st.session_state:
        st.session_state[keys["unit_ids"]] = [u for u in st.session_state[keys["unit_ids"]] if u in units]

    st.text_input(t("project_forms.title"), key=keys["title"], max_chars=200,
                  placeholder=t("project_forms.title_placeholder"))
    _under(errors, "title")
    left, right = st.columns(2)
    with left:
        st.selectbox(t("project_forms.pathway"), list(pathways), format_func=pathways.__getitem__,
                     key=keys["pathway_id"], index=None, placeholder=t("project_forms.choose"))
        _under(errors, "pathway_id")
    with right:
        st.multiselect(t("project_forms.units"), list(units), format_func=units.__getitem__, key=keys["unit_ids"],
                       placeholder=t("project_forms.no_units"), help=t("project_forms.units_help"))
        _under(errors, "unit_ids")
    if problems is not None:
        st.multiselect(t("project_forms.problems"), list(problems), format_func=problems.__getitem__,
                       key=keys["problem_ids"], help=t("project_forms.problems_help"),
                       placeholder=t("project_forms.no_problems"))
        _under(errors, "problem_ids")
    left, middle, right = st.columns(3)
    with left:
        theme_names = {None: t("project_forms.no_theme"), **themes}  # format functions look up, never translate
        st.selectbox(t("project_forms.theme"), list(theme_names), format_func=theme_names.__getitem__,
                     key=keys["theme_id"])
        _under(errors, "theme_id")
    with middle:
        statuses = {s: label("project_status", s) for s in PROJECT_STATUSES}
        st.selectbox(t("project_forms.status"), list(statuses), format_func=statuses.__getitem__, key=keys["status"])
        _under(errors, "status")
    with right:
        st.date_input(t("project_forms.start_date"), key=keys["start_date"], format=_date_format(),
                      min_value=_EARLIEST, max_value=_LATEST)
        _under(errors, "start_date")

    st.markdown(f"**{t('project_forms.aim_heading')}**")
    st.caption(t("project_forms.aim_guidance"))
    st.text_input(t("project_forms.aim_what"), key=keys["aim_what"], max_chars=200,
                  placeholder=t("project_forms.aim_what_placeholder"))
    st.caption(t("project_forms.aim_what_help"))
    _under(errors, "aim_what")
    left, right = st.columns(2)
    with left:
        st.text_input(t("project_forms.aim_how_much"), key=keys["aim_how_much"], max_chars=200,
                      placeholder=t("project_forms.aim_how_much_placeholder"))
        st.caption(t("project_forms.aim_how_much_help"))
        _under(errors, "aim_how_much")
    with right:
        st.date_input(t("project_forms.aim_by_when"), key=keys["aim_by_when"], format=_date_format(),
                      min_value=_EARLIEST, max_value=_LATEST)
        st.caption(t("project_forms.aim_by_when_help"))
        _under(errors, "aim_by_when")


def _project_from_form(keys: dict[str, str], **extra) -> Project:
    """The form's values as a Project (raises ValidationError naming the wrong fields)."""
    state = st.session_state
    values = {name: state.get(keys[name]) for name in _PROJECT_FIELDS}
    values["unit_ids"] = list(values["unit_ids"] or [])
    values = {name: value for name, value in values.items()  # left empty: "must be filled in", per field
              if value is not None and not (isinstance(value, str) and not value.strip())}
    return Project.model_validate({**values, **extra})


def _set(key: str, value) -> None:
    st.session_state[key] = value


def _fill(keys: dict[str, str], project: Project) -> None:
    for name in _PROJECT_FIELDS:
        _set(keys[name], list(project.unit_ids) if name == "unit_ids" else getattr(project, name))


# --- a new project --------------------------------------------------------------------------------

def _problem_choices(cur, problem_ids: tuple[int, ...]) -> dict[int, object]:
    """The problems a link named that still exist, by id."""
    found = {}
    for problem_id in problem_ids:
        problem = next(iter(list_problems(cur, problem_id=problem_id)), None)
        if problem is not None:
            found[problem.id] = problem
    return found


def _prefill_new(keys: dict[str, str], problems: dict[int, object]) -> None:
    """A fresh form: planning, starting today; made from problems, their pathway and first title."""
    state = st.session_state
    state.setdefault(keys["status"], "planning")
    state.setdefault(keys["start_date"], date.today())
    state.setdefault(keys["aim_by_when"], None)
    if problems:
        first = next(iter(problems.values()))
        state[keys["pathway_id"]] = first.pathway_id
        state[keys["problem_ids"]] = list(problems)
        if not state.get(keys["title"]):
            state[keys["title"]] = first.title


def _after_creating(saved: Project) -> None:
    """Show the new project: choose it and write ?project=ID (a link that made the form is spent)."""
    st.session_state["project"] = saved.id
    st.session_state["project_remembered"] = saved.id
    for param in ("new_from_problem", "measure", "cycle"):
        if param in st.query_params:
            del st.query_params[param]
    st.query_params["project"] = str(saved.id)


def _create(key: str, from_problem_ids: tuple[int, ...], on_saved: Callable[[Project], None]) -> None:
    """The submit button's on_click."""
    from ui.actor import current_actor

    keys, state = _keys(key), st.session_state
    actor = current_actor()
    if actor is None:
        state[_result_key(key)] = ("invalid", {"": t("app.not_allowed")})
        return
    problem_ids = tuple(state.get(keys["problem_ids"]) or ()) if from_problem_ids else ()
    try:
        project = _project_from_form(keys)
        saved = create_project(cursor(), actor, project, problem_ids=problem_ids)
    except ValidationError as exc:
        state[_result_key(key)] = ("invalid", _field_errors(exc))
        return
    except NotAllowed:
        state[_result_key(key)] = ("invalid", {"": t("app.not_allowed")})
        return
    except DatabaseError as exc:
        state[_result_key(key)] = ("invalid", {"": database_error_text(exc)})
        return
    except (ValueError, LookupError) as exc:
        state[_result_key(key)] = ("invalid", _value_error(ValueError(str(exc))))
        return
    for name in keys.values():  # the next project starts from an empty form
        state.pop(name, None)
    state.pop(f"{key}-made-from", None)
    state[_result_key(key)] = ("saved", saved.title, aim_warnings(saved.aim_how_much, saved.aim_by_when),
                               len(problem_ids))
    on_saved(saved)


def new_project_form(cur, actor: Actor | None, *, from_problem_ids: tuple[int, ...] = (), key: str,
                     expanded: bool = False, on_saved: Callable[[Project], None] = _after_creating) -> bool:
    """A "New project" expander with the form, for those who may create a project (else nothing).

    With ``from_problem_ids`` the form opens filled in from those problems (their pathway, the
    first one's title) and links them to the new project when it is saved, in the same action.
    After a save the success message (and any warning about a vague aim) shows above it.
    Returns True when the form was shown."""
    if actor is None or not can(actor, "create_project"):
        return False
    keys, state = _keys(key), st.session_state
    result = state.pop(_result_key(key), None)
    if result is not None and result[0] == "saved":
        _, title, warnings, linked = result
        st.success(t("project_forms.created", title=plain(title, one_line=True))
                   + (" " + tn("project_forms.linked_problems", linked) if linked else ""), icon=":material/check:")
        show_aim_warnings(warnings)
    if not list_pathways(cur):
        st.info(t("project_forms.needs_pathway"))
        st.page_link("views/pathways.py", label=t("project_forms.go_pathways"), icon=":material/route:")
        return True
    problems = _problem_choices(cur, tuple(from_problem_ids))
    made_from = state.get(f"{key}-made-from")
    if made_from != tuple(from_problem_ids) or keys["title"] not in state:
        # a new link (or none) since the form was last filled in, or its values were dropped while
        # another page was shown
        state[f"{key}-made-from"] = tuple(from_problem_ids)
        _prefill_new(keys, problems)
    else:
        _prefill_new(keys, {})
    errors = result[1] if result is not None and result[0] == "invalid" else {}
    with st.expander(t("project_forms.new"), icon=":material/add:",
                     expanded=expanded or bool(errors) or bool(problems)):
        if problems:
            st.caption(t("project_forms.from_problems"))
        with st.form(keys["form"], border=False):
            choices = {i: p.title for i, p in problems.items()} if from_problem_ids else None
            _project_fields(cur, keys, errors, problems=choices)
            _other_errors(errors)
            st.form_submit_button(t("project_forms.create"), type="primary", on_click=_create,
                                  args=(key, tuple(from_problem_ids), on_saved))
    return True


# --- editing a project ---------------------------------------------------------------------------

def _edit_keys(project_id: int) -> dict[str, str]:
    return _keys(f"edit-project-{project_id}")


def _shown_version_key(project_id: int) -> str:
    return f"edit-project-{project_id}-version"


def _update(project: Project) -> None:
    from ui.actor import current_actor

    key = f"edit-project-{project.id}"
    keys, state = _edit_keys(project.id), st.session_state
    actor = current_actor()
    if actor is None:
        state[_result_key(key)] = ("invalid", {"": t("app.not_allowed")})
        return
    try:
        wanted = _project_from_form(keys, id=project.id, version=state[_shown_version_key(project.id)],
                                    created_by=project.created_by)
        saved = update_project(cursor(), actor, wanted)
    except ValidationError as exc:
        state[_result_key(key)] = ("invalid", _field_errors(exc))
        return
    except StaleEdit as exc:
        state[_shown_version_key(project.id)] = exc.current_version  # a second Save saves over theirs
        state[_result_key(key)] = ("invalid", {"": t("project_forms.changed_meanwhile", who=plain(exc.changed_by or "?"),
                                                       when=fmt_datetime(exc.changed_at))})
        return
    except NotAllowed:
        state[_result_key(key)] = ("invalid", {"": t("app.not_allowed")})
        return
    except DatabaseError as exc:
        state[_result_key(key)] = ("invalid", {"": database_error_text(exc)})
        return
    except (ValueError, LookupError) as exc:
        state[_result_key(key)] = ("invalid", _value_error(ValueError(str(exc))))
        return
    state[_shown_version_key(project.id)] = saved.version
    state[_result_key(key)] = ("saved", aim_warnings(saved.aim_how_much, saved.aim_by_when))


def edit_project_form(cur, actor: Actor | None, project: Project) -> None:
    """An "Edit project" expander for the project's team (else nothing)."""
    if actor is None or not can(actor, "update_project", Scope(project_id=project.id)):
        return
    key = f"edit-project-{project.id}"
    keys, state = _edit_keys(project.id), st.session_state
    result = state.pop(_result_key(key), None)
    shown = state.get(_shown_version_key(project.id))
    forgotten = keys["title"] not in state  # Streamlit drops a widget's value on a run that does not show it
    if shown is None or forgotten or (shown < project.version and result is None):
        _fill(keys, project)  # first view, another project was shown, or someone saved while the form sat unused
        state[_shown_version_key(project.id)] = project.version
    if result is not None and result[0] == "saved":
        st.success(t("project_forms.updated"), icon=":material/check:")
        show_aim_warnings(result[1])
    errors = result[1] if result is not None and result[0] == "invalid" else {}
    with st.expander(t("project_forms.edit"), icon=":material/edit:", expanded=bool(errors)):
        with st.form(keys["form"], border=False):
            _project_fields(cur, keys, errors)
            _other_errors(errors)
            st.form_submit_button(t("project_forms.save"), type="primary", on_click=_update, args=(project,))


# --- archiving and restoring -----------------------------------------------------------------------

def _archive(project: Project) -> None:
    from ui.actor import current_actor

    state = st.session_state
    state.pop(f"archive-confirm-{project.id}", None)
    try:
        archive_project(cursor(), current_actor(), project.id, expected_version=project.version)
    except StaleEdit as exc:
        state["archive-result"] = ("error", t("project_forms.changed_meanwhile", who=plain(exc.changed_by or "?"),
                                                when=fmt_datetime(exc.changed_at)))
        return
    except NotAllowed:
        state["archive-result"] = ("error", t("app.not_allowed"))
        return
    except DatabaseError as exc:
        state["archive-result"] = ("error", database_error_text(exc))
        return
    for name in ("project", "project_remembered"):
        state.pop(name, None)
    for param in ("project", "measure", "cycle"):
        if param in st.query_params:
            del st.query_params[param]
    state["archive-result"] = ("saved", t("project_forms.archived", title=plain(project.title, one_line=True)))


def _restore(project: Project) -> None:
    from ui.actor import current_actor

    state = st.session_state
    try:
        restored = restore_project(cursor(), current_actor(), project.id, expected_version=project.version)
    except StaleEdit as exc:
        state["archive-result"] = ("error", t("project_forms.changed_meanwhile", who=plain(exc.changed_by or "?"),
                                                when=fmt_datetime(exc.changed_at)))
        return
    except NotAllowed:
        state["archive-result"] = ("error", t("app.not_allowed"))
        return
    except DatabaseError as exc:
        state["archive-result"] = ("error", database_error_text(exc))
        return
    state["project"] = state["project_remembered"] = restored.id
    st.query_params["project"] = str(restored.id)
    state["archive-result"] = ("saved", t("project_forms.restored", title=plain(project.title, one_line=True)))


def archive_outcome() -> None:
    """What the last archive or restore did, said once at the top of the page."""
    result = st.session_state.pop("archive-result", None)
    if result is None:
        return
    kind, message = result
    if kind == "saved":
        st.success(message, icon=":material/check:")
    else:
        st.error(message)


def archive_button(cur, actor: Actor | None, project: Project) -> None:
    """Archive the project, after asking first (for its lead and administrators)."""
    if actor is None or not can(actor, "archive_project", Scope(project_id=project.id)):
        return
    confirm = f"archive-confirm-{project.id}"
    if not st.session_state.get(confirm):
        st.button(t("project_forms.archive"), icon=":material/archive:", key=f"archive-{project.id}",
                  on_click=_set, args=(confirm, True))
        return
    with st.container(border=True):
        st.warning(t("project_forms.archive_question", title=plain(project.title, one_line=True)))
        left, right = st.columns(2)
        left.button(t("project_forms.archive_yes"), type="primary", key=f"archive-yes-{project.id}",
                    on_click=_archive, args=(project,))
        right.button(t("project_forms.archive_no"), key=f"archive-no-{project.id}", on_click=_set,
                     args=(confirm, False))


def archived_projects(cur, actor: Actor | None, archived: list[Project]) -> None:
    """The archived projects, each with a Restore button, for those who may restore them."""
    if actor is None or not archived:
        return
    restorable = [p for p in archived if can(actor, "restore_project", Scope(project_id=p.id))]
    if not restorable:
        return
    with st.expander(tn("project_forms.archived_heading", len(restorable)), icon=":material/inventory_2:"):
        st.caption(t("project_forms.archived_purpose"))
        for project in restorable:
            left, right = st.columns([4, 1])
            left.markdown(f"**{plain(project.title, one_line=True)}** · {label('project_status', project.status)}")
            right.button(t("project_forms.restore"), key=f"restore-{project.id}", icon=":material/unarchive:",
                         on_click=_restore, args=(project,))


# --- progress on the IHI scale ---------------------------------------------------------------------

def _progress_keys(project_id: int) -> dict[str, str]:
    return {name: f"progress-{name}-{project_id}" for name in ("scored_on", "score", "comment", "result")}


def _add_score(project_id: int) -> None:
    from ui.actor import current_actor

    keys, state = _progress_keys(project_id), st.session_state
    values = {name: state.get(keys[name]) for name in ("scored_on", "score", "comment")}
    try:
        score = ProgressScore.model_validate({k: v for k, v in values.items() if v is not None})
        record_progress(cursor(), current_actor(), project_id, score)
    except ValidationError as exc:
        state[keys["result"]] = ("invalid", _field_errors(exc))
        return
    except NotAllowed:
        state[keys["result"]] = ("invalid", {"": t("app.not_allowed")})
        return
    except DatabaseError as exc:
        state[keys["result"]] = ("invalid", {"": database_error_text(exc)})
        return
    state.pop(keys["comment"], None)
    state[keys["result"]] = ("saved", t("project_forms.progress_saved", score=fmt_number(score.score),
                                        label=progress_label(score.score), date=fmt_date(score.scored_on)))


def progress_form(cur, actor: Actor | None, project: Project) -> None:
    """A small form adding a dated score with a comment, for the project's team."""
    if actor is None or not can(actor, "record_progress", Scope(project_id=project.id)):
        return
    keys, state = _progress_keys(project.id), st.session_state
    result = state.pop(keys["result"], None)
    if result is not None and result[0] == "saved":
        st.success(result[1], icon=":material/check:")
    errors = result[1] if result is not None and result[0] == "invalid" else {}
    state.setdefault(keys["scored_on"], date.today())
    with st.expander(t("project_forms.progress_add"), icon=":material/add:", expanded=bool(errors)):
        with st.form(f"progress-form-{project.id}", border=False):
            left, right = st.columns([1, 3])
            with left:
                st.date_input(t("project_forms.progress_date"), key=keys["scored_on"], format=_date_format(),
                              min_value=_EARLIEST, max_value=_LATEST)
                _under(errors, "scored_on")
            with right:
                scale = {s: f"{fmt_number(s)} – {progress_label(s)}" for s in PROGRESS_SCORES}
                st.selectbox(t("project_forms.progress_score"), list(scale), key=keys["score"], index=None,
                             placeholder=t("project_forms.choose"), format_func=scale.__getitem__,
                             help=t("project_forms.progress_help"))
                _under(errors, "score")
            st.text_area(t("project_forms.progress_comment"), key=keys["comment"],
                         placeholder=t("project_forms.progress_comment_placeholder"))
            _under(errors, "comment")
            rest = [m for f, m in errors.items() if f not in ("scored_on", "score", "comment")]
            if rest:
                st.error(t("app.not_saved") + "\n" + "\n".join(f"- {m}" for m in rest))
            st.form_submit_button(t("project_forms.progress_save"), type="primary", on_click=_add_score,
                                  args=(project.id,))


__all__ = ["aim_warnings", "archive_button", "archive_outcome", "archived_projects", "edit_project_form",
           "new_project_form", "progress_form", "show_aim_warnings"]
