"""The vectorised evaluation of many series on plain numpy arrays (no pandas).

:mod:`pdsa.spc.many` (a portfolio from a DataFrame) and :mod:`pdsa.spc.cli` (the
``analyze`` command, which must start fast and stream) both feed their rows in here.
The caller decides the order: rows of one series are contiguous, series in the order
the caller wants them out, rows of one point (a subgroup) contiguous and flagged by
``Rows.new_point``. Everything else is decided here: subgroup statistics, parts and
baseline, centre lines and limits per chart type, runs analysis and the Making Data
Count rules, each as segment reductions over one flat array (one segment = one part
of one series). The only Python loop is over the twelve chart types, plus the few
parts whose findings hang on the last bit of a centre line or limit, which
:mod:`pdsa.spc.many_exact` recomputes exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pdsa.spc.many_exact import settle_anhoej_ties, settle_mdc_ties
from pdsa.spc.many_limits import CHART_LIMITS, ChartInput
from pdsa.spc.many_mdc import mdc_limits, mdc_point_types
from pdsa.spc.many_runs import RunsAnalysis, runs_analysis
from pdsa.spc.many_segments import segment_count, segment_mean, segment_sum
from pdsa.spc.result import CHART_TYPES

DIRECTION_SIGN = {"increase": 1, "neutral": 0, "decrease": -1}


@dataclass
class Rows:
    """Input rows in evaluation order (see the module docstring)."""

    code: np.ndarray          # series code per row, non-decreasing, 0..n_series-1
    new_point: np.ndarray     # bool: the row starts a new point (subgroup)
    y: np.ndarray             # float, NaN = missing
    n: np.ndarray             # float, NaN where not given
    exclude: np.ndarray       # bool per row; a point is excluded when any of its rows is
    got_n: np.ndarray         # per series: the series has a denominator
    n_series: int


@dataclass
class Settings:
    """Per-series settings as arrays aligned with the series codes."""

    chart: np.ndarray        # str
    freeze: np.ndarray       # float, NaN = none
    screen: np.ndarray       # bool
    rules: np.ndarray        # str
    direction: np.ndarray    # str
    target: np.ndarray       # float, NaN = none
    cut_code: np.ndarray     # series code of each part cut
    cut_at: np.ndarray       # split after this 1-based position
    has_parts: np.ndarray    # bool per series


def uniform_settings(n_series: int, chart: str, freeze: int | None = None, part: list[int] | None = None,
                     screen_mr: bool = True, rules: str = "anhoej", direction: str = "increase",
                     target: float | None = None) -> Settings:
    """The same settings for every series (the ``analyze`` command's options)."""
    cuts = sorted(set(part or []))

    def same(value, dtype=object):
        return np.full(n_series, value, dtype=dtype)

    return Settings(
        chart=same(chart), freeze=same(np.nan if freeze is None else float(freeze), float),
        screen=same(bool(screen_mr), bool), rules=same(rules), direction=same(direction),
        target=same(np.nan if target is None else float(target), float),
        cut_code=np.repeat(np.arange(n_series, dtype=np.int64), len(cuts)),
        cut_at=np.tile(np.array(cuts, dtype=np.int64), n_series),
        has_parts=same(bool(cuts), bool),
    )


@dataclass
class Points:
    """One point per subgroup: rows sharing a point aggregated the way ``qic.agg`` does."""

    code: np.ndarray          # series code per point
    first_row: np.ndarray     # index (into Rows) of the point's first row
    rows: np.ndarray          # number of rows of the point
    y: np.ndarray             # plotted value: sum(y)/sum(n) with n, else mean(y)
    y_sum: np.ndarray         # sum(y) (a lone missing value stays missing)
    y_len: np.ndarray         # number of non-missing y
    y_mean: np.ndarray
    y_sd: np.ndarray
    n: np.ndarray             # sum(n); NaN without n or when missing
    exclude: np.ndarray       # bool per point: any of its rows excluded


@dataclass
class Layout:
    position: np.ndarray     # 1-based i within the series
    part: np.ndarray         # 1-based part number
    baseline: np.ndarray
    include: np.ndarray
    seg: np.ndarray          # segment (series x part) id
    n_segments: int
    seg_code: np.ndarray     # series code of each segment
    seg_part: np.ndarray     # part number of each segment


@dataclass
class Values:
    y: np.ndarray
    cl: np.ndarray
    lcl: np.ndarray
    ucl: np.ndarray
    lcl_95: np.ndarray
    ucl_95: np.ndarray
    point_type: np.ndarray   # int code into result.POINT_TYPES, -1 for Anhøj series
    mdc: np.ndarray          # bool per point


@dataclass
class Evaluation:
    """Everything computed, as arrays: per point, per segment (part) and per series."""

    points: Points
    layout: Layout
    values: Values
    runs: RunsAnalysis        # per segment
    sigma_signal: np.ndarray  # per point
    runs_signal: np.ndarray   # per segment; False for MDC parts
    mdc_seg: np.ndarray       # per segment: MDC rules
    last_point: np.ndarray    # per series: index of its last point
    n_points: np.ndarray      # per series


def evaluate(rows: Rows, cfg: Settings) -> Evaluation:
    """Analyse every series of ``rows`` with its settings (already validated)."""
    pts = subgroups(rows)
    layout = _layout(pts, cfg, rows.n_series)
    values = _centre_and_limits(rows, pts, cfg, layout)
    runs = runs_analysis(layout.seg, values.y, values.cl, layout.include, layout.n_segments)
    runs.runs_signal &= (cfg.chart != "mr")[layout.seg_code]   # qicharts2 ignores runs on MR charts
    with np.errstate(invalid="ignore"):
        sigma_signal = (values.y > values.ucl) | (values.y < values.lcl)
    mdc_seg = (cfg.rules == "mdc")[layout.seg_code]
    n_points = np.bincount(pts.code, minlength=rows.n_series)
    return Evaluation(pts, layout, values, runs, sigma_signal, runs.runs_signal & ~mdc_seg, mdc_seg,
                      last_point=np.cumsum(n_points) - 1, n_points=n_points)


# --------------------------------------------------------------------------- points


def subgroups(rows: Rows) -> Points:
    """Aggregate the rows of each point. With a denominator the value is sum(y)/sum(n),
    without it mean(y). Where a series has n, a row missing y or n is missing
    altogether (qicharts2's ``complete.cases``)."""
    y, n = rows.y.copy(), rows.n.copy()
    missing = rows.got_n[rows.code] & (np.isnan(y) | np.isnan(n))
    y[missing] = np.nan
    n[missing] = np.nan

    first = np.flatnonzero(rows.new_point)
    group = np.cumsum(rows.new_point) - 1
    code = rows.code[first]
    rows_in_group = np.diff(np.r_[first, len(y)])
    # One row per point is the common case: its statistics are the row itself. Only rows
    # of multi-row points (xbar, s, or repeated x) go through the segment reductions.
    if len(first) == len(y):   # one row per point: the rows are the points (shared, read only)
        y_sum = y_mean = y
        n_sum = n
    else:
        y_sum, y_mean, n_sum = y[first], y[first], n[first]
    y_len = (~np.isnan(y_sum)).astype(np.int64)
    y_sd = np.full(len(first), np.nan)
    if len(first) < len(y):
        shared = np.flatnonzero(rows_in_group > 1)
        in_shared = (rows_in_group > 1)[group]
        # renumber the multi-row groups 0..k-1 so the reductions stay small
        local = np.cumsum(rows_in_group > 1)[group[in_shared]] - 1
        stats = _subgroup_stats(local, len(shared), y[in_shared], n[in_shared])
        y_sum[shared], y_len[shared], y_mean[shared], y_sd[shared], n_sum[shared] = stats
    with np.errstate(invalid="ignore", divide="ignore"):
        plotted = np.where(rows.got_n[code], np.nan_to_num(y_sum) / n_sum, y_mean)
    if rows.exclude.any():
        excluded = np.bincount(group, weights=rows.exclude, minlength=len(first)) > 0
    else:
        excluded = np.zeros(len(first), dtype=bool)
    return Points(code, first, rows_in_group, plotted, y_sum, y_len, y_mean, y_sd, n_sum, excluded)


def _subgroup_stats(group, n_groups, y, n):
    """Sum, count, mean and SD per subgroup of two or more rows (R's ``sum``, ``mean``,
    ``sd`` with ``na.rm = TRUE``; a lone row keeps a missing sum missing, qic.agg's
    ``na.rm = length(x$y) > 1``, and is handled by the caller)."""
    every = np.ones(len(y), dtype=bool)
    valid = ~np.isnan(y)
    y_len = np.bincount(group[valid], minlength=n_groups)
    y_sum = segment_sum(group, y, valid, n_groups)
    y_mean = segment_mean(group, y, every, n_groups)
    squares = segment_sum(group, (y - y_mean[group]) ** 2, valid, n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        y_sd = np.where(y_len > 1, np.sqrt(squares / (y_len - 1)), np.nan)
    n_valid = ~np.isnan(n)
    n_sum = np.where(np.bincount(group[n_valid], minlength=n_groups) > 0,
                     segment_sum(group, n, n_valid, n_groups), np.nan)
    return y_sum, y_len, y_mean, y_sd, n_sum


# -------------------------------------------------------------------------- layout


def _layout(pts: Points, cfg: Settings, n_series: int) -> Layout:
    """Positions, parts, baseline and segments.

    Parts follow qicharts2's ``makeparts``: split after each given position that lies
    inside the series (positions beyond it are ignored, as in R). With the Anhøj rules a
    freeze makes the first k points the baseline, but is ignored when parts are given
    (``if (is.null(freeze) || !is.null(part)) freeze <- Inf``). With the MDC rules a
    part is a rebase group and the freeze (``fix_after_n_points``) counts the first k
    points of every group, as NHSRplotthedots' ``row_number()`` per group does.
    """
    code = pts.code
    n_points = len(code)
    series_start = np.searchsorted(code, np.arange(n_series))
    position = np.arange(n_points) - series_start[code] + 1

    if len(cfg.cut_at):
        span = int(position.max()) + 1 if n_points else 1
        keep = cfg.cut_at >= 1
        cut_keys = np.unique(cfg.cut_code[keep] * span + np.minimum(cfg.cut_at[keep], span - 1))
        cuts_before = (np.searchsorted(cut_keys, code * span + position)
                       - np.searchsorted(cut_keys, code * span + 1))
        part = cuts_before + 1
    else:
        part = np.ones(n_points, dtype=np.int64)

    new_seg = np.ones(n_points, dtype=bool)
    new_seg[1:] = (code[1:] != code[:-1]) | (part[1:] != part[:-1])
    seg = np.cumsum(new_seg) - 1

    mdc = (cfg.rules == "mdc")[code]
    position_in_part = position - position[new_seg][seg] + 1
    freeze = np.where(cfg.has_parts & (cfg.rules != "mdc"), np.nan, cfg.freeze)[code]
    baseline = np.isnan(freeze) | (np.where(mdc, position_in_part, position) <= freeze)
    include = ~pts.exclude
    return Layout(position, part, baseline, include, seg, int(new_seg.sum()),
                  code[new_seg], part[new_seg])


# ------------------------------------------------------------------ computations


def _centre_and_limits(rows: Rows, pts: Points, cfg: Settings, layout: Layout) -> Values:
    """Fill centre and limits chart type by chart type (one vectorised pass each)."""
    size = len(pts.code)
    out = Values(*(np.full(size, np.nan) for _ in range(6)),
                 point_type=np.full(size, -1, dtype=np.int8),
                 mdc=(cfg.rules == "mdc")[pts.code])
    base = layout.baseline & layout.include
    screen_seg = cfg.screen[layout.seg_code]
    anhoej_charts = [c for c in CHART_TYPES if ((cfg.chart == c) & (cfg.rules != "mdc")).any()]
    every = slice(None)   # one chart type for all (the command line): views, not copies
    for chart_type in anhoej_charts:
        if len(anhoej_charts) == 1 and not out.mdc.any():
            idx = every
        else:
            idx = np.flatnonzero((cfg.chart == chart_type)[pts.code] & ~out.mdc)
        if idx is every or idx.size:
            chart_input = ChartInput(
                seg=layout.seg[idx], n_segments=layout.n_segments, y=pts.y[idx],
                y_sum=pts.y_sum[idx], y_len=pts.y_len[idx], y_mean=pts.y_mean[idx],
                y_sd=pts.y_sd[idx], n=pts.n[idx], base=base[idx], screen=screen_seg,
            )
            limits = CHART_LIMITS[chart_type](chart_input)
            _store(out, idx, limits)
            settle_anhoej_ties(chart_type, idx, out, rows, pts, layout, base, screen_seg)

    idx = every if out.mdc.all() else np.flatnonzero(out.mdc)
    if idx is every or idx.size:
        seg = layout.seg[idx]
        limits = mdc_limits(seg, pts.y[idx], base[idx], screen_seg, layout.n_segments)
        _store(out, idx, limits, y=pts.y[idx])
        settle_mdc_ties(idx, out, pts, layout, base, screen_seg)
        direction = np.select([cfg.direction == "increase", cfg.direction == "decrease"], [1, -1], 0)
        out.point_type[idx] = mdc_point_types(seg, out.y[idx], out.cl[idx], out.lcl[idx], out.ucl[idx],
                                              out.lcl_95[idx], out.ucl_95[idx], direction[pts.code[idx]])

    for name in ("lcl", "ucl", "lcl_95", "ucl_95"):  # qicharts2: non-finite limits -> NA
        limit = getattr(out, name)
        limit[~np.isfinite(limit)] = np.nan
    return out


def _store(out: Values, idx: np.ndarray | slice, limits, y=None) -> None:
    out.y[idx] = limits.y if y is None else y
    for name in ("cl", "lcl", "ucl", "lcl_95", "ucl_95"):
        getattr(out, name)[idx] = getattr(limits, name)


# ---------------------------------------------------------------------- per series


def last_part_sigma_signals(ev: Evaluation) -> np.ndarray:
    """Per series: number of points outside the limits in its last part."""
    last_seg = ev.layout.seg[ev.last_point]
    return segment_count(ev.layout.seg, ev.sigma_signal, ev.layout.n_segments)[last_seg]


def assurance_codes(ev: Evaluation, cfg: Settings) -> np.ndarray:
    """Per series: NHSRplotthedots' ``ptd_calculate_assurance_type`` at the last point,
    as text (None without a target, for a neutral direction, or for Anhøj series)."""
    last = ev.last_point
    increasing = cfg.direction == "increase"
    with np.errstate(invalid="ignore"):
        above = cfg.target > ev.values.ucl[last]
        below = cfg.target < ev.values.lcl[last]
    assurance = np.select(
        [above, below],
        [np.where(increasing, "consistent_fail", "consistent_pass"),
         np.where(increasing, "consistent_pass", "consistent_fail")],
        default="inconsistent",
    ).astype(object)
    assurance[(cfg.rules != "mdc") | np.isnan(cfg.target) | (cfg.direction == "neutral")] = None
    return assurance
