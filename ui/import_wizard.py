"""The import wizard on a measure's card: a CSV or Excel file → preview → columns → import.

One expander, "Importér data fra en fil", for those who may enter the measure's data:

1. upload a CSV or Excel file (an Excel file with several sheets: choose the sheet);
2. the columns: each of the measure's fields (period, value or numerator and denominator,
   note, excluded, split, freeze) with the file's column guessed for it — or, when the measure
   was imported before, the columns chosen then (remembered per measure) — and the decimal mark;
3. the preview: the first rows as they will be stored (a Tuesday in a weekly measure shown as
   its ISO week, with a line saying how many dates moved), or the report of every bad row with
   its number and reason, and nothing can be imported until the file is corrected;
4. the counts: how many periods are new and how many already hold data, skipped or replaced as
   chosen; then Import, which saves all rows as one action (``import_data_points``) in the
   button's ``on_click``; the success message and the rows appear on the card at once.

Reading and checking are done by :mod:`pdsa.imports` (no Streamlit there), so tests call them
directly; the page reads an uploaded file, or — AppTest cannot upload files — the bytes a test
puts in ``st.session_state[f"{key}-upload"]`` as ``{"name": ..., "data": ...}``.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from actions import Actor, ImportRefused, NotAllowed, can, import_data_points
from actions.imports import existing_counts
from actions.permissions import Scope
from pdsa.core.db import DatabaseError
from pdsa.core.periods import period_label
from pdsa.imports import (
    FileProblem,
    Plan,
    Sheet,
    check_mapping,
    excel_sheets,
    field_name,
    fields_for,
    file_problem_line,
    guess_mapping,
    needed_fields,
    notice_line,
    plan_import,
    read_file_for,
    report_lines,
)
from pdsa.imports.store import remembered_mapping
from pdsa.imports.values import shown
from pdsa.models import Measure
from ui.data_table import _generation_key
from ui.format import fmt_input_number
from ui.plain import plain
from ui.state import cursor, database_error_text, language, t

PREVIEW_ROWS = 10
PROGRESS_FROM = 2_000          # rows; a smaller file is checked in a blink
NONE = "—"


def show_import_wizard(cur, actor: Actor | None, measure: Measure, *, key: str) -> None:
    """The wizard in its expander (nothing for those who may not enter the measure's data)."""
    if actor is None or not can(actor, "import_data_points", Scope(project_id=measure.project_id,
                                                                    theme_id=measure.theme_id)):
        return
    outcome = st.session_state.pop(f"{key}-outcome", None)
    if outcome is not None:
        (st.success if outcome[0] == "success" else st.error)(outcome[1])
    opened = bool(st.session_state.get(f"{key}-open")) or f"{key}-upload" in st.session_state
    with st.expander(t("imports.wizard.title"), expanded=opened, icon=":material/upload_file:"):
        _wizard(cur, measure, key)


def _wizard(cur, measure: Measure, key: str) -> None:
    st.caption(t("imports.wizard.purpose"))
    uploaded = st.file_uploader(t("imports.wizard.file"), type=["csv", "txt", "tsv", "xlsx", "xlsm"],
                                key=f"{key}-file-{st.session_state.get(f'{key}-files', 0)}",
                                help=t("imports.wizard.file_help"))
    if uploaded is not None:
        name, data = uploaded.name, uploaded.getvalue()
        st.session_state[f"{key}-open"] = True
    elif f"{key}-upload" in st.session_state:
        name, data = st.session_state[f"{key}-upload"]["name"], st.session_state[f"{key}-upload"]["data"]
    else:
        return
    remembered = remembered_mapping(cur, measure.id) or {}
    sheet_name = _choose_sheet(data, name, remembered.get("sheet"), key)
    try:
        sheet = _read(data, name, sheet_name, key)
    except FileProblem as problem:
        st.error(t("imports.report.not_imported_file") + " " + file_problem_line(problem, language()))
        return
    mapping, decimal = _choose_columns(sheet, measure, remembered, key)
    bar = st.progress(0.0, text=t("imports.wizard.checking")) if len(sheet.rows) >= PROGRESS_FROM else None
    plan = plan_import(sheet, mapping, measure, decimal=decimal,
                       progress=(lambda f: bar.progress(f, text=t("imports.wizard.checking"))) if bar else None)
    if bar is not None:
        bar.empty()
    for notice in plan.notices:
        st.info(notice_line(notice, language(), measure.period))
    if plan.problems:
        lines = report_lines(plan, language())
        st.error(lines[0] + "\n\n" + "\n".join(f"- {plain(line)}" for line in lines[1:]))
        return
    _preview(plan, sheet, measure)
    _confirm(cur, plan, measure, sheet, name, key)


def _choose_sheet(data: bytes, name: str, remembered: str | None, key: str) -> str | None:
    if not data.startswith(b"PK\x03\x04"):
        return None
    digest = hashlib.sha256(data).hexdigest()
    cached = st.session_state.get(f"{key}-sheets")
    if cached is not None and cached[0] == digest:
        sheets = cached[1]
    else:
        try:
            sheets = excel_sheets(data)
        except FileProblem:
            return None
        st.session_state[f"{key}-sheets"] = (digest, sheets)
    filled = [title for title, has_values in sheets if has_values]
    if len(sheets) < 2:
        return None
    names = [title for title, _ in sheets]
    default = remembered if remembered in filled else (filled[0] if filled else names[0])
    labels = {title: title if has_values else t("imports.wizard.empty_sheet", sheet=title)
              for title, has_values in sheets}
    return st.selectbox(t("imports.wizard.sheet"), names, index=names.index(default), format_func=labels.__getitem__,
                        key=f"{key}-sheet")


def _read(data: bytes, name: str, sheet_name: str | None, key: str) -> Sheet:
    """The file's cells, read once per file and sheet (kept in the session while the wizard is open)."""
    digest = hashlib.sha256(data).hexdigest() + f":{sheet_name}"
    cached = st.session_state.get(f"{key}-read")
    if cached is not None and cached[0] == digest:
        if isinstance(cached[1], FileProblem):
            raise cached[1]
        return cached[1]
    try:
        sheet = read_file_for(data, name, sheet=sheet_name)
    except FileProblem as problem:
        st.session_state[f"{key}-read"] = (digest, problem)
        raise
    st.session_state[f"{key}-read"] = (digest, sheet)
    return sheet


def _choose_columns(sheet: Sheet, measure: Measure, remembered: dict, key: str) -> tuple[dict[str, str], str | None]:
    """A select box per field (the guess, or the columns remembered when they are all in the
    file) and the decimal mark; returns the mapping and the mark (None: read from the numbers)."""
    earlier = remembered.get("mapping") or {}
    use_earlier = bool(earlier) and not check_mapping(earlier, sheet, measure.data_type)
    proposed = earlier if use_earlier else guess_mapping(sheet, measure.data_type)
    st.markdown(f"**{t('imports.wizard.columns')}**")
    st.caption(t("imports.wizard.columns_remembered" if use_earlier else "imports.wizard.columns_guessed"))
    options = [NONE, *sheet.columns]
    needed = needed_fields(measure.data_type)
    mapping: dict[str, str] = {}
    row = st.columns(3)
    signature = "|".join(sheet.columns)
    for k, field in enumerate(fields_for(measure.data_type)):
        chosen = proposed.get(field)
        label = field_name(language(), field) + (" *" if field in needed else "")
        value = row[k % 3].selectbox(label, options, index=options.index(chosen) if chosen in options else 0,
                                     key=f"{key}-map-{field}-{hashlib.md5(signature.encode()).hexdigest()[:8]}")
        if value != NONE:
            mapping[field] = value
    marks = {"auto": t("imports.wizard.decimal_auto"), ",": t("imports.wizard.decimal_comma"),
             ".": t("imports.wizard.decimal_point")}
    mark = st.radio(t("imports.wizard.decimal"), list(marks), format_func=marks.__getitem__, horizontal=True,
                    key=f"{key}-decimal")
    return mapping, None if mark == "auto" else mark


def _preview(plan: Plan, sheet: Sheet, measure: Measure) -> None:
    """The first rows as they will be stored: the file's row number, what it said, the period."""
    st.markdown(f"**{t('imports.wizard.preview', count=min(PREVIEW_ROWS, len(plan.rows)), total=len(plan.rows))}**")
    columns = {"row": t("imports.wizard.row"), "stated": t("imports.wizard.stated"),
               "period": t("imports.wizard.period")}
    records = []
    for row in plan.rows[:PREVIEW_ROWS]:
        record = {columns["row"]: row.row, columns["stated"]: shown(row.stated),
                  columns["period"]: period_label(row.period, measure.period, language())}
        for field in ("value", "numerator", "denominator"):
            if field in plan.mapping:
                record[field_name(language(), field)] = fmt_input_number(row.values.get(field))
        if "note" in plan.mapping:
            record[field_name(language(), "note")] = row.values.get("note") or ""
        if "excluded" in plan.mapping:
            record[field_name(language(), "excluded")] = t("imports.wizard.yes") if row.values.get("excluded") else ""
        for field in ("split", "freeze"):
            if field in plan.mapping:
                record[field_name(language(), field)] = t("imports.wizard.yes") if getattr(row, field) else ""
        records.append(record)
    st.dataframe(pd.DataFrame(records), hide_index=True, width="stretch")


def _confirm(cur, plan: Plan, measure: Measure, sheet: Sheet, name: str, key: str) -> None:
    new, existing = existing_counts(cur, plan)
    on_existing = "skip"
    if existing:
        st.warning(t("imports.wizard.existing", new=new, existing=existing))
        choices = {"skip": t("imports.wizard.skip"), "replace": t("imports.wizard.replace")}
        on_existing = st.radio(t("imports.wizard.on_existing"), list(choices), format_func=choices.__getitem__,
                               key=f"{key}-existing")
    else:
        st.caption(t("imports.wizard.all_new", new=new))
    count = new + (existing if on_existing == "replace" else 0)
    st.button(t("imports.wizard.import", count=count), key=f"{key}-import", type="primary", disabled=count == 0,
              icon=":material/upload:", on_click=_import, args=(plan, measure, sheet.sheet, name, on_existing, key))


def _import(plan: Plan, measure: Measure, sheet_name: str | None, name: str, on_existing: str, key: str) -> None:
    """on_click of Import: the action, and what happened kept for the rerun."""
    from ui.actor import current_actor

    actor = current_actor()
    try:
        if actor is None:
            raise NotAllowed(actor, "import_data_points")
        result = import_data_points(cursor(), actor, measure.id, plan, on_existing=on_existing, sheet=sheet_name)
    except ImportRefused:
        st.session_state[f"{key}-outcome"] = ("error", "\n".join(report_lines(plan, language())))
        return
    except NotAllowed:
        st.session_state[f"{key}-outcome"] = ("error", t("app.not_allowed"))
        return
    except DatabaseError as exc:
        st.session_state[f"{key}-outcome"] = ("error", database_error_text(exc))
        return
    except ValueError as exc:   # the measure changed since the preview (a ValidationError is one)
        st.session_state[f"{key}-outcome"] = ("error", t("imports.wizard.changed", reason=plain(str(exc))))
        return
    st.session_state[f"{key}-outcome"] = ("success", t(
        "imports.wizard.done", file=plain(name, one_line=True), added=result.added, replaced=result.replaced,
        skipped=result.skipped))
    for state_key in (f"{key}-upload", f"{key}-read", f"{key}-sheets", f"{key}-open"):
        st.session_state.pop(state_key, None)
    st.session_state[f"{key}-files"] = st.session_state.get(f"{key}-files", 0) + 1   # an empty uploader
    st.session_state[_generation_key(measure.id)] = st.session_state.get(_generation_key(measure.id), 0) + 1
