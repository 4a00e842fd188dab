"""The `analyze` command (vectorised engine, streamed JSON Lines) must say exactly what the
single-series path said before it: for every reference case and for 500 random series
(every chart type, freeze, parts, exclusions, missing values, ties, subgroups), the
parsed output is the same, and for bad input the same one-line error.

``single_path`` below is the command as it was (pdsa.spc.analyze per series, then JSON).
"""

from __future__ import annotations

import csv
import json
import math
import re

import numpy as np
import pandas as pd
import pytest

from pdsa.spc import analyze
from pdsa.spc.cli import main
from pdsa.spc.result import CHART_TYPES
from pdsa.spc.series import ValueProblem

from .conftest import MDC_DIR, QIC_DIR, mdc_cases, qic_cases

NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
POINT_KEYS = ("i", "x", "y", "part", "baseline", "include", "cl", "lcl", "ucl", "lcl_95", "ucl_95",
              "sigma_signal", "runs_signal")
PART_KEYS = ("part", "n_obs", "n_useful", "longest_run", "longest_run_max", "n_crossings",
             "n_crossings_min", "runs_signal")
TOL = 1e-9
SEED = 1313


# --- the single-series path, as the command ran before ------------------------------------------


class Refused(Exception):
    pass


def single_path(path, chart, x=None, y="y", n=None, series=None, **options) -> list[dict]:
    """Lines the old command printed (parsed), or Refused(message)."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    x = x if x is not None else ("x" if "x" in table.columns else None)
    if n is None and (chart in ("p", "pp", "u", "up") or (chart == "run" and "n" in table.columns)):
        n = "n"
    labels = table[series].tolist() if series else [None] * len(table)
    lines = []
    for name in dict.fromkeys(labels):
        rows = [r for r, label in enumerate(labels) if label == name]
        result = _analyse_rows(table, rows, x, y, n, chart, options)
        lines.append({"series": name, **result} if series else result)
    return lines


def _analyse_rows(table, rows, x, y, n, chart, options) -> dict:
    ys = _numbers(table, rows, y)
    ns = _numbers(table, rows, n) if n else None
    xs = table[x].iloc[rows].tolist() if x else None
    try:
        with np.errstate(all="ignore"):
            result = analyze(ys, ns, xs, chart=chart, **options)
    except ValueProblem as problem:
        column = y if problem.field == "y" else n
        raise Refused(f"row {rows[problem.row - 1] + 1}, column {column}: {problem.reason}") from None
    except ValueError as problem:
        raise Refused(str(problem)) from None
    out = {"chart": result.chart, "rules": result.rules,
           "parts": [{k: _plain(getattr(p, k)) for k in PART_KEYS} for p in result.parts]}
    keys = POINT_KEYS + (("point_type",) if result.rules == "mdc" else ())
    out["points"] = [{k: _plain(r[k]) for k in keys} for r in result.points[list(keys)].to_dict("records")]
    if result.rules == "mdc":
        out["variation_icon"], out["assurance"] = result.variation_icon, result.assurance
    return out


def _numbers(table, rows, column):
    values = []
    for row in rows:
        text = table[column].iat[row].strip()
        if text in ("", "NA"):
            values.append(math.nan)
        elif NUMBER.fullmatch(text):
            values.append(float(text))
        else:
            raise Refused(f"row {row + 1}, column {column}: '{text}' is not a number")
    return values


def _plain(value):
    if hasattr(value, "item"):
        value = value.item()
    return None if isinstance(value, float) and math.isnan(value) else value


# --- the command --------------------------------------------------------------------------------


def command(capsys, path, chart, **options) -> list[dict] | str:
    argv = ["analyze", str(path), "--chart", chart]
    for key, value in options.items():
        if key == "screen_mr":
            argv += [] if value else ["--no-screen-mr"]
        elif key == "summary":
            argv += ["--summary"]
        elif value is not None:
            argv += [f"--{key}", ",".join(map(str, value)) if isinstance(value, list) else str(value)]
    status = main(argv)
    captured = capsys.readouterr()
    if status != 0:
        assert status == 2 and captured.out == "" and len(captured.err.splitlines()) == 1, captured
        return captured.err.strip().removeprefix("error: ")
    return [json.loads(line) for line in captured.out.splitlines()]


def expected(path, chart, **options) -> list[dict] | str:
    names = {"freeze", "part", "exclude", "screen_mr", "rules", "direction", "target"}
    engine = {k: v for k, v in options.items() if k in names and v is not None}
    if "target" in engine:
        engine["target"] = float(engine["target"])
    columns = {k: v for k, v in options.items() if k in ("x", "y", "n", "series")}
    try:
        return single_path(path, chart, **columns, **engine)
    except Refused as problem:
        return str(problem)


def assert_same(mine, theirs, where=""):
    """Same structure and values; floats within 1e-9 (relative above 1)."""
    if isinstance(theirs, dict):
        assert isinstance(mine, dict) and list(mine) == list(theirs), f"{where}: keys {list(mine)} != {list(theirs)}"
        for key in theirs:
            assert_same(mine[key], theirs[key], f"{where}.{key}")
    elif isinstance(theirs, list):
        assert isinstance(mine, list) and len(mine) == len(theirs), f"{where}: length {len(mine)} != {len(theirs)}"
        for k, (a, b) in enumerate(zip(mine, theirs)):
            assert_same(a, b, f"{where}[{k}]")
    elif isinstance(theirs, float) and not isinstance(theirs, bool):
        assert isinstance(mine, (int, float)) and not isinstance(mine, bool), f"{where}: {mine!r} != {theirs!r}"
        assert abs(mine - theirs) <= TOL * max(1.0, abs(theirs)), f"{where}: {mine!r} != {theirs!r}"
    else:
        assert mine == theirs and type(mine) is type(theirs), f"{where}: {mine!r} != {theirs!r}"


# --- reference cases ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(qic_cases()))
def test_qicharts2_reference_cases_agree(name, capsys):
    case = qic_cases()[name]
    params = case["params"]
    path = QIC_DIR / case["input_csv"]
    options = {k: ([params[k]] if k in ("part", "exclude") and not isinstance(params[k], list) else params[k])
               for k in ("freeze", "part", "exclude") if k in params}
    if params.get("screened_mr") is False:
        options["screen_mr"] = False
    has_n = "n" in pd.read_csv(path, nrows=0).columns
    if has_n and params["chart"] not in ("p", "pp", "u", "up", "run"):
        options["n"] = "n"
    assert_same(command(capsys, path, params["chart"], **options), expected(path, params["chart"], **options), name)


@pytest.mark.parametrize("name", list(mdc_cases()))
def test_making_data_count_reference_cases_agree(name, capsys):
    case = mdc_cases()[name]
    opts = case["options"]
    groups = pd.DataFrame(case["points"])["rebase_group"]
    starts = groups.index[groups.diff().fillna(0) != 0].tolist()
    options = {"rules": "mdc", "direction": opts["improvement_direction"], "part": starts or None,
               "target": opts["target"], "freeze": opts["fix_after_n_points"], "screen_mr": opts["screen_outliers"]}
    path = MDC_DIR / case["input_csv"]
    assert_same(command(capsys, path, "i", **options), expected(path, "i", **options), name)


# --- 500 random series --------------------------------------------------------------------------


def _series_rows(rng, name, chart, size, with_n):
    """Rows of one series: integer-valued data (ties with the centre line are common)."""
    level = rng.integers(2, 15)
    if chart in ("xbar", "s"):
        per = rng.integers(1, 5, size) if rng.random() < 0.7 else np.full(size, rng.integers(2, 5))
        x = np.repeat([f"w{k:02d}" for k in range(size)], per)
        order = rng.permutation(len(x)) if rng.random() < 0.3 else np.arange(len(x))  # interleaved subgroups
        x = x[order]
        y = rng.poisson(level, len(x)).astype(float)
        n = None
    else:
        x = np.array([f"2024-{k:03d}" for k in range(size)])
        if chart in ("p", "pp"):
            n = rng.integers(3, 40, size).astype(float)
            y = rng.binomial(n.astype(int), rng.uniform(0.1, 0.7)).astype(float)
        elif chart in ("u", "up") or with_n:
            n = rng.integers(1, 60, size).astype(float)
            y = rng.poisson(n * rng.uniform(0.05, 0.5)).astype(float)
        elif chart == "t":
            y, n = 1 + rng.poisson(level, size).astype(float), None
        else:
            y, n = rng.poisson(level, size).astype(float), None
        if chart in ("i", "mr", "run") and rng.random() < 0.3:
            y = np.round(y + rng.choice([0.1, 0.25, 0.5], size), 2)  # decimals: means that need exact ties
    y[rng.random(len(y)) < 0.06] = np.nan
    return [{"series": name, "x": xv, "y": "" if np.isnan(yv) else f"{yv:g}",
             **({"n": "" if nv != nv else f"{nv:g}"} if n is not None else {})}
            for xv, yv, nv in zip(x, y, n if n is not None else [0] * len(y))]


def _random_file(rng, tmp_path, chart, count, label):
    with_n = chart in ("p", "pp", "u", "up") or (chart in ("run", "i") and rng.random() < 0.4)
    sizes = [int(rng.choice([rng.integers(3, 12), rng.integers(12, 50)], p=[0.3, 0.7])) for _ in range(count)]
    rows = []
    for k, size in enumerate(sizes):
        rows += _series_rows(rng, f"{label}_{k:02d}", chart, size, with_n)
    if rng.random() < 0.5:   # series interleaved rather than one after the other
        rows = [rows[k] for k in np.argsort(rng.random(len(rows)), kind="stable")]
        if chart in ("xbar", "s"):
            rows.sort(key=lambda r: r["series"])
    path = tmp_path / f"{label}.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path, min(sizes), with_n


def _random_options(rng, chart, shortest, rules, with_n):
    options = {"series": "series", "rules": rules, "screen_mr": bool(rng.random() < 0.7),
               "direction": str(rng.choice(["increase", "decrease", "neutral"]))}
    if rules == "mdc" and rng.random() < 0.7:
        options["target"] = int(rng.integers(2, 12))
    if with_n and chart in ("run", "i"):
        options["n"] = "n"
    points = shortest if chart not in ("xbar", "s") else shortest   # subgroups count as points
    choice = rng.random()
    if choice < 0.3:
        options["freeze"] = int(rng.integers(1, points + 1))
    elif choice < 0.6 and points >= 2:
        options["part"] = sorted({int(v) for v in rng.integers(1, points, rng.integers(1, 3))})
    elif choice < 0.7 and points >= 3:
        options["freeze"] = int(rng.integers(1, points))
        options["part"] = [int(rng.integers(1, points))]
    if rules == "anhoej" and rng.random() < 0.35:
        options["exclude"] = sorted({int(v) for v in rng.integers(1, points + 1, rng.integers(1, 4))})
    return options


PLAN = [(chart, "anhoej", 38) for chart in CHART_TYPES] + [("i", "mdc", 44)]   # 500 series


@pytest.mark.parametrize("chart, rules, count", PLAN, ids=[f"{c}-{r}" for c, r, _ in PLAN])
def test_random_series_agree(chart, rules, count, tmp_path, capsys):
    rng = np.random.default_rng([SEED, CHART_TYPES.index(chart), rules == "mdc"])
    path, shortest, with_n = _random_file(rng, tmp_path, chart, count, f"{chart}_{rules}")
    options = _random_options(rng, chart, shortest, rules, with_n)
    theirs = expected(path, chart, **options)
    assert not isinstance(theirs, str), theirs
    assert len(theirs) == count
    assert_same(command(capsys, path, chart, **options), theirs, f"{chart} {options}")


def test_random_series_exercise_ties_signals_and_subgroups(tmp_path, capsys):
    """The random files are not trivial: points on the centre line, runs signals, points
    outside the limits, and several parts, across the plan."""
    on_line = runs = outside = parts = 0
    for chart, rules, count in PLAN:
        rng = np.random.default_rng([SEED, CHART_TYPES.index(chart), rules == "mdc"])
        path, shortest, with_n = _random_file(rng, tmp_path, chart, count, f"{chart}_{rules}")
        for line in command(capsys, path, chart, **_random_options(rng, chart, shortest, rules, with_n)):
            for part in line["parts"]:
                on_line += part["n_useful"] is not None and part["n_obs"] > part["n_useful"]
                runs += bool(part["runs_signal"])
            parts += len(line["parts"]) > 1
            outside += sum(p["sigma_signal"] for p in line["points"])
    assert on_line > 100 and runs > 30 and outside > 30 and parts > 20


# --- bad input: the same first error ------------------------------------------------------------


BREAKAGES = {
    "text in y": lambda row: row.update(y="many"),
    "text in n": lambda row: row.update(n="lots") if "n" in row else row.update(y="abc"),
    "negative": lambda row: row.update(y="-3"),
    "zero n": lambda row: row.update(n="0") if "n" in row else row.update(y="-1"),
    "above n": lambda row: row.update(y="999") if "n" in row else row.update(y="0"),
    "infinite": lambda row: row.update(y="1e999"),
}


@pytest.mark.parametrize("chart", ["c", "p", "u", "t", "i", "xbar", "run"])
def test_bad_input_gives_the_same_first_error(chart, tmp_path, capsys):
    rng = np.random.default_rng([SEED, 99, CHART_TYPES.index(chart)])
    for attempt in range(12):
        path, shortest, with_n = _random_file(rng, tmp_path, chart, 6, f"bad{attempt}")
        rows = list(csv.DictReader(open(path, encoding="utf-8")))
        for _ in range(int(rng.integers(1, 4))):
            BREAKAGES[str(rng.choice(list(BREAKAGES)))](rows[int(rng.integers(len(rows)))])
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        options = {"series": "series"}
        if attempt % 3 == 1:
            options["freeze"] = int(rng.integers(shortest, shortest + 4))
        if attempt % 3 == 2:
            options["part"] = [int(rng.integers(1, shortest + 3))]
        if with_n and chart in ("run", "i"):
            options["n"] = "n"
        theirs = expected(path, chart, **options)
        mine = command(capsys, path, chart, **options)
        if isinstance(theirs, str):
            assert mine == theirs, (attempt, options)
        else:
            assert_same(mine, theirs, f"attempt {attempt}")
