"""`analyze`: run chart / control chart statistics of a CSV file, printed as JSON.

    python -m pdsa.spc.cli analyze data.csv --chart p [--x COL] [--y COL] [--n COL]
        [--freeze K] [--part K[,K...]] [--exclude I[,I...]] [--no-screen-mr]
        [--rules anhoej|mdc] [--direction increase|decrease|neutral] [--target VALUE] [--series COL]

Bad input ends with exit status 2 and one line on stderr naming the problem
(data rows are numbered from 1, the header not counted). The project's
`python -m pdsa` mounts the same subcommand through add_analyze_parser().
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from typing import Any

import pandas as pd

from .engine import DIRECTIONS, RULES, analyze
from .result import CHART_TYPES, CHARTS_NEEDING_N, Analysis
from .series import ValueProblem

EXIT_BAD_INPUT = 2
MISSING_TEXT = {"", "NA"}
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
POINT_KEYS = ("i", "x", "y", "part", "baseline", "include", "cl", "lcl", "ucl", "lcl_95", "ucl_95",
              "sigma_signal", "runs_signal")
PART_KEYS = ("part", "n_obs", "n_useful", "longest_run", "longest_run_max", "n_crossings",
             "n_crossings_min", "runs_signal")


class InputError(Exception):
    """Bad input, worded for the person running the command."""


def add_analyze_parser(subparsers: Any) -> None:
    """Register the "analyze" subcommand on an argparse subparsers object."""
    parser = subparsers.add_parser(
        "analyze",
        help="run chart / control chart statistics of a CSV file as JSON",
        description="Centre line, limits and signals per point, and runs analysis per part, as JSON "
                    "(qicharts2-compatible Anhøj rules, or NHSRplotthedots-compatible Making Data Count rules).",
    )
    parser.add_argument("input", metavar="INPUT.csv", help="CSV file with a header row")
    parser.add_argument("--chart", help=f"chart type: {', '.join(CHART_TYPES)}")
    parser.add_argument("--x", default=None, help="column of x labels (default x; 1, 2, ... when absent)")
    parser.add_argument("--y", default="y", help="column of values or counts (default y); empty = missing")
    parser.add_argument("--n", default=None,
                        help="column of denominators (default n; used for p, pp, u, up, and for run "
                             "charts when present)")
    parser.add_argument("--freeze", help="the first K points form the baseline")
    parser.add_argument("--part", help="split after these positions, e.g. 12,24")
    parser.add_argument("--exclude", help="leave these positions out of the calculations, e.g. 3,17")
    parser.add_argument("--no-screen-mr", dest="screen_mr", action="store_false",
                        help="do not screen out large moving ranges before computing sigma")
    parser.add_argument("--rules", default="anhoej", help="anhoej (default) or mdc (Making Data Count, chart i)")
    parser.add_argument("--direction", default="increase", help="increase (default), decrease or neutral")
    parser.add_argument("--target", help="target value (used for Making Data Count assurance)")
    parser.add_argument("--series", help="column naming series: one JSON object per series per line")


def run_analyze(args: argparse.Namespace) -> int:
    """Analyse the file named in args and print JSON; returns the exit status."""
    try:
        lines = [json.dumps(obj, ensure_ascii=False, allow_nan=False) for obj in _analyses(args)]
    except InputError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for line in lines:
        print(line)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Standalone entry point: `python -m pdsa.spc.cli analyze ...`."""
    parser = argparse.ArgumentParser(prog="python -m pdsa.spc.cli")
    subparsers = parser.add_subparsers(dest="command", required=True)
    add_analyze_parser(subparsers)
    return run_analyze(parser.parse_args(argv))


# --- reading and checking the input -----------------------------------------------------------


def _analyses(args: argparse.Namespace) -> list[dict[str, Any]]:
    options = _options(args)
    table = _read_csv(args.input)
    columns = _columns(args, table, options["chart"])
    if args.series is None:
        return [_analyse_rows(table, list(range(len(table))), columns, options)]
    labels = table[args.series].tolist()
    found = []
    for name in dict.fromkeys(labels):  # in order of first appearance
        rows = [row for row, label in enumerate(labels) if label == name]
        found.append({"series": name, **_analyse_rows(table, rows, columns, options)})
    return found


def _options(args: argparse.Namespace) -> dict[str, Any]:
    if args.chart is None:
        raise InputError(f"--chart is required; choose one of {', '.join(CHART_TYPES)}")
    if args.chart not in CHART_TYPES:
        raise InputError(f"unknown chart '{args.chart}'; choose one of {', '.join(CHART_TYPES)}")
    if args.rules not in RULES:
        raise InputError(f"unknown rules '{args.rules}'; choose anhoej or mdc")
    if args.direction not in DIRECTIONS:
        raise InputError(f"unknown direction '{args.direction}'; choose increase, decrease or neutral")
    return {
        "chart": args.chart,
        "rules": args.rules,
        "direction": args.direction,
        "screen_mr": args.screen_mr,
        "freeze": _whole_number("--freeze", args.freeze),
        "part": _positions("--part", args.part),
        "exclude": _positions("--exclude", args.exclude),
        "target": _target(args.target),
    }


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
    if not NUMBER.fullmatch(text.strip()):
        raise InputError(f"--target: '{text}' is not a number")
    return float(text)


def _read_csv(path: str) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    except FileNotFoundError:
        raise InputError(f"cannot read {path}: no such file") from None
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as problem:
        reason = str(problem).strip().splitlines()[0] if str(problem).strip() else type(problem).__name__
        raise InputError(f"cannot read {path}: {reason}") from None


def _columns(args: argparse.Namespace, table: pd.DataFrame, chart: str) -> dict[str, str | None]:
    """Which columns hold x, y and n; explicit names must exist, default ones only when needed."""
    def require(name: str, option: str) -> str:
        if name not in table.columns:
            raise InputError(f"missing column '{name}' ({option}); the file has: {', '.join(table.columns)}")
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
    return {"x": x, "y": y, "n": n}


def _analyse_rows(table: pd.DataFrame, rows: list[int], columns: dict[str, str | None],
                  options: dict[str, Any]) -> dict[str, Any]:
    """Analyse some rows of the table (one series); rows are 0-based indices into the table."""
    y = _numbers(table, rows, columns["y"])
    n = _numbers(table, rows, columns["n"]) if columns["n"] else None
    x = table[columns["x"]].iloc[rows].tolist() if columns["x"] else None
    try:
        analysis = analyze(y, n, x, **options)
    except ValueProblem as problem:
        column = columns["y"] if problem.field == "y" else columns["n"]
        raise InputError(f"row {rows[problem.row - 1] + 1}, column {column}: {problem.reason}") from None
    except ValueError as problem:
        raise InputError(str(problem)) from None
    return _as_json(analysis)


def _numbers(table: pd.DataFrame, rows: list[int], column: str) -> list[float]:
    values = []
    for row in rows:
        text = table[column].iat[row].strip()
        if text in MISSING_TEXT:
            values.append(math.nan)
        elif NUMBER.fullmatch(text):
            values.append(float(text))
        else:
            hint = " (use a decimal point)" if re.fullmatch(r"[+-]?\d+,\d+", text) else ""
            raise InputError(f"row {row + 1}, column {column}: '{text}' is not a number{hint}")
    return values


# --- writing the result -----------------------------------------------------------------------


def _as_json(analysis: Analysis) -> dict[str, Any]:
    result: dict[str, Any] = {
        "chart": analysis.chart,
        "rules": analysis.rules,
        "parts": [{key: _plain(getattr(part, key)) for key in PART_KEYS} for part in analysis.parts],
        "points": _points(analysis),
    }
    if analysis.rules == "mdc":
        result["variation_icon"] = analysis.variation_icon
        result["assurance"] = analysis.assurance
    return result


def _points(analysis: Analysis) -> list[dict[str, Any]]:
    keys = POINT_KEYS + (("point_type",) if analysis.rules == "mdc" else ())
    records = analysis.points[list(keys)].to_dict("records")
    return [{key: _plain(record[key]) for key in keys} for record in records]


def _plain(value: Any) -> Any:
    """numpy scalars to Python, NaN to None (JSON null)."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


if __name__ == "__main__":
    sys.exit(main())
