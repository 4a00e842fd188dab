"""One PDSA cycle on screen: Plan, Do, Study and Act side by side, showing what is filled in;
archiving a cycle (after asking) and the project's archived cycles with Restore."""

from __future__ import annotations

import streamlit as st

from actions import Actor, NotAllowed, StaleEdit, archive_cycle, can, restore_cycle
from actions.permissions import Scope
from pdsa.core.db import DatabaseError
from pdsa.models import PdsaCycle
from pdsa.store.cycles import list_cycles
from ui.actor import current_actor
from ui.format import fmt_date, fmt_datetime, label
from ui.plain import plain
from ui.state import cursor, database_error_text, t

_STAGE_FIELDS = {
    "plan": ("plan_objective", "plan_questions", "plan_predictions", "plan_who", "plan_what", "plan_where",
             "plan_when", "plan_data_collection"),
    "do": ("do_what_happened", "do_observations", "do_problems"),
    "study": ("study_results", "study_learning"),
    "act": ("act_next_step",),
}


def _field_lines(cycle: PdsaCycle, names: tuple[str, ...]) -> None:
    for name in names:
        value = getattr(cycle, name)
        if value:
            st.markdown(f"*{t('cycles.' + name)}:* {plain(value)}")


def show_cycle(cycle: PdsaCycle) -> None:
    for column, stage in zip(st.columns(4), _STAGE_FIELDS):
        with column:
            st.markdown(f"**{t('cycles.' + stage)}**")
            if stage == "do" and cycle.do_start:
                st.markdown(f"*{t('cycles.period')}:* {fmt_date(cycle.do_start)} – {fmt_date(cycle.do_end)}")
            if stage == "act" and cycle.act_decision:
                st.markdown(f"*{t('cycles.decision')}:* {label('decision', cycle.act_decision)}")
            _field_lines(cycle, _STAGE_FIELDS[stage])
    _archive_control(cycle)


# --- archive and restore ------------------------------------------------------------------------


def _ask_key(cycle_id: int) -> str:
    return f"cycle-archive-ask-{cycle_id}"


def _problem_key(cycle_id: int) -> str:
    return f"cycle-archive-problem-{cycle_id}"


def _outcome_key(project_id: int) -> str:
    return f"cycle-archive-outcome-{project_id}"


def _set(key: str, value: bool) -> None:
    st.session_state[key] = value


def _archive_control(cycle: PdsaCycle) -> None:
    """A quiet Archive button under the worksheet; clicking it asks first."""
    actor = current_actor()
    if actor is None or not can(actor, "archive_cycle", Scope(project_id=cycle.project_id)):
        return
    problem = st.session_state.pop(_problem_key(cycle.id), None)
    if problem:
        st.error(problem)
    if not st.session_state.get(_ask_key(cycle.id)):
        st.button(t("measure_forms.archive_cycle"), key=f"archive-cycle-{cycle.id}", type="tertiary",
                  icon=":material/archive:", on_click=_set, args=(_ask_key(cycle.id), True))
        return
    st.warning(t("measure_forms.archive_cycle_question", name=plain(cycle.title, one_line=True)))
    row = st.container(horizontal=True)
    row.button(t("measure_forms.archive_yes"), key=f"archive-cycle-yes-{cycle.id}", type="primary",
               on_click=_change_archived, args=(cycle, True))
    row.button(t("measure_forms.archive_no"), key=f"archive-cycle-no-{cycle.id}",
               on_click=_set, args=(_ask_key(cycle.id), False))


def _change_archived(cycle: PdsaCycle, archived: bool) -> None:
    """on_click of "Yes, archive" and of Restore: run the action, keep what happened for the rerun."""
    st.session_state.pop(_ask_key(cycle.id), None)
    actor = current_actor()
    name = plain(cycle.title, one_line=True)
    problem = None
    try:
        if actor is None:
            problem = t("app.not_allowed")
        elif archived:
            archive_cycle(cursor(), actor, cycle.id, expected_version=cycle.version)
        else:
            restore_cycle(cursor(), actor, cycle.id, expected_version=cycle.version)
    except StaleEdit as exc:
        problem = t("measure_forms.changed_meanwhile", who=plain(exc.changed_by or "?"), name=name,
                    when=fmt_datetime(exc.changed_at))
    except NotAllowed:
        problem = t("app.not_allowed")
    except DatabaseError as exc:
        problem = database_error_text(exc)
    if problem is not None and archived:
        st.session_state[_problem_key(cycle.id)] = problem  # said under the worksheet, which is still there
        return
    if problem is not None:
        st.session_state[_outcome_key(cycle.project_id)] = ("error", problem)  # said above the archived list
        return
    st.session_state[_outcome_key(cycle.project_id)] = (
        "success", t("measure_forms.cycle_archived" if archived else "measure_forms.cycle_restored", name=name))


def archived_cycles_section(cur, actor: Actor | None, project_id: int) -> None:
    """What became of an archive or a restore, and the project's archived cycles under an
    "Archived PDSA cycles" expander, each with Restore for those who may (nothing when none)."""
    outcome = st.session_state.pop(_outcome_key(project_id), None)
    if outcome is not None:
        (st.success if outcome[0] == "success" else st.error)(outcome[1])
    archived = list_cycles(cur, project_id=project_id, archived_only=True)
    if not archived:
        return
    may_restore = actor is not None and can(actor, "restore_cycle", Scope(project_id=project_id))
    with st.expander(t("measure_forms.archived_cycles", n=len(archived))):
        st.caption(t("measure_forms.archived_cycles_purpose"))
        for cycle in archived:
            row = st.container(horizontal=True, vertical_alignment="center")
            started = f" · {fmt_date(cycle.do_start)}" if cycle.do_start else ""
            row.markdown(f"**{plain(cycle.title, one_line=True)}** · {label('cycle_stage', cycle.stage)}{started}")
            if may_restore:
                row.button(t("measure_forms.restore"), key=f"restore-cycle-{cycle.id}",
                           icon=":material/unarchive:", on_click=_change_archived, args=(cycle, False))
