"""The PDSA worksheet's forms: start a cycle, fill in Plan, Do, Study and Act, start the next
cycle of a ramp, and comment on a cycle (and answer a comment).

Every form keeps a stable key per cycle; its save runs in the submit button's ``on_click``
and leaves what happened in session_state, said on the rerun (exemplar: ui/measure_settings.py).
A bad field's message stands right under the field and nothing is saved; when someone saved
the cycle first (``StaleEdit``) the form keeps the user's words and says who saved when (a
second save then saves over theirs).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st
from pydantic import ValidationError

from actions import (
    NotAllowed,
    StaleEdit,
    answer_cycle_comment,
    comment_on_cycle,
    start_cycle,
    update_cycle,
)
from pdsa.core.db import DatabaseError
from pdsa.models import PdsaCycle
from pdsa.store.cycles import get_cycle
from ui.actor import current_actor
from ui.errors import problems
from ui.format import fmt_date, fmt_datetime
from ui.plain import plain
from ui.state import cursor, database_error_text, language, t

# the worksheet's questions, stage by stage (the model's field names)
STAGE_FIELDS: dict[str, tuple[str, ...]] = {
    "plan": ("plan_objective", "plan_questions", "plan_predictions", "plan_who", "plan_what", "plan_where",
             "plan_when", "plan_data_collection"),
    "do": ("do_what_happened", "do_observations", "do_problems"),
    "study": ("study_results", "study_learning"),
    "act": ("act_next_step",),
}
_DATES = {"plan": ("plan_end",), "do": ("do_start", "do_end"), "study": (), "act": ()}
_NEXT = {"plan": "do", "do": "study", "study": "act"}
# whether a cycle's worksheet is unfolded (ui/cycle_view.py): a save or a start keeps or opens it
OPEN_KEY = "ws-open-{}"


def date_format() -> str:
    return "DD-MM-YYYY" if language() == "da" else "YYYY-MM-DD"


def _key(cycle_id: int, stage: str, name: str) -> str:
    return f"ws-{stage}-{name}-{cycle_id}"


def _version_key(cycle_id: int, stage: str) -> str:
    return f"ws-version-{stage}-{cycle_id}"


def _outcome_key(cycle_id: int) -> str:
    return f"ws-outcome-{cycle_id}"


def _error_problem(exc: Exception) -> str:
    if isinstance(exc, StaleEdit):
        return t("worksheet.changed_meanwhile", who=plain(exc.changed_by or "?"), when=fmt_datetime(exc.changed_at))
    if isinstance(exc, NotAllowed):
        return t("app.not_allowed")
    return database_error_text(exc)


def field_error(outcome: dict | None, name: str) -> None:
    """Under a field: what is wrong with it (nothing was saved)."""
    if outcome and outcome.get("fields", {}).get(name):
        st.error(t("worksheet.not_saved_field", problem=" ".join(outcome["fields"][name])))


def stage_outcome(cycle_id: int) -> dict | None:
    return st.session_state.get(_outcome_key(cycle_id))


def show_outcome(cycle_id: int) -> None:
    """What the last save said: success (once), or a problem that is not about one field."""
    outcome = st.session_state.get(_outcome_key(cycle_id))
    if not outcome:
        return
    if outcome.get("success"):
        st.success(outcome["success"])
        st.session_state.pop(_outcome_key(cycle_id), None)
    elif outcome.get("problem"):
        st.error(outcome["problem"])


# --- the stage forms ----------------------------------------------------------------------------

def _fill(cycle: PdsaCycle, stage: str, measure_ids: bool) -> None:
    """Fill the form from the stored cycle, once, and remember the version it shows; again when
    Streamlit dropped the fields' values (the worksheet was folded, so its form was not drawn)."""
    state = st.session_state
    if _version_key(cycle.id, stage) in state and all(
            _key(cycle.id, stage, name) in state for name in STAGE_FIELDS[stage] + _DATES[stage]):
        return
    for name in STAGE_FIELDS[stage]:
        st.session_state[_key(cycle.id, stage, name)] = getattr(cycle, name) or ""
    for name in _DATES[stage]:
        st.session_state[_key(cycle.id, stage, name)] = getattr(cycle, name)
    if stage == "do" and cycle.do_start is None:
        st.session_state[_key(cycle.id, stage, "do_start")] = date.today()
    if stage == "act":
        st.session_state[_key(cycle.id, stage, "act_decision")] = cycle.act_decision
        st.session_state[_key(cycle.id, stage, "study_learning")] = cycle.study_learning or ""
    if measure_ids:
        st.session_state[_key(cycle.id, stage, "measure_ids")] = list(cycle.measure_ids)
    st.session_state[_version_key(cycle.id, stage)] = cycle.version


def _refill(cycle_id: int) -> None:
    for stage in STAGE_FIELDS:
        st.session_state.pop(_version_key(cycle_id, stage), None)


def _text_area(cycle: PdsaCycle, stage: str, name: str, outcome: dict | None, *, height: int = 80) -> None:
    st.text_area(t(f"worksheet.q.{name}"), key=_key(cycle.id, stage, name), height=height)
    field_error(outcome, name)


def stage_form(cycle: PdsaCycle, stage: str, *, measures: dict[int, str]) -> None:
    """The form of one stage with its questions in plain words; Save, and "Done with X → Y"."""
    _fill(cycle, stage, measure_ids=stage == "plan")
    outcome = stage_outcome(cycle.id) if (stage_outcome(cycle.id) or {}).get("stage") == stage else None
    with st.form(f"ws-form-{stage}-{cycle.id}", border=False):
        if stage == "plan":
            for name in STAGE_FIELDS["plan"]:
                _text_area(cycle, stage, name, outcome, height=68)
            st.date_input(t("worksheet.q.plan_end"), key=_key(cycle.id, stage, "plan_end"), format=date_format())
            field_error(outcome, "plan_end")
            if measures:
                st.multiselect(t("worksheet.q.measure_ids"), list(measures), format_func=measures.__getitem__,
                               key=_key(cycle.id, stage, "measure_ids"))
                field_error(outcome, "measure_ids")
        elif stage == "do":
            left, right = st.columns(2)
            left.date_input(t("worksheet.q.do_start"), key=_key(cycle.id, stage, "do_start"), format=date_format())
            with left:
                field_error(outcome, "do_start")
            right.date_input(t("worksheet.q.do_end"), key=_key(cycle.id, stage, "do_end"), format=date_format(),
                             help=t("worksheet.do_end_help"))
            with right:
                field_error(outcome, "do_end")
            for name in STAGE_FIELDS["do"]:
                _text_area(cycle, stage, name, outcome)
        elif stage == "study":
            for name in STAGE_FIELDS["study"]:
                _text_area(cycle, stage, name, outcome, height=100)
        else:  # act
            names = {code: t(f"worksheet.decision_words.{code}") for code in ("adopt", "adapt", "abandon")}
            st.radio(t("worksheet.q.act_decision"), list(names), format_func=names.__getitem__, index=None,
                     key=_key(cycle.id, stage, "act_decision"))
            field_error(outcome, "act_decision")
            _text_area(cycle, stage, "study_learning", outcome)
            _text_area(cycle, stage, "act_next_step", outcome)
        row = st.container(horizontal=True)
        if stage in _NEXT:
            with row:
                st.form_submit_button(
                    t(f"worksheet.done_{stage}"), type="primary", on_click=_save_stage, args=(cycle, stage, True),
                    key=f"ws-done-{stage}-{cycle.id}")
                st.form_submit_button(t("worksheet.save"), on_click=_save_stage, args=(cycle, stage, False),
                                      key=f"ws-save-{stage}-{cycle.id}")
        else:
            with row:
                st.form_submit_button(t("worksheet.save_decision"), type="primary", on_click=_save_stage,
                                      args=(cycle, stage, True), key=f"ws-done-{stage}-{cycle.id}")


def _form_values(cycle_id: int, stage: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in STAGE_FIELDS[stage] + _DATES[stage]:
        values[name] = st.session_state.get(_key(cycle_id, stage, name))
    if stage == "plan" and _key(cycle_id, stage, "measure_ids") in st.session_state:
        values["measure_ids"] = list(st.session_state[_key(cycle_id, stage, "measure_ids")] or [])
    if stage == "act":
        values["act_decision"] = st.session_state.get(_key(cycle_id, stage, "act_decision"))
        values["study_learning"] = st.session_state.get(_key(cycle_id, stage, "study_learning"))
    return values


def _save_stage(cycle: PdsaCycle, stage: str, move_on: bool) -> None:
    """on_click: check the stage's fields, move on when asked, save on the version shown."""
    st.session_state[OPEN_KEY.format(cycle.id)] = True  # the worksheet stays open though its heading changes
    key = _outcome_key(cycle.id)
    values = _form_values(cycle.id, stage)
    fields: dict[str, list[str]] = {}
    if move_on and stage == "plan" and not (values.get("plan_objective") or "").strip():
        fields["plan_objective"] = [t("worksheet.objective_required")]
    if move_on and stage == "do" and not (values.get("do_what_happened") or "").strip():
        fields["do_what_happened"] = [t("worksheet.what_happened_required")]
    if stage == "do" and move_on and values.get("do_end") is None:
        values["do_end"] = date.today()
    if move_on and stage == "study" and not (values.get("study_results") or "").strip():
        fields["study_results"] = [t("worksheet.results_required")]
    if stage == "act":
        if not values.get("act_decision"):
            fields["act_decision"] = [t("worksheet.decision_required")]
        if not (values.get("study_learning") or "").strip():
            fields["study_learning"] = [t("worksheet.learning_required")]
    if move_on and stage == "plan" and cycle.do_start is None:
        values["do_start"] = date.today()
    if fields:
        st.session_state[key] = {"stage": stage, "fields": fields}
        return
    actor = current_actor()
    try:
        stored = get_cycle(cursor(), cycle.id)
        edited = PdsaCycle.model_validate({**stored.model_dump(), **values,
                                           "version": st.session_state.get(_version_key(cycle.id, stage), cycle.version)})
    except ValidationError as exc:
        found: dict[str, list[str]] = {}
        for name, text in problems(exc):
            found.setdefault(name or STAGE_FIELDS[stage][0], []).append(text)
        st.session_state[key] = {"stage": stage, "fields": found}
        return
    try:
        if actor is None:
            raise NotAllowed(None, "update_cycle")  # type: ignore[arg-type]
        saved = update_cycle(cursor(), actor, edited)
    except StaleEdit as exc:
        st.session_state[_version_key(cycle.id, stage)] = exc.current_version  # a second save saves over theirs
        st.session_state[key] = {"stage": stage, "problem": _error_problem(exc)}
        return
    except (NotAllowed, DatabaseError) as exc:
        st.session_state[key] = {"stage": stage, "problem": _error_problem(exc)}
        return
    except ValueError as exc:
        st.session_state[key] = {"stage": stage, "problem": plain(str(exc))}
        return
    _refill(cycle.id)
    moved = move_on and stage in _NEXT
    message = t(f"worksheet.saved_{stage}_moved" if moved else f"worksheet.saved_{stage}",
                stage=t(f"cycle_stage.{saved.stage}"))
    st.session_state[key] = {"stage": stage, "success": message}


# --- start a cycle: a new ramp, or the next cycle of one ----------------------------------------

def _new_keys(project_id: int) -> dict[str, str]:
    return {name: f"new-cycle-{name}-{project_id}" for name in
            ("title", "idea", "scale", "objective", "start", "end", "measures", "outcome")}


def new_cycle_form(project_id: int, ideas: dict[int, str], measures: dict[int, str]) -> None:
    """Start a cycle: title, the change idea it tests, its scale, planned start and end, and
    the measures it is judged by. (The page shows it only to those who may start a cycle.)"""
    keys = _new_keys(project_id)
    outcome = st.session_state.get(keys["outcome"])
    if outcome and outcome.get("success"):
        st.success(outcome["success"])
        st.session_state.pop(keys["outcome"], None)
        outcome = None
    with (st.expander(t("worksheet.new_cycle"), icon=":material/add:", expanded=bool(outcome)),
          st.form(f"new-cycle-form-{project_id}", border=False)):
            st.text_input(t("worksheet.q.title"), key=keys["title"], placeholder=t("worksheet.title_placeholder"))
            field_error(outcome, "title")
            if ideas:
                st.selectbox(t("worksheet.q.change_idea"), list(ideas), format_func=ideas.__getitem__, index=None,
                             key=keys["idea"], placeholder=t("worksheet.no_idea"))
            st.text_input(t("worksheet.q.scale"), key=keys["scale"], placeholder=t("worksheet.scale_placeholder"))
            st.caption(t("worksheet.scale_help"))
            st.text_area(t("worksheet.q.plan_objective"), key=keys["objective"], height=68)
            field_error(outcome, "plan_objective")
            left, right = st.columns(2)
            left.date_input(t("worksheet.q.planned_start"), key=keys["start"], value=None, format=date_format())
            right.date_input(t("worksheet.q.plan_end"), key=keys["end"], value=None, format=date_format())
            with right:
                field_error(outcome, "plan_end")
            if measures:
                st.multiselect(t("worksheet.q.measure_ids"), list(measures), format_func=measures.__getitem__,
                               key=keys["measures"])
            if outcome and outcome.get("problem"):
                st.error(outcome["problem"])
            st.form_submit_button(t("worksheet.start"), type="primary", on_click=_start_new, args=(project_id,))


def _when_text(start: date | None, end: date | None) -> str | None:
    if start and end:
        return t("worksheet.when_from_to", start=fmt_date(start), end=fmt_date(end))
    if start:
        return t("worksheet.when_from", start=fmt_date(start))
    return None


def _start_new(project_id: int) -> None:
    keys = _new_keys(project_id)
    state = st.session_state
    start, end = state.get(keys["start"]), state.get(keys["end"])
    fields: dict[str, list[str]] = {}
    if start and end and end < start:
        fields["plan_end"] = [t("worksheet.end_before_start")]
    try:
        cycle = PdsaCycle(project_id=project_id, title=state.get(keys["title"]) or "",
                          change_idea_id=state.get(keys["idea"]), plan_who=state.get(keys["scale"]),
                          plan_objective=state.get(keys["objective"]), plan_when=_when_text(start, end),
                          plan_end=end, measure_ids=list(state.get(keys["measures"]) or []))
    except ValidationError as exc:
        for name, text in problems(exc):
            fields.setdefault(name or "title", []).append(text)
        cycle = None
    if fields or cycle is None:
        state[keys["outcome"]] = {"fields": fields}
        return
    problem = _start(cycle)
    if problem:
        state[keys["outcome"]] = {"problem": problem}
        return
    for name in ("title", "idea", "scale", "objective", "start", "end", "measures"):
        state.pop(keys[name], None)
    state[keys["outcome"]] = {"success": t("worksheet.started", title=plain(cycle.title, one_line=True))}


def _start(cycle: PdsaCycle) -> str | None:
    actor = current_actor()
    try:
        if actor is None:
            return t("app.not_allowed")
        started = start_cycle(cursor(), actor, cycle)
    except (NotAllowed, DatabaseError) as exc:
        return _error_problem(exc)
    except ValueError as exc:
        return plain(str(exc))
    st.session_state[OPEN_KEY.format(started.id)] = True  # its worksheet opens, at Plan
    return None


def next_cycle_plan(cycle: PdsaCycle, title: str) -> PdsaCycle:
    """The next cycle of the ramp, its plan pre-filled from what was learned: the next step
    becomes its objective, the learning its starting question; the idea, place, data
    collection and measures carry over. The scale (who) is left for the team to grow."""
    learned = t("worksheet.learned_last_time", learning=cycle.study_learning) if cycle.study_learning else None
    return PdsaCycle(
        project_id=cycle.project_id, parent_id=cycle.id, change_idea_id=cycle.change_idea_id, title=title,
        plan_objective=cycle.act_next_step, plan_questions=learned, plan_what=cycle.plan_what,
        plan_where=cycle.plan_where, plan_data_collection=cycle.plan_data_collection,
        measure_ids=list(cycle.measure_ids),
    )


def next_cycle_form(cycle: PdsaCycle, number: str) -> None:
    """After Act: "Start the next cycle" with a title for its (bigger) scale."""
    key = f"next-cycle-title-{cycle.id}"
    outcome_key = f"next-cycle-outcome-{cycle.id}"
    outcome = st.session_state.get(outcome_key)
    with st.form(f"next-cycle-form-{cycle.id}", border=True):
        st.markdown(f"**{t('worksheet.next_heading', number=number)}**")
        st.caption(t("worksheet.next_help"))
        st.text_input(t("worksheet.q.next_title"), key=key, placeholder=t("worksheet.scale_placeholder"))
        field_error(outcome, "title")
        if outcome and outcome.get("problem"):
            st.error(outcome["problem"])
        st.form_submit_button(t("worksheet.start_next"), type="primary", icon=":material/redo:",
                              on_click=_start_next, args=(cycle,))


def _start_next(cycle: PdsaCycle) -> None:
    outcome_key = f"next-cycle-outcome-{cycle.id}"
    title = st.session_state.get(f"next-cycle-title-{cycle.id}") or ""
    try:
        plan = next_cycle_plan(cycle, title)
    except ValidationError as exc:
        st.session_state[outcome_key] = {"fields": {"title": [text for _, text in problems(exc)]}}
        return
    problem = _start(plan)
    if problem:
        st.session_state[outcome_key] = {"problem": problem}
        return
    st.session_state.pop(outcome_key, None)
    st.session_state[f"ws-next-started-{cycle.project_id}"] = t("worksheet.next_started",
                                                                title=plain(title, one_line=True))


# --- comments and answers -----------------------------------------------------------------------

def comment_form(cycle: PdsaCycle, stage: str) -> None:
    """A short form for a comment at this stage (the patients' issue reuses comment_on_cycle)."""
    key = f"ws-comment-{stage}-{cycle.id}"
    outcome = st.session_state.get(key + "-outcome")
    if outcome and outcome.get("success"):
        st.success(outcome["success"])
        st.session_state.pop(key + "-outcome", None)
        outcome = None
    with st.form(f"ws-comment-form-{stage}-{cycle.id}", border=False):
        st.text_area(t(f"worksheet.comment_prompt.{stage}"), key=key, height=68)
        field_error(outcome, "text")
        if outcome and outcome.get("problem"):
            st.error(outcome["problem"])
        st.form_submit_button(t("worksheet.comment_send"), on_click=_comment, args=(cycle.id, stage, key))


def _comment(cycle_id: int, stage: str, key: str) -> None:
    _run_comment(key, lambda actor: comment_on_cycle(cursor(), actor, cycle_id, stage,
                                                     st.session_state.get(key) or ""))


def answer_form(comment_id: int) -> None:
    key = f"ws-answer-{comment_id}"
    outcome = st.session_state.get(key + "-outcome")
    if outcome and outcome.get("success"):
        st.success(outcome["success"])
        st.session_state.pop(key + "-outcome", None)
        outcome = None
    with st.form(f"ws-answer-form-{comment_id}", border=False):
        st.text_input(t("worksheet.answer_label"), key=key)
        field_error(outcome, "text")
        if outcome and outcome.get("problem"):
            st.error(outcome["problem"])
        st.form_submit_button(t("worksheet.answer_send"), on_click=_answer, args=(comment_id, key))


def _answer(comment_id: int, key: str) -> None:
    _run_comment(key, lambda actor: answer_cycle_comment(cursor(), actor, comment_id,
                                                         st.session_state.get(key) or ""))


def _run_comment(key: str, run) -> None:
    actor = current_actor()
    try:
        if actor is None:
            raise NotAllowed(None, "comment_on_cycle")  # type: ignore[arg-type]
        run(actor)
    except ValidationError as exc:
        texts = [text for name, text in problems(exc)]
        st.session_state[key + "-outcome"] = {"fields": {"text": texts}}
        return
    except (NotAllowed, DatabaseError) as exc:
        st.session_state[key + "-outcome"] = {"problem": _error_problem(exc)}
        return
    except (ValueError, LookupError) as exc:
        st.session_state[key + "-outcome"] = {"problem": plain(str(exc))}
        return
    st.session_state[key] = ""
    st.session_state[key + "-outcome"] = {"success": t("worksheet.comment_saved")}
