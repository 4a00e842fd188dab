"""Charts without reference fixtures (xbar, s, t, up), checked three ways where possible:

* Montgomery, Introduction to Statistical Quality Control (6th ed.), published rounded results;
* the textbook formulas worked out here, independently of pdsa.spc (c4 from math.gamma, ...);
* qicharts2's own regression files (tests/testthat/ex_6.3_1.rds ... ex_7.6_1.rds in anhoej/qicharts2,
  values copied below), to 1e-9.
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest

from pdsa.spc import analyze

from .conftest import assert_numbers

# Montgomery Table 6.3: inside diameters of piston rings, 25 samples of 5 (mm).
PISTON_RINGS = [
    [74.030, 74.002, 74.019, 73.992, 74.008], [73.995, 73.992, 74.001, 74.011, 74.004],
    [73.988, 74.024, 74.021, 74.005, 74.002], [74.002, 73.996, 73.993, 74.015, 74.009],
    [73.992, 74.007, 74.015, 73.989, 74.014], [74.009, 73.994, 73.997, 73.985, 73.993],
    [73.995, 74.006, 73.994, 74.000, 74.005], [73.985, 74.003, 73.993, 74.015, 73.988],
    [74.008, 73.995, 74.009, 74.005, 74.004], [73.998, 74.000, 73.990, 74.007, 73.995],
    [73.994, 73.998, 73.994, 73.995, 73.990], [74.004, 74.000, 74.007, 74.000, 73.996],
    [73.983, 74.002, 73.998, 73.997, 74.012], [74.006, 73.967, 73.994, 74.000, 73.984],
    [74.012, 74.014, 73.998, 73.999, 74.007], [74.000, 73.984, 74.005, 73.998, 73.996],
    [73.994, 74.012, 73.986, 74.005, 74.007], [74.006, 74.010, 74.018, 74.003, 74.000],
    [73.984, 74.002, 74.003, 74.005, 73.997], [74.000, 74.010, 74.013, 74.020, 74.003],
    [73.982, 74.001, 74.015, 74.005, 73.996], [74.004, 73.999, 73.990, 74.006, 74.009],
    [74.010, 73.989, 73.990, 74.009, 74.014], [74.015, 74.008, 73.993, 74.000, 74.010],
    [73.982, 73.984, 73.995, 74.017, 74.013],
]
# Montgomery Table 6.4: the same samples with unequal sizes (the first k rings of each).
TABLE_6_4_SIZES = [5, 3, 5, 5, 5, 4, 4, 5, 4, 5, 5, 5, 3, 5, 3, 5, 4, 5, 5, 3, 5, 5, 5, 5, 5]
# Montgomery Table 7.14 / Example 7.6: hours between failures of a valve.
VALVE_FAILURE_HOURS = [286, 948, 536, 124, 816, 729, 4, 143, 431, 8, 2837, 596, 81, 227, 603, 492,
                       1199, 1214, 2831, 96]


def _long_format(samples):
    """One row per measurement, x = sample number, as a spreadsheet would hold it."""
    x = [number for number, sample in enumerate(samples, start=1) for _ in sample]
    y = [value for sample in samples for value in sample]
    return y, x


def textbook_c4(n: int) -> float:
    return math.sqrt(2 / (n - 1)) * math.gamma(n / 2) / math.gamma((n - 1) / 2)


def textbook_a3(n: int) -> float:
    return 3 / (textbook_c4(n) * math.sqrt(n))


def textbook_b3_b4(n: int) -> tuple[float, float]:
    c4 = textbook_c4(n)
    spread = 3 * math.sqrt(1 - c4**2) / c4
    return max(0.0, 1 - spread), 1 + spread


def test_constants_match_montgomery_appendix_table_vi():
    assert textbook_c4(5) == pytest.approx(0.9400, abs=5e-5)
    assert textbook_a3(5) == pytest.approx(1.427, abs=5e-4)
    assert textbook_b3_b4(5) == pytest.approx((0.0, 2.089), abs=5e-4)
    assert textbook_a3(3) == pytest.approx(1.954, abs=5e-4)


# --- Example 6.3: equal subgroup sizes ---------------------------------------------------------


def test_xbar_chart_example_6_3_published_limits():
    """Montgomery: 74.001 -/+ 1.427 * 0.0094 = 73.988 .. 74.014 (rounded intermediates, hence 1e-3)."""
    y, x = _long_format(PISTON_RINGS)
    points = analyze(y, x=x, chart="xbar").points
    assert len(points) == 25 and set(points["n"]) == {5}
    assert points["cl"].iloc[0] == pytest.approx(74.001, abs=5e-4)
    assert points["ucl"].iloc[0] == pytest.approx(74.014, abs=1e-3)
    assert points["lcl"].iloc[0] == pytest.approx(73.988, abs=1e-3)
    assert not points["sigma_signal"].any()   # "the process is in statistical control"


def test_s_chart_example_6_3_published_limits():
    y, x = _long_format(PISTON_RINGS)
    points = analyze(y, x=x, chart="s").points
    assert points["cl"].iloc[0] == pytest.approx(0.0094, abs=5e-5)
    assert points["ucl"].iloc[0] == pytest.approx(0.0196, abs=5e-5)
    assert points["lcl"].iloc[0] == 0
    assert not points["sigma_signal"].any()


def test_xbar_and_s_example_6_3_by_the_formulas():
    y, x = _long_format(PISTON_RINGS)
    means = [statistics.fmean(sample) for sample in PISTON_RINGS]
    sds = [statistics.stdev(sample) for sample in PISTON_RINGS]
    grand_mean, s_bar = statistics.fmean(means), statistics.fmean(sds)
    b3, b4 = textbook_b3_b4(5)
    b3_2 = max(0.0, 1 - 2 * math.sqrt(1 - textbook_c4(5) ** 2) / textbook_c4(5))
    b4_2 = 1 + 2 * math.sqrt(1 - textbook_c4(5) ** 2) / textbook_c4(5)

    xbar = analyze(y, x=x, chart="xbar").points
    assert_numbers(xbar["y"], means, "subgroup means")
    assert_numbers(xbar["cl"], [grand_mean] * 25, "cl")
    assert_numbers(xbar["ucl"], [grand_mean + textbook_a3(5) * s_bar] * 25, "ucl")
    assert_numbers(xbar["lcl"], [grand_mean - textbook_a3(5) * s_bar] * 25, "lcl")
    assert_numbers(xbar["ucl_95"], [grand_mean + textbook_a3(5) * 2 / 3 * s_bar] * 25, "ucl_95")

    s = analyze(y, x=x, chart="s").points
    assert_numbers(s["y"], sds, "subgroup sds")
    assert_numbers(s["cl"], [s_bar] * 25, "cl")
    assert_numbers(s["ucl"], [b4 * s_bar] * 25, "ucl")
    assert_numbers(s["lcl"], [b3 * s_bar] * 25, "lcl")
    assert_numbers(s["ucl_95"], [b4_2 * s_bar] * 25, "ucl_95")
    assert_numbers(s["lcl_95"], [b3_2 * s_bar] * 25, "lcl_95")


def test_xbar_and_s_example_6_3_match_qicharts2_regression_files():
    y, x = _long_format(PISTON_RINGS)
    xbar = analyze(y, x=x, chart="xbar").points
    assert_numbers(xbar[["cl", "lcl", "ucl"]].iloc[0],
                   [74.00117599999998674, 73.98776012329604157, 74.01459187670393192], "ex_6.3_1")
    s = analyze(y, x=x, chart="s").points
    assert_numbers(s[["cl", "lcl", "ucl"]].iloc[0], [0.00939948388573743, 0.0, 0.0196355018035302], "ex_6.3_2")


# --- Example 6.4: unequal subgroup sizes (pooled standard deviation) ---------------------------


def _table_6_4():
    return [sample[:size] for sample, size in zip(PISTON_RINGS, TABLE_6_4_SIZES)]


def test_xbar_and_s_example_6_4_by_the_formulas():
    samples = _table_6_4()
    y, x = _long_format(samples)
    sizes = np.array(TABLE_6_4_SIZES, dtype=float)
    means = np.array([statistics.fmean(s) for s in samples])
    variances = np.array([statistics.variance(s) for s in samples])
    grand_mean = float((sizes * means).sum() / sizes.sum())                      # Montgomery (6.30)
    pooled = math.sqrt(float(((sizes - 1) * variances).sum() / (sizes - 1).sum()))  # (6.31)

    xbar = analyze(y, x=x, chart="xbar").points
    assert xbar["n"].tolist() == TABLE_6_4_SIZES
    assert_numbers(xbar["cl"], [grand_mean] * 25, "cl")
    assert_numbers(xbar["ucl"], [grand_mean + textbook_a3(int(n)) * pooled for n in sizes], "ucl")
    assert_numbers(xbar["lcl"], [grand_mean - textbook_a3(int(n)) * pooled for n in sizes], "lcl")

    s = analyze(y, x=x, chart="s").points
    assert_numbers(s["cl"], [pooled] * 25, "cl")
    assert_numbers(s["ucl"], [textbook_b3_b4(int(n))[1] * pooled for n in sizes], "ucl")
    assert_numbers(s["lcl"], [textbook_b3_b4(int(n))[0] * pooled for n in sizes], "lcl")


def test_xbar_and_s_example_6_4_published_and_qicharts2_values():
    y, x = _long_format(_table_6_4())
    xbar = analyze(y, x=x, chart="xbar").points
    assert xbar["cl"].iloc[0] == pytest.approx(74.001, abs=5e-4)
    by_size = {5: (73.98606362208984422, 74.01544080268890013), 3: (73.98063903177687450, 74.02086539300186985),
               4: (73.98399711733148365, 74.01750730744726070)}          # qicharts2 ex_6.4_1.rds
    for size, (lcl, ucl) in by_size.items():
        row = xbar[xbar["n"] == size].iloc[0]
        assert_numbers([row["cl"], row["lcl"], row["ucl"]], [74.00075221238937218, lcl, ucl], f"n={size}")
    s = analyze(y, x=x, chart="s").points
    assert s["cl"].iloc[0] == pytest.approx(0.0103, abs=5e-5)              # Montgomery: s-bar = 0.0103
    s_ucl = {5: 0.02149824776138040, 3: 0.02642948910561219, 4: 0.02332029260136093}  # ex_6.4_2.rds
    for size, ucl in s_ucl.items():
        row = s[s["n"] == size].iloc[0]
        assert_numbers([row["cl"], row["lcl"], row["ucl"]], [0.01029117745126107, 0.0, ucl], f"n={size}")


# --- subgroup handling ---------------------------------------------------------------------------


def test_subgroups_are_rows_sharing_x_in_order_of_first_appearance():
    rows = [("b", 4.0), ("a", 1.0), ("b", 6.0), ("a", 3.0), ("c", 10.0), ("a", 2.0), ("c", 12.0)]
    points = analyze([y for _, y in rows], x=[x for x, _ in rows], chart="xbar").points
    assert points["x"].tolist() == ["b", "a", "c"]
    assert points["n"].tolist() == [2, 3, 2]
    assert_numbers(points["y"], [5.0, 2.0, 11.0], "means")


def test_missing_measurements_shrink_the_subgroup():
    points = analyze([1.0, None, 3.0, 4.0, 6.0, 8.0], x=[1, 1, 1, 2, 2, 2], chart="s").points
    assert points["n"].tolist() == [2, 3]
    assert_numbers(points["y"], [statistics.stdev([1, 3]), statistics.stdev([4, 6, 8])], "sds")


def test_subgroup_of_one_has_no_limits():
    points = analyze([1.0, 2.0, 3.0, 7.0], x=[1, 1, 1, 2], chart="s").points
    assert math.isnan(points["ucl"].iloc[1]) and math.isnan(points["y"].iloc[1])
    assert not math.isnan(points["ucl"].iloc[0])


def test_positions_count_subgroups_for_xbar():
    y, x = _long_format(PISTON_RINGS)
    frozen = analyze(y, x=x, chart="xbar", freeze=10, exclude=[3]).points
    means = [statistics.fmean(s) for s in PISTON_RINGS]
    baseline_means = [m for i, m in enumerate(means[:10], start=1) if i != 3]
    assert frozen["baseline"].tolist() == [True] * 10 + [False] * 15
    assert frozen["include"].tolist() == [i != 3 for i in range(1, 26)]
    assert_numbers([frozen["cl"].iloc[0]], [statistics.fmean(baseline_means)], "baseline mean")


# --- T chart: Montgomery Example 7.6 -------------------------------------------------------------


def test_t_chart_example_7_6_by_the_formulas():
    transformed = [h ** (1 / 3.6) for h in VALVE_FAILURE_HOURS]
    mean = statistics.fmean(transformed)
    sigma = statistics.fmean(abs(a - b) for a, b in zip(transformed[1:], transformed)) / 1.128
    points = analyze(VALVE_FAILURE_HOURS, chart="t").points
    assert_numbers(points["cl"], [mean**3.6] * 20, "cl")
    assert_numbers(points["ucl"], [(mean + 3 * sigma) ** 3.6] * 20, "ucl")
    assert_numbers(points["lcl"], [0.0] * 20, "lcl (negative on the transformed scale)")
    assert_numbers(points["ucl_95"], [(mean + 2 * sigma) ** 3.6] * 20, "ucl_95")
    assert_numbers(points["y"], VALVE_FAILURE_HOURS, "y")


def test_t_chart_example_7_6_matches_qicharts2_regression_file():
    points = analyze(VALVE_FAILURE_HOURS, chart="t").points
    assert_numbers(points[["cl", "lcl", "ucl"]].iloc[0],
                   [430.0409517897582532, 0.0, 6937.93348816657544376], "ex_7.6_1")
    assert not points["sigma_signal"].any()


# --- Laney U' chart (no reference fixture): worked out by hand ------------------------------------

DEFECTS = [12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22, 8, 10, 5, 13, 11]
UNITS = [20, 25, 15, 22, 10, 18, 30, 16, 25, 24, 12, 14, 28, 20, 60, 17, 22, 12, 26, 19]


def laney_u_prime(counts, units, screen):
    """Laney (2002): sigma_i = sqrt(u-bar / n_i), z_i = (u_i - u-bar) / sigma_i, sigma_z = AMR(z) / 1.128."""
    u_bar = sum(counts) / sum(units)
    sigma = [math.sqrt(u_bar / n) for n in units]
    z = [(c / n - u_bar) / s for c, n, s in zip(counts, units, sigma)]
    moving_ranges = [abs(b - a) for a, b in zip(z, z[1:])]
    amr = statistics.fmean(moving_ranges)
    if screen:
        amr = statistics.fmean([mr for mr in moving_ranges if mr < 3.267 * amr])
    sigma_z = amr / 1.128
    ucl = [u_bar + 3 * s * sigma_z for s in sigma]
    lcl = [max(0.0, u_bar - 3 * s * sigma_z) for s in sigma]
    return u_bar, lcl, ucl, sigma_z


@pytest.mark.parametrize("screen", [True, False])
def test_u_prime_chart_by_laneys_formulas(screen):
    u_bar, lcl, ucl, _ = laney_u_prime(DEFECTS, UNITS, screen)
    points = analyze(DEFECTS, UNITS, chart="up", screen_mr=screen).points
    assert_numbers(points["y"], [c / n for c, n in zip(DEFECTS, UNITS)], "rates")
    assert_numbers(points["cl"], [u_bar] * 20, "cl")
    assert_numbers(points["ucl"], ucl, "ucl")
    assert_numbers(points["lcl"], lcl, "lcl")


def test_u_prime_screening_drops_the_large_moving_range():
    counts, units = DEFECTS.copy(), UNITS.copy()
    counts[9] = 60   # one wild subgroup: two large moving ranges of z
    _, _, _, screened = laney_u_prime(counts, units, screen=True)
    _, _, _, unscreened = laney_u_prime(counts, units, screen=False)
    assert screened < unscreened
    with_screen = analyze(counts, units, chart="up").points
    without = analyze(counts, units, chart="up", screen_mr=False).points
    assert (with_screen["ucl"] < without["ucl"]).all()
    assert with_screen["sigma_signal"].iloc[9]


def test_u_prime_is_u_chart_times_sigma_z():
    _, _, _, sigma_z = laney_u_prime(DEFECTS, UNITS, screen=True)
    u = analyze(DEFECTS, UNITS, chart="u").points
    up = analyze(DEFECTS, UNITS, chart="up").points
    assert_numbers(up["ucl"] - up["cl"], (u["ucl"] - u["cl"]) * sigma_z, "3 sigma spread")
