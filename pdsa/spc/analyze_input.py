"""From the ``analyze`` command's options and CSV file to the vectorised engine's rows.

Everything the command refuses is refused here, before anything is written, with one
sentence naming the row and column (rows count from 1, the header not counted). The
checks and their wording are the single-series engine's (``series.check_values``,
``positions``); with ``--series`` the first series (in order of appearance) with a
problem is reported, and within it the problem that engine would meet first: text
that is not a number in y, then in n, infinite values, then value checks row by row,
then positions outside the data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .many_engine import Rows, Settings, uniform_settings
from .numbers import POINT_NUMBER, AmbiguousDecimal, decimal_mark, parse_numbers, read_number, scan
from .reader import ReadProblem, Table, read_table
from .result import CHART_TYPES, CHARTS_NEEDING_N, PROPORTION_CHARTS

RULES = ("anhoej", "mdc")
DIRECTIONS = ("increase", "decrease", "neutral")
SUBGROUP_CHARTS = frozenset({"xbar", "s"})
COUNT_CHARTS = frozenset({"c", "u", "up", "g", "p", "pp"})
DECIMAL_MARKS = (",", ".")


class InputError(Exception):
    """Bad input, worded for the person running the command."""


@dataclass
class Options:
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
class Prepared:
    """The engine's input, and what the output needs to name series and points."""

    options: Options
    table: Table
    rows: Rows
    settings: Settings
    order: np.ndarray               # file row (0-based) of each engine row
    labels: list[str] | None        # series labels, None without --series
    x_column: str | None


def parse_options(args: Any) -> Options:
    """Check the command's options (today's messages, in today's order)."""
    if args.chart is None:
        raise InputError(f"--chart is required; choose one of {', '.join(CHART_TYPES)}")
    if args.chart not in CHART_TYPES:
        raise InputError(f"unknown chart '{args.chart}'; choose one of {', '.join(CHART_TYPES)}")
    if args.rules not in RULES:
        raise InputError(f"unknown rules '{args.rules}'; choose anhoej or mdc")
    if args.direction not in DIRECTIONS:
        raise InputError(f"unknown direction '{args.direction}'; choose increase, decrease or neutral")
    if args.decimal is not None and args.decimal not in DECIMAL_MARKS:
        raise InputError(f"--decimal: '{args.decimal}' is not a decimal mark; pass --decimal , or --decimal .")
    options = Options(
        chart=args.chart, rules=args.rules, direction=args.direction, screen_mr=args.screen_mr,
        freeze=_whole_number("--freeze", args.freeze), part=_positions("--part", args.part),
        exclude=_positions("--exclude", args.exclude), target=_target(args.target), decimal=args.decimal,
    )
    if options.rules == "mdc" and options.chart != "i":
        raise InputError(f"Making Data Count rules apply to individuals (XmR) charts only: use chart 'i', "
                         f"not '{options.chart}'")
    if options.rules == "mdc" and options.exclude:
        raise InputError("exclude is not part of the Making Data Count rules (NHSRplotthedots has no "
                         "exclusion); use rules='anhoej' or leave exclude empty")
    if options.chart in SUBGROUP_CHARTS and args.n is not None:
        raise InputError(f"chart '{options.chart}' takes no n: subgroups are the rows sharing an x")
    return options


def prepare(args: Any) -> Prepared:
    """Read and check everything; InputError on the first problem."""
    options = parse_options(args)
    table = read_file(args.input)
    columns = _columns(args, table, options.chart)
    if table.errors:
        raise InputError(table.errors[0].message)
    numeric = [c for c in (columns["y"], columns["n"]) if c]
    scans = {name: scan(table, table.fields(name)) for name in numeric}
    mark = options.decimal or _decimal_mark(table, numeric, scans)
    y, bad_y = parse_numbers(table, columns["y"], mark, scans[columns["y"]])
    n, bad_n = (parse_numbers(table, columns["n"], mark, scans[columns["n"]]) if columns["n"]
                else (None, np.zeros(0, np.int64)))
    if args.series is not None:
        codes, labels = table.codes(args.series)
    else:
        codes, labels = np.zeros(table.n_rows, dtype=np.int64), None
    if table.n_rows == 0 and labels is None:
        raise InputError("y is empty: nothing to analyse")
    point_of_row, order = _points(table, codes, columns["x"], options.chart)
    problem = _first_problem(table, columns, options, mark, codes, y, bad_y, n, bad_n, point_of_row)
    if problem:
        raise InputError(problem)
    return _engine_input(options, table, codes, labels, y, n, point_of_row, order, columns["x"])


def read_file(path: str) -> Table:
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"cannot read {path}: no such file") from None
    except OSError as problem:
        raise InputError(f"cannot read {path}: {problem.strerror or type(problem).__name__}") from None
    try:
        return read_table(data)
    except ReadProblem as problem:
        raise InputError(f"cannot read {path}: {problem}") from None


# --- options ----------------------------------------------------------------------------------


def _whole_number(option: str, text: str | None) -> int | None:
    if text is None:
        return None
    if not re.fullmatch(r"\s*\d+\s*", text):
        raise InputError(f"{option}: '{text}' is not a whole number")
    return int(text)


def _positions(option: str, text: str | None) -> list[int] | None:
    if text is None:
        return None
    return [_whole_number(option, item) for item in text.split(",")]


def _target(text: str | None) -> float | None:
    if text is None:
        return None
    if not POINT_NUMBER.fullmatch(text.strip()):
        raise InputError(f"--target: '{text}' is not a number")
    return float(text)


def _columns(args: Any, table: Table, chart: str) -> dict[str, str | None]:
    """Which columns hold x, y and n; explicit names must exist, default ones only when needed."""
    def require(name: str, option: str) -> str:
        try:
            table.index(name)
        except KeyError:
            raise InputError(f"missing column '{name}' ({option}); the file has: {', '.join(table.columns)}") from None
        except ReadProblem as problem:
            raise InputError(str(problem)) from None
        return name

    y = require(args.y, "--y")
    if args.series is not None:
        require(args.series, "--series")
    x = require(args.x, "--x") if args.x is not None else ("x" if "x" in table.columns else None)
    if args.n is not None:
        n = require(args.n, "--n")
    elif chart in CHARTS_NEEDING_N:
        if "n" not in table.columns:
            raise InputError(f"chart {chart} needs denominators: missing column 'n' (name another with --n)")
        n = "n"
    else:
        n = "n" if chart == "run" and "n" in table.columns else None
    for name in (x, n):
        if name is not None:
            require(name, "")
    return {"x": x, "y": y, "n": n}


def _decimal_mark(table: Table, columns: list[str], scans: dict) -> str:
    try:
        return decimal_mark(table, columns, scans)
    except AmbiguousDecimal as problem:
        raise InputError(f"{problem}; pass --decimal , or --decimal .") from None


# --- points -----------------------------------------------------------------------------------


def _points(table: Table, codes: np.ndarray, x_column: str | None, chart: str) -> tuple[np.ndarray, np.ndarray]:
    """(point number of each file row, file rows in engine order).

    Engine order: series by first appearance, then the file's order; for xbar and s the
    rows sharing an x within a series form one point, in order of the x's first
    appearance. Point numbers count points across all series in engine order.
    """
    count = len(codes)
    if chart in SUBGROUP_CHARTS and x_column is not None:
        x_codes, x_labels = table.codes(x_column)
        pair = codes * max(len(x_labels), 1) + x_codes
        _, first_row, inverse = np.unique(pair, return_index=True, return_inverse=True)
        group_first = first_row[inverse]                  # first file row of the row's subgroup
        order = np.lexsort((np.arange(count), group_first, codes))
        new_point = np.ones(count, dtype=bool)
        new_point[1:] = group_first[order][1:] != group_first[order][:-1]
    else:
        order = (np.arange(count) if count < 2 or (np.diff(codes) >= 0).all()
                 else np.argsort(codes, kind="stable"))
        new_point = np.ones(count, dtype=bool)
    point_of_row = np.empty(count, dtype=np.int64)
    point_of_row[order] = np.cumsum(new_point) - 1
    return point_of_row, order


def _engine_input(options: Options, table: Table, codes, labels, y, n, point_of_row, order, x_column) -> Prepared:
    n_series = len(labels) if labels is not None else 1
    in_file_order = len(order) < 2 or bool((np.diff(order) == 1).all())
    if in_file_order:   # series one after the other (the usual file): no copies
        code, point = codes, point_of_row
    else:
        code, point, y = codes[order], point_of_row[order], y[order]
        n = n[order] if n is not None else None
    new_point = np.ones(len(order), dtype=bool)
    new_point[1:] = point[1:] != point[:-1]
    exclude = np.zeros(len(order), dtype=bool)
    if options.exclude:
        position = _position_in_series(point, code, n_series)
        exclude = np.isin(position, options.exclude)
    got_n = np.full(n_series, n is not None)
    rows = Rows(code, new_point, y, n if n is not None else np.full(len(order), np.nan), exclude, got_n, n_series)
    settings = uniform_settings(n_series, options.chart, options.freeze, options.part, options.screen_mr,
                                options.rules, options.direction, options.target)
    return Prepared(options, table, rows, settings, order, labels, x_column)


def _position_in_series(point: np.ndarray, code: np.ndarray, n_series: int) -> np.ndarray:
    """1-based position of each engine row's point within its series."""
    first_point = np.full(n_series, -1, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]]) if len(code) else np.zeros(0, np.int64)
    first_point[code[starts]] = point[starts]
    return point - first_point[code] + 1


# --- checks -----------------------------------------------------------------------------------


def _first_problem(table, columns, options, mark, codes, y, bad_y, n, bad_n, point_of_row) -> str | None:
    """The message for the first problem, in the single-series engine's order (module docstring)."""
    n_rows = len(codes)
    n_series = int(codes.max()) + 1 if n_rows else 0
    if n_series == 0:
        return None
    chart = options.chart
    nothing = np.zeros(0, dtype=np.int64)
    checks: list[tuple[np.ndarray, str, Any]] = [
        (bad_y, columns["y"], "text"),
        (bad_n, columns["n"], "text"),
        (np.flatnonzero(np.isinf(y)), columns["y"], "inf"),
        (np.flatnonzero(np.isinf(n)) if n is not None else nothing, columns["n"], "inf"),
    ]
    with np.errstate(invalid="ignore"):
        nn = n if n is not None else np.full(n_rows, np.nan)
        conditions = [
            (nn <= 0, "n", lambda r: f"denominator {_show(nn[r])} must be above 0"),
            ((y < 0) if chart in COUNT_CHARTS else np.zeros(n_rows, bool), "y",
             lambda r: f"negative count {_show(y[r])}; chart {chart} needs counts of 0 or more"),
            ((y > nn) if chart in PROPORTION_CHARTS else np.zeros(n_rows, bool), "n",
             lambda r: f"denominator {_show(nn[r])} is below the numerator {_show(y[r])}; "
                       f"a proportion cannot exceed 1"),
            ((y <= 0) if chart == "t" else np.zeros(n_rows, bool), "y",
             lambda r: f"time between events {_show(y[r])} must be above 0"),
        ]
    value_rows = np.zeros(n_rows, dtype=bool)
    for flags, _, _ in conditions:
        value_rows |= flags
    checks.append((np.flatnonzero(value_rows), None, "value"))

    # per series: the first check (in order) that fails, and its first row
    best_check = np.full(n_series, len(checks), dtype=np.int64)
    best_row = np.full(n_series, n_rows, dtype=np.int64)
    for number, (rows, _, _) in enumerate(checks):
        if len(rows) == 0:
            continue
        series_of, first = np.unique(codes[rows], return_index=True)
        fresh = best_check[series_of] == len(checks)
        best_check[series_of[fresh]] = number
        best_row[series_of[fresh]] = rows[first[fresh]]
    lengths = _points_per_series(codes, point_of_row, n_series)
    layout_bad = _layout_bad(options, lengths)
    failing = np.flatnonzero((best_check < len(checks)) | layout_bad)
    if len(failing) == 0:
        return None
    series = int(failing[0])
    if best_check[series] == len(checks):
        return _layout_problem(options, int(lengths[series]))
    number, row = int(best_check[series]), int(best_row[series])
    rows, column, kind = checks[number]
    if kind == "text":
        text = table.text(column, np.array([row]))[0].strip()
        return f"row {row + 1}, column {column}: '{text}' is not a number{_hint(text, mark)}"
    if kind == "inf":
        value = float((y if number == 2 else n)[row])
        return f"row {row + 1}, column {column}: {value!r} is not a finite number"
    for flags, field, describe in conditions:
        if flags[row]:
            return f"row {row + 1}, column {columns[field]}: {describe(row)}"
    return None


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
