"""Anhøj runs analysis (longest run, number of crossings) for all parts at once.

Mirrors ``runs.analysis`` + ``crsignal(method = "anhoej")`` in qicharts2's
R/helper.functions.R: per part, the included points are compared with the part's own
centre line; points on the line or missing are not "useful" (they neither break nor
extend a run). A part signals when the longest run exceeds round(log2(n)) + 3
(Schilling) or the crossings fall below qbinom(0.05, n - 1, 0.5) (Chen), n = useful points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pdsa.spc.many_segments import run_lengths, segment_count

_crossings_table: list[int] = [0]  # _crossings_table[m] = qbinom(0.05, m, 0.5)
_walk_state: dict[str, int] = {"m": 0, "k": 0, "cum": 1, "term": 1}


def crossings_min(trials: np.ndarray) -> np.ndarray:
    """Exact ``qbinom(0.05, m, 0.5)`` for every m in ``trials`` (m >= 0).

    The smallest k with P(Bin(m, 1/2) <= k) >= 0.05, i.e. 20 * sum_{j<=k} C(m, j) >= 2^m,
    decided with Python integers so it is exact for any n. The table is extended lazily
    by walking m upwards: sum_{j<=k} C(m+1, j) = 2 * sum_{j<=k} C(m, j) - C(m, k), and the
    quantile never decreases with m, so each step moves k only a little.
    """
    trials = np.asarray(trials, dtype=np.int64)
    if trials.size:
        _extend_crossings_table(int(trials.max()))
    table = np.asarray(_crossings_table, dtype=np.int64)
    return table[trials]


def _extend_crossings_table(m_max: int) -> None:
    state = _walk_state
    m, k, cum, term = state["m"], state["k"], state["cum"], state["term"]
    while m < m_max:
        # from m to m + 1 at fixed k: cum = S(m+1, k), term = C(m+1, k)
        cum = 2 * cum - term
        term = term * (m + 1) // (m + 1 - k)
        m += 1
        total = 1 << m
        while 20 * cum < total:  # quantile moves up
            k += 1
            term = term * (m - k + 1) // k
            cum += term
        while k > 0 and 20 * (cum - term) >= total:  # never needed, kept for safety
            cum -= term
            term = term * k // (m - k + 1)
            k -= 1
        _crossings_table.append(k)
    state.update(m=m, k=k, cum=cum, term=term)


def longest_run_max(n_useful: np.ndarray) -> np.ndarray:
    """round(log2(n)) + 3; numpy rounds half to even like R (exact halves cannot occur)."""
    with np.errstate(divide="ignore"):
        return (np.round(np.log2(np.maximum(n_useful, 1))) + 3).astype(np.int64)


@dataclass
class RunsAnalysis:
    """Per segment results; the optional fields are meaningful only where n_useful > 0."""

    n_obs: np.ndarray
    n_useful: np.ndarray
    longest_run: np.ndarray
    longest_run_max: np.ndarray
    n_crossings: np.ndarray
    n_crossings_min: np.ndarray
    runs_signal: np.ndarray


def runs_analysis(
    seg: np.ndarray, y: np.ndarray, cl: np.ndarray, include: np.ndarray, n_segments: int
) -> RunsAnalysis:
    """Anhøj rules for every segment, from one pass over the useful points."""
    with np.errstate(invalid="ignore"):
        side = np.sign(y - cl)
    useful = include & ~np.isnan(side) & (side != 0)
    useful_seg = seg[useful]
    n_useful = np.bincount(useful_seg, minlength=n_segments)

    _, lengths, run_seg = run_lengths(useful_seg, side[useful])
    n_runs = np.bincount(run_seg, minlength=n_segments)
    longest = np.zeros(n_segments, dtype=np.int64)
    if len(lengths):  # runs are ordered by segment: one reduceat over their offsets
        first = np.flatnonzero(np.r_[True, run_seg[1:] != run_seg[:-1]])
        longest[run_seg[first]] = np.maximum.reduceat(lengths, first)

    has = n_useful > 0
    crossings = np.maximum(n_runs - 1, 0)
    run_max = longest_run_max(n_useful)
    cross_min = crossings_min(np.maximum(n_useful - 1, 0))
    signal = has & ((longest > run_max) | (crossings < cross_min))
    return RunsAnalysis(
        n_obs=segment_count(seg, include, n_segments),
        n_useful=n_useful,
        longest_run=longest,
        longest_run_max=run_max,
        n_crossings=crossings,
        n_crossings_min=cross_min,
        runs_signal=signal,
    )
