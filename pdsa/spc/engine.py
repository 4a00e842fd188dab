"""analyze(): one series in, one result.Analysis out.

Anhøj rules reproduce qicharts2 0.8.1's qic() (chart formulas in limits.py,
runs analysis in anhoej.py); Making Data Count rules reproduce
NHSRplotthedots 0.2.2's ptd_spc() for XmR charts (mdc.py). Points are taken in
the order given: qicharts2 sorts subgroups by x and NHSRplotthedots by date,
so callers pass series already in time order.

One deliberate difference from qicharts2 0.8.1: an xbar or s chart with an empty
subgroup (an x whose values are all missing). qicharts2 counts it as a subgroup of
size 0 in the pooled standard deviation: the size 0 makes the sizes look unequal, so it
pools, and the 0 - 1 takes one off the denominator sum(n_i - 1). We follow the textbook
(Montgomery 6.29/6.31) and leave the empty subgroup out of both: subgroups of 4, 4, 0
and 4 values give the mean of the three standard deviations here, and
sqrt(3 (s1^2 + s2^2 + s4^2) / 8) in qicharts2. The vectorised engine (many.py) does the
same, so a chart and the portfolio always agree.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any, Sequence

import numpy as np
import pandas as pd

from . import mdc
from .anhoej import runs_analysis
from .limits import PartData, chart_lines
from .positions import Layout, anhoej_layout, mdc_layout
from .result import CHART_TYPES, POINT_COLUMNS, Analysis, PartSummary
from .series import Series, prepare_series
from .signals import anhoej_signals, mdc_signals

RULES = ("anhoej", "mdc")
DIRECTIONS = ("increase", "decrease", "neutral")
MDC_CHARTS = frozenset({"i"})
DISPERSION_CHARTS = frozenset({"mr", "s"})   # limits on spread: no better side
LINE_COLUMNS = ("cl", "lcl", "ucl", "lcl_95", "ucl_95")


def analyze(y: Sequence[Any], n: Sequence[Any] | None = None, x: Sequence[Any] | None = None, *,
            chart: str = "run", freeze: int | None = None, part: Sequence[int] | int | None = None,
            exclude: Sequence[int] | int | None = None, screen_mr: bool = True, rules: str = "anhoej",
            direction: str = "increase", target: float | None = None) -> Analysis:
    """Centre line, limits, runs analysis and signals of one series.

    y: values (None/NaN = missing); n: denominators, plotted value y / n (c charts
    plot the count, as qicharts2); x: labels, 1..len(y) by default; for xbar and s
    rows sharing an x form a subgroup. Positions in freeze/part/exclude are 1-based
    and count points (subgroups). Raises ValueError for bad arguments.
    """
    target = _check_options(chart, rules, direction, target, screen_mr)
    series = prepare_series(y, n, x, chart)
    if len(series) == 0:
        raise ValueError("y is empty: nothing to analyse")
    if rules == "mdc":
        return _mdc_analysis(series, freeze, part, exclude, screen_mr, direction, target)
    return _anhoej_analysis(series, chart, freeze, part, exclude, screen_mr, direction, target)


def _check_options(chart: str, rules: str, direction: str, target: Any, screen_mr: Any) -> float | None:
    if chart not in CHART_TYPES:
        raise ValueError(f"unknown chart {chart!r}; choose one of {', '.join(CHART_TYPES)}")
    if rules not in RULES:
        raise ValueError(f"unknown rules {rules!r}; choose 'anhoej' or 'mdc'")
    if rules == "mdc" and chart not in MDC_CHARTS:
        raise ValueError(f"Making Data Count rules apply to individuals (XmR) charts only: use chart 'i', "
                         f"not {chart!r}")
    if direction not in DIRECTIONS:
        raise ValueError(f"unknown direction {direction!r}; choose 'increase', 'decrease' or 'neutral'")
    if not isinstance(screen_mr, (bool, np.bool_)):
        raise ValueError(f"screen_mr must be True or False, got {screen_mr!r}")
    if target is None:
        return None
    if isinstance(target, (bool, np.bool_)) or not isinstance(target, Real) or not math.isfinite(target):
        raise ValueError(f"target must be a finite number, got {target!r}")
    return float(target)


def _anhoej_analysis(series: Series, chart: str, freeze: Any, part: Any, exclude: Any,
                     screen_mr: bool, direction: str, target: float | None) -> Analysis:
    layout = anhoej_layout(len(series), freeze, part, exclude)
    columns = _empty_columns(len(series))
    summaries, signals = [], []
    for number, rows in _parts(layout):
        data = PartData(series.value[rows], series.count[rows], series.n[rows], series.sd[rows],
                        base=layout.baseline[rows] & layout.include[rows])
        lines = chart_lines(chart, data, screen_mr)
        runs = runs_analysis(lines.y, lines.cl, layout.include[rows])
        runs_signal = runs.signal and chart != "mr"   # qicharts2 ignores runs on MR charts
        sigma_signal = (lines.y > lines.ucl) | (lines.y < lines.lcl)
        columns["y"][rows] = lines.y
        for name in LINE_COLUMNS:
            columns[name][rows] = getattr(lines, name)
        columns["sigma_signal"][rows] = sigma_signal
        columns["runs_signal"][rows] = runs_signal
        summaries.append(PartSummary(number, runs.n_obs, runs.n_useful, runs.longest_run, runs.longest_run_max,
                                     runs.n_crossings, runs.n_crossings_min, runs_signal))
        signals += anhoej_signals(number, rows + 1, lines.y, lines.ucl, sigma_signal, runs, direction,
                                  sided=chart not in DISPERSION_CHARTS, runs_rules=chart != "mr")
    points = _points_frame(series, layout, columns)
    return Analysis(chart, "anhoej", points, summaries, direction=direction, target=target, signals=signals)


def _mdc_analysis(series: Series, freeze: Any, part: Any, exclude: Any, screen_mr: bool,
                  direction: str, target: float | None) -> Analysis:
    layout = mdc_layout(len(series), freeze, part, exclude)
    columns = _empty_columns(len(series))
    kinds: list[str | None] = []
    types: list[str] = []
    summaries = []
    limits = None
    for number, rows in _parts(layout):
        y = series.value[rows]
        limits = mdc.xmr_limits(y, layout.baseline[rows], screen_outliers=screen_mr)
        causes = mdc.special_causes(y, limits)
        columns["y"][rows] = y
        for name, value in zip(LINE_COLUMNS, (limits.mean, limits.lpl, limits.upl,
                                              limits.near_lpl, limits.near_upl)):
            columns[name][rows] = value
        columns["sigma_signal"][rows] = [kind == mdc.OUTSIDE_LIMITS for kind in causes.kind]
        kinds += causes.kind
        types += mdc.point_types(causes, direction)
        summaries.append(PartSummary(number, len(rows), None, None, None, None, None, None))
    points = _points_frame(series, layout, columns)
    points["point_type"] = pd.Series(types, dtype=object)
    return Analysis(
        "i", "mdc", points, summaries, direction=direction, target=target,
        variation_icon=types[-1],
        assurance=mdc.assurance(target, direction, limits),
        signals=mdc_signals(layout.part, kinds, types),
    )


def _parts(layout: Layout):
    """(part number, row indices) for each part, in order."""
    for number in np.unique(layout.part):
        yield int(number), np.flatnonzero(layout.part == number)


def _empty_columns(length: int) -> dict[str, np.ndarray]:
    columns = {name: np.full(length, math.nan) for name in ("y", *LINE_COLUMNS)}
    columns["sigma_signal"] = np.zeros(length, dtype=bool)
    columns["runs_signal"] = np.zeros(length, dtype=bool)
    return columns


def _points_frame(series: Series, layout: Layout, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """Analysis.points in result.POINT_COLUMNS order."""
    length = len(series)
    frame = pd.DataFrame({
        "i": np.arange(1, length + 1, dtype=np.int64),
        "x": pd.Series(series.x, dtype=object),
        "y": columns["y"],
        "n": series.n,
        "part": layout.part.astype(np.int64),
        "baseline": layout.baseline,
        "include": layout.include,
        **{name: columns[name] for name in LINE_COLUMNS},
        "sigma_signal": columns["sigma_signal"],
        "runs_signal": columns["runs_signal"],
    })
    return frame[list(POINT_COLUMNS)]
