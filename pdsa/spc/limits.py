"""Centre lines and 3-sigma / 2-sigma limits of one part, chart by chart.

Each function mirrors qicharts2's qic.<chart>() (R/helper.functions.R, 0.8.1),
including the order of arithmetic, which clips apply where, and which points
make the baseline: base = baseline & include. Points outside the base still get
limits (they vary with n for p/u charts).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from .rstats import abs_diff, r_divide, r_mean, r_median, r_sum

# D4 for moving ranges of two: the MR chart's UCL factor, and Nelson's (1982) limit
# above which a moving range is screened out before sigma is estimated.
D4 = 3.267
# d2 for subgroups of two: sigma = AMR / 1.128.
D2 = 1.128
# T charts: Nelson's transformation of times between events to near normality.
T_POWER = 3.6


@dataclass(frozen=True)
class PartData:
    """The points of one part, as the chart formulas need them.

    value: the value to plot before any chart transformation (y/n with a
           denominator, the subgroup mean for xbar, the subgroup sd for s).
    count: the raw numerator y (qicharts2's y.sum): counts for c, events for p/u.
    n:     denominator, or subgroup size for xbar/s; NaN where not applicable.
    sd:    subgroup standard deviation (xbar/s only).
    base:  points that define the centre and limits (baseline and included).
    """

    value: np.ndarray
    count: np.ndarray
    n: np.ndarray
    sd: np.ndarray
    base: np.ndarray


@dataclass(frozen=True)
class Lines:
    """Plotted value, centre line and limits of every point in a part."""

    y: np.ndarray
    cl: np.ndarray
    lcl: np.ndarray
    ucl: np.ndarray
    lcl_95: np.ndarray
    ucl_95: np.ndarray


def _full(part: PartData, value: float) -> np.ndarray:
    return np.full(len(part.value), value, dtype=float)


def _band(y: np.ndarray, cl: np.ndarray, sigma: np.ndarray | float) -> Lines:
    """cl -/+ 3 sigma and cl -/+ 2 sigma, as qicharts2 writes them."""
    return Lines(y, cl, cl - 3 * sigma, cl + 3 * sigma, cl - 2 * sigma, cl + 2 * sigma)


def _clip_lower_at_zero(lines: Lines) -> Lines:
    """x$lcl[x$lcl < 0 & is.finite(x$lcl)] <- 0 (and the same for the 2-sigma limit)."""
    return replace(lines, lcl=_clip(lines.lcl, below=0.0), lcl_95=_clip(lines.lcl_95, below=0.0))


def _clip_upper_at_one(lines: Lines) -> Lines:
    """Proportions cannot exceed 1: x$ucl[x$ucl > 1 & is.finite(x$ucl)] <- 1."""
    return replace(lines, ucl=_clip(lines.ucl, above=1.0), ucl_95=_clip(lines.ucl_95, above=1.0))


def _clip(values: np.ndarray, below: float | None = None, above: float | None = None) -> np.ndarray:
    """Clip finite values only; infinite limits (no data) are left for chart_lines to blank."""
    finite = np.isfinite(values)
    if below is not None:
        values = np.where(finite & (values < below), below, values)
    if above is not None:
        values = np.where(finite & (values > above), above, values)
    return values


def average_moving_range(moving_ranges: np.ndarray, screen: bool) -> float:
    """Mean moving range; with screening, ranges >= 3.267 * AMR are dropped once and AMR recomputed.

    qicharts2 screens when options(qic.screenedmr = TRUE), which library(qicharts2) sets.
    """
    amr = r_mean(moving_ranges)
    if screen:
        moving_ranges = moving_ranges[moving_ranges < D4 * amr]
        amr = r_mean(moving_ranges)
    return amr


# --- charts -------------------------------------------------------------------------------


def run_lines(part: PartData, screen_mr: bool) -> Lines:
    """Run chart: median of the baseline, no limits."""
    none = _full(part, math.nan)
    return Lines(part.value, _full(part, r_median(part.value[part.base])), none, none, none, none)


def i_lines(part: PartData, screen_mr: bool) -> Lines:
    """I chart: mean; sigma = AMR / 1.128 from moving ranges of the baseline points in sequence."""
    y = part.value
    cl = _full(part, r_mean(y[part.base]))
    moving_ranges = abs_diff(y[part.base] - cl[part.base])
    sigma = average_moving_range(moving_ranges, screen_mr) / D2
    return _band(y, cl, sigma)


def mr_lines(part: PartData, screen_mr: bool) -> Lines:
    """MR chart: moving ranges of all points of the part, centre = mean MR of the baseline, UCL = 3.267 * centre."""
    y = np.concatenate([[math.nan], abs_diff(part.value)])
    cl = _full(part, r_mean(y[part.base]))
    zero = _full(part, 0.0)
    return Lines(y, cl, zero, D4 * cl, zero, (D4 / 3) * 2 * cl)


def t_lines(part: PartData, screen_mr: bool) -> Lines:
    """T chart: I chart of y ** (1/3.6), back-transformed. As qicharts2: the plotted
    value is the round-tripped y, a negative transformed LCL becomes 0 and a
    negative transformed 2-sigma LCL has no value (NaN).
    """
    transformed = i_lines(replace(part, value=part.value ** (1 / T_POWER)), screen_mr)
    back = {name: _r_power(getattr(transformed, name), T_POWER)
            for name in ("y", "cl", "lcl", "ucl", "lcl_95", "ucl_95")}
    back["lcl"] = np.where(np.isnan(back["lcl"]) | (back["lcl"] < 0), 0.0, back["lcl"])
    return Lines(**back)


def _r_power(values: np.ndarray, power: float) -> np.ndarray:
    """values ** power with R's semantics: a negative base gives NaN."""
    with np.errstate(invalid="ignore"):
        return np.power(values, power)


def xbar_lines(part: PartData, screen_mr: bool) -> Lines:
    """Xbar chart: weighted grand mean; sigma from mean or pooled subgroup sd; limits cl -/+ A3 * sigma."""
    sizes, weights = part.n, part.n[part.base]
    cl = _full(part, r_divide(r_sum(weights * part.value[part.base]), r_sum(weights)))
    stdev = _within_subgroup_sd(part)
    return Lines(part.value, cl, cl - a3(sizes) * stdev, cl + a3(sizes) * stdev,
                 cl - a3(sizes, 2) * stdev, cl + a3(sizes, 2) * stdev)


def s_lines(part: PartData, screen_mr: bool) -> Lines:
    """S chart: value = subgroup sd; centre = mean or pooled subgroup sd; limits B3 * cl and B4 * cl."""
    sizes = part.n
    cl = _full(part, _within_subgroup_sd(part))
    return Lines(part.value, cl, b3(sizes) * cl, b4(sizes) * cl, b3(sizes, 2) * cl, b4(sizes, 2) * cl)


def _within_subgroup_sd(part: PartData) -> float:
    """Montgomery 6.29 (equal sizes: mean of s) or 6.31 (varying sizes: pooled s).

    qicharts2 decides "varying" over all subgroups of the part. Deliberate
    difference: subgroups without any value are left out of both the decision
    and the pooled denominator (qicharts2 counts them as size 0 and subtracts one).
    """
    has_values = part.n > 0
    varying = len(np.unique(part.n[has_values])) > 1
    base = part.base & has_values
    if not varying:
        return r_mean(part.sd[base])
    sizes, sds = part.n[base], part.sd[base]
    usable = ~np.isnan(sds)
    return math.sqrt(r_divide(r_sum((sizes[usable] - 1) * sds[usable] ** 2), r_sum(sizes - 1)))


def p_lines(part: PartData, screen_mr: bool) -> Lines:
    """P chart: cl = sum(y) / sum(n) of the baseline; sigma = sqrt(cl (1 - cl) / n); limits clipped to [0, 1]."""
    cl = _full(part, _pooled_rate(part))
    sigma = np.sqrt(cl * (1 - cl) / part.n)
    return _clip_lower_at_zero(_clip_upper_at_one(_band(part.value, cl, sigma)))


def pp_lines(part: PartData, screen_mr: bool) -> Lines:
    """Laney P' chart: P chart sigma times sigma_z (AMR / 1.128 of the baseline z-scores)."""
    cl = _full(part, _pooled_rate(part))
    sigma = np.sqrt(cl * (1 - cl) / part.n)
    sigma = sigma * _laney_sigma_z(part, cl, sigma, screen_mr)
    return _clip_lower_at_zero(_clip_upper_at_one(_band(part.value, cl, sigma)))


def c_lines(part: PartData, screen_mr: bool) -> Lines:
    """C chart: counts (value is the count, see series.py); cl = mean count; sigma = sqrt(cl)."""
    y = part.value
    cl = _full(part, r_mean(y[part.base]))
    return _clip_lower_at_zero(_band(y, cl, np.sqrt(cl)))


def u_lines(part: PartData, screen_mr: bool) -> Lines:
    """U chart: cl = sum(y) / sum(n) of the baseline; sigma = sqrt(cl / n)."""
    cl = _full(part, _pooled_rate(part))
    return _clip_lower_at_zero(_band(part.value, cl, np.sqrt(cl / part.n)))


def up_lines(part: PartData, screen_mr: bool) -> Lines:
    """Laney U' chart: U chart sigma times sigma_z."""
    cl = _full(part, _pooled_rate(part))
    sigma = np.sqrt(cl / part.n)
    sigma = sigma * _laney_sigma_z(part, cl, sigma, screen_mr)
    return _clip_lower_at_zero(_band(part.value, cl, sigma))


def g_lines(part: PartData, screen_mr: bool) -> Lines:
    """G chart: limits from the mean (sigma = sqrt(cl (cl + 1))), centre line drawn at the median."""
    y = part.value
    mean = _full(part, r_mean(y[part.base]))
    lines = _clip_lower_at_zero(_band(y, mean, np.sqrt(mean * (mean + 1))))
    return replace(lines, cl=_full(part, r_median(y[part.base])))


def _pooled_rate(part: PartData) -> float:
    """sum(y.sum[base]) / sum(n[base]) over points with a value."""
    usable = part.base & ~np.isnan(part.count) & ~np.isnan(part.n)
    return r_divide(r_sum(part.count[usable]), r_sum(part.n[usable]))


def _laney_sigma_z(part: PartData, cl: np.ndarray, sigma: np.ndarray, screen_mr: bool) -> float:
    """Laney's between-subgroup factor: sd of the z-scores estimated as AMR / 1.128.

    qicharts2 uses sd(z) instead when x is text or a factor; here x is only a
    label, so the moving-range estimate is always used (as for numbers and dates).
    """
    z = (part.value[part.base] - cl[part.base]) / sigma[part.base]
    return average_moving_range(abs_diff(z), screen_mr) / D2


# --- constants for subgroup charts --------------------------------------------------------


_lgamma = np.vectorize(math.lgamma, otypes=[float])


def c4(n: np.ndarray) -> np.ndarray:
    """Bias correction of s: sqrt(2 / (n - 1)) * Gamma(n / 2) / Gamma((n - 1) / 2); NaN for n <= 1."""
    n = np.asarray(n, dtype=float)
    n = np.where(n > 1, n, np.nan)
    return np.sqrt(2 / (n - 1)) * np.exp(_lgamma(n / 2) - _lgamma((n - 1) / 2))


def c5(n: np.ndarray) -> np.ndarray:
    """sd of s in units of sigma: sqrt(1 - c4^2)."""
    return np.sqrt(1 - c4(n) ** 2)


def a3(n: np.ndarray, sigmas: int = 3) -> np.ndarray:
    """Xbar limit factor on s-bar: sigmas / (c4 sqrt(n)); NaN for n <= 1."""
    n = np.asarray(n, dtype=float)
    return sigmas / (c4(n) * np.sqrt(np.where(n > 1, n, np.nan)))


def b3(n: np.ndarray, sigmas: int = 3) -> np.ndarray:
    """S chart lower factor: max(0, 1 - sigmas c5 / c4) (NaN stays NaN, like R's pmax)."""
    factor = 1 - sigmas * c5(n) / c4(n)
    return np.where(factor < 0, 0.0, factor)


def b4(n: np.ndarray, sigmas: int = 3) -> np.ndarray:
    """S chart upper factor: 1 + sigmas c5 / c4."""
    return 1 + sigmas * c5(n) / c4(n)


ChartLines = Callable[[PartData, bool], Lines]

CHART_LINES: dict[str, ChartLines] = {
    "run": run_lines,
    "i": i_lines,
    "mr": mr_lines,
    "xbar": xbar_lines,
    "s": s_lines,
    "t": t_lines,
    "p": p_lines,
    "pp": pp_lines,
    "c": c_lines,
    "u": u_lines,
    "up": up_lines,
    "g": g_lines,
}


def chart_lines(chart: str, part: PartData, screen_mr: bool) -> Lines:
    """Centre and limits of one part; infinite limits (missing subgroups) become NaN, as qicharts2 does.

    A part without usable baseline points gets NaN centre and limits (R's 0/0), silently.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        lines = CHART_LINES[chart](part, screen_mr)
    finite = {name: np.where(np.isfinite(getattr(lines, name)), getattr(lines, name), np.nan)
              for name in ("lcl", "ucl", "lcl_95", "ucl_95")}
    return replace(lines, **finite)
