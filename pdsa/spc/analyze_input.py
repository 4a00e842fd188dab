"""From the ``analyze`` command's options and CSV file to the vectorised engine's rows.

Everything the command refuses is refused here, before anything is written, with one
sentence naming the row and column (rows count from 1, the header not counted): bad
options, a file that is not a table, a row that does not fit the header, an unclear
decimal mark, and (pdsa.spc.analyze_checks) the values and positions the chart cannot take.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .analyze_checks import Column, Options, first_problem
from .many_engine import Rows, Settings, uniform_settings
from .numbers import POINT_NUMBER, AmbiguousDecimal, decimal_mark, parse_numbers, scan
from .reader import ReadProblem, Table, read_table
from .result import CHART_TYPES, CHARTS_NEEDING_N

RULES = ("anhoej", "mdc")
DIRECTIONS = ("increase", "decrease", "neutral")
SUBGROUP_CHARTS = frozenset({"xbar", "s"})
DECIMAL_MARKS = (",", ".")


class InputError(Exception):
    """Bad input, worded for the person running the command."""


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
    problem = first_problem(table, options, mark, Column(columns["y"], y, bad_y), Column(columns["n"], n, bad_n),
                            codes, point_of_row)
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
