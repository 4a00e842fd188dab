"""analyze(): shape of the result and the qicharts2 / NHSRplotthedots behaviours the app relies on."""

from __future__ import annotations

import ast
import math
import statistics
import warnings
from pathlib import Path

import numpy as np
import pytest

import pdsa.spc
from pdsa.spc import Analysis, analyze
from pdsa.spc.result import POINT_COLUMNS, POINT_TYPES

from .conftest import QIC_DIR, assert_numbers, qic_cases, read_input

SERIES = [12.0, 15.0, 11.0, 14.0, 13.0, 16.0, 12.0, 18.0, 14.0, 13.0, 15.0, 17.0]


def test_points_frame_has_the_contract_columns_and_types():
    analysis = analyze(SERIES, chart="i")
    assert isinstance(analysis, Analysis)
    assert tuple(analysis.points.columns) == POINT_COLUMNS
    assert analysis.points["i"].tolist() == list(range(1, 13))
    assert analysis.points["x"].tolist() == list(range(1, 13))
    for column in ("baseline", "include", "sigma_signal", "runs_signal"):
        assert analysis.points[column].dtype == bool
    assert analysis.points["n"].isna().all()
    assert (analysis.chart, analysis.rules, analysis.direction, analysis.target) == ("i", "anhoej", "increase", None)
    assert analysis.variation_icon is None and analysis.assurance is None


def test_x_labels_are_kept_as_given():
    labels = [f"2024-{m:02d}" for m in range(1, 13)]
    assert analyze(SERIES, x=labels).points["x"].tolist() == labels


def test_direction_and_target_are_stored():
    analysis = analyze(SERIES, chart="i", direction="decrease", target=10)
    assert (analysis.direction, analysis.target) == ("decrease", 10.0)


def test_run_chart_with_denominators_plots_proportions():
    counts, n = [2, 3, 4, 1, 5, 2], [10, 10, 20, 10, 10, 20]
    points = analyze(counts, n).points
    assert_numbers(points["y"], [0.2, 0.3, 0.2, 0.1, 0.5, 0.1], "proportions")
    assert_numbers(points["cl"], [0.2] * 6, "median")
    assert points["n"].tolist() == n


def test_c_chart_plots_the_count_even_with_n_as_qicharts2():
    points = analyze([4, 6, 5], [10, 10, 10], chart="c").points
    assert points["y"].tolist() == [4, 6, 5]
    assert points["cl"].iloc[0] == 5


def test_missing_denominator_makes_the_point_missing():
    points = analyze([2, 3, 4, 5], [10, None, 10, 10], chart="p").points
    assert math.isnan(points["y"].iloc[1]) and math.isnan(points["n"].iloc[1])
    assert math.isnan(points["ucl"].iloc[1])
    assert_numbers([points["cl"].iloc[0]], [11 / 30], "cl without the missing point")


def test_freeze_sets_the_baseline_and_runs_analysis_uses_all_points():
    data = read_input(QIC_DIR, qic_cases()["cdi_run_freeze24"])
    analysis = analyze(data["y"], x=data["x"], freeze=24)
    assert analysis.points["baseline"].tolist() == [True] * 24 + [False] * 12
    assert analysis.points["cl"].eq(statistics.median(data["y"][:24])).all()
    assert analysis.parts[0].n_obs == 36


def test_part_overrides_freeze_as_qicharts2():
    with_both = analyze(SERIES, chart="i", freeze=4, part=[6])
    assert with_both.points["baseline"].all()
    assert with_both.points.equals(analyze(SERIES, chart="i", part=[6]).points)


def test_part_accepts_a_single_position_and_unordered_duplicates():
    one = analyze(SERIES, chart="i", part=6).points
    many = analyze(SERIES, chart="i", part=[8, 3, 8]).points
    assert one["part"].tolist() == [1] * 6 + [2] * 6
    assert many["part"].tolist() == [1] * 3 + [2] * 5 + [3] * 4


def test_excluded_points_are_plotted_and_flagged_but_left_out():
    y = SERIES[:5] + [60.0] + SERIES[6:]
    analysis = analyze(y, chart="i", exclude=[6])
    points = analysis.points
    kept = [v for i, v in enumerate(y) if i != 5]
    assert points["cl"].iloc[0] == pytest.approx(statistics.fmean(kept), abs=1e-12)
    assert points["sigma_signal"].iloc[5] and not points["include"].iloc[5]
    assert analysis.parts[0].n_obs == 11


def test_screening_moving_ranges_narrows_i_limits_after_a_jump():
    y = SERIES[:6] + [40.0] + SERIES[6:]
    screened = analyze(y, chart="i").points
    plain = analyze(y, chart="i", screen_mr=False).points
    assert screened["ucl"].iloc[0] < plain["ucl"].iloc[0]
    moving_ranges = np.abs(np.diff(y))
    assert_numbers([plain["ucl"].iloc[0] - plain["cl"].iloc[0]], [3 * moving_ranges.mean() / 1.128], "3 sigma")


def test_mr_chart_never_has_a_runs_signal():
    y = [1.0, 2.0] * 4 + [10.0, 11.0] * 8
    analysis = analyze(y, chart="mr")
    assert not analysis.points["runs_signal"].any()
    assert analysis.parts[0].runs_signal is False
    assert analysis.parts[0].n_useful == len(y) - 1 - sum(analysis.points["y"] == analysis.points["cl"])


def test_g_chart_centre_is_the_median_but_limits_come_from_the_mean():
    y = [3.0, 10.0, 7.0, 25.0, 1.0, 12.0, 8.0]
    points = analyze(y, chart="g").points
    mean = statistics.fmean(y)
    assert points["cl"].iloc[0] == statistics.median(y)
    assert_numbers([points["ucl"].iloc[0]], [mean + 3 * math.sqrt(mean * (mean + 1))], "ucl")
    assert points["lcl"].iloc[0] == 0


def test_p_chart_limits_are_clipped_to_zero_and_one():
    points = analyze([1, 4, 2, 5], [5, 5, 5, 5], chart="p").points   # cl 0.6, 3 sigma 0.66
    assert points["lcl"].min() == 0 and points["ucl"].max() == 1
    assert points["ucl_95"].max() <= 1


def test_mdc_rebase_and_fix_after_n_points_work_per_group():
    y = [10.0, 12.0, 11.0, 13.0, 12.0, 30.0, 5.0, 6.0, 5.0, 7.0, 6.0, 20.0]
    analysis = analyze(y, chart="i", rules="mdc", part=[6], freeze=4)
    points = analysis.points
    assert points["baseline"].tolist() == [True] * 4 + [False] * 2 + [True] * 4 + [False] * 2
    first_mean, second_mean = statistics.fmean(y[:4]), statistics.fmean(y[6:10])
    assert points["cl"].tolist() == [first_mean] * 6 + [second_mean] * 6
    first_amr = statistics.fmean(abs(b - a) for a, b in zip(y[:4], y[1:4]))
    assert_numbers([points["ucl"].iloc[0]], [first_mean + 2.66 * first_amr], "upl")
    assert [(p.part, p.n_obs) for p in analysis.parts] == [(1, 6), (2, 6)]
    assert set(points["point_type"]) <= set(POINT_TYPES)


def test_mdc_assurance_reads_target_against_the_last_groups_limits():
    y = [10.0, 12.0, 11.0, 13.0, 12.0, 11.0, 12.0, 10.0]
    upl = analyze(y, chart="i", rules="mdc").points["ucl"].iloc[-1]
    assert analyze(y, chart="i", rules="mdc", target=upl + 1).assurance == "consistent_fail"
    assert analyze(y, chart="i", rules="mdc", target=upl + 1, direction="decrease").assurance == "consistent_pass"
    assert analyze(y, chart="i", rules="mdc", target=0.0).assurance == "consistent_pass"
    assert analyze(y, chart="i", rules="mdc", target=11.5).assurance == "inconsistent"
    assert analyze(y, chart="i", rules="mdc", target=11.5, direction="neutral").assurance is None
    assert analyze(y, chart="i", rules="mdc").assurance is None


def test_mdc_trend_is_one_signal_and_a_missing_value_breaks_it():
    y = [10, 14, 8, 12, 9, 10.1, 10.2, 10.3, 10.4, 10.5, 10.6, 10.7, 13, 8]   # rises from point 5 to 13
    analysis = analyze(y, chart="i", rules="mdc")
    assert analysis.points["point_type"].tolist() == (
        ["common_cause"] * 4 + ["special_cause_improvement"] * 9 + ["common_cause"])
    assert [(s.kind, s.meaning, s.first_i, s.last_i) for s in analysis.signals] == [("trend", "improvement", 5, 13)]
    gap = y[:8] + [None] + y[9:]
    assert (analyze(gap, chart="i", rules="mdc").points["point_type"] == "common_cause").all()


def test_no_streamlit_anywhere_in_the_engine():
    for path in Path(pdsa.spc.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not any(name.split(".")[0] == "streamlit" for name in imported), path


@pytest.mark.parametrize("chart", ["run", "i", "mr", "xbar", "s", "t", "p", "pp", "c", "u", "up", "g"])
def test_part_without_usable_baseline_gets_no_lines_and_no_error(chart):
    """R divides 0 by 0 into NaN there; qicharts2 then draws no centre line or limits."""
    y = [4.0, 6.0, 5.0, 7.0, 3.0, 5.0]
    n = [10.0] * 6 if chart in ("p", "pp", "u", "up") else None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        analysis = analyze(y, n, chart=chart, part=[3], exclude=[4, 5, 6])
    second = analysis.points[analysis.points["part"] == 2]
    assert second[["cl", "ucl", "ucl_95"]].isna().all().all()   # (mr and t keep their LCL of 0)
    assert not second["sigma_signal"].any()
    assert analysis.parts[1].n_obs == 0 and analysis.parts[1].runs_signal is False


def test_mdc_group_whose_fixed_points_are_all_missing_has_no_special_cause():
    """NHSRplotthedots: mean NaN, relative_to_mean NA for every point, no rule fires."""
    analysis = analyze([None, None, 5.0, 3, 5, 3, 5, 3, 5, 3], chart="i", rules="mdc", freeze=2)
    assert analysis.points["cl"].isna().all()
    assert analysis.points["point_type"].eq("common_cause").all()
    assert analysis.signals == []
