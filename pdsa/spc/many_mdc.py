"""NHS "Making Data Count" XmR rules (NHSRplotthedots 0.2.2) for many series at once.

Limits (``ptd_spc_standard``): mean +/- 2.66 * AMR of the baseline points of each rebase
group (part); "close to limits" means beyond mean +/- (2/3) * 2.66 * AMR but not outside.
Special-cause rules (``ptd_calculate_point_type``), first match wins:

1. outside the process limits (strictly);
2. part of a run of 7+ points each strictly above (below) the previous one;
3. one of >= 2 close-to-limit points among 3 consecutive points all on one side of the mean;
4. part of a run of 7+ consecutive points on the same side of the mean.

Every rule is found with run lengths over the flat array, never per series. A missing
value breaks runs and trends (NHSRplotthedots has no defined behaviour for it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pdsa.spc.many_segments import (
    average_moving_range,
    first_in_segment,
    last_in_segment,
    run_lengths,
    segment_mean,
)

LIMIT = 2.66
CLOSE = 2 * (LIMIT / 3)  # written as NHSRplotthedots does, for the same rounding
RUN_LENGTH = 7  # points, both for trends and for runs on one side of the mean

# Integer codes of result.POINT_TYPES, in that order.
COMMON, IMPROVEMENT, CONCERN, NEUTRAL_HIGH, NEUTRAL_LOW = range(5)


@dataclass
class MdcLimits:
    """Mean, process limits and the "close to limits" lines per point."""

    cl: np.ndarray
    lcl: np.ndarray
    ucl: np.ndarray
    lcl_95: np.ndarray        # mean - (2/3) * 2.66 * AMR
    ucl_95: np.ndarray


def mdc_limits(seg: np.ndarray, y: np.ndarray, base: np.ndarray, screen: np.ndarray,
               n_segments: int) -> MdcLimits:
    """Mean +/- 2.66 * AMR of the baseline points of every rebase group."""
    mean = segment_mean(seg, y, base, n_segments)
    amr = average_moving_range(seg, y, base, screen, n_segments)
    cl, spread = mean[seg], amr[seg]
    return MdcLimits(cl, cl - LIMIT * spread, cl + LIMIT * spread, cl - CLOSE * spread, cl + CLOSE * spread)


def mdc_point_types(seg: np.ndarray, y: np.ndarray, cl: np.ndarray, lcl: np.ndarray, ucl: np.ndarray,
                    near_low: np.ndarray, near_high: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Point type codes (see POINT_TYPES) of all points; ``direction`` is -1/0/1 per point."""
    with np.errstate(invalid="ignore"):
        side = np.nan_to_num(np.sign(y - cl)).astype(np.int8)
        outside = (y > ucl) | (y < lcl)
        close = ~outside & ((y < near_low) | (y > near_high))

    trend, trend_sign = seven_point_trend(seg, y)
    two_of_three = two_in_three(seg, close, side)
    shift = seven_on_one_side(seg, side)

    # Side of the special cause, first matching rule wins: +1 "Above"/"Increasing",
    # -1 "Below"/"Decreasing" (NHSRplotthedots labels anything not +1 as the latter).
    above = np.where(side == 1, 1, -1)
    cause = np.select(
        [outside, trend, two_of_three, shift],
        [above, np.where(trend_sign == 1, 1, -1), above, above],
        default=0,
    )
    return point_type_codes(cause, direction)


def seven_point_trend(seg: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points belonging to 7+ strictly rising/falling consecutive points, and the sign
    NHSRplotthedots reports for each: the step to the next point when that point is also
    part of a trend, otherwise the step from the previous point (a tie gives 0, which
    NHSRplotthedots labels "Decreasing")."""
    first = first_in_segment(seg)
    step = np.zeros(len(y), dtype=np.int8)  # step[i] = sign(y[i] - y[i-1]) within the part
    with np.errstate(invalid="ignore"):
        step[1:] = np.nan_to_num(np.sign(np.diff(y)))
    step[first] = 0
    run_id, lengths, _ = run_lengths(seg, step)
    long_step = (step != 0) & (lengths[run_id] >= RUN_LENGTH - 1)
    # a long run of steps ending at i covers the points from (first step - 1) to i
    in_trend = long_step.copy()
    in_trend[:-1] |= long_step[1:]
    next_in_trend = np.zeros(len(y), dtype=bool)
    next_in_trend[:-1] = in_trend[1:]
    next_in_trend &= ~last_in_segment(seg)
    next_step = np.zeros(len(y), dtype=np.int8)
    next_step[:-1] = step[1:]
    sign = np.where(in_trend & next_in_trend, next_step, step)
    return in_trend, sign


def two_in_three(seg: np.ndarray, close: np.ndarray, side: np.ndarray) -> np.ndarray:
    """Close-to-limit points in a window of 3 consecutive points of one part that has at
    least 2 close points and all 3 points on the same side of the mean."""
    n = len(seg)
    window = np.zeros(n, dtype=bool)  # window[j]: points j, j+1, j+2 qualify
    if n >= 3:
        same_part = seg[:-2] == seg[2:]
        close_count = close[:-2].astype(int) + close[1:-1] + close[2:]
        side_sum = side[:-2].astype(int) + side[1:-1] + side[2:]
        window[:-2] = same_part & (close_count >= 2) & (np.abs(side_sum) == 3)
    member = window.copy()
    member[1:] |= window[:-1]
    member[2:] |= window[:-2]
    return member & close


def seven_on_one_side(seg: np.ndarray, side: np.ndarray) -> np.ndarray:
    """Points in a run of 7+ consecutive points on the same side of the mean."""
    run_id, lengths, _ = run_lengths(seg, side)
    return (side != 0) & (lengths[run_id] >= RUN_LENGTH)


def point_type_codes(cause: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Turn the side of each special cause into a point type (``ptd_point_type``)."""
    oriented = cause * direction
    codes = np.full(len(cause), COMMON, dtype=np.int8)
    codes[oriented > 0] = IMPROVEMENT
    codes[oriented < 0] = CONCERN
    neutral = direction == 0
    codes[neutral & (cause > 0)] = NEUTRAL_HIGH
    codes[neutral & (cause < 0)] = NEUTRAL_LOW
    return codes
