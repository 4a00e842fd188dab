"""Analysis.signals: what fired, where, and whether it is good news given the direction."""

from __future__ import annotations

import pytest

from pdsa.spc import Signal, analyze

from .conftest import MDC_DIR, QIC_DIR, mdc_cases, qic_cases, read_input


def _signals(analysis):
    return [(s.part, s.kind, s.meaning, s.first_i, s.last_i) for s in analysis.signals]


def _qic(name):
    return read_input(QIC_DIR, qic_cases()[name])


@pytest.mark.parametrize("direction, meaning", [
    ("decrease", "improvement"), ("increase", "concern"), ("neutral", "non_random")])
def test_cdi_run_chart_long_run_below_and_few_crossings(direction, meaning):
    """CDI infections fall after the intervention: a run of 14 below the median (points 23-36)."""
    data = _qic("cdi_run")
    analysis = analyze(data["y"], x=data["x"], direction=direction)
    assert _signals(analysis) == [(1, "long_run", meaning, 23, 36), (1, "few_crossings", "non_random", 1, 36)]


def test_points_outside_the_limits_one_signal_each_read_by_side():
    data = _qic("cabg_age_i")
    analysis = analyze(data["y"], chart="i")
    assert _signals(analysis) == [(1, "outside_limits", "concern", 45, 45), (1, "outside_limits", "concern", 70, 70)]
    analysis = analyze(data["y"], chart="i", direction="decrease")
    assert {s.meaning for s in analysis.signals} == {"improvement"}


def test_point_above_the_limit_with_increase_is_improvement():
    data = _qic("cabg_deaths_g")   # death 25 came after unusually many surgeries
    analysis = analyze(data["y"], chart="g")
    assert _signals(analysis) == [(1, "outside_limits", "improvement", 25, 25)]


def test_signals_carry_their_part():
    data = _qic("montgomery_7_3_p_exclude_part")
    analysis = analyze(data["y"], data["n"], chart="p", exclude=[15, 23], part=[30], direction="decrease")
    assert _signals(analysis) == [(1, "outside_limits", "concern", 15, 15), (1, "outside_limits", "concern", 21, 21),
                                  (1, "outside_limits", "concern", 23, 23)]


def test_moving_range_chart_findings_have_no_side_and_no_runs():
    data = _qic("cabg_age_mr")
    analysis = analyze(data["y"], chart="mr")
    assert _signals(analysis) == [(1, "outside_limits", "non_random", i, i) for i in (46, 70, 71)]


def test_u_chart_with_too_few_crossings():
    data = _qic("hai_boh_uti_u")
    analysis = analyze(data["y"], data["n"], chart="u")
    assert _signals(analysis) == [(1, "few_crossings", "non_random", 1, 24)]


def test_no_signals_in_random_variation():
    data = _qic("cabg_age_run")
    assert analyze(data["y"]).signals == []


def test_mdc_one_signal_per_stretch_with_its_rule():
    case = mdc_cases()["ptd_synthetic_all_rules_increase"]
    data = read_input(MDC_DIR, case)
    analysis = analyze(data["y"], chart="i", rules="mdc", target=12)
    assert _signals(analysis) == [
        (1, "trend", "improvement", 11, 16),
        (1, "outside_limits", "improvement", 17, 17),
        (1, "two_of_three", "improvement", 24, 24),
        (1, "two_of_three", "improvement", 26, 26),
        (1, "outside_limits", "improvement", 29, 29),
        (1, "shift", "concern", 30, 37),
    ]
    assert all(isinstance(s, Signal) for s in analysis.signals)


def test_mdc_neutral_direction_means_non_random():
    case = mdc_cases()["ptd_synthetic_all_rules_neutral"]
    data = read_input(MDC_DIR, case)
    analysis = analyze(data["y"], chart="i", rules="mdc", direction="neutral")
    assert {s.meaning for s in analysis.signals} == {"non_random"}
    assert len(analysis.signals) == 6


def test_mdc_rules_do_not_reach_across_a_rebase():
    y = [10, 14, 8, 12, 9, 10.1, 10.2, 10.3, 10.4, 10.5, 10.6, 10.7, 13, 8]   # 9 rising points: 5..13
    assert [s.kind for s in analyze(y, chart="i", rules="mdc").signals] == ["trend"]
    rebased = analyze(y, chart="i", rules="mdc", part=[8])     # 4 rising + 5 rising: no trend
    assert "trend" not in [s.kind for s in rebased.signals]
    assert [p.n_obs for p in rebased.parts] == [8, 6]
