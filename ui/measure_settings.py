"""A measure's chart settings: chart type, rule set, frozen baseline, splits and target.

Freeze and splits are chosen among the measure's own periods and stored as dates, so
back-filling an earlier period never moves them.
"""

from __future__ import annotations

import hashlib
from datetime import date

import streamlit as st
from pydantic import ValidationError

from pdsa.core.db import WriteConflict
from pdsa.models import CHARTS_FOR_DATA_TYPE, PROPORTION_DATA_TYPES, Measure
from pdsa.store.measures import chart_settings, update_chart_settings
from ui.errors import show_validation_error
from ui.format import fmt_period
from ui.state import cursor, t, user_name


def _fingerprint(measure: Measure) -> str:
    """Changes when anyone saves other settings, so the form never shows (and saves back) stale values."""
    return hashlib.sha1(repr(sorted(chart_settings(measure).items())).encode()).hexdigest()[:8]


def chart_settings_form(measure: Measure, periods: list[date]) -> None:
    """An expander with the settings form; saving re-draws the page with the new chart.

    The choices are the measure's own periods, plus a stored freeze or split that falls
    between them (an event measure, a point left out under Making Data Count), so an
    unchanged save never drops a setting.
    """
    stored = [d for d in (measure.freeze_until, *measure.splits) if d is not None]
    periods = sorted({*periods, *stored})
    version = _fingerprint(measure)
    with st.expander(t("settings.heading")), st.form(f"settings-{measure.id}-{version}", border=False):
        charts = CHARTS_FOR_DATA_TYPE[measure.data_type]
        chart_names = {c: t(f"chart_type.{c}") for c in charts}
        chart = st.selectbox(t("settings.chart"), charts, index=charts.index(measure.effective_chart),
                             format_func=chart_names.__getitem__, key=f"set-chart-{measure.id}-{version}")
        rule_names = {r: t(f"rules.{r}") for r in ("anhoej", "mdc")}
        rules = st.radio(t("settings.rules"), list(rule_names), index=list(rule_names).index(measure.rules),
                         format_func=rule_names.__getitem__, horizontal=True, help=t("settings.rules_help"),
                         key=f"set-rules-{measure.id}-{version}")
        period_names = {d: fmt_period(d, measure.period) for d in periods}
        freeze_options = [None, *periods]
        freeze = st.selectbox(
            t("settings.freeze"), freeze_options,
            index=freeze_options.index(measure.freeze_until) if measure.freeze_until in freeze_options else 0,
            format_func=lambda d: t("settings.no_freeze") if d is None else period_names[d],
            help=t("settings.freeze_help"), key=f"set-freeze-{measure.id}-{version}",
        )
        splits = st.multiselect(t("settings.splits"), periods, default=[d for d in measure.splits if d in period_names],
                                format_func=period_names.__getitem__, help=t("settings.splits_help"),
                                key=f"set-splits-{measure.id}-{version}", placeholder=t("settings.no_splits"))
        percent = measure.data_type in PROPORTION_DATA_TYPES
        shown_target = None if measure.target is None else measure.target * (100 if percent else 1)
        target = st.number_input(t("settings.target_percent") if percent else t("settings.target"),
                                 value=shown_target, min_value=0.0 if percent else None,
                                 max_value=100.0 if percent else None, format="%.2f", key=f"set-target-{measure.id}-{version}")
        if not st.form_submit_button(t("settings.save"), type="primary"):
            return
    if not user_name():
        st.error(t("settings.name_needed"))
        return
    if chart == measure.effective_chart:
        chart = measure.chart  # unchanged: keep it as stored
    elif chart == CHARTS_FOR_DATA_TYPE[measure.data_type][0]:
        chart = None  # the data type's own chart
    try:
        updated = Measure.model_validate({
            **measure.model_dump(),
            "chart": chart,
            "rules": rules,
            "freeze_until": freeze,
            "splits": sorted(splits),
            "target": None if target is None else target / (100 if percent else 1),
        })
        update_chart_settings(cursor(), updated, who=user_name(), based_on=measure)
    except ValidationError as exc:
        show_validation_error(exc)
        return
    except WriteConflict:
        st.error(t("settings.changed_meanwhile"))
        return
    st.toast(t("settings.saved"))
    st.rerun()
