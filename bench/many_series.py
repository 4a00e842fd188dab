"""Benchmark: a leadership portfolio of many measures, vectorised vs one series at a time.

    python bench/many_series.py [--series 10000 --points 100 --seed 1 --loop-budget 120]

Generates ``--series`` series of ``--points`` rows each, spread over all 12 chart types
(some with freeze, parts, exclusions and missing values; a third of the I charts with
Making Data Count rules), then prints:

* the time of one ``analyze_many`` call on all of them (the first in the process, and
  the best of two more),
* the time of a loop calling ``pdsa.spc.analyze`` on each series (if the loop would take
  longer than ``--loop-budget`` seconds it is timed on a random subset and extrapolated;
  the output says so),
* their ratio, and the peak resident set size of the process (``ru_maxrss``, which
  includes memory allocated by native libraries).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pdsa.spc import analyze  # noqa: E402
from pdsa.spc.many import analyze_many  # noqa: E402
from pdsa.spc.result import CHART_TYPES  # noqa: E402

SUBGROUP_SIZE = 4  # rows per x for xbar and s charts


def make_portfolio(series: int, points: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A long table (series, x, y, n, exclude) and its settings, built without loops."""
    rng = np.random.default_rng(seed)
    names = np.array([f"measure_{k:06d}" for k in range(series)])
    chart = np.array(CHART_TYPES)[np.arange(series) % len(CHART_TYPES)]
    rules = np.where((chart == "i") & (rng.random(series) < 1 / 3), "mdc", "anhoej")

    code = np.repeat(np.arange(series), points)
    row = np.tile(np.arange(points), series)
    chart_row = chart[code]
    subgrouped = np.isin(chart_row, ("xbar", "s"))
    step = np.where(subgrouped, row // SUBGROUP_SIZE, row)
    x = np.datetime64("2015-01-01") + step.astype("timedelta64[D]") * 7

    level = rng.uniform(3, 30, series)[code]
    shift = np.where(rng.random(series) < 0.3, rng.choice([0.6, 1.5], series), 1.0)[code]
    level = level * np.where(row >= points // 2, shift, 1.0)
    n = np.where(np.isin(chart_row, ("p", "pp", "u", "up")), rng.integers(20, 400, len(code)), np.nan)
    share = np.clip(level / 40, 0.02, 0.95)
    y = np.select(
        [np.isin(chart_row, ("p", "pp")), np.isin(chart_row, ("u", "up")), chart_row == "t"],
        [rng.binomial(np.nan_to_num(n).astype(int), share), rng.poisson(np.nan_to_num(n) * share / 5),
         1 + rng.poisson(level)],
        default=rng.poisson(level),
    ).astype(float)
    y[(rng.random(len(y)) < 0.01) & (chart_row != "t")] = np.nan

    excluded_series = (rng.random(series) < 0.1) & (rules == "anhoej")
    exclude = excluded_series[code] & np.isin(row, (10, 11, 12, 13))
    data = pd.DataFrame({"series": names[code], "x": x, "y": y, "n": n, "exclude": exclude})

    option = rng.random(series)
    n_points = np.where(np.isin(chart, ("xbar", "s")), -(-points // SUBGROUP_SIZE), points)
    freeze = np.where(option < 0.2, n_points // 2, np.nan)
    part = pd.Series([None] * series, dtype=object)
    split = (option >= 0.2) & (option < 0.4)
    part[split] = pd.Series(list(np.c_[n_points[split] * 2 // 3]), index=np.flatnonzero(split)).map(list)
    settings = pd.DataFrame({
        "series": names, "chart": chart, "freeze": pd.array(freeze, dtype="Int64"), "part": part,
        "screen_mr": rng.random(series) < 0.8, "rules": rules,
        "direction": rng.choice(["increase", "decrease", "neutral"], series),
        "target": np.where(rng.random(series) < 0.5, rng.uniform(3, 30, series).round(), np.nan),
    })
    return data, settings


def one_call_per_series(data: pd.DataFrame, settings: pd.DataFrame, which: np.ndarray) -> None:
    """The straightforward way: slice each series and call analyze() on it."""
    starts = np.r_[0, np.flatnonzero(data["series"].to_numpy()[1:] != data["series"].to_numpy()[:-1]) + 1,
                   len(data)]
    y, n, x, excl = (data[c].to_numpy() for c in ("y", "n", "x", "exclude"))
    for k in which:
        s = settings.iloc[k]
        rows = slice(starts[k], starts[k + 1])
        has_n = not np.isnan(n[rows]).all()
        subgroup_x = x[rows]
        positions = np.flatnonzero(excl[rows]) + 1
        analyze(
            y[rows], n[rows] if has_n else None, subgroup_x, chart=s["chart"],
            freeze=None if pd.isna(s["freeze"]) else int(s["freeze"]), part=s["part"],
            exclude=positions.tolist() or None, screen_mr=bool(s["screen_mr"]), rules=s["rules"],
            direction=s["direction"], target=None if pd.isna(s["target"]) else float(s["target"]),
        )


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--points", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--loop-budget", type=float, default=120.0,
                        help="seconds the per-series loop may take before it is sampled instead")
    args = parser.parse_args()

    data, settings = make_portfolio(args.series, args.points, args.seed)
    print(f"portfolio: {args.series:,} series, {len(data):,} rows, "
          f"charts {', '.join(CHART_TYPES)}; mdc series {int((settings.rules == 'mdc').sum()):,}")
    rss_before = peak_rss_mib()

    start = time.perf_counter()
    result = analyze_many(data, settings)
    vectorised = time.perf_counter() - start
    rss_vectorised = peak_rss_mib()
    print(f"analyze_many (one call):      {vectorised:8.2f} s   "
          f"({len(result.points):,} points, {len(result.parts):,} parts; first call in the process)")
    repeats = []
    for _ in range(2):
        start = time.perf_counter()
        analyze_many(data, settings)
        repeats.append(time.perf_counter() - start)
    print(f"analyze_many again (best of 2): {min(repeats):6.2f} s")

    rng = np.random.default_rng(args.seed + 1)
    probe = rng.choice(args.series, size=min(args.series, 200), replace=False)
    start = time.perf_counter()
    one_call_per_series(data, settings, probe)
    per_series = (time.perf_counter() - start) / len(probe)
    if per_series * args.series <= args.loop_budget:
        start = time.perf_counter()
        one_call_per_series(data, settings, np.arange(args.series))
        loop = time.perf_counter() - start
        how = "all series"
    else:
        sample = rng.choice(args.series, size=min(args.series, 1_000), replace=False)
        start = time.perf_counter()
        one_call_per_series(data, settings, sample)
        loop = (time.perf_counter() - start) / len(sample) * args.series
        how = (f"EXTRAPOLATED from a random sample of {len(sample):,} series "
               f"(the full loop would exceed {args.loop_budget:.0f} s)")
    print(f"loop of analyze() per series: {loop:8.2f} s   ({how})")
    print(f"speed-up (first call):        {loop / vectorised:8.1f} x")
    print(f"peak RSS: {rss_vectorised:,.0f} MiB after analyze_many "
          f"(data generated: {rss_before:,.0f} MiB); {peak_rss_mib():,.0f} MiB at the end")


if __name__ == "__main__":
    main()
