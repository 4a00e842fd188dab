"""The ``analyze`` command's checks of values and positions, worded as it reports them.

The checks and their wording are the single-series engine's (``series.check_values``,
``positions``), so the command says what it always said. With ``--series`` the first
series (in order of appearance) with a problem is reported, and within it the problem
that engine would meet first: text that is not a number in y, then in n, infinite
values, then the value checks row by row, then positions outside the data. All rows are
checked at once with numpy; Python builds only the one message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .numbers import read_number
from .reader import Table
from .result import PROPORTION_CHARTS

COUNT_CHARTS = frozenset({"c", "u", "up", "g", "p", "pp"})


@dataclass
class Options:
    """The command's options, checked (analyze_input.parse_options)."""

    chart: str
    rules: str
    direction: str
    screen_mr: bool
    freeze: int | None
    part: list[int] | None
    exclude: list[int] | None
    target: float | None
    decimal: str | None


@dataclass
class Column:
    """One numeric column as read: its name, values (NaN = missing) and 0-based rows whose
    text is not a number."""

    name: str | None
    values: np.ndarray | None
    not_numbers: np.ndarray


@dataclass
class _Check:
    rows: np.ndarray          # 0-based file rows that fail it, ascending
    message: Callable[[int], str]


def first_problem(table: Table, options: Options, mark: str, y: Column, n: Column, codes: np.ndarray,
                  point_of_row: np.ndarray) -> str | None:
    """The message for the first problem (see the module docstring), or None."""
    if len(codes) == 0:
        return None
    n_series = int(codes.max()) + 1
    checks = _value_checks(table, options, mark, y, n)
    best_check = np.full(n_series, len(checks), dtype=np.int64)   # per series: first failing check
    best_row = np.zeros(n_series, dtype=np.int64)                  # and its first row
    for number, check in enumerate(checks):
        if len(check.rows) == 0:
            continue
        series_of, first = np.unique(codes[check.rows], return_index=True)
        fresh = best_check[series_of] == len(checks)
        best_check[series_of[fresh]] = number
        best_row[series_of[fresh]] = check.rows[first[fresh]]
    lengths = _points_per_series(codes, point_of_row, n_series)
    failing = np.flatnonzero((best_check < len(checks)) | _layout_bad(options, lengths))
    if len(failing) == 0:
        return None
    series = int(failing[0])
    if best_check[series] == len(checks):
        return _layout_problem(options, int(lengths[series]))
    return checks[int(best_check[series])].message(int(best_row[series]))


def _value_checks(table: Table, options: Options, mark: str, y: Column, n: Column) -> list[_Check]:
    """The single-series engine's value checks in its order: to_floats (y, then n), then
    check_values row by row (n > 0, counts >= 0, proportion <= 1, times > 0)."""
    count = len(y.values)
    ys = y.values
    ns = n.values if n.values is not None else np.full(count, np.nan)
    chart = options.chart

    def text(column: Column):
        def say(row: int) -> str:
            found = table.text(column.name, np.array([row]))[0].strip()
            return f"row {row + 1}, column {column.name}: '{found}' is not a number{_hint(found, mark)}"
        return _Check(column.not_numbers, say)

    def infinite(column: Column):
        rows = np.flatnonzero(np.isinf(column.values)) if column.values is not None else np.zeros(0, np.int64)
        return _Check(rows, lambda row: f"row {row + 1}, column {column.name}: "
                                        f"{float(column.values[row])!r} is not a finite number")

    nothing = np.zeros(count, dtype=bool)
    with np.errstate(invalid="ignore"):
        row_checks = [   # (failing rows, column, reason): the first that fails a row is reported
            (ns <= 0, n.name, lambda row: f"denominator {_show(ns[row])} must be above 0"),
            ((ys < 0) if chart in COUNT_CHARTS else nothing, y.name,
             lambda row: f"negative count {_show(ys[row])}; chart {chart} needs counts of 0 or more"),
            ((ys > ns) if chart in PROPORTION_CHARTS else nothing, n.name,
             lambda row: f"denominator {_show(ns[row])} is below the numerator {_show(ys[row])}; "
                         f"a proportion cannot exceed 1"),
            ((ys <= 0) if chart == "t" else nothing, y.name,
             lambda row: f"time between events {_show(ys[row])} must be above 0"),
        ]
    failing = np.zeros(count, dtype=bool)
    for flags, _, _ in row_checks:
        failing |= flags

    def value(row: int) -> str:
        flags, column, reason = next(check for check in row_checks if check[0][row])
        return f"row {row + 1}, column {column}: {reason(row)}"

    return [text(y), text(n), infinite(y), infinite(n), _Check(np.flatnonzero(failing), value)]


def _points_per_series(codes: np.ndarray, point_of_row: np.ndarray, n_series: int) -> np.ndarray:
    last = np.full(n_series, -1, dtype=np.int64)
    first = np.full(n_series, np.iinfo(np.int64).max, dtype=np.int64)
    np.maximum.at(last, codes, point_of_row)
    np.minimum.at(first, codes, point_of_row)
    return last - first + 1


def _layout_bad(options: Options, lengths: np.ndarray) -> np.ndarray:
    """Per series: a freeze, part or exclude position outside its points."""
    bad = np.zeros(len(lengths), dtype=bool)
    if options.freeze is not None:
        bad |= (options.freeze < 1) | (options.freeze > lengths)
    for position in options.part or []:
        bad |= (position < 1) | (position > lengths - 1)
    for position in options.exclude or []:
        bad |= (position < 1) | (position > lengths)
    return bad


def _layout_problem(options: Options, length: int) -> str | None:
    """positions.anhoej_layout / mdc_layout's message for a series of ``length`` points."""
    if options.freeze is not None and not 1 <= options.freeze <= length:
        return f"freeze {options.freeze} is outside the data (1..{length})"
    for name, positions, high in (("part", options.part, length - 1), ("exclude", options.exclude, length)):
        for value in positions or []:
            if not 1 <= value <= high:
                span = f"1..{high}" if 1 <= high else "none: there are too few points"
                return f"{name} position {value} is outside the data (allowed: {span})"
    return None


def _hint(text: str, mark: str) -> str:
    other = "." if mark == "," else ","
    if read_number(text, other) is not None:
        word = "comma" if other == "," else "point"
        return f" (the decimal mark here is '{mark}'; pass --decimal {other} for a decimal {word})"
    return ""


def _show(number: float) -> str:
    """A number as a person would write it (5, not 5.0)."""
    return str(int(number)) if float(number).is_integer() else repr(float(number))
