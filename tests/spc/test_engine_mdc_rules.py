"""Making Data Count rules at their edges, with limits set by hand (mean 0, 2-sigma +/-2, limits +/-3)."""

from __future__ import annotations

import statistics

import numpy as np

from pdsa.spc import analyze
from pdsa.spc.mdc import GroupLimits, point_types, special_causes

from .conftest import assert_numbers

LIMITS = GroupLimits(mean=0.0, lpl=-3.0, upl=3.0, near_lpl=-2.0, near_upl=2.0)
QUIET = [0.5, -0.5]


def _causes(y):
    causes = special_causes(np.array(y, dtype=float), LIMITS)
    return list(zip(causes.kind, causes.side.tolist()))


def test_two_of_three_flags_only_the_close_points_on_one_side():
    got = _causes(QUIET + [2.1, 1.0, 2.05] + QUIET)
    assert got[2:5] == [("two_of_three", 1), (None, 0), ("two_of_three", 1)]
    assert got[:2] == got[5:] == [(None, 0)] * 2


def test_two_of_three_needs_all_three_on_the_same_side():
    assert _causes(QUIET + [2.1, -0.2, 2.05] + QUIET) == [(None, 0)] * 7
    assert _causes(QUIET + [2.1, -2.1, 2.1] + QUIET) == [(None, 0)] * 7


def test_two_of_three_line_is_strict_and_outside_limits_do_not_count_as_close():
    assert _causes(QUIET + [2.0, 1.0, 2.0] + QUIET) == [(None, 0)] * 7
    got = _causes(QUIET + [3.5, 1.0, 2.5] + QUIET)
    assert got[2] == ("outside_limits", 1) and got[4] == (None, 0)


def test_limit_is_strict():
    assert _causes([3.0, -3.0, 0.1]) == [(None, 0)] * 3
    assert _causes([3.01, -3.01, 0.1]) == [("outside_limits", 1), ("outside_limits", -1), (None, 0)]


def test_seven_rising_points_make_a_trend_six_do_not_and_a_tie_breaks_it():
    rising = [-0.6, -0.4, -0.2, 0.1, 0.3, 0.5, 0.7]
    assert _causes(rising) == [("trend", 1)] * 7
    assert _causes(rising[1:]) == [(None, 0)] * 6
    tied = rising[:3] + [-0.2] + rising[3:]
    assert ("trend", 1) not in _causes(tied)
    assert _causes(rising[::-1]) == [("trend", -1)] * 7


def test_seven_on_one_side_is_a_shift_and_a_point_on_the_mean_breaks_it():
    above = [0.4, 0.2, 0.5, 0.3, 0.6, 0.2, 0.4]
    assert _causes(above) == [("shift", 1)] * 7
    assert _causes(above[:3] + [0.0] + above[3:]) == [(None, 0)] * 8
    assert _causes([-v for v in above]) == [("shift", -1)] * 7


def test_precedence_limits_then_trend_then_two_of_three_then_shift():
    y = [0.1, 0.2, 0.3, 0.4, 2.1, 2.2, 3.5]   # rising 7, all above the mean, two close, one outside
    assert _causes(y) == [("trend", 1)] * 6 + [("outside_limits", 1)]
    y = [0.3, 0.2, 0.4, 0.1, 2.1, 0.5, 2.2]   # all above the mean, last three hold two close
    assert _causes(y) == [("shift", 1)] * 4 + [("two_of_three", 1), ("shift", 1), ("two_of_three", 1)]


def test_point_types_follow_the_direction():
    causes = special_causes(np.array([3.5, 0.1, -3.5]), LIMITS)
    assert point_types(causes, "increase") == [
        "special_cause_improvement", "common_cause", "special_cause_concern"]
    assert point_types(causes, "decrease") == [
        "special_cause_concern", "common_cause", "special_cause_improvement"]
    assert point_types(causes, "neutral") == [
        "special_cause_neutral_high", "common_cause", "special_cause_neutral_low"]


def test_two_sigma_lines_are_two_thirds_of_the_way_to_the_limits():
    y = [10.0, 12.0, 11.0, 14.0, 12.0, 9.0, 13.0, 11.0]
    points = analyze(y, chart="i", rules="mdc").points
    mean = statistics.fmean(y)
    amr = statistics.fmean(abs(b - a) for a, b in zip(y, y[1:]))
    assert_numbers(points["ucl"], [mean + 2.66 * amr] * 8, "upl")
    assert_numbers(points["ucl_95"], [mean + 2 * 2.66 / 3 * amr] * 8, "near upl")
    assert_numbers(points["lcl_95"], [mean - 2 * 2.66 / 3 * amr] * 8, "near lpl")
