"""Every qicharts2 0.8.1 reference case, point by point and part by part (to 1e-9)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pdsa.spc import analyze

from .conftest import QIC_DIR, assert_numbers, qic_cases, read_input

LINE_COLUMNS = ("y", "n", "cl", "lcl", "ucl", "lcl_95", "ucl_95")
FLAG_COLUMNS = ("sigma_signal", "runs_signal", "baseline", "include")
PART_FIELDS = ("n_obs", "n_useful", "longest_run", "longest_run_max", "n_crossings", "n_crossings_min",
               "runs_signal")


def _analyse(case):
    params = case["params"]
    return analyze(**read_input(QIC_DIR, case), chart=params["chart"], freeze=params.get("freeze"),
                   part=params.get("part"), exclude=params.get("exclude"),
                   screen_mr=params.get("screened_mr", True))


def test_all_29_cases_are_present():
    assert len(qic_cases()) == 29


def test_centre_and_limits_of_every_point(qic_case):
    points = _analyse(qic_case).points
    expected = pd.DataFrame(qic_case["points"])
    assert points["i"].tolist() == expected["i"].tolist()
    for column in LINE_COLUMNS:
        assert_numbers(points[column], expected[column], f"{qic_case['name']} {column}")


def test_flags_and_parts_of_every_point(qic_case):
    points = _analyse(qic_case).points
    expected = pd.DataFrame(qic_case["points"])
    for column in FLAG_COLUMNS:
        assert points[column].tolist() == expected[column].astype(bool).tolist(), column
    assert points["part"].tolist() == expected["part"].tolist()


def test_points_csv_agrees_with_json(qic_case):
    """The two expected files hold the same numbers (guards the fixtures themselves)."""
    from_csv = pd.read_csv(QIC_DIR / qic_case["points_csv"])
    from_json = pd.DataFrame(qic_case["points"])
    for column in ("y", "cl", "lcl", "ucl", "lcl_95", "ucl_95"):
        assert_numbers(from_csv[column], from_json[column], column)
    assert from_csv["sigma_signal"].tolist() == from_json["sigma_signal"].tolist()


def test_runs_analysis_of_every_part(qic_case):
    parts = _analyse(qic_case).parts
    assert [p.part for p in parts] == [p["part"] for p in qic_case["parts"]]
    for got, expected in zip(parts, qic_case["parts"]):
        for field in PART_FIELDS:
            assert getattr(got, field) == expected[field], f"part {got.part} {field}"


def test_part_summary_lines_and_sigma_signals(qic_case):
    """summary.qic(): CL, mean LCL/UCL over the part, and which points are outside the limits."""
    points = _analyse(qic_case).points
    for expected in qic_case["parts"]:
        part = points[points["part"] == expected["part"]]
        assert_numbers([part["cl"].iloc[0]], [expected["cl_first"]], "cl")
        assert_numbers(sorted(part["cl"].unique()), expected["cl_unique"], "cl values")
        for column, key in (("lcl", "mean_lcl"), ("ucl", "mean_ucl")):
            mean = part[column].mean() if part[column].notna().any() else np.nan
            assert_numbers([mean], [expected[key]], key)
        assert part.loc[part["sigma_signal"], "i"].tolist() == expected["sigma_signal_i"]
