"""One PDSA cycle on screen: Plan, Do, Study and Act side by side, showing what is filled in."""

from __future__ import annotations

import streamlit as st

from pdsa.models import PdsaCycle
from ui.format import fmt_date, label
from ui.plain import plain
from ui.state import t

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
