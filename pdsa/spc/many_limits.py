"""Centre lines and control limits for many series of one chart type at once.

Each ``*_limits`` function mirrors the matching ``qic.<chart>`` function in qicharts2's
R/helper.functions.R (0.8.1), but works on all parts of all series of that chart type in
one pass: per-part statistics are segment reductions (see :mod:`pdsa.spc.many_segments`)
broadcast back to the points with ``stat[seg]``.

Only the points where ``base`` is True (inside the frozen baseline and not excluded)
feed the centre line and sigma, as in qicharts2's ``base <- x$baseline & x$include``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pdsa.spc.many_segments import (
    average_moving_range,
    first_in_segment,
    segment_distinct_count,
    segment_mean,
    segment_median,
    segment_sum,
)

# d2 for subgroups of two (Montgomery 6.33); qicharts2 writes it as 1.128.
D2 = 1.128
# D4 for subgroups of two: upper limit of a moving-range chart, and the MR screening cut.
D4 = 3.267
# qicharts2's T chart transforms times between events with y^(1/3.6) (Nelson).
T_POWER = 3.6


@dataclass
class ChartInput:
    """The points of every series that uses one chart type, already aggregated per x."""

    seg: np.ndarray          # segment (series x part) id, non-decreasing
    n_segments: int
    y: np.ndarray            # value as qicharts2 plots it before chart-specific changes
    y_sum: np.ndarray        # sum of the raw values of the subgroup (c, p, u charts)
    y_len: np.ndarray        # number of non-missing raw values (xbar, s charts)
    y_mean: np.ndarray       # subgroup mean (xbar)
    y_sd: np.ndarray         # subgroup standard deviation (xbar, s)
    n: np.ndarray            # denominator (p, pp, u, up)
    base: np.ndarray         # baseline & include
    screen: np.ndarray       # per segment: screen moving ranges


@dataclass
class ChartLimits:
    """Plotted value, centre and limits per point (NaN where undefined)."""

    y: np.ndarray
    cl: np.ndarray
    lcl: np.ndarray
    ucl: np.ndarray
    lcl_95: np.ndarray
    ucl_95: np.ndarray


def _symmetric(y, cl, sigma, clip_low_at_zero=False, clip_high_at_one=False) -> ChartLimits:
    """cl +/- 3 and 2 sigma, clipped the way qicharts2 clips (only finite values)."""
    lcl, ucl = cl - 3 * sigma, cl + 3 * sigma
    lcl_95, ucl_95 = cl - 2 * sigma, cl + 2 * sigma
    if clip_low_at_zero:
        lcl = np.where(np.isfinite(lcl) & (lcl < 0), 0.0, lcl)
        lcl_95 = np.where(np.isfinite(lcl_95) & (lcl_95 < 0), 0.0, lcl_95)
    if clip_high_at_one:
        ucl = np.where(np.isfinite(ucl) & (ucl > 1), 1.0, ucl)
        ucl_95 = np.where(np.isfinite(ucl_95) & (ucl_95 > 1), 1.0, ucl_95)
    return ChartLimits(y, cl, lcl, ucl, lcl_95, ucl_95)


def _no_limits(y, cl) -> ChartLimits:
    nan = np.full(len(y), np.nan)
    return ChartLimits(y, cl, nan, nan.copy(), nan.copy(), nan.copy())


def run_limits(p: ChartInput) -> ChartLimits:
    """Run chart: median of the baseline, no limits (``qic.run``)."""
    cl = segment_median(p.seg, p.y, p.base, p.n_segments)[p.seg]
    return _no_limits(p.y, cl)


def individuals_sigma(p: ChartInput, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and AMR/1.128 per segment for an individuals chart of ``values`` (``qic.i``).

    Like qicharts2 the ranges are taken of ``y[base] - cl`` (centred values), so the
    rounding matches R's to the last bit as far as possible.
    """
    mean = segment_mean(p.seg, values, p.base, p.n_segments)
    centred = values - mean[p.seg]
    amr = average_moving_range(p.seg, centred, p.base, p.screen, p.n_segments)
    return mean, amr / D2


def i_limits(p: ChartInput) -> ChartLimits:
    """Individuals (XmR) chart: mean +/- 3 * AMR/1.128, optional MR screening."""
    mean, sigma = individuals_sigma(p, p.y)
    return _symmetric(p.y, mean[p.seg], sigma[p.seg])


def mr_limits(p: ChartInput) -> ChartLimits:
    """Moving-range chart (``qic.mr``): plots |diff(y)| within each part, the first
    point of a part has none; limits 0 and 3.267 * mean MR (2-sigma: 3.267/3*2)."""
    mr = np.full(len(p.y), np.nan)
    mr[1:] = np.abs(np.diff(p.y))
    mr[first_in_segment(p.seg)] = np.nan
    cl = segment_mean(p.seg, mr, p.base, p.n_segments)[p.seg]
    zero = np.zeros(len(mr))
    return ChartLimits(mr, cl, zero, D4 * cl, zero.copy(), (D4 / 3) * 2 * cl)


def _c4(n: np.ndarray) -> np.ndarray:
    """Bias constant c4(n) via lgamma, NaN for n <= 1 (qicharts2's ``c4``).

    numpy has no lgamma, so it is evaluated once per distinct subgroup size.
    """
    sizes, inverse = np.unique(n, return_inverse=True)
    table = np.array(
        [math.sqrt(2 / (k - 1)) * math.exp(math.lgamma(k / 2) - math.lgamma((k - 1) / 2)) if k > 1 else np.nan
         for k in sizes],
        dtype=float,
    )
    return table[inverse].reshape(np.shape(n))


def _pooled_sd(p: ChartInput) -> np.ndarray:
    """Per segment sigma estimate from the subgroup SDs, as in ``qic.xbar``/``qic.s``.

    Varying sizes (Montgomery 6.31): sqrt(sum((n_i - 1) s_i^2) / sum(n_i - 1)); constant
    size (6.29): the mean of s_i. "Varying" looks at all subgroups of the part.
    Like the single-series engine (pdsa.spc.limits), subgroups without any value are left
    out of the decision and of the pooled denominator; qicharts2 would count them as
    size 0 and subtract one from the denominator.
    """
    has_values = p.y_len > 0
    distinct_sizes = segment_distinct_count(p.seg[has_values], p.y_len[has_values], p.n_segments)
    base = p.base & has_values
    weighted = (p.y_len - 1) * p.y_sd**2
    numerator = segment_sum(p.seg, weighted, base & ~np.isnan(weighted), p.n_segments)
    denominator = segment_sum(p.seg, p.y_len - 1.0, base, p.n_segments)
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = np.sqrt(numerator / denominator)
    mean_sd = segment_mean(p.seg, p.y_sd, base, p.n_segments)
    return np.where(distinct_sizes > 1, pooled, mean_sd)


def xbar_limits(p: ChartInput) -> ChartLimits:
    """Xbar chart: grand mean weighted by subgroup size, limits cl +/- A3 * s."""
    weighted = p.y_len * p.y_mean
    numerator = segment_sum(p.seg, weighted, p.base & ~np.isnan(weighted), p.n_segments)
    denominator = segment_sum(p.seg, p.y_len.astype(float), p.base, p.n_segments)
    with np.errstate(invalid="ignore", divide="ignore"):
        cl = (numerator / denominator)[p.seg]
    sd = _pooled_sd(p)[p.seg]
    size = p.y_len.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        c4_root_n = _c4(size) * np.sqrt(size)
        a3, a3_95 = 3 / c4_root_n, 2 / c4_root_n  # qicharts2's a3(n) and a3(n, use.95 = TRUE)
    return ChartLimits(p.y_mean, cl, cl - a3 * sd, cl + a3 * sd, cl - a3_95 * sd, cl + a3_95 * sd)


def s_limits(p: ChartInput) -> ChartLimits:
    """S chart: centre = pooled/mean SD, limits B3 * cl and B4 * cl (B3 floored at 0)."""
    cl = _pooled_sd(p)[p.seg]
    c4 = _c4(p.y_len.astype(float))
    with np.errstate(invalid="ignore"):
        c5 = np.sqrt(1 - c4**2)
        b3, b3_95 = _floor_at_zero(1 - 3 * c5 / c4), _floor_at_zero(1 - 2 * c5 / c4)
        b4, b4_95 = 1 + 3 * c5 / c4, 1 + 2 * c5 / c4
    return ChartLimits(p.y_sd, cl, b3 * cl, b4 * cl, b3_95 * cl, b4_95 * cl)


def _floor_at_zero(values: np.ndarray) -> np.ndarray:
    """R's ``pmax(0, v)``: negative values become 0, NaN stays NaN."""
    return np.where(values < 0, 0.0, values)


def t_limits(p: ChartInput) -> ChartLimits:
    """T chart (``qic.t``): I chart on y^(1/3.6), everything back-transformed with ^3.6.

    A negative transformed limit has no real power, giving NaN as in R; the 3-sigma LCL
    is then set to 0 (``x$lcl[x$lcl < 0 | is.nan(x$lcl)] <- 0``), the 2-sigma one is not.
    """
    transformed = p.y ** (1 / T_POWER)
    mean, sigma = individuals_sigma(p, transformed)
    mean, sigma = mean[p.seg], sigma[p.seg]
    with np.errstate(invalid="ignore"):
        back = [np.power(v, T_POWER) for v in (
            transformed, mean, mean - 3 * sigma, mean + 3 * sigma, mean - 2 * sigma, mean + 2 * sigma)]
    y, cl, lcl, ucl, lcl_95, ucl_95 = back
    lcl = np.where(np.isnan(lcl) | (lcl < 0), 0.0, lcl)
    return ChartLimits(y, cl, lcl, ucl, lcl_95, ucl_95)


def _pooled_rate(p: ChartInput) -> np.ndarray:
    """sum(y.sum[base]) / sum(n[base]) per segment, both with na.rm (p, pp, u, up)."""
    numerator = segment_sum(p.seg, p.y_sum, p.base & ~np.isnan(p.y_sum), p.n_segments)
    denominator = segment_sum(p.seg, p.n, p.base & ~np.isnan(p.n), p.n_segments)
    with np.errstate(invalid="ignore", divide="ignore"):
        return numerator / denominator


def _laney_factor(p: ChartInput, cl: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Laney's sigma_z per segment: AMR/1.128 of the z-scores of the baseline points."""
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (p.y - cl) / sigma
    amr = average_moving_range(p.seg, z, p.base, p.screen, p.n_segments)
    return amr / D2


def p_limits(p: ChartInput) -> ChartLimits:
    """P chart: pooled proportion, sigma sqrt(p(1-p)/n); limits kept inside [0, 1]."""
    cl = _pooled_rate(p)[p.seg]
    with np.errstate(invalid="ignore", divide="ignore"):
        sigma = np.sqrt(cl * (1 - cl) / p.n)
    return _symmetric(p.y, cl, sigma, clip_low_at_zero=True, clip_high_at_one=True)


def pp_limits(p: ChartInput) -> ChartLimits:
    """Laney P' chart: P chart sigma times the between-subgroup factor sigma_z."""
    cl = _pooled_rate(p)[p.seg]
    with np.errstate(invalid="ignore", divide="ignore"):
        sigma = np.sqrt(cl * (1 - cl) / p.n)
    sigma = sigma * _laney_factor(p, cl, sigma)[p.seg]
    return _symmetric(p.y, cl, sigma, clip_low_at_zero=True, clip_high_at_one=True)


def c_limits(p: ChartInput) -> ChartLimits:
    """C chart: plots the subgroup count (y.sum), mean count +/- 3 sqrt(mean)."""
    cl = segment_mean(p.seg, p.y_sum, p.base, p.n_segments)[p.seg]
    with np.errstate(invalid="ignore"):
        return _symmetric(p.y_sum, cl, np.sqrt(cl), clip_low_at_zero=True)


def u_limits(p: ChartInput) -> ChartLimits:
    """U chart: pooled rate, sigma sqrt(u/n); LCL floored at 0."""
    cl = _pooled_rate(p)[p.seg]
    with np.errstate(invalid="ignore", divide="ignore"):
        sigma = np.sqrt(cl / p.n)
    return _symmetric(p.y, cl, sigma, clip_low_at_zero=True)


def up_limits(p: ChartInput) -> ChartLimits:
    """Laney U' chart: U chart sigma times sigma_z; LCL floored at 0."""
    cl = _pooled_rate(p)[p.seg]
    with np.errstate(invalid="ignore", divide="ignore"):
        sigma = np.sqrt(cl / p.n)
    sigma = sigma * _laney_factor(p, cl, sigma)[p.seg]
    return _symmetric(p.y, cl, sigma, clip_low_at_zero=True)


def g_limits(p: ChartInput) -> ChartLimits:
    """G chart (``qic.g``): limits from the mean (sigma sqrt(m(m+1))), LCL floored at 0,
    but the centre line drawn (and used for runs analysis) at the median."""
    mean = segment_mean(p.seg, p.y, p.base, p.n_segments)[p.seg]
    with np.errstate(invalid="ignore"):
        limits = _symmetric(p.y, mean, np.sqrt(mean * (mean + 1)))
    limits.lcl = np.where(limits.lcl < 0, 0.0, limits.lcl)
    limits.lcl_95 = np.where(limits.lcl_95 < 0, 0.0, limits.lcl_95)
    limits.cl = segment_median(p.seg, p.y, p.base, p.n_segments)[p.seg]
    return limits


CHART_LIMITS = {
    "run": run_limits,
    "i": i_limits,
    "mr": mr_limits,
    "xbar": xbar_limits,
    "s": s_limits,
    "t": t_limits,
    "p": p_limits,
    "pp": pp_limits,
    "c": c_limits,
    "u": u_limits,
    "up": up_limits,
    "g": g_limits,
}
