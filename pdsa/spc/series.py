"""Turning the caller's y, n and x into the values a chart plots, with the checks that go with it.

Follows qicharts2's qic()/qic.agg(): with a denominator the plotted value is
y / n (a point missing either is missing altogether, as complete.cases() makes
it); c charts plot the count itself; xbar and s charts plot the mean and the
standard deviation of each subgroup of rows sharing an x.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real
from typing import Any, Sequence

import numpy as np
import pandas as pd

from .result import CHART_TYPES, CHARTS_NEEDING_N, PROPORTION_CHARTS
from .rstats import r_mean, r_sd

SUBGROUP_CHARTS = frozenset({"xbar", "s"})
COUNT_CHARTS = frozenset({"c", "u", "up", "g", "p", "pp"})


class ValueProblem(ValueError):
    """A bad value in y or n, with its 1-based row so the command line can name row and column."""

    def __init__(self, row: int, field: str, reason: str):
        self.row = row
        self.field = field
        self.reason = reason
        super().__init__(f"{field} at position {row}: {reason}")


@dataclass(frozen=True)
class Series:
    """One point per subgroup (per row, except for xbar and s charts)."""

    x: list[Any]
    value: np.ndarray   # what is plotted before chart transformation
    count: np.ndarray   # the numerator y as given (qicharts2's y.sum)
    n: np.ndarray       # denominator or subgroup size; NaN without one
    sd: np.ndarray      # subgroup standard deviation (xbar, s); NaN otherwise

    def __len__(self) -> int:
        return len(self.value)


def prepare_series(y: Sequence[Any], n: Sequence[Any] | None, x: Sequence[Any] | None, chart: str) -> Series:
    """Check y, n and x for the chart and compute the plotted values."""
    if chart not in CHART_TYPES:
        raise ValueError(f"unknown chart {chart!r}; choose one of {', '.join(CHART_TYPES)}")
    ys = to_floats(y, "y")
    labels = list(range(1, len(ys) + 1)) if x is None else list(x)
    if len(labels) != len(ys):
        raise ValueError(f"x has {len(labels)} values but y has {len(ys)}")
    if n is None:
        if chart in CHARTS_NEEDING_N:
            raise ValueError(f"chart {chart!r} needs denominators n")
        ns = np.full(len(ys), math.nan)
    else:
        if chart in SUBGROUP_CHARTS:
            raise ValueError(f"chart {chart!r} takes no n: subgroups are the rows sharing an x")
        ns = to_floats(n, "n")
        if len(ns) != len(ys):
            raise ValueError(f"n has {len(ns)} values but y has {len(ys)}")
    check_values(ys, ns, chart, has_n=n is not None)
    if chart in SUBGROUP_CHARTS:
        return _subgroups(ys, labels, chart)
    if n is not None:
        missing = np.isnan(ys) | np.isnan(ns)
        ys, ns = np.where(missing, np.nan, ys), np.where(missing, np.nan, ns)
    value = ys if n is None or chart == "c" else ys / ns
    return Series(labels, value, ys, ns, np.full(len(ys), math.nan))


def to_floats(values: Sequence[Any], field: str) -> np.ndarray:
    """Numbers to floats; None, NaN and pd.NA mean missing; anything else is a ValueProblem."""
    if isinstance(values, (str, bytes)):
        raise ValueError(f"{field} must be a sequence of numbers, not a string")
    return np.array([_to_float(v, field, row) for row, v in enumerate(values, start=1)], dtype=float)


def _to_float(value: Any, field: str, row: int) -> float:
    if value is None or value is pd.NA:
        return math.nan
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (Real, np.number)):
        raise ValueProblem(row, field, f"{value!r} is not a number")
    number = float(value)
    if math.isinf(number):
        raise ValueProblem(row, field, f"{value!r} is not a finite number")
    return number


def check_values(ys: np.ndarray, ns: np.ndarray, chart: str, has_n: bool) -> None:
    """Refuse values the chart's model cannot hold (first offending row wins)."""
    for row, (y, n) in enumerate(zip(ys, ns), start=1):
        if has_n and not math.isnan(n) and n <= 0:
            raise ValueProblem(row, "n", f"denominator {show(n)} must be above 0")
        if math.isnan(y):
            continue
        if chart in COUNT_CHARTS and y < 0:
            raise ValueProblem(row, "y", f"negative count {show(y)}; chart {chart} needs counts of 0 or more")
        if chart in PROPORTION_CHARTS and not math.isnan(n) and y > n:
            raise ValueProblem(row, "n", f"denominator {show(n)} is below the numerator {show(y)}; "
                                         f"a proportion cannot exceed 1")
        if chart == "t" and y <= 0:
            raise ValueProblem(row, "y", f"time between events {show(y)} must be above 0")


def show(number: float) -> str:
    """A number as a person would write it (5, not 5.0)."""
    return str(int(number)) if float(number).is_integer() else repr(float(number))


def _subgroups(ys: np.ndarray, labels: list[Any], chart: str) -> Series:
    """Rows with equal x form one subgroup, in order of first appearance (qicharts2's split by x)."""
    codes, _ = pd.factorize(pd.Series(labels, dtype=object), sort=False, use_na_sentinel=False)
    members = [np.flatnonzero(codes == code) for code in range(codes.max() + 1)] if len(codes) else []
    x = [labels[rows[0]] for rows in members]
    size = np.array([np.count_nonzero(~np.isnan(ys[rows])) for rows in members], dtype=float)
    mean = np.array([r_mean(ys[rows]) for rows in members], dtype=float)
    sd = np.array([r_sd(ys[rows]) for rows in members], dtype=float)
    value = mean if chart == "xbar" else sd
    return Series(x, value, np.full(len(x), math.nan), size, sd)
