"""Every row of a file checked against the measure before anything is saved: the import plan.

:func:`plan_import` takes the sheet, the mapping and the measure and returns a
:class:`Plan`: the rows that will be saved (period as the measure stores it, the mapped
values) and, for each bad row, its number and what is wrong (:class:`Problem`; a row can
have several). A file-level problem (no period column, an unclear decimal mark) is a
Problem with ``row`` None. The plan is saved only when it has no problems
(``actions.import_data_points``), so a file is imported whole or not at all.

Checked per row: the period (unreadable, no such date, a week or month where the measure
takes another unit, the same period twice), the numbers (text, a spreadsheet error, empty
where one is needed, negative, not whole where cases are counted, the numerator above the
denominator, a denominator of 0), yes/no columns, and the note (a CPR number is refused and
never repeated). A date inside a week in a weekly measure is counted in its ISO week, one
inside a month in its month: the plan says how many dates moved, with an example, so the
preview can show it. Empty rows are passed over; a totals row at the end ("I alt", "Total",
"Sum") is left out and said so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from pydantic import ValidationError

from pdsa.core.fields import contains_cpr
from pdsa.core.periods import period_start
from pdsa.imports.columns import (
    FLAG_FIELDS,
    NUMBER_FIELDS,
    check_mapping,
    needed_fields,
)
from pdsa.imports.reader import Sheet
from pdsa.imports.values import (
    CellProblem,
    check_formula_error,
    decimal_mark,
    is_empty,
    is_total_label,
    parse_flag,
    parse_number,
    parse_period_cell,
    shown,
)
from pdsa.models import EVENT_DATA_TYPES, DataPoint, Measure

MAX_PROBLEMS_SHOWN = 200


@dataclass(frozen=True)
class Problem:
    """What is wrong: ``code`` is the catalogue text imports.problem.<code>; ``row`` the row's
    number in the file (None: the whole file); ``column`` the file's column it is in."""

    row: int | None
    code: str
    values: dict = field(default_factory=dict)
    column: str | None = None


@dataclass(frozen=True)
class Notice:
    """Something the preview says that is not a problem (moved dates, a title line skipped)."""

    code: str
    values: dict = field(default_factory=dict)


@dataclass
class PlannedRow:
    row: int                      # the row's number in the file
    period: date                  # as the measure stores it
    stated: object                # the cell as the file wrote it
    values: dict                  # the DataPoint's fields given (value, numerator, denominator, note, excluded)
    split: bool = False
    freeze: bool = False


@dataclass
class Plan:
    measure: Measure
    mapping: dict[str, str]
    decimal: str
    rows: list[PlannedRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    rows_read: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def bad_rows(self) -> list[int]:
        return sorted({p.row for p in self.problems if p.row is not None})


def plan_import(sheet: Sheet, mapping: dict[str, str], measure: Measure, *, decimal: str | None = None,
                progress: Callable[[float], None] | None = None) -> Plan:
    """Check every row; see the module docstring."""
    plan = Plan(measure, dict(mapping), decimal or ",", rows_read=len(sheet.rows))
    if sheet.skipped_title_rows:
        plan.notices.append(Notice("title_rows_skipped", {"rows": _rows_text(sheet.skipped_title_rows)}))
    if len(sheet.columns) == 1 and len(needed_fields(measure.data_type)) > 1:
        plan.problems.append(Problem(None, "one_column", {"column": shown(sheet.columns[0], 60)}))
        return plan
    for code, values in check_mapping(mapping, sheet, measure.data_type):
        plan.problems.append(Problem(None, code, values))
    if plan.problems:
        return plan
    position = {name: sheet.column(column) for name, column in mapping.items()}
    numbers = [position[name] for name in NUMBER_FIELDS if name in position]
    if decimal is None:
        texts = [row[k] for row in sheet.rows for k in numbers if k < len(row) and isinstance(row[k], str)]
        try:
            found = decimal_mark(texts)
        except ValueError:
            plan.problems.append(Problem(None, "decimal_both"))
            return plan
        if found is None:
            plan.problems.append(Problem(None, "decimal_unclear"))
            return plan
        plan.decimal = found
    for row_number, found, expected in sheet.field_count_rows:
        if found > expected:
            plan.problems.append(Problem(row_number, "too_many_fields", {"found": found, "expected": expected}))
    last_rows = _trailing_totals(sheet, position["period"])
    if last_rows:
        label = next(c for c in sheet.rows[last_rows[0]] if not is_empty(c))
        plan.notices.append(Notice("totals_left_out", {"rows": _rows_text([sheet.row_numbers[k] for k in last_rows]),
                                                       "text": shown(label)}))
    skip = set(last_rows)
    seen: dict[date, int] = {}
    moved: list[tuple[object, date]] = []
    step = max(1, len(sheet.rows) // 50)
    for k, cells in enumerate(sheet.rows):
        if progress is not None and k % step == 0:
            progress(k / max(1, len(sheet.rows)))
        if k in skip or all(is_empty(c) for c in cells):
            continue
        planned = _check_row(sheet, k, cells, position, measure, plan, seen, moved)
        if planned is not None:
            plan.rows.append(planned)
    if moved:
        stated, day = moved[0]
        plan.notices.append(Notice(f"dates_moved_{measure.period}", {
            "count": len(moved), "example": shown(stated), "period": day}))
    if progress is not None:
        progress(1.0)
    if not plan.rows and not plan.problems:
        plan.problems.append(Problem(None, "no_rows"))
    return plan


def _rows_text(numbers: list[int]) -> str:
    return ", ".join(str(n) for n in numbers)


def _trailing_totals(sheet: Sheet, period_column: int) -> list[int]:
    """Indexes of the last non-empty rows whose period cell reads "I alt", "Total", "Sum" ..."""
    found = []
    for k in range(len(sheet.rows) - 1, -1, -1):
        cells = sheet.rows[k]
        if all(is_empty(c) for c in cells):
            continue
        first_text = next((c for c in cells if not is_empty(c)), None)
        cell = cells[period_column] if period_column < len(cells) else None
        if is_total_label(cell) or (is_empty(cell) and is_total_label(first_text)):
            found.append(k)
            continue
        break
    return sorted(found)


def _cell(cells: list[object], position: dict[str, int], name: str) -> object:
    k = position.get(name)
    return None if k is None or k >= len(cells) else cells[k]


def _check_row(sheet: Sheet, k: int, cells: list[object], position: dict[str, int], measure: Measure, plan: Plan,
               seen: dict[date, int], moved: list) -> PlannedRow | None:
    row = sheet.row_numbers[k]
    problems: list[Problem] = []

    def problem(code: str, name: str | None = None, **values) -> None:
        column = plan.mapping.get(name) if name else None
        problems.append(Problem(row, code, {**values, **({"column": column} if column else {})}, column))

    def empty_cell(name: str, code: str) -> None:
        merged = sheet.merged.get((row, position[name]))
        if merged:
            problem("merged_cell", name, cells=merged)
        else:
            problem(code, name)

    # period
    period = None
    stated = _cell(cells, position, "period")
    if is_empty(stated):
        empty_cell("period", "period_empty")
    else:
        try:
            found = parse_period_cell(stated, measure.period)
            period = _fit(found, measure.period, stated, moved, problem)
        except CellProblem as exc:
            problem(exc.code, "period", **exc.values)
    if measure.data_type not in EVENT_DATA_TYPES or measure.data_type == "days_between":
        if period is not None and period in seen:
            problem("period_twice", "period", other=seen[period], period=period)
        elif period is not None:
            seen[period] = row

    # numbers
    values: dict = {}
    for name in NUMBER_FIELDS:
        if name not in position:
            continue
        cell = _cell(cells, position, name)
        if is_empty(cell):
            empty_cell(name, f"{name}_missing")
            continue
        try:
            number = parse_number(cell, plan.decimal)
        except CellProblem as exc:
            problem(exc.code, name, **exc.values)
            continue
        if number is None:
            empty_cell(name, f"{name}_missing")
            continue
        values[name] = number
    _check_numbers(values, measure.data_type, problem)

    # note and yes/no columns
    if "note" in position:
        note = _cell(cells, position, "note")
        if not is_empty(note):
            text = note if isinstance(note, str) else shown(note)
            try:
                check_formula_error(text)
            except CellProblem as exc:
                problem(exc.code, "note", **exc.values)
            else:
                if contains_cpr(text):
                    problem("note_cpr", "note")
                elif len(text) > 10_000:
                    problem("note_too_long", "note")
                else:
                    values["note"] = text.strip()
        else:
            values["note"] = None
    flags: dict[str, bool] = {}
    for name in FLAG_FIELDS:
        if name in position:
            try:
                flags[name] = parse_flag(_cell(cells, position, name))
            except CellProblem as exc:
                problem(exc.code, name, **exc.values)
    if "excluded" in flags:
        values["excluded"] = flags["excluded"]

    if not problems and period is not None:
        try:
            DataPoint.model_validate({"measure_id": measure.id or 0, "period": period, **values},
                                     context={"measure": measure})
        except ValidationError as exc:
            error = exc.errors()[0]
            problem("invalid", None, reason_code=error["type"], reason=error["msg"].removeprefix("Value error, "),
                    **{k: v for k, v in (error.get("ctx") or {}).items() if k != "field"})
    plan.problems.extend(problems)
    if problems or period is None:
        return None
    return PlannedRow(row, period, stated, values, split=flags.get("split", False), freeze=flags.get("freeze", False))


def _fit(found, measure_period: str, stated: object, moved: list, problem) -> date | None:
    """The period the measure stores for what the cell says; None (with a problem) when the
    cell names a unit the measure does not count in."""
    if found.unit == "day":
        start = period_start(found.day, measure_period)
        if start != found.day:
            moved.append((stated, start))
        return start
    if found.unit == measure_period:
        return found.day
    problem(f"{found.unit}_in_{measure_period}_measure", "period", text=shown(stated))
    return None


def _check_numbers(values: dict, data_type: str, problem) -> None:
    for name in NUMBER_FIELDS:
        number = values.get(name)
        if number is None:
            continue
        if number < 0 and (name != "value" or data_type != "continuous"):
            problem("negative", name, number=number)
            values.pop(name)
        elif data_type in ("count", "cases_between", "proportion") and not float(number).is_integer():
            problem("not_whole", name, number=number)
            values.pop(name)
    numerator, denominator = values.get("numerator"), values.get("denominator")
    if denominator is not None and denominator == 0:
        problem("denominator_zero", "denominator")
        values.pop("denominator")
    elif numerator is not None and denominator is not None and data_type == "proportion" and numerator > denominator:
        problem("numerator_above_denominator", "numerator", numerator=numerator, denominator=denominator)
