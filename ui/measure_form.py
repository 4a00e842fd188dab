"""Define a measure on a project's Measures tab, and edit its definition on its card.

The form asks what a team needs to agree before counting: the name and kind, the operational
definition (what is counted, the numerator and the denominator, where the data come from and
how often), the data type (which decides the chart), the period, which direction is better,
the unit, the target (typed as the user's language writes numbers: "7,5" in Danish; a
proportion's target in per cent) and whether it is the project's key measure. A project has
one key measure: choosing another one makes the earlier one an ordinary measure in the same
save, and the page says so.

As in ui/measure_settings.py: the form's keys stay the same, the save runs in the submit
button's ``on_click``, a bad field gets its message right under it and nothing is saved, and
an edit names the version it started from, so a stale one says who saved first and keeps the
user's input (a second Save then saves over theirs). Data type and period cannot change once
the measure has data; the form shows them but does not offer the change.
"""

from __future__ import annotations

import streamlit as st
from pydantic import ValidationError

from actions import NotAllowed, StaleEdit, can, define_measure, update_measure
from actions.permissions import Scope
from pdsa.core.db import DatabaseError
from pdsa.models import (
    CHARTS_FOR_DATA_TYPE,
    DATA_TYPES,
    DIRECTIONS,
    EVENT_DATA_TYPES,
    MEASURE_KINDS,
    PROPORTION_DATA_TYPES,
    Measure,
)
from pdsa.core.periods import PERIODS
from pdsa.store.measures import list_measures
from ui.actor import current_actor
from ui.errors import problems, show_field_error
from ui.format import fmt_datetime, fmt_input_number, label, parse_number
from ui.plain import plain
from ui.state import cursor, database_error_text, t

# the form's fields, by the name the model (and so a validation error) gives them
FIELDS = ("name", "kind", "definition", "numerator_definition", "denominator_definition", "data_source",
          "collection_frequency", "data_type", "period", "direction", "unit", "target", "is_key")
_TEXTS = ("name", "definition", "numerator_definition", "denominator_definition", "data_source",
          "collection_frequency", "unit")


def _prefix(project_id: int | None, measure_id: int | None, theme_id: int | None = None) -> str:
    if measure_id is not None:
        return f"measure-edit-{measure_id}"
    return f"measure-new-{project_id}" if theme_id is None else f"measure-new-theme-{theme_id}"


def _owner(project_id: int | None, theme_id: int | None) -> dict:
    """The new measure's owner: a project, or a theme (the theme's own outcome measure)."""
    return {"project_id": project_id} if theme_id is None else {"theme_id": theme_id}


def _key(prefix: str, field: str) -> str:
    return f"{prefix}-{field}"


def _result_key(prefix: str) -> str:
    return f"{prefix}-result"


def _version_key(prefix: str) -> str:
    return f"{prefix}-version"


def target_field_text(measure: Measure | None) -> str:
    """The target as the field shows it: "7,5"; a proportion's in per cent; "" for none."""
    if measure is None or measure.target is None:
        return ""
    percent = measure.data_type in PROPORTION_DATA_TYPES
    return fmt_input_number(measure.target * 100 if percent else measure.target)


def _fill(prefix: str, measure: Measure | None) -> None:
    """The form as stored (an edit) or empty (a new measure)."""
    state = st.session_state
    for field in _TEXTS:
        state[_key(prefix, field)] = (getattr(measure, field) or "") if measure is not None else ""
    state[_key(prefix, "kind")] = measure.kind if measure is not None else "outcome"
    state[_key(prefix, "data_type")] = measure.data_type if measure is not None else "proportion"
    state[_key(prefix, "period")] = measure.period if measure is not None else "week"
    state[_key(prefix, "direction")] = measure.direction if measure is not None else "up"
    state[_key(prefix, "target")] = target_field_text(measure)
    state[_key(prefix, "is_key")] = measure.is_key if measure is not None else False
    if measure is not None:
        state[_version_key(prefix)] = measure.version


def _read_target(text: str | None, data_type: str) -> tuple[float | None, list[str]]:
    """The target as stored (a fraction for a proportion) and what is wrong with the field."""
    try:
        value = parse_number(text)
    except ValueError as exc:
        return None, [str(exc)]
    if value is None or data_type not in PROPORTION_DATA_TYPES:
        return value, []
    if not 0 <= value <= 100:
        return None, [t("measure_forms.target_percent_range")]
    return value / 100, []


def _by_field(found: list[tuple[str, str]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for location, text in found:
        fields.setdefault(location if location in FIELDS else "", []).append(text)
    return fields


def _wanted(prefix: str, base: dict) -> tuple[Measure | None, dict[str, list[str]]]:
    """The measure the form describes, or what is wrong with it, field by field."""
    state = st.session_state
    values = {field: state.get(_key(prefix, field)) for field in FIELDS if field != "target"}
    target, target_problems = _read_target(state.get(_key(prefix, "target")), values["data_type"])
    found = [("target", text) for text in target_problems]
    try:
        measure = Measure.model_validate({**base, **values, "target": target})
    except ValidationError as exc:
        found += [(location, text) for location, text in problems(exc)
                  if not (target_problems and location == "target")]
        measure = None
    if found:
        return None, _by_field(found)
    return measure, {}


def _key_measure_before(project_id: int | None, measure_id: int | None) -> Measure | None:
    if project_id is None:  # a theme's measures have no key measure to move
        return None
    return next((m for m in list_measures(cursor(), project_id=project_id) if m.is_key and m.id != measure_id), None)


def _saved_text(saved: Measure, earlier_key: Measure | None, *, new: bool) -> str:
    name = plain(saved.name, one_line=True)
    text = t("measure_data.defined" if new else "measure_data.updated", name=name)
    if saved.is_key and earlier_key is not None:
        text += " " + t("measure_data.key_moved", name=name, earlier=plain(earlier_key.name, one_line=True))
    return text


def _problem_text(exc: Exception) -> str | None:
    if isinstance(exc, NotAllowed):
        return t("app.not_allowed")
    if isinstance(exc, DatabaseError):
        return database_error_text(exc)
    return None


def _save_new(project_id: int | None, theme_id: int | None = None) -> None:
    """on_click of "Add the measure": define it, or keep what is wrong for the rerun."""
    prefix, state = _prefix(project_id, None, theme_id), st.session_state
    actor = current_actor()
    measure, invalid = _wanted(prefix, _owner(project_id, theme_id))
    if actor is None:
        state[_result_key(prefix)] = ("error", t("app.not_allowed"))
        return
    if invalid:
        state[_result_key(prefix)] = ("invalid", invalid)
        return
    earlier_key = _key_measure_before(project_id, None) if measure.is_key else None
    try:
        saved = define_measure(cursor(), actor, measure)
    except ValidationError as exc:
        state[_result_key(prefix)] = ("invalid", _by_field(problems(exc)))
        return
    except (NotAllowed, DatabaseError) as exc:
        state[_result_key(prefix)] = ("error", _problem_text(exc))
        return
    _fill(prefix, None)  # ready for the next measure
    state[_result_key(prefix)] = ("saved", _saved_text(saved, earlier_key, new=True))


def _save_edit(measure: Measure) -> None:
    """on_click of "Save the definition", on the version the form was filled from."""
    prefix, state = _prefix(measure.project_id, measure.id), st.session_state
    actor = current_actor()
    base = {**measure.model_dump(), "version": state.get(_version_key(prefix), measure.version)}
    wanted, invalid = _wanted(prefix, base)
    if actor is None:
        state[_result_key(prefix)] = ("error", t("app.not_allowed"))
        return
    if invalid:
        state[_result_key(prefix)] = ("invalid", invalid)
        return
    earlier_key = _key_measure_before(measure.project_id, measure.id) if wanted.is_key and not measure.is_key else None
    try:
        saved = update_measure(cursor(), actor, wanted)
    except ValidationError as exc:
        state[_result_key(prefix)] = ("invalid", _by_field(problems(exc)))
        return
    except StaleEdit as exc:
        state[_version_key(prefix)] = exc.current_version  # a second Save saves over theirs
        state[_result_key(prefix)] = ("error", t("measure_data.changed_meanwhile", who=plain(exc.changed_by or "?"),
                                                 when=fmt_datetime(exc.changed_at)))
        return
    except (NotAllowed, DatabaseError) as exc:
        state[_result_key(prefix)] = ("error", _problem_text(exc))
        return
    state[_version_key(prefix)] = saved.version
    state[_key(prefix, "target")] = target_field_text(saved)
    state[_result_key(prefix)] = ("saved", _saved_text(saved, earlier_key, new=False))


def _names(group: str) -> dict[str, str]:
    """Coded values in words, looked up now: a format_func that read the language later (AppTest
    calls it outside the script run) would name them in another language."""
    values = {"measure_kind": MEASURE_KINDS, "direction": DIRECTIONS, "data_type": DATA_TYPES, "period": PERIODS}
    return {value: label(group, value) for value in values[group]}


def _fields(prefix: str, invalid: dict[str, list[str]], *, fixed_type: bool, key_choice: bool = True) -> None:
    """The form's fields, each with its problem (if any) right under it."""

    def problem(field: str, shown_label: str | None = None) -> None:
        show_field_error(field, invalid.get(field, []), label=shown_label)

    st.text_input(t("measure_data.name"), key=_key(prefix, "name"), help=t("measure_data.name_help"))
    problem("name", t("measure_data.name"))
    left, right = st.columns(2)
    with left:
        st.selectbox(t("measure_data.kind"), MEASURE_KINDS, format_func=_names("measure_kind").__getitem__,
                     key=_key(prefix, "kind"), help=t("measure_data.kind_help"))
        problem("kind", t("measure_data.kind"))
    with right:
        st.radio(t("measure_data.direction"), DIRECTIONS, format_func=_names("direction").__getitem__,
                 horizontal=True, key=_key(prefix, "direction"))
        problem("direction", t("measure_data.direction"))
    st.markdown(f"**{t('measure_data.definition_heading')}**")
    st.text_area(t("measure_data.definition"), key=_key(prefix, "definition"), height=80,
                 help=t("measure_data.definition_help"))
    problem("definition", t("measure_data.definition"))
    left, right = st.columns(2)
    with left:
        st.text_input(t("measure_data.numerator_definition"), key=_key(prefix, "numerator_definition"),
                      help=t("measure_data.fraction_help"))
        problem("numerator_definition", t("measure_data.numerator_definition"))
        st.text_input(t("measure_data.data_source"), key=_key(prefix, "data_source"),
                      help=t("measure_data.data_source_help"))
        problem("data_source", t("measure_data.data_source"))
    with right:
        st.text_input(t("measure_data.denominator_definition"), key=_key(prefix, "denominator_definition"),
                      help=t("measure_data.fraction_help"))
        problem("denominator_definition", t("measure_data.denominator_definition"))
        st.text_input(t("measure_data.collection_frequency"), key=_key(prefix, "collection_frequency"),
                      help=t("measure_data.collection_frequency_help"))
        problem("collection_frequency", t("measure_data.collection_frequency"))
    left, right = st.columns(2)
    fixed_help = t("measure_data.fixed_with_data") if fixed_type else None
    with left:
        st.selectbox(t("measure_data.data_type"), DATA_TYPES, format_func=_names("data_type").__getitem__,
                     key=_key(prefix, "data_type"), disabled=fixed_type,
                     help=fixed_help or t("measure_data.data_type_help"))
        problem("data_type", t("measure_data.data_type"))
        st.text_input(t("measure_data.unit"), key=_key(prefix, "unit"), help=t("measure_data.unit_help"))
        problem("unit", t("measure_data.unit"))
    with right:
        st.selectbox(t("measure_data.period"), PERIODS, format_func=_names("period").__getitem__,
                     key=_key(prefix, "period"), disabled=fixed_type,
                     help=fixed_help or t("measure_data.period_help"))
        problem("period", t("measure_data.period"))
        st.text_input(t("measure_data.target"), key=_key(prefix, "target"), help=t("measure_data.target_help"))
        problem("target", t("measure_data.target"))
    if key_choice:  # a theme's measures are all the theme's own: no key measure among them
        st.checkbox(t("measure_data.is_key"), key=_key(prefix, "is_key"), help=t("measure_data.is_key_help"))
        problem("is_key", t("measure_data.is_key"))
    charts = ", ".join(f"{label('data_type', d)}: {t(f'chart_type.{CHARTS_FOR_DATA_TYPE[d][0]}')}"
                       for d in DATA_TYPES)
    st.caption(t("measure_data.chart_follows", charts=charts))


def _result(prefix: str) -> tuple[tuple | None, dict[str, list[str]]]:
    result = st.session_state.pop(_result_key(prefix), None)
    return result, (result[1] if result is not None and result[0] == "invalid" else {})


def _show_result(result: tuple | None, invalid: dict[str, list[str]]) -> None:
    if invalid.get(""):
        st.error(t("app.not_saved") + "\n" + "\n".join(f"- {text}" for text in invalid[""]))
    if result is not None and result[0] == "error":
        st.error(result[1])


def new_measure_form(actor, project_id: int | None, *, expanded: bool, theme_id: int | None = None) -> bool:
    """"New measure" for those who may define one; True when it is shown. A saved measure's
    sentence stands above the form, so it is seen with the form folded away. With ``theme_id``
    (and no project) it defines the theme's own outcome measure, for the leaders who may."""
    if actor is None or not can(actor, "define_measure", Scope(project_id=project_id, theme_id=theme_id)):
        return False
    prefix = _prefix(project_id, None, theme_id)
    if any(_key(prefix, field) not in st.session_state for field in FIELDS):
        _fill(prefix, None)  # first view, or Streamlit dropped the values while another project was shown
    result, invalid = _result(prefix)
    if result is not None and result[0] == "saved":
        st.success(result[1])
    open_key = f"{prefix}-open"
    if result is not None and result[0] != "saved":
        st.session_state[open_key] = True
    with st.expander(t("measure_data.new_heading"), icon=":material/add_chart:",
                     expanded=expanded or st.session_state.get(open_key, False)):
        st.caption(t("measure_data.new_purpose"))
        with st.form(prefix, border=False):
            _fields(prefix, invalid, fixed_type=False, key_choice=theme_id is None)
            st.form_submit_button(t("measure_data.add"), type="primary", on_click=_save_new,
                                  args=(project_id, theme_id))
            _show_result(result, invalid)
    return True


def edit_measure_form(actor, measure: Measure, *, has_data: bool) -> None:
    """"Edit the measure" on its card, for those who may; filled from the stored measure on the
    first view and when someone saved while the form sat unused."""
    if actor is None or not can(actor, "update_measure", Scope(project_id=measure.project_id,
                                                               theme_id=measure.theme_id)):
        return
    prefix = _prefix(measure.project_id, measure.id)
    state = st.session_state
    shown = state.get(_version_key(prefix))
    if (shown is None or any(_key(prefix, field) not in state for field in FIELDS)
            or (shown < measure.version and _result_key(prefix) not in state)):
        _fill(prefix, measure)
    result, invalid = _result(prefix)
    if result is not None:
        state[f"{prefix}-open"] = True  # stays open: its result, the next change
    with st.expander(t("measure_data.edit_heading"), icon=":material/edit:",
                     expanded=state.get(f"{prefix}-open", False)):
        with st.form(prefix, border=False):
            _fields(prefix, invalid, fixed_type=has_data, key_choice=measure.theme_id is None)
            st.form_submit_button(t("measure_data.save_definition"), type="primary", on_click=_save_edit,
                                  args=(measure,))
            _show_result(result, invalid)
            if result is not None and result[0] == "saved":
                st.success(result[1])


def definition_lines(measure: Measure) -> list[str]:
    """The operational definition as the card shows it, one line per part given."""
    lines = []
    for field in ("definition", "numerator_definition", "denominator_definition", "data_source",
                  "collection_frequency"):
        value = getattr(measure, field)
        if value:
            lines.append(f"*{t(f'measure_data.{field}')}:* {plain(value)}")
    if measure.data_type in EVENT_DATA_TYPES:
        lines.append(t(f"measure_data.event_explained_{measure.data_type}"))
    return lines
