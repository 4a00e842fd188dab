"""A measure's data entered in a table: one row per period (one per event for days or cases
between events), with the value or the numerator and denominator, a note, and whether the
point is left out of the calculations.

Numbers are text cells read as the user's language writes them ("7,5" in Danish): a numeric
cell of ``st.data_editor`` does not take a decimal comma. Every row is checked before
anything is saved; each problem names the row by its period and the field ("uge 3 2026 –
Værdi: …"), and nothing is saved while any row is wrong. A note with a CPR number is refused
without the number being repeated. The edits, new rows and deletions go to the database as
one action (save_data_points), so the chart below is drawn again from the saved data at once
and every change keeps its earlier value in the audit trail. Deleting rows asks first.

The table's widget key carries a generation number: after a save (or "No, keep the rows") it
goes up, and the table shows the stored data afresh.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from actions import (
    NotAllowed,
    StaleEdit,
    can,
    record_no_event_period,
    remove_no_event_period,
    save_data_points,
)
from actions.permissions import Scope
from pdsa.core.db import DatabaseError
from pdsa.core.periods import parse_period, period_label, period_start
from pdsa.models import EVENT_DATA_TYPES, DataPoint, Measure
from pdsa.store.events import (
    REVIEW_PERIOD,
    NoEventPeriod,
    PeriodHasEvent,
    list_no_event_periods,
    review_start,
    weeks_to_offer,
)
from ui.actor import current_actor
from ui.errors import problems, show_message
from ui.format import fmt_date, fmt_datetime, fmt_input_number, parse_number
from ui.plain import plain
from ui.state import cursor, database_error_text, language, t, tn


def _columns(measure: Measure) -> tuple[str, ...]:
    """The value columns the data type takes."""
    if measure.data_type in ("proportion", "rate"):
        return ("numerator", "denominator")
    if measure.data_type == "days_between":
        return ()
    return ("value",)


def editor_key(measure_id: int) -> str:
    return f"data-table-{measure_id}-{st.session_state.get(_generation_key(measure_id), 0)}"


def _generation_key(measure_id: int) -> str:
    return f"data-generation-{measure_id}"


def _result_key(measure_id: int) -> str:
    return f"data-result-{measure_id}"


def _ask_key(measure_id: int) -> str:
    return f"data-ask-delete-{measure_id}"


def _open_key(measure_id: int) -> str:
    return f"data-open-{measure_id}"


def _period_name(day: date, measure: Measure) -> str:
    return period_label(day, measure.period, language())


def _frame(measure: Measure, points: list[DataPoint]) -> pd.DataFrame:
    """The stored points as the table shows them: numbers as text ("7,5"), in period order."""
    rows = []
    for point in points:
        row = {"period": point.period}
        if measure.period != "day":
            row["label"] = _period_name(point.period, measure)
        for column in _columns(measure):
            row[column] = fmt_input_number(getattr(point, column))
        row["note"] = point.note or ""
        row["excluded"] = point.excluded
        rows.append(row)
    columns = ["period", *(["label"] if measure.period != "day" else []), *_columns(measure), "note", "excluded"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["period"] = pd.to_datetime(frame["period"]).dt.date if rows else pd.Series([], dtype="object")
    frame["excluded"] = frame["excluded"].astype(bool)
    return frame


def _column_config(measure: Measure) -> dict:
    event = measure.data_type in EVENT_DATA_TYPES
    date_format = "DD-MM-YYYY" if language() == "da" else "YYYY-MM-DD"
    config = {
        "period": st.column_config.DateColumn(
            t("measure_data.col_event_date" if event else "measure_data.col_period"), format=date_format,
            required=True, help=t(f"measure_data.period_help_{'event' if event else measure.period}")),
        "label": st.column_config.TextColumn(t("measure_data.col_period_name"), disabled=True),
        "numerator": st.column_config.TextColumn(t("field.numerator"), help=t("measure_data.number_help")),
        "denominator": st.column_config.TextColumn(t("field.denominator"), help=t("measure_data.number_help")),
        "value": st.column_config.TextColumn(
            t("measure_data.col_cases" if measure.data_type == "cases_between" else "field.value"),
            help=t("measure_data.number_help")),
        "note": st.column_config.TextColumn(t("field.note"), help=t("measure_data.note_help")),
        "excluded": st.column_config.CheckboxColumn(t("measure_data.col_excluded"),
                                                    help=t("measure_data.excluded_help")),
    }
    return config


# --- reading the table ---------------------------------------------------------------------------


def _day(raw) -> date | None:
    """A period cell as a date (the editor gives dates, ISO text or timestamps); None when empty."""
    if raw is None or (isinstance(raw, float) and pd.isna(raw)) or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, pd.Timestamp):
        return raw.date()
    if isinstance(raw, (date, datetime)):
        return parse_period(raw)
    text = str(raw).strip()
    if len(text) > 10 and text[10] in "T ":
        text = text[:10]
    return parse_period(text)


def _blank(raw) -> bool:
    return raw is None or (isinstance(raw, float) and pd.isna(raw)) or (isinstance(raw, str) and not raw.strip())


class _Row:
    """One row of the table as typed, with the problems found in it."""

    def __init__(self, number: int, point: DataPoint | None, cells: dict):
        self.number, self.point, self.cells = number, point, cells
        self.problems: list[tuple[str, str]] = []   # (field label, what is wrong)
        self.values: dict | None = None
        self.period: date | None = None


def _check(measure: Measure, row: _Row) -> None:
    """Read the row's cells into the values a DataPoint takes, noting each problem by field."""
    cells, values = row.cells, {}
    try:
        day = _day(cells.get("period"))
    except ValueError:
        day = None
        row.problems.append((t("measure_data.col_period"), t("measure_data.not_a_day")))
    else:
        if day is None:
            row.problems.append((t("measure_data.col_period"), t("error.missing")))
    if day is not None:
        day = period_start(day, measure.period)  # any day of the week or month counts as that period
        row.period = values["period"] = day
    for column in _columns(measure):
        try:
            values[column] = parse_number(None if _blank(cells.get(column)) else str(cells.get(column)))
        except ValueError as exc:
            row.problems.append((_field_label(measure, column), str(exc)))
    note = cells.get("note")
    values["note"] = None if _blank(note) else str(note)
    values["excluded"] = bool(cells.get("excluded")) if not _blank(cells.get("excluded")) else False
    if row.problems:
        return
    try:
        DataPoint.model_validate({**values, "measure_id": measure.id}, context={"measure": measure})
    except ValidationError as exc:
        for location, text in problems(exc):
            row.problems.append((_field_label(measure, location), text))
        return
    row.values = values


def _field_label(measure: Measure, field: str) -> str:
    if field == "period":
        return t("measure_data.col_period")
    if field == "value" and measure.data_type == "cases_between":
        return t("measure_data.col_cases")
    if field == "excluded":
        return t("measure_data.col_excluded")
    if field in ("value", "numerator", "denominator", "note"):
        return t(f"field.{field}")
    return t("measure_data.col_row")


def _row_name(measure: Measure, row: _Row) -> str:
    if row.period is not None:
        return _period_name(row.period, measure)
    return t("measure_data.new_row", n=row.number) if row.point is None else t("measure_data.row", n=row.number)


def read_changes(measure: Measure, points: list[DataPoint], edits: dict) -> tuple[list[_Row], list[_Row], list[DataPoint], list[str]]:
    """The editor's changes (``edited_rows``, ``added_rows``, ``deleted_rows``) as checked rows:
    (edited, added, deleted points, problems as sentences naming row and field)."""
    shown = _frame(measure, points).to_dict("records")
    deleted_positions = sorted({int(p) for p in edits.get("deleted_rows", []) if 0 <= int(p) < len(points)})
    edited, added = [], []
    for position, change in sorted((int(k), v) for k, v in (edits.get("edited_rows") or {}).items()):
        if position in deleted_positions or not 0 <= position < len(points):
            continue
        cells = {**shown[position], **change}
        if cells == shown[position]:
            continue
        edited.append(_Row(position + 1, points[position], cells))
    for number, cells in enumerate(edits.get("added_rows") or [], start=1):
        if all(_blank(v) or v is False for k, v in cells.items() if k != "label"):
            continue  # a row added and left empty
        added.append(_Row(number, None, cells))
    found = []
    for row in [*edited, *added]:
        _check(measure, row)
        found += [f"**{_row_name(measure, row)}** – {field}: {text}" for field, text in row.problems]
    if not found and measure.data_type not in EVENT_DATA_TYPES:
        found += _periods_twice(measure, points, edited, added, deleted_positions)
    return edited, added, [points[p] for p in deleted_positions], found


def _periods_twice(measure, points, edited, added, deleted_positions) -> list[str]:
    periods = {i: p.period for i, p in enumerate(points) if i not in deleted_positions}
    periods.update({row.number - 1: row.period for row in edited})
    every = list(periods.values()) + [row.period for row in added]
    twice = sorted({d for d in every if every.count(d) > 1})
    return [t("measure_data.period_twice", period=_period_name(d, measure)) for d in twice]


# --- saving ------------------------------------------------------------------------------------


def _save(measure: Measure, points: list[DataPoint], confirmed: bool) -> None:
    """on_click of Save (and of "Yes, delete and save"): check every row, ask before deleting,
    then save everything as one action; what happened is kept for the rerun."""
    state = st.session_state
    state[_open_key(measure.id)] = True
    actor = current_actor()
    if actor is None:
        state[_result_key(measure.id)] = ("error", t("app.not_allowed"))
        return
    edits = state.get(editor_key(measure.id)) or {}
    edited, added, deleted, found = read_changes(measure, points, edits)
    if found:
        state[_result_key(measure.id)] = ("invalid", found)
        state.pop(_ask_key(measure.id), None)
        return
    if not (edited or added or deleted):
        state[_result_key(measure.id)] = ("info", t("measure_data.nothing_to_save"))
        return
    if deleted and not confirmed:
        state[_ask_key(measure.id)] = [_period_name(p.period, measure) for p in deleted]
        return
    state.pop(_ask_key(measure.id), None)
    try:
        save_data_points(cursor(), actor, measure.id,
                         edited=[{**row.values, "id": row.point.id} for row in edited],
                         added=[row.values for row in added], deleted_ids=[p.id for p in deleted])
    except ValidationError as exc:
        state[_result_key(measure.id)] = ("invalid", [text for _, text in problems(exc)])
        return
    except NotAllowed:
        state[_result_key(measure.id)] = ("error", t("app.not_allowed"))
        return
    except DatabaseError as exc:
        state[_result_key(measure.id)] = ("error", database_error_text(exc))
        return
    except LookupError:  # a row someone else deleted meanwhile
        state[_result_key(measure.id)] = ("error", t("measure_data.row_gone"))
        return
    except ValueError as exc:  # a period stored meanwhile, or an event on a day that has one
        state[_result_key(measure.id)] = ("error", t("measure_data.not_saved_because", reason=plain(str(exc))))
        return
    _fresh_table(measure.id)
    parts = []
    if added:
        parts.append(tn("measure_data.rows_added", len(added)))
    if edited:
        parts.append(tn("measure_data.rows_changed", len(edited)))
    if deleted:
        parts.append(tn("measure_data.rows_deleted", len(deleted)))
    state[_result_key(measure.id)] = ("saved", t("measure_data.saved", what=", ".join(parts)))


def _fresh_table(measure_id: int) -> None:
    state = st.session_state
    state.pop(editor_key(measure_id), None)
    state[_generation_key(measure_id)] = state.get(_generation_key(measure_id), 0) + 1


def _keep_rows(measure_id: int) -> None:
    """ "No, keep the rows": the question goes, and the table shows what is stored again."""
    st.session_state.pop(_ask_key(measure_id), None)
    _fresh_table(measure_id)
    st.session_state[_result_key(measure_id)] = ("info", t("measure_data.delete_cancelled"))


def data_table(measure: Measure, points: list[DataPoint]) -> None:
    """The measure's data in an expander: an editable table with Save for those who may enter
    data, a read-only one for the others. Opened at once when there is no data yet."""
    actor = current_actor()
    may = actor is not None and can(actor, "save_data_points", Scope(project_id=measure.project_id,
                                                                     theme_id=measure.theme_id))
    if not may and not points:
        return
    state = st.session_state
    result = state.pop(_result_key(measure.id), None)
    heading = tn("measure_data.table_heading_events" if measure.data_type in EVENT_DATA_TYPES
                 else "measure_data.table_heading", len(points))
    with st.expander(heading, icon=":material/table_edit:",
                     expanded=state.get(_open_key(measure.id), False) or (may and not points)):
        frame = _frame(measure, points)
        if not may:
            st.dataframe(frame, column_config=_column_config(measure), hide_index=True, width="stretch")
            if measure.data_type in EVENT_DATA_TYPES:
                _quiet_weeks(measure, points, may=False)
            return
        st.caption(t(f"measure_data.table_help_{'event' if measure.data_type in EVENT_DATA_TYPES else 'period'}",
                     period=t(f"measure_data.period_word_{measure.period}")))
        st.data_editor(frame, column_config=_column_config(measure), hide_index=True, width="stretch",
                       num_rows="dynamic", key=editor_key(measure.id))
        asked = state.get(_ask_key(measure.id))
        if asked:
            st.warning(tn("measure_data.delete_question", len(asked), periods=", ".join(asked)))
            row = st.container(horizontal=True)
            row.button(t("measure_data.delete_yes"), key=f"data-delete-yes-{measure.id}", type="primary",
                       on_click=_save, args=(measure, points, True))
            row.button(t("measure_data.delete_no"), key=f"data-delete-no-{measure.id}",
                       on_click=_keep_rows, args=(measure.id,))
        else:
            st.button(t("measure_data.save"), key=f"data-save-{measure.id}", type="primary",
                      icon=":material/save:", on_click=_save, args=(measure, points, False))
        if result is not None:
            kind, message = result
            if kind == "invalid":
                st.error(t("measure_data.not_saved_rows") + "\n" + "\n".join(f"- {line}" for line in message))
            else:
                show_message(kind, message)
        if measure.data_type in EVENT_DATA_TYPES:
            _quiet_weeks(measure, points, may=True)


# --- weeks without events (days or cases between events) ------------------------------------------

OFFERED_WEEKS = 8  # this week and the seven before it can be recorded as having no events


def _quiet_result_key(measure_id: int) -> str:
    return f"no-event-result-{measure_id}"


def _quiet_ask_key(measure_id: int) -> str:
    return f"no-event-ask-{measure_id}"


def _week_name(day: date) -> str:
    return period_label(day, REVIEW_PERIOD, language())


def _record_quiet(measure: Measure, week: date) -> None:
    """on_click of "No events in week …" (and of Undo after a removal)."""
    state = st.session_state
    state[_open_key(measure.id)] = True
    state.pop(_quiet_ask_key(measure.id), None)
    actor = current_actor()
    if actor is None:
        state[_quiet_result_key(measure.id)] = ("error", t("app.not_allowed"))
        return
    try:
        record_no_event_period(cursor(), actor, measure.id, week)
    except PeriodHasEvent as exc:
        state[_quiet_result_key(measure.id)] = ("error", t(
            "measure_data.no_event_has_event", week=_week_name(exc.period),
            days=", ".join(fmt_date(day) for day in exc.event_days)))
    except NotAllowed:
        state[_quiet_result_key(measure.id)] = ("error", t("app.not_allowed"))
    except DatabaseError as exc:
        state[_quiet_result_key(measure.id)] = ("error", database_error_text(exc))
    except ValueError as exc:  # a week not yet begun, or a measure that became another data type
        state[_quiet_result_key(measure.id)] = ("error", t("measure_data.not_saved_because", reason=plain(str(exc))))
    else:
        state[_quiet_result_key(measure.id)] = ("saved", t("measure_data.no_event_recorded", week=_week_name(week)))


def _ask_remove_quiet(measure: Measure, entry: NoEventPeriod) -> None:
    st.session_state[_open_key(measure.id)] = True
    st.session_state[_quiet_ask_key(measure.id)] = (entry.id, entry.version, entry.period)


def _keep_quiet(measure: Measure) -> None:
    st.session_state[_open_key(measure.id)] = True
    st.session_state.pop(_quiet_ask_key(measure.id), None)
    st.session_state[_quiet_result_key(measure.id)] = ("info", t("measure_data.no_event_kept"))


def _remove_quiet(measure: Measure) -> None:
    """on_click of "Yes, remove": the entry is archived; Undo records the week again."""
    state = st.session_state
    state[_open_key(measure.id)] = True
    asked = state.pop(_quiet_ask_key(measure.id), None)
    if asked is None:
        return
    entry_id, version, week = asked
    actor = current_actor()
    if actor is None:
        state[_quiet_result_key(measure.id)] = ("error", t("app.not_allowed"))
        return
    try:
        remove_no_event_period(cursor(), actor, entry_id, expected_version=version)
    except StaleEdit as exc:
        state[_quiet_result_key(measure.id)] = ("error", t(
            "measure_data.no_event_changed_meanwhile", who=plain(exc.changed_by or "?"),
            when=fmt_datetime(exc.changed_at)))
    except NotAllowed:
        state[_quiet_result_key(measure.id)] = ("error", t("app.not_allowed"))
    except (DatabaseError, LookupError) as exc:
        state[_quiet_result_key(measure.id)] = ("error", database_error_text(exc) if isinstance(exc, DatabaseError)
                                                else t("measure_data.row_gone"))
    else:
        state[_quiet_result_key(measure.id)] = ("removed", week)


def _quiet_weeks(measure: Measure, points: list[DataPoint], *, may: bool) -> None:
    """Next to the events table: the weeks recorded as having no event, and for those who may
    enter data a button "No events in week 48 2026" for a week of their choice (this week and
    the seven before it, less those with an event or already recorded), each entry removable
    after a question, with Undo."""
    entries = list(reversed(list_no_event_periods(cursor(), measure.id)))  # newest first
    if not may and not entries:
        return
    state = st.session_state
    st.markdown(f"**{t('measure_data.no_event_heading')}**")
    if may:
        st.caption(t("measure_data.no_event_help"))
        offered = weeks_to_offer([p.period for p in points], entries, date.today(), OFFERED_WEEKS)
        if offered:
            this_week = review_start(date.today())
            # the labels are made here, in the page's run: a format_func that translates when it
            # is called reads the language outside the run (AppTest does) and gets it wrong
            names = {day: t("measure_data.no_event_this_week", week=_week_name(day)) if day == this_week
                     else _week_name(day) for day in offered}
            row = st.container(horizontal=True, vertical_alignment="bottom")
            week = row.selectbox(
                t("measure_data.no_event_week"), offered, key=f"no-event-week-{measure.id}",
                format_func=names.__getitem__)
            row.button(t("measure_data.no_event_record", week=_week_name(week or offered[0])),
                       key=f"no-event-record-{measure.id}", icon=":material/event_available:",
                       on_click=_record_quiet, args=(measure, week or offered[0]))
        else:
            st.caption(t("measure_data.no_event_all_covered", count=OFFERED_WEEKS))
    result = state.pop(_quiet_result_key(measure.id), None)
    if result is not None:
        kind, message = result
        if kind == "removed":
            row = st.container(horizontal=True, vertical_alignment="center")
            row.success(t("measure_data.no_event_removed", week=_week_name(message)))
            row.button(t("measure_data.no_event_undo"), key=f"no-event-undo-{measure.id}", icon=":material/undo:",
                       on_click=_record_quiet, args=(measure, message))
        else:
            show_message(kind, message)
    if not entries:
        st.caption(t("measure_data.no_event_none_yet"))
        return
    asked = state.get(_quiet_ask_key(measure.id))
    for entry in entries:
        row = st.container(horizontal=True, vertical_alignment="center", key=f"no-event-entry-{entry.id}")
        row.markdown(f"{t('measure_data.no_event_entry', week=_week_name(entry.period))} · "
                     f":gray[{t('measure_data.no_event_entry_by', who=plain(entry.entered_by, one_line=True))}]")
        if may and not (asked and asked[0] == entry.id):
            row.button(t("measure_data.no_event_remove"), key=f"no-event-remove-{entry.id}", type="tertiary",
                       icon=":material/close:", on_click=_ask_remove_quiet, args=(measure, entry))
        if may and asked and asked[0] == entry.id:
            st.warning(t("measure_data.no_event_remove_question", week=_week_name(entry.period)))
            answer = st.container(horizontal=True)
            answer.button(t("measure_data.no_event_remove_yes"), key=f"no-event-remove-yes-{measure.id}",
                          type="primary", on_click=_remove_quiet, args=(measure,))
            answer.button(t("measure_data.no_event_remove_no"), key=f"no-event-remove-no-{measure.id}",
                          on_click=_keep_quiet, args=(measure,))
