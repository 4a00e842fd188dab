"""Exact centre lines and limits for the few parts where a point touches one.

The vectorised engine computes in float64 in a fixed order, so it gives the same bits
on every platform, but a mean it computes may be one unit in the last place away from
the correctly rounded mean that R (long double) and the single-series engine (exact
rational sums, :mod:`pdsa.spc.rstats`) give. That last bit decides a finding only where
a point lies on the centre line (it is then not "useful" for the runs analysis) or on a
limit (it is then not outside). So every part that has a point within a hair of its
centre line or 3-sigma limits (``2**-46`` of the part's magnitude per point, far above
float64 rounding and far below any real difference) is recomputed with the
single-series formulas (``limits.chart_lines``, ``mdc.xmr_limits``), which are exact.
Such parts are few: a tie needs a mean that equals a data value to the last bit.

Run charts (and the centre line of G charts) use the median, which is a data value
or the midpoint of two, computed exactly already.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from pdsa.spc import mdc
from pdsa.spc.limits import PartData, chart_lines
from pdsa.spc.many_segments import whole_segments
from pdsa.spc.rstats import r_divide, r_mean, r_sd, r_sum

if TYPE_CHECKING:
    from pdsa.spc.many_engine import Layout, Points, Rows, Values

HAIR = 2.0**-46
MEDIAN_CENTRE = frozenset({"run", "g"})
# The values a chart's centre line is summed from (an attribute of Points, or a product of
# two): when they are whole numbers the float64 sums are exact and the centre line is the
# correctly rounded one already (ratio of two exact sums, or exact sum over a count).
SUMMED = {"i": ("y",), "mr": ("y",), "c": ("y_sum",), "p": ("y_sum", "n"), "pp": ("y_sum", "n"),
          "u": ("y_sum", "n"), "up": ("y_sum", "n"), "xbar": ("y_len", "y_mean")}


def settle_anhoej_ties(chart: str, idx: np.ndarray, out: "Values", rows: "Rows", pts: "Points",
                       layout: "Layout", base: np.ndarray, screen_seg: np.ndarray) -> None:
    """Recompute exactly every part (of chart type ``chart``, points ``idx``) that has a
    point within a hair of its centre line (unless a median) or 3-sigma limits."""
    if chart == "run":
        return
    seg = layout.seg[idx]
    lines = [_unclipped(out.lcl[idx], 0.0), _unclipped(out.ucl[idx], 1.0 if chart in ("p", "pp") else None)]
    if chart not in MEDIAN_CENTRE:
        exact_cl = _exact_centre(chart, seg, pts, idx)
        lines.append(np.where(exact_cl, np.nan, out.cl[idx]))
    for seg_id, where in _touching_parts(seg, out.y[idx], lines):
        points = _points(idx, where)
        data = _exact_part(chart, points, rows, pts, base[points])
        exact = chart_lines(chart, data, bool(screen_seg[seg_id]))
        for name in ("y", "cl", "lcl", "ucl", "lcl_95", "ucl_95"):
            getattr(out, name)[points] = getattr(exact, name)


def settle_mdc_ties(idx: np.ndarray, out: "Values", pts: "Points", layout: "Layout", base: np.ndarray,
                    screen_seg: np.ndarray) -> None:
    """The same for Making Data Count groups: mean, process limits and the 2-sigma lines
    (the two-in-three rule reads those)."""
    seg = layout.seg[idx]
    exact_cl = _exact_centre("i", seg, pts, idx)
    lines = [np.where(exact_cl, np.nan, out.cl[idx]), out.lcl[idx], out.ucl[idx], out.lcl_95[idx], out.ucl_95[idx]]
    for seg_id, where in _touching_parts(seg, out.y[idx], lines):
        points = _points(idx, where)
        exact = mdc.xmr_limits(pts.y[points], base[points], screen_outliers=bool(screen_seg[seg_id]))
        for name, value in (("cl", exact.mean), ("lcl", exact.lpl), ("ucl", exact.upl),
                            ("lcl_95", exact.near_lpl), ("ucl_95", exact.near_upl)):
            getattr(out, name)[points] = value


def _points(idx: np.ndarray | slice, where: slice) -> np.ndarray:
    """Positions (into all points) of a part given by ``where`` within the selection ``idx``
    (an index array, or ``slice(None)`` for all points)."""
    if isinstance(idx, slice):
        return np.arange(where.start, where.stop)
    return idx[where]


def _unclipped(line: np.ndarray, bound: float | None) -> np.ndarray:
    """The line, without the points where it sits on a bound it was clipped to (0 for lower
    limits, 1 for proportions): those are set, not computed, and the same everywhere."""
    return line if bound is None else np.where(line == bound, np.nan, line)


def _exact_centre(chart: str, seg: np.ndarray, pts: "Points", idx: np.ndarray) -> np.ndarray:
    """Per point: is its part's centre line certainly the correctly rounded one (whole
    numbers summed exactly, see SUMMED)? The MR chart sums the moving ranges of y."""
    names = SUMMED.get(chart)
    if names is None:
        return np.zeros(len(seg), dtype=bool)
    values = [getattr(pts, name)[idx].astype(float) for name in names]
    if chart == "xbar":
        values = [values[0] * values[1]]
    n_segments = int(seg.max()) + 1 if len(seg) else 0
    local = seg - seg.min() if len(seg) else seg
    whole = np.ones(n_segments - (int(seg.min()) if len(seg) else 0), dtype=bool)
    for value in values:
        whole &= whole_segments(local, value, len(whole))
    return whole[local]


def _touching_parts(seg: np.ndarray, y: np.ndarray, lines: list[np.ndarray]):
    """(segment id, slice into seg) of every part with a point within a hair of a line.

    The hair is relative to the part's largest magnitude and grows with its number of
    points, since float64 sums lose at most about one ulp per term.
    """
    if not len(seg):
        return
    # a cheap first look with the largest possible hair, then the exact test where needed
    with np.errstate(invalid="ignore"):
        distance = np.abs(y - lines[0])
        for line in lines[1:]:
            distance = np.fmin(distance, np.abs(y - line))
        scale = np.fmax(np.abs(y), np.abs(lines[0]))
        close = np.flatnonzero(distance <= scale * (len(seg) * HAIR))
    if not len(close):
        return
    starts = np.flatnonzero(np.concatenate(([True], seg[1:] != seg[:-1])))
    counts = np.diff(np.concatenate((starts, [len(seg)])))
    magnitude = np.abs(y)
    for line in lines:
        magnitude = np.fmax(magnitude, np.abs(line))
    magnitude = np.where(np.isfinite(magnitude), magnitude, 0.0)
    hair = np.maximum.reduceat(magnitude, starts) * np.maximum(counts, 16) * HAIR
    part_of = np.searchsorted(starts, close, side="right") - 1
    touching = distance[close] <= hair[part_of]
    if not touching.any():
        return
    for k in np.unique(part_of[touching]):
        yield int(seg[starts[k]]), slice(int(starts[k]), int(starts[k] + counts[k]))


def _exact_part(chart: str, points: np.ndarray, rows: "Rows", pts: "Points", base: np.ndarray) -> PartData:
    """The part as the single-series engine sees it (``series.prepare_series``), with the
    statistics of multi-row points recomputed from their rows with exact sums."""
    y_sum, y_len = pts.y_sum[points].copy(), pts.y_len[points].astype(float)
    y_mean, y_sd, n = pts.y_mean[points].copy(), pts.y_sd[points].copy(), pts.n[points].copy()
    plotted = pts.y[points].copy()
    for k in np.flatnonzero(pts.rows[points] > 1):
        first = int(pts.first_row[points[k]])
        ys = rows.y[first:first + int(pts.rows[points[k]])].copy()
        ns = rows.n[first:first + len(ys)].copy()
        got_n = bool(rows.got_n[rows.code[first]])
        if got_n:
            missing = np.isnan(ys) | np.isnan(ns)
            ys[missing], ns[missing] = np.nan, np.nan
        y_sum[k], y_len[k] = r_sum(ys), np.count_nonzero(~np.isnan(ys))
        y_mean[k], y_sd[k] = r_mean(ys), r_sd(ys)
        n[k] = r_sum(ns) if (~np.isnan(ns)).any() else np.nan
        plotted[k] = r_divide(y_sum[k], n[k]) if got_n else y_mean[k]
    if chart in ("xbar", "s"):
        return PartData(y_mean if chart == "xbar" else y_sd, np.full(len(points), np.nan), y_len, y_sd, base)
    value = y_sum if chart == "c" else plotted
    return PartData(value, y_sum, n, np.full(len(points), np.nan), base)
