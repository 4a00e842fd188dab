"""Anhøj's runs analysis: longest run and number of crossings around the centre line.

Matches qicharts2's runs.analysis() and crsignal(method = "anhoej")
(R/helper.functions.R): points on the centre line and missing points are not
useful (they neither break nor extend a run), the limits are
round(log2(n)) + 3 (Schilling) and qbinom(0.05, n - 1, 0.5) (Chen), and the
rules apply at any number of useful points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np


@dataclass(frozen=True)
class Run:
    """A run of useful points on one side of the centre line (indices into the analysed arrays)."""

    side: int    # +1 above the centre line, -1 below
    first: int   # index of its first point
    last: int    # index of its last point
    length: int  # number of useful points in it


@dataclass(frozen=True)
class RunsResult:
    """What qicharts2 reports per part, plus the runs themselves (to locate signals)."""

    n_obs: int
    n_useful: int
    longest_run: int | None
    longest_run_max: int | None
    n_crossings: int | None
    n_crossings_min: int | None
    signal: bool
    runs: tuple[Run, ...] = ()


def longest_run_max(n_useful: int) -> int:
    """Upper limit for the longest run: round(log2(n)) + 3.

    R rounds half to even, as Python does; log2 of an integer is never exactly
    k + 0.5, so no tie can occur anyway.
    """
    return round(math.log2(n_useful)) + 3


def n_crossings_min(n_useful: int) -> int:
    """Lower limit for the number of crossings: qbinom(0.05, n - 1, 0.5), exactly."""
    return binomial_half_quantile_05(max(n_useful - 1, 0))


EXACT_UP_TO = 20_000        # trials; above, the search runs in floating point (see below)
CHEN_LEVEL = 0.05


@lru_cache(maxsize=4096)
def binomial_half_quantile_05(trials: int) -> int:
    """Smallest k with P(X <= k) >= 0.05 for X ~ Binomial(trials, 1/2).

    Up to EXACT_UP_TO trials in exact integer arithmetic (``_exact_quantile``). Beyond,
    the integers have tens of thousands of digits and a million trials took seconds, so
    the tail probabilities are summed in floating point from lgamma, which is accurate
    to about 1e-9 there; only if a tail lies within a millionth of 0.05 (never seen) is
    the exact search run after all.
    """
    if trials < 0:
        raise ValueError("number of trials must be 0 or more")
    if trials <= EXACT_UP_TO:
        return _exact_quantile(trials)
    k = int(trials / 2 - 1.6448536269514722 * math.sqrt(trials) / 2)   # normal approximation
    margin = CHEN_LEVEL * max(1e-6, 1e-14 * math.lgamma(trials + 1))
    while _lower_tail(trials, k) >= CHEN_LEVEL:
        k -= 1
    while _lower_tail(trials, k) < CHEN_LEVEL:
        k += 1
    if min(abs(_lower_tail(trials, k) - CHEN_LEVEL), abs(_lower_tail(trials, k - 1) - CHEN_LEVEL)) < margin:
        return _exact_quantile(trials)
    return k


def _lower_tail(trials: int, k: int) -> float:
    """P(X <= k) for X ~ Binomial(trials, 1/2), k below the mean: terms summed from k down
    (each the one before times j / (trials - j + 1)) until they no longer count."""
    if k < 0:
        return 0.0
    term = math.exp(math.lgamma(trials + 1) - math.lgamma(k + 1) - math.lgamma(trials - k + 1)
                    - trials * math.log(2))
    total, j = 0.0, k
    while j >= 0 and term > total * 1e-17:
        total += term
        term *= j / (trials - j + 1)
        j -= 1
    return total


def _exact_quantile(trials: int) -> int:
    """binomial_half_quantile_05 in exact integers: P(X <= k) >= 1/20 <=> 20 * S(k) >= 2**trials
    with S(k) = sum_{i<=k} C(trials, i). (R's qbinom searches on floating-point
    probabilities; 1/20 is never a binomial(., 1/2) cumulative probability, so the exact
    answer is R's answer.)

    By symmetry S(h) is known at the middle h = trials // 2, so the search walks down
    from there, about sqrt(trials) steps instead of trials / 2.
    """
    total = 1 << trials
    k = trials // 2
    term = math.comb(trials, k)                              # C(trials, k)
    twice_cumulative = total + (term if trials % 2 == 0 else 0)  # 2 * S(k)
    while k > 0:
        twice_below = twice_cumulative - 2 * term            # 2 * S(k - 1)
        if 10 * twice_below < total:                         # S(k - 1) < 2**trials / 20
            break
        twice_cumulative = twice_below
        term = term * k // (trials - k + 1)                  # C(trials, k - 1)
        k -= 1
    return k


def find_runs(sides: np.ndarray) -> tuple[Run, ...]:
    """Runs of equal signs, skipping zeros (on the line) and NaN (missing), like rle(runs[runs != 0])."""
    runs: list[Run] = []
    for index, side in enumerate(sides):
        if math.isnan(side) or side == 0:
            continue
        side = int(side)
        if runs and runs[-1].side == side:
            previous = runs[-1]
            runs[-1] = Run(side, previous.first, index, previous.length + 1)
        else:
            runs.append(Run(side, index, index, 1))
    return tuple(runs)


def runs_analysis(y: np.ndarray, cl: np.ndarray, include: np.ndarray) -> RunsResult:
    """Runs analysis of one part: included points against the part's own centre line.

    Indices in the returned runs refer to positions in y (the whole part), so that
    excluded points can be skipped without losing track of where a run lies.
    """
    y = np.asarray(y, dtype=float)
    cl = np.asarray(cl, dtype=float)
    include = np.asarray(include, dtype=bool)
    sides = np.where(include, np.sign(y - cl), np.nan)
    runs = find_runs(sides)
    n_obs = int(include.sum())
    n_useful = sum(run.length for run in runs)
    if n_useful == 0:
        return RunsResult(n_obs, 0, None, None, None, None, False, ())
    longest = max(run.length for run in runs)
    crossings = len(runs) - 1
    run_max = longest_run_max(n_useful)
    crossings_min = n_crossings_min(n_useful)
    signal = longest > run_max or crossings < crossings_min
    return RunsResult(n_obs, n_useful, longest, run_max, crossings, crossings_min, signal, runs)
