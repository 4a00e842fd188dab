"""Making Data Count XmR charts as NHSRplotthedots 0.2.2 computes them.

Limits: R/ptd_spc_standard.R. Special-cause rules and their precedence:
R/ptd_calculate_point_type.R. Assurance: R/ptd_calculate_assurance_type.R.
Each function works on one rebase group. A missing value breaks every rule
(NHSRplotthedots does not handle missing values; its trend rule can stop with an error).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .rstats import abs_diff, r_mean

LIMIT = 2.66                    # 3 / d2 for moving ranges of two
LIMIT_CLOSE = 2 * (LIMIT / 3)   # the "2-sigma" line used by the two-in-three rule
MR_SCREEN_FACTOR = 3.267
RUN_LENGTH = 7                  # points in a trend and in a shift

# Special-cause kinds, in NHSRplotthedots' precedence (first wins).
OUTSIDE_LIMITS = "outside_limits"
TREND = "trend"
TWO_OF_THREE = "two_of_three"
SHIFT = "shift"

DIRECTIONS = {"increase": 1, "neutral": 0, "decrease": -1}


@dataclass(frozen=True)
class GroupLimits:
    """Mean and process limits of one rebase group (constant over the group)."""

    mean: float
    lpl: float
    upl: float
    near_lpl: float   # mean - 2/3 of the distance to the limit ("2 sigma")
    near_upl: float


@dataclass(frozen=True)
class SpecialCause:
    """Special cause of each point: kind (None = common cause) and side (+1 high, -1 low, 0 none)."""

    kind: list[str | None]
    side: np.ndarray


def xmr_limits(y: np.ndarray, fixed: np.ndarray, screen_outliers: bool) -> GroupLimits:
    """Mean +/- 2.66 * AMR over the fixed points; moving ranges >= 3.267 * AMR screened once.

    Moving ranges are taken between neighbouring fixed values; a missing value
    leaves the two ranges next to it out.
    """
    fix_y = np.where(fixed, y, np.nan)
    mean = r_mean(fix_y)
    moving_ranges = abs_diff(fix_y)
    amr = r_mean(moving_ranges)
    if screen_outliers:
        amr = r_mean(moving_ranges[moving_ranges < MR_SCREEN_FACTOR * amr])
    return GroupLimits(mean, mean - LIMIT * amr, mean + LIMIT * amr,
                       mean - LIMIT_CLOSE * amr, mean + LIMIT_CLOSE * amr)


def special_causes(y: np.ndarray, limits: GroupLimits) -> SpecialCause:
    """Classify every point of a group by the first rule that flags it."""
    y = np.asarray(y, dtype=float)
    present = ~np.isnan(y)
    side = _signs(y - limits.mean)   # 0 when y or the mean is missing
    outside = present & ((y > limits.upl) | (y < limits.lpl))
    close = present & ~outside & ((y < limits.near_lpl) | (y > limits.near_upl))

    in_trend = part_of_run_end(seven_point_trend(y))
    in_two_of_three = close & two_in_three(close, side)
    in_shift = part_of_run_end(seven_on_one_side(side))
    trend_side = _trend_direction(y, in_trend)

    kinds: list[str | None] = []
    sides = np.zeros(len(y), dtype=int)
    for i in range(len(y)):
        if outside[i]:
            kinds.append(OUTSIDE_LIMITS)
            sides[i] = 1 if side[i] == 1 else -1
        elif in_trend[i]:
            kinds.append(TREND)
            sides[i] = 1 if trend_side[i] == 1 else -1
        elif in_two_of_three[i]:
            kinds.append(TWO_OF_THREE)
            sides[i] = 1 if side[i] > 0 else -1
        elif in_shift[i]:
            kinds.append(SHIFT)
            sides[i] = 1 if side[i] > 0 else -1
        else:
            kinds.append(None)
    return SpecialCause(kinds, sides)


def seven_point_trend(y: np.ndarray) -> np.ndarray:
    """+1/-1 at the last point of 7 points each strictly above/below the one before (6 equal-sign steps)."""
    steps = _signs(np.diff(y))
    ends = np.zeros(len(y), dtype=int)
    for i in range(RUN_LENGTH - 1, len(y)):
        window = steps[i - (RUN_LENGTH - 1) : i]
        if np.all(window == 1):
            ends[i] = 1
        elif np.all(window == -1):
            ends[i] = -1
    return ends


def seven_on_one_side(side: np.ndarray) -> np.ndarray:
    """Non-zero at the last point of 7 points on the same side of the mean (a point on the mean breaks it)."""
    ends = np.zeros(len(side), dtype=int)
    for i in range(RUN_LENGTH - 1, len(side)):
        window = side[i - (RUN_LENGTH - 1) : i + 1]
        if side[i] != 0 and np.all(window == side[i]):
            ends[i] = side[i]
    return ends


def part_of_run_end(ends: np.ndarray) -> np.ndarray:
    """A point belongs to a run if it or one of the 6 points after it ends one (ptd_part_of_seven_trend)."""
    flagged = np.zeros(len(ends), dtype=bool)
    for i in range(len(ends)):
        flagged[i] = np.any(ends[i : i + RUN_LENGTH] != 0)
    return flagged


def two_in_three(close: np.ndarray, side: np.ndarray) -> np.ndarray:
    """Point lies in a window of 3 consecutive points, all on one side of the mean, with 2+ close to a limit."""
    length = len(close)
    padded_close = np.r_[0, 0, close.astype(int), 0, 0]
    padded_side = np.r_[0, 0, side, 0, 0]
    hits = np.zeros(length, dtype=bool)
    for i in range(length):
        for start in (i, i + 1, i + 2):  # windows ending at, around and starting at the point
            window = slice(start, start + 3)
            if padded_close[window].sum() >= 2 and abs(padded_side[window].sum()) == 3:
                hits[i] = True
    return hits


def _trend_direction(y: np.ndarray, in_trend: np.ndarray) -> np.ndarray:
    """Sign of the step that carries each trend point: the step to the right when the next
    point is also in a trend, else the step from the left (as NHSRplotthedots' sdy)."""
    steps = _signs(np.diff(y))
    if len(y) == 0:
        return np.zeros(0, dtype=int)
    right = np.r_[steps, steps[-1:]] if len(steps) else np.zeros(1, dtype=int)
    left = np.r_[0, steps]
    next_in_trend = np.r_[in_trend[1:], False]
    return np.where(next_in_trend & in_trend, right, left)


def _signs(values: np.ndarray) -> np.ndarray:
    """sign(), with missing as 0 (breaks any run)."""
    return np.where(np.isnan(values), 0, np.sign(values)).astype(int)


def point_types(causes: SpecialCause, direction: str) -> list[str]:
    """result.POINT_TYPES per point: the side of the special cause read against the improvement direction."""
    orientation = DIRECTIONS[direction]
    types = []
    for kind, side in zip(causes.kind, causes.side):
        if kind is None:
            types.append("common_cause")
        elif orientation == 0:
            types.append("special_cause_neutral_high" if side > 0 else "special_cause_neutral_low")
        else:
            types.append("special_cause_improvement" if side * orientation > 0 else "special_cause_concern")
    return types


def assurance(target: float | None, direction: str, last: GroupLimits) -> str | None:
    """Can the process be relied on to meet the target? Uses the limits of the last point's group."""
    if target is None or direction == "neutral":
        return None
    increasing = direction == "increase"
    if target > last.upl:
        return "consistent_fail" if increasing else "consistent_pass"
    if target < last.lpl:
        return "consistent_pass" if increasing else "consistent_fail"
    return "inconsistent"
