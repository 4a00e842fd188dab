"""Every NHSRplotthedots 0.2.2 (Making Data Count) reference case: limits, point types, icon, assurance."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pdsa.spc import analyze
from pdsa.spc.mdc import GroupLimits, special_causes

from .conftest import MDC_DIR, assert_numbers, mdc_cases, read_input

# NHSRplotthedots' special_cause_type text -> our (kind, side).
SPECIAL_CAUSE_TYPES = {
    "Common Cause": (None, 0),
    "Above UCL": ("outside_limits", 1),
    "Below LCL": ("outside_limits", -1),
    "7 Point Trend (Increasing)": ("trend", 1),
    "7 Point Trend (Decreasing)": ("trend", -1),
    "2 in 3 Above CL": ("two_of_three", 1),
    "2 in 3 Below CL": ("two_of_three", -1),
    "7 Points Above CL": ("shift", 1),
    "7 Points Below CL": ("shift", -1),
}


def _rebase_positions(expected: pd.DataFrame) -> list[int] | None:
    """The rebase date of the R call, as 'a new group starts after position K'."""
    groups = expected["rebase_group"].to_numpy()
    return [int(k) for k in np.flatnonzero(np.diff(groups)) + 1] or None


def _analyse(case):
    options = case["options"]
    expected = pd.DataFrame(case["points"])
    data = read_input(MDC_DIR, case)
    return analyze(data["y"], x=data["x"], chart="i", rules="mdc", part=_rebase_positions(expected),
                   freeze=options["fix_after_n_points"], screen_mr=options["screen_outliers"],
                   direction=options["improvement_direction"], target=options["target"])


def test_all_10_cases_are_present():
    assert len(mdc_cases()) == 10


def test_mean_and_process_limits_of_every_point(mdc_case):
    points = _analyse(mdc_case).points
    expected = pd.DataFrame(mdc_case["points"])
    for column, reference in (("y", "y"), ("cl", "mean"), ("lcl", "lpl"), ("ucl", "upl")):
        assert_numbers(points[column], expected[reference], f"{mdc_case['name']} {column}")
    assert points["part"].tolist() == (expected["rebase_group"] + 1).tolist()


def test_point_type_of_every_point(mdc_case):
    points = _analyse(mdc_case).points
    expected = pd.DataFrame(mdc_case["points"])
    assert points["point_type"].tolist() == expected["point_type"].tolist()


def test_outside_limits_is_the_sigma_signal(mdc_case):
    points = _analyse(mdc_case).points
    expected = pd.DataFrame(mdc_case["points"])
    assert points["sigma_signal"].tolist() == expected["outside_limits"].astype(bool).tolist()
    assert not points["runs_signal"].any()


def test_special_cause_rule_of_every_point(mdc_case):
    """Which rule fired, in NHSRplotthedots' precedence (limits > trend > 2 in 3 > 7 on one side)."""
    expected = pd.DataFrame(mdc_case["points"])
    for group, rows in expected.groupby("rebase_group"):
        limits = _group_limits(mdc_case, group, rows)
        causes = special_causes(rows["y"].to_numpy(dtype=float), limits)
        got = list(zip(causes.kind, causes.side.tolist()))
        want = [SPECIAL_CAUSE_TYPES[text] for text in rows["special_cause_type"]]
        assert got == want


def _group_limits(case, group, rows) -> GroupLimits:
    """Limits from the reference itself, so the rule test does not depend on our limits."""
    summary = next(g for g in case["groups"] if g["rebase_group"] == group)
    mean, lpl, upl = summary["mean"], summary["lpl"], summary["upl"]
    near = (upl - mean) * 2 / 3
    return GroupLimits(mean, lpl, upl, mean - near, mean + near)


def test_variation_icon_and_assurance(mdc_case):
    analysis = _analyse(mdc_case)
    assert analysis.variation_icon == mdc_case["variation_icon_point_type"]
    assert analysis.assurance == mdc_case["assurance_type"]
    assert analysis.direction == mdc_case["options"]["improvement_direction"]
    assert analysis.target == mdc_case["options"]["target"]


def test_one_part_per_rebase_group(mdc_case):
    analysis = _analyse(mdc_case)
    assert [(p.part, p.n_obs) for p in analysis.parts] == [
        (g["rebase_group"] + 1, g["n"]) for g in mdc_case["groups"]]
    for part in analysis.parts:
        assert (part.n_useful, part.longest_run, part.n_crossings, part.runs_signal) == (None,) * 4
    for group in mdc_case["groups"]:
        rows = analysis.points[analysis.points["part"] == group["rebase_group"] + 1]
        assert_numbers(rows[["cl", "lcl", "ucl"]].iloc[0], [group["mean"], group["lpl"], group["upl"]], "group")
        flagged = rows.loc[rows["point_type"] != "common_cause", "i"].tolist()
        assert flagged == group["special_cause_i"]
