"""A measure's chart settings: chart type, rule set, frozen baseline, splits and target.

Freeze and splits are chosen among the measure's own periods and stored as dates, so
back-filling an earlier period never moves them.

The form's key and its widgets' keys stay the same for a measure, and the save runs in the
submit button's ``on_click``, before the page is drawn again: so a Save always reaches the
form the user filled in. The version of the settings the form shows is kept beside it; a
save names that version, and when someone else saved first the action refuses, the form
keeps the user's choices and says who saved when (a second Save then saves over theirs).
"""

from __future__ import annotations

from datetime import date

import streamlit as st
from pydantic import ValidationError

from actions import NotAllowed, StaleEdit, can, update_chart_settings
from actions.permissions import Scope
from pdsa.core.db import DatabaseError
from pdsa.models import CHARTS_FOR_DATA_TYPE, PROPORTION_DATA_TYPES, Measure
from ui.actor import current_actor
from ui.errors import show_validation_error
from ui.format import fmt_datetime, fmt_period
from ui.plain import plain
from ui.state import cursor, database_error_text, t


def _keys(measure_id: int) -> dict[str, str]:
    return {name: f"set-{name}-{measure_id}" for name in ("chart", "rules", "freeze", "splits", "target")}


def _shown_version_key(measure_id: int) -> str:
    return f"settings-version-{measure_id}"


def _result_key(measure_id: int) -> str:
    return f"settings-result-{measure_id}"


def _percent(measure: Measure) -> bool:
    return measure.data_type in PROPORTION_DATA_TYPES


def _show_stored_settings(measure: Measure, periods: list[date]) -> None:
    """Fill the form with the stored settings, and remember which version it shows."""
    keys = _keys(measure.id)
    st.session_state[keys["chart"]] = measure.effective_chart
    st.session_state[keys["rules"]] = measure.rules
    st.session_state[keys["freeze"]] = measure.freeze_until if measure.freeze_until in periods else None
    st.session_state[keys["splits"]] = [d for d in measure.splits if d in periods]
    st.session_state[keys["target"]] = (
        None if measure.target is None else measure.target * (100 if _percent(measure) else 1)
    )
    st.session_state[_shown_version_key(measure.id)] = measure.version


def _save(measure: Measure) -> None:
    """The submit button's on_click: build the settings from the form and run the action."""
    keys, state = _keys(measure.id), st.session_state
    actor = current_actor()
    if actor is None:
        state[_result_key(measure.id)] = ("error", t("settings.name_needed"))
        return
    chart = state[keys["chart"]]
    if chart == measure.effective_chart:
        chart = measure.chart  # unchanged: keep it as stored
    elif chart == CHARTS_FOR_DATA_TYPE[measure.data_type][0]:
        chart = None  # the data type's own chart
    target = state[keys["target"]]
    try:
        wanted = Measure.model_validate({
            **measure.model_dump(),
            "chart": chart,
            "rules": state[keys["rules"]],
            "freeze_until": state[keys["freeze"]],
            "splits": sorted(state[keys["splits"]]),
            "target": None if target is None else target / (100 if _percent(measure) else 1),
            "version": state[_shown_version_key(measure.id)],
        })
        saved = update_chart_settings(cursor(), actor, wanted)
    except ValidationError as exc:
        state[_result_key(measure.id)] = ("invalid", exc)
        return
    except StaleEdit as exc:
        state[_shown_version_key(measure.id)] = exc.current_version  # a second Save saves over theirs
        state[_result_key(measure.id)] = ("error", t("settings.changed_meanwhile", who=plain(exc.changed_by or "?"),
                                                     when=fmt_datetime(exc.changed_at)))
        return
    except NotAllowed:
        state[_result_key(measure.id)] = ("error", t("app.not_allowed"))
        return
    except DatabaseError as exc:
        state[_result_key(measure.id)] = ("error", database_error_text(exc))
        return
    state[_shown_version_key(measure.id)] = saved.version
    state[_result_key(measure.id)] = ("saved", t("settings.saved"))


def chart_settings_form(measure: Measure, periods: list[date]) -> None:
    """An expander with the settings form; saving re-draws the page with the new chart.

    The choices are the measure's own periods, plus a stored freeze or split that falls
    between them (an event measure, a point left out under Making Data Count), so an
    unchanged save never drops a setting.
    """
    actor = current_actor()
    if actor is None or not can(actor, "update_chart_settings", Scope(project_id=measure.project_id,
                                                                    theme_id=measure.theme_id)):
        return  # only those who may change it see the form (the action checks again)
    stored = [d for d in (measure.freeze_until, *measure.splits) if d is not None]
    periods = sorted({*periods, *stored})
    if st.session_state.get(_shown_version_key(measure.id)) is None or (
        st.session_state[_shown_version_key(measure.id)] < measure.version
        and _result_key(measure.id) not in st.session_state
    ):
        _show_stored_settings(measure, periods)  # first view, or someone saved while the form sat unused
    keys = _keys(measure.id)
    result = st.session_state.pop(_result_key(measure.id), None)
    with st.expander(t("settings.heading"), expanded=result is not None and result[0] != "saved"):
        with st.form(f"settings-{measure.id}", border=False):
            charts = CHARTS_FOR_DATA_TYPE[measure.data_type]
            chart_names = {c: t(f"chart_type.{c}") for c in charts}
            st.selectbox(t("settings.chart"), charts, format_func=chart_names.__getitem__, key=keys["chart"])
            rule_names = {r: t(f"rules.{r}") for r in ("anhoej", "mdc")}
            st.radio(t("settings.rules"), list(rule_names), format_func=rule_names.__getitem__, horizontal=True,
                     help=t("settings.rules_help"), key=keys["rules"])
            period_names = {d: fmt_period(d, measure.period) for d in periods}
            no_freeze = t("settings.no_freeze")
            st.selectbox(
                t("settings.freeze"), [None, *periods],
                format_func=lambda d: no_freeze if d is None else period_names[d],
                help=t("settings.freeze_help"), key=keys["freeze"],
            )
            st.multiselect(t("settings.splits"), periods, format_func=period_names.__getitem__,
                           help=t("settings.splits_help"), key=keys["splits"], placeholder=t("settings.no_splits"))
            percent = _percent(measure)
            st.number_input(t("settings.target_percent") if percent else t("settings.target"),
                            min_value=0.0 if percent else None, max_value=100.0 if percent else None,
                            format="%.2f", key=keys["target"])
            st.form_submit_button(t("settings.save"), type="primary", on_click=_save, args=(measure,))
        if result is not None:
            kind, message = result
            if kind == "invalid":
                show_validation_error(message)
            elif kind == "error":
                st.error(message)
    if result is not None and result[0] == "saved":
        st.toast(message)
