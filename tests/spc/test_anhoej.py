"""Anhøj runs analysis: critical values (exact), run and crossing counts, what counts as useful."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

from pdsa.spc.anhoej import (
    Run,
    binomial_half_quantile_05,
    find_runs,
    longest_run_max,
    n_crossings_min,
    runs_analysis,
)

from .conftest import REFERENCE

NAN = math.nan


def _critical_values():
    with open(REFERENCE / "anhoej_critical_values_n10_100.csv", newline="") as handle:
        return [{key: int(value) for key, value in row.items()} for row in csv.DictReader(handle)]


def test_critical_values_match_the_published_table_n10_to_100():
    rows = _critical_values()
    assert [row["n"] for row in rows] == list(range(10, 101))
    for row in rows:
        assert longest_run_max(row["n"]) == row["longest_run_max"], row
        assert n_crossings_min(row["n"]) == row["n_crossings_min"], row


def test_longest_run_max_rounds_log2_like_r_for_any_n():
    """round(log2(n)) = k exactly when 2**(2k-1) <= n**2 < 2**(2k+1): an integer-only check."""
    for n in range(1, 5000):
        k = longest_run_max(n) - 3
        assert 2 ** (2 * k - 1) <= n * n < 2 ** (2 * k + 1), n


def _quantile_by_forward_sum(trials: int) -> int:
    """Independent reference: add C(trials, k) from k = 0 until the sum reaches 2**trials / 20."""
    cumulative = 0
    for k in range(trials + 1):
        cumulative += math.comb(trials, k)
        if 20 * cumulative >= 2**trials:
            return k
    raise AssertionError("unreachable")


def _quantile_by_recurrence(trials: int) -> int:
    """Independent reference for large n: forward sum with the term recurrence (no math.comb per term)."""
    term, cumulative = 1, 0
    for k in range(trials + 1):
        cumulative += term
        if 20 * cumulative >= 2**trials:
            return k
        term = term * (trials - k) // (k + 1)
    raise AssertionError("unreachable")


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6, 7, 8, 9, 101, 150, 257, 500, 999, 1000])
def test_crossings_min_is_the_exact_binomial_quantile(n):
    assert n_crossings_min(n) == _quantile_by_forward_sum(n - 1)


@pytest.mark.parametrize("n, expected", [(1000, 474), (10000, 4917), (10001, 4918)])
def test_crossings_min_for_big_n(n, expected):
    assert n_crossings_min(n) == expected == _quantile_by_recurrence(n - 1)


def test_crossings_min_is_the_smallest_k_reaching_five_percent():
    """n = 20001: check k against the normal approximation, then P(X <= k) >= 5% > P(X <= k - 1)
    exactly, using the tail between k and the middle (by symmetry the sum up to the middle is known)."""
    trials = 20000
    k = binomial_half_quantile_05(trials)
    assert abs(k - (trials / 2 - 1.6449 * math.sqrt(trials) / 2)) < 3
    terms = {trials // 2: math.comb(trials, trials // 2)}
    for i in range(trials // 2, k - 1, -1):
        terms[i - 1] = terms[i] * i // (trials - i + 1)
    assert terms[k] == math.comb(trials, k)
    twice_up_to_middle = 2**trials + terms[trials // 2]
    twice_up_to_k = twice_up_to_middle - 2 * sum(terms[i] for i in range(k + 1, trials // 2 + 1))
    assert 10 * twice_up_to_k >= 2**trials
    assert 10 * (twice_up_to_k - 2 * terms[k]) < 2**trials


def test_find_runs_skips_points_on_the_line_and_missing_points():
    sides = np.array([1, 1, 0, 1, NAN, -1, -1, 1])
    assert find_runs(sides) == (Run(1, 0, 3, 3), Run(-1, 5, 6, 2), Run(1, 7, 7, 1))


def test_runs_analysis_counts_runs_and_crossings():
    y = np.array([5, 7, 6, 6, 6, 8, 9, 6, NAN, 4, 3, 6, 2, 6, 7, 8, 9, 10, 6, 11])
    result = runs_analysis(y, np.full(len(y), 6.0), np.ones(len(y), dtype=bool))
    assert (result.n_obs, result.n_useful, result.longest_run, result.n_crossings) == (20, 12, 5, 3)
    assert (result.longest_run_max, result.n_crossings_min, result.signal) == (7, 3, False)


def test_excluded_points_neither_count_nor_break_runs():
    y = np.array([1.0, 1.0, 9.0, 1.0, 1.0])
    include = np.array([True, True, False, True, True])
    result = runs_analysis(y, np.full(5, 5.0), include)
    assert (result.n_obs, result.n_useful, result.longest_run, result.n_crossings) == (4, 4, 4, 0)
    assert result.runs == (Run(-1, 0, 4, 4),)


def test_long_run_alone_gives_a_signal():
    y = np.r_[np.tile([1.0, 9.0], 5), np.full(8, 9.0)]   # 10 alternating, then 8 above -> run of 9
    result = runs_analysis(y, np.full(len(y), 5.0), np.ones(len(y), dtype=bool))
    assert result.longest_run == 9 and result.longest_run_max == 7
    assert result.n_crossings >= result.n_crossings_min
    assert result.signal


def test_few_crossings_alone_gives_a_signal():
    y = np.array([1.0] * 6 + [9.0] * 6 + [1.0] * 6 + [9.0] * 6)
    result = runs_analysis(y, np.full(len(y), 5.0), np.ones(len(y), dtype=bool))
    assert result.longest_run <= result.longest_run_max
    assert result.n_crossings == 3 < result.n_crossings_min == 8
    assert result.signal


def test_rules_apply_below_ten_points():
    result = runs_analysis(np.array([1.0, 2.0, 8.0, 9.0]), np.full(4, 5.0), np.ones(4, dtype=bool))
    assert (result.longest_run_max, result.n_crossings_min, result.signal) == (5, 0, False)


def test_no_useful_points_gives_no_limits_and_no_signal():
    result = runs_analysis(np.array([5.0, NAN, 5.0]), np.full(3, 5.0), np.ones(3, dtype=bool))
    assert (result.n_obs, result.n_useful) == (3, 0)
    assert (result.longest_run, result.longest_run_max, result.n_crossings, result.n_crossings_min) == (None,) * 4
    assert result.signal is False


def test_crossings_limit_for_long_parts_is_fast_and_exact(monkeypatch):
    """Above EXACT_UP_TO trials the quantile is searched in floating point; it agrees with
    the exact integer search wherever that is affordable, and for a million points
    (499177 and 124588 were checked once with the exact search, which takes seconds)."""
    import time

    import pdsa.spc.anhoej as anhoej

    monkeypatch.setattr(anhoej, "EXACT_UP_TO", 0)
    search = anhoej.binomial_half_quantile_05.__wrapped__
    for trials in [*range(0, 1500), *range(20_001, 20_400, 13), 50_000, 123_457]:
        assert search(trials) == anhoej._exact_quantile(trials), trials
    start = time.perf_counter()
    assert (search(999_999), search(249_999)) == (499_177, 124_588)
    assert time.perf_counter() - start < 1.0
