"""Segment-wise reductions over one flat array of points, for :mod:`pdsa.spc.many`.

Every point carries a segment id (one segment = one part of one series). The ids are
non-decreasing along the array, so a segment is a contiguous slice and a reduction over
all segments is one ``np.bincount`` / ``np.*.reduceat`` call instead of a Python loop.

Conventions: ``seg`` is an int array of segment ids (global, ``0 <= seg < n_segments``),
``mask`` a bool array choosing which points take part. Results are arrays of length
``n_segments``; empty segments give NaN for means and medians, as R's ``mean(numeric(0))``
and ``median(numeric(0))`` do.
"""

from __future__ import annotations

import numpy as np


def segment_count(seg: np.ndarray, mask: np.ndarray, n_segments: int) -> np.ndarray:
    """Number of chosen points per segment."""
    return np.bincount(seg[mask], minlength=n_segments)


def _segment_totals(seg: np.ndarray, values: np.ndarray, n_segments: int) -> np.ndarray:
    """Sum per segment of values already ordered by segment (float64, fixed order)."""
    totals = np.zeros(n_segments, dtype=float)
    if len(seg):
        starts = np.flatnonzero(np.r_[True, seg[1:] != seg[:-1]])
        totals[seg[starts]] = np.add.reduceat(values, starts)
    return totals


def segment_sum(seg: np.ndarray, values: np.ndarray, mask: np.ndarray, n_segments: int) -> np.ndarray:
    """Sum of chosen values per segment (0 for none, like R's ``sum(numeric(0))``).

    Plain float64 in a fixed order, so every platform gets the same bits (numpy's
    longdouble is 80-bit on x86-64 Linux only). Sums of whole numbers below 2**53 are
    exact; where a last-bit difference from R's long double sum could change a finding,
    :mod:`pdsa.spc.many_exact` recomputes the part exactly.
    """
    return _segment_totals(seg[mask], values[mask].astype(float, copy=False), n_segments)


def segment_mean(seg: np.ndarray, values: np.ndarray, mask: np.ndarray, n_segments: int) -> np.ndarray:
    """``mean(values[mask], na.rm = TRUE)`` per segment; NaN where nothing is left.

    Follows R's two passes (sum divided by n, then refined once by the mean deviation
    from it), in float64: the result is the correctly rounded mean or one unit in the
    last place from it. That last bit matters only where a point lies on the centre
    line or a limit; those few parts are settled exactly by :mod:`pdsa.spc.many_exact`.
    """
    use = mask & ~np.isnan(values)
    seg_used, val_used = seg[use], values[use].astype(float, copy=False)
    count = np.bincount(seg_used, minlength=n_segments)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = _segment_totals(seg_used, val_used, n_segments) / count
        correction = _segment_totals(seg_used, val_used - mean[seg_used], n_segments)
        refined = mean + correction / count
    # whole numbers summing below 2**53: the sum is exact, one division rounds correctly
    return np.where(whole_segments(seg_used, val_used, n_segments), mean, refined)


def whole_segments(seg: np.ndarray, values: np.ndarray, n_segments: int) -> np.ndarray:
    """Per segment: all values (NaN aside) are whole numbers and their absolute sum is below
    2**53, so any float64 sum of them is exact."""
    fractional = (values != np.floor(values)) & ~np.isnan(values)
    if fractional.all():
        return np.zeros(n_segments, dtype=bool)
    whole = np.bincount(seg[fractional], minlength=n_segments) == 0
    magnitude = np.abs(values)
    if len(values) and np.nanmax(magnitude, initial=0.0) * len(values) >= 2.0**53:
        finite = ~np.isnan(values)
        whole &= np.bincount(seg[finite], weights=magnitude[finite], minlength=n_segments) < 2.0**53
    return whole


def segment_median(seg: np.ndarray, values: np.ndarray, mask: np.ndarray, n_segments: int) -> np.ndarray:
    """``median(values[mask], na.rm = TRUE)`` per segment.

    Sort by (segment, value) once; the middle element(s) of each segment are then found
    from the segment offsets, so no per-segment sort is needed.
    """
    use = mask & ~np.isnan(values)
    seg_used = seg[use]
    val_used = values[use]
    order = np.lexsort((val_used, seg_used))
    sorted_values = val_used[order]
    count = np.bincount(seg_used, minlength=n_segments)
    start = np.concatenate(([0], np.cumsum(count)[:-1]))
    median = np.full(n_segments, np.nan)
    has = count > 0
    low = sorted_values[start[has] + (count[has] - 1) // 2]
    high = sorted_values[start[has] + count[has] // 2]
    median[has] = (low + high) / 2.0
    return median


def segment_distinct_count(seg: np.ndarray, values: np.ndarray, n_segments: int) -> np.ndarray:
    """Number of distinct values per segment (qicharts2's ``length(unique(y.length))``)."""
    order = np.lexsort((values, seg))
    s = seg[order]
    v = values[order]
    new_value = np.ones(len(s), dtype=bool)
    new_value[1:] = (s[1:] != s[:-1]) | (v[1:] != v[:-1])
    return np.bincount(s[new_value], minlength=n_segments)


def first_in_segment(seg: np.ndarray) -> np.ndarray:
    """True at the first point of every segment."""
    first = np.ones(len(seg), dtype=bool)
    first[1:] = seg[1:] != seg[:-1]
    return first


def last_in_segment(seg: np.ndarray) -> np.ndarray:
    """True at the last point of every segment."""
    last = np.ones(len(seg), dtype=bool)
    last[:-1] = seg[1:] != seg[:-1]
    return last


def moving_ranges(seg: np.ndarray, values: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Absolute differences between consecutive chosen points of the same segment.

    This is R's ``abs(diff(y[base]))`` per part: points outside ``mask`` (excluded or
    after the freeze) are skipped, so their neighbours are compared directly, while a
    missing value among the chosen points gives a NaN range (dropped later by
    ``na.rm = TRUE``). Returns (segment of each range, range).
    """
    chosen_seg = seg[mask]
    chosen = values[mask]
    same = chosen_seg[1:] == chosen_seg[:-1]
    ranges = np.abs(np.diff(chosen))[same]
    return chosen_seg[1:][same], ranges


def average_moving_range(
    seg: np.ndarray, values: np.ndarray, mask: np.ndarray, screen: np.ndarray, n_segments: int
) -> np.ndarray:
    """Average moving range per segment, optionally screened once (Nelson 1982).

    qicharts2 (``qic.i``, ``qic.pp``, ``qic.up`` with ``qic.screenedmr``) and
    NHSRplotthedots (``screen_outliers``) drop moving ranges >= 3.267 * AMR and
    recompute the average once. ``screen`` is a per-segment bool array.
    """
    mr_seg, mr = moving_ranges(seg, values, mask)
    valid = ~np.isnan(mr)
    amr = segment_mean(mr_seg, mr, valid, n_segments)
    if screen.any():
        keep = valid & (~screen[mr_seg] | (mr < 3.267 * amr[mr_seg]))
        screened = segment_mean(mr_seg, mr, keep, n_segments)
        amr = np.where(screen, screened, amr)
    return amr


def run_lengths(seg: np.ndarray, sign: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Runs of equal ``sign`` inside each segment (R's ``rle`` per segment).

    Returns (run id of each element, length of each run, segment of each run).
    """
    new_run = np.ones(len(seg), dtype=bool)
    new_run[1:] = (seg[1:] != seg[:-1]) | (sign[1:] != sign[:-1])
    run_id = np.cumsum(new_run) - 1
    lengths = np.bincount(run_id)
    return run_id, lengths, seg[new_run]
