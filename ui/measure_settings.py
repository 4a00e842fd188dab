"""A measure's chart settings: chart type, rule set, frozen baseline, splits and target.

Freeze and splits are chosen among the measure's own periods (named as the reader's language
names them: "uge 37 2025", "okt. 2025") and stored as dates, so back-filling an earlier
period never moves them.

The chart type stands above the form: the rule sets offered follow it (Making Data Count
only for an I chart), so a choice the measure cannot take is never offered. The target is a
text field read as the user's language writes numbers ("7,5" in Danish; a proportion's
target in per cent), and an empty field removes the target.

The form's key and its widgets' keys stay the same for a measure, and the save runs in the
submit button's ``on_click``, before the page is drawn again: so a Save always reaches the
form the user filled in. A bad field gets its message right under it and nothing is saved.
The version of the settings the form shows is kept beside it; a save names that version,
and when someone else saved first the action refuses, the form keeps the user's choices and
says who saved when (a second Save then saves over theirs).
"""

from __future__ import annotations

from datetime import date

import streamlit as st
from pydantic import ValidationError

from actions import NotAllowed, StaleEdit, can, update_chart_settings
from actions.permissions import Scope
from pdsa.core.db import DatabaseError
from pdsa.core.periods import period_label
from pdsa.models import CHARTS_FOR_DATA_TYPE, PROPORTION_DATA_TYPES, Measure
from pdsa.series import ShortPhase, short_phases
from pdsa.store.measures import data_points_frame
from ui.actor import current_actor
from ui.errors import problems, show_field_error
from ui.format import fmt_datetime, fmt_input_number, parse_number
from ui.plain import plain
from ui.state import cursor, database_error_text, language, t, tn

# the form's fields, by the name the model (and so a validation error) gives them
_FIELDS = ("chart", "rules", "freeze_until", "splits", "target")


def _keys(measure_id: int) -> dict[str, str]:
    return {name: f"set-{name}-{measure_id}" for name in ("chart", "rules", "freeze", "splits", "target")}


def _shown_version_key(measure_id: int) -> str:
    return f"settings-version-{measure_id}"


def _result_key(measure_id: int) -> str:
    return f"settings-result-{measure_id}"


def _percent(measure: Measure) -> bool:
    return measure.data_type in PROPORTION_DATA_TYPES


def period_name(day: date, period: str) -> str:
    """A period as the reader's language names it: "uge 37 2025", "okt. 2025", "02-03-2026"."""
    return period_label(day, period, language())


def target_text(measure: Measure) -> str:
    """The target as the field shows it: "7,5" (a proportion's in per cent), "" for none."""
    if measure.target is None:
        return ""
    return fmt_input_number(measure.target * 100 if _percent(measure) else measure.target)


def allowed_rules(chart: str) -> list[str]:
    """The rule sets a chart can take (the model refuses Making Data Count on any but an I chart)."""
    return ["anhoej", "mdc"] if chart == "i" else ["anhoej"]


def _show_stored_settings(measure: Measure, periods: list[date]) -> None:
    """Fill the form with the stored settings, and remember which version it shows."""
    keys = _keys(measure.id)
    st.session_state[keys["chart"]] = measure.effective_chart
    st.session_state[keys["rules"]] = measure.rules
    st.session_state[keys["freeze"]] = measure.freeze_until if measure.freeze_until in periods else None
    st.session_state[keys["splits"]] = [d for d in measure.splits if d in periods]
    st.session_state[keys["target"]] = target_text(measure)
    st.session_state[_shown_version_key(measure.id)] = measure.version


def _by_field(found: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Problems by the form field they are about; "" holds those about no field of the form."""
    fields: dict[str, list[str]] = {}
    for location, text in found:
        fields.setdefault(location if location in _FIELDS else "", []).append(text)
    return fields


def short_phase_text(phase: ShortPhase, period: str) -> str:
    if phase.starts_on is None:
        return tn("measure_forms.first_phase_too_short", phase.points, period=period_name(phase.ends_before, period))
    return tn("measure_forms.split_too_short", phase.points, period=period_name(phase.starts_on, period))


def _read_target(text: str | None, percent: bool) -> tuple[float | None, list[str]]:
    """The target the field holds, as stored (a fraction for a proportion), and what is wrong."""
    try:
        value = parse_number(text)
    except ValueError as exc:
        return None, [str(exc)]
    if value is None:
        return None, []
    if percent:
        if not 0 <= value <= 100:
            return None, [t("measure_forms.target_percent_range")]
        return value / 100, []
    return value, []


def _save(measure: Measure) -> None:
    """The submit button's on_click: build the settings from the form and run the action."""
    keys, state = _keys(measure.id), st.session_state
    actor = current_actor()
    if actor is None:
        state[_result_key(measure.id)] = ("error", t("settings.name_needed"))
        return
    chosen = state[keys["chart"]]
    if chosen == measure.effective_chart:
        chart = measure.chart  # unchanged: keep it as stored
    elif chosen == CHARTS_FOR_DATA_TYPE[measure.data_type][0]:
        chart = None  # the data type's own chart
    else:
        chart = chosen
    rules = state.get(keys["rules"], "anhoej")
    if rules not in allowed_rules(chosen):
        rules = "anhoej"
    target, target_problems = _read_target(state.get(keys["target"]), _percent(measure))
    found = [("target", text) for text in target_problems]
    try:
        wanted = Measure.model_validate({
            **measure.model_dump(),
            "chart": chart,
            "rules": rules,
            "freeze_until": state[keys["freeze"]],
            "splits": sorted(state[keys["splits"]]),
            "target": target,
            "version": state[_shown_version_key(measure.id)],
        })
    except ValidationError as exc:
        found += [(location, text) for location, text in problems(exc)
                  if not (target_problems and location == "target")]
        wanted = None
    if wanted is not None:
        short = short_phases(wanted, data_points_frame(cursor(), [measure.id]))
        if short:
            found.append(("splits", short_phase_text(short[0], measure.period)))
    if found:
        state[_result_key(measure.id)] = ("invalid", _by_field(found))
        return
    try:
        saved = update_chart_settings(cursor(), actor, wanted)
    except ValidationError as exc:
        state[_result_key(measure.id)] = ("invalid", _by_field(problems(exc)))
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
    state[keys["target"]] = target_text(saved)  # as the field writes it: "12,50" comes back "12,5"
    removed = measure.target is not None and saved.target is None
    state[_result_key(measure.id)] = ("saved", t("measure_forms.saved_target_removed" if removed else "settings.saved"))


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
    keys = _keys(measure.id)
    if st.session_state.get(_shown_version_key(measure.id)) is None or (
        st.session_state[_shown_version_key(measure.id)] < measure.version
        and _result_key(measure.id) not in st.session_state
    ) or any(keys[name] not in st.session_state for name in ("chart", "freeze", "splits", "target")):
        # first view, someone saved while the form sat unused, or Streamlit dropped the fields'
        # values while the form was not drawn (another tab open)
        _show_stored_settings(measure, periods)
    result = st.session_state.pop(_result_key(measure.id), None)
    invalid = result[1] if result is not None and result[0] == "invalid" else {}
    if result is not None:
        st.session_state[f"settings-open-{measure.id}"] = True  # stays open after a save: its result, the next change
    with st.expander(t("settings.heading"), expanded=st.session_state.get(f"settings-open-{measure.id}", False)):
        charts = CHARTS_FOR_DATA_TYPE[measure.data_type]
        chart_names = {c: t(f"chart_type.{c}") for c in charts}
        # outside the form: the rule sets offered below follow the chart chosen here
        chart = st.selectbox(t("settings.chart"), charts, format_func=chart_names.__getitem__, key=keys["chart"])
        show_field_error("chart", invalid.get("chart", []))
        with st.form(f"settings-{measure.id}", border=False):
            _rules_field(keys["rules"], chart, charts)
            show_field_error("rules", invalid.get("rules", []))
            period_names = {d: period_name(d, measure.period) for d in periods}
            no_freeze = t("settings.no_freeze")
            st.selectbox(
                t("settings.freeze"), [None, *periods],
                format_func=lambda d: no_freeze if d is None else period_names[d],
                help=t("settings.freeze_help"), key=keys["freeze"],
            )
            show_field_error("freeze_until", invalid.get("freeze_until", []))
            st.multiselect(t("settings.splits"), periods, format_func=period_names.__getitem__,
                           help=t("settings.splits_help"), key=keys["splits"], placeholder=t("settings.no_splits"))
            show_field_error("splits", invalid.get("splits", []))
            percent = _percent(measure)
            target_label = t("settings.target_percent") if percent else t("settings.target")
            st.text_input(target_label, key=keys["target"],
                          help=t("measure_forms.target_percent_help" if percent else "measure_forms.target_help"))
            show_field_error("target", invalid.get("target", []), label=target_label)
            st.form_submit_button(t("settings.save"), type="primary", on_click=_save, args=(measure,))
            if invalid.get(""):
                st.error(t("app.not_saved") + "\n" + "\n".join(f"- {text}" for text in invalid[""]))
            if result is not None and result[0] == "error":
                st.error(result[1])
            if result is not None and result[0] == "saved":
                st.success(result[1])


def _rules_field(key: str, chart: str, charts: tuple[str, ...]) -> None:
    """The rule sets the chosen chart can take: a choice when there are two, else a line saying
    which one applies (and how Making Data Count could, where the data type has an I chart)."""
    allowed = allowed_rules(chart)
    if st.session_state.get(key) not in allowed:
        st.session_state[key] = "anhoej"  # the chart changed to one Making Data Count does not fit
    rule_names = {r: t(f"rules.{r}") for r in allowed}
    if len(allowed) > 1:
        st.radio(t("settings.rules"), allowed, format_func=rule_names.__getitem__, horizontal=True,
                 help=t("settings.rules_help"), key=key)
        return
    hint = t("measure_forms.mdc_needs_i_chart" if "i" in charts else "measure_forms.mdc_not_for_data_type")
    st.caption(f"{t('measure_forms.rules_fixed', rules=rule_names['anhoej'])} {hint}")
