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

from pdsa.spc.anhoej import binomial_half_quantile_05
from pdsa.spc.many_segments import run_lengths, segment_count

def crossings_min(trials: np.ndarray) -> np.ndarray:
    """Exact ``qbinom(0.05, m, 0.5)`` for every m in ``trials`` (m >= 0).

    Computed once per distinct m with the single-series engine's exact integer search
    (``anhoej.binomial_half_quantile_05``, cached), which starts at the middle and walks
    about sqrt(m) steps: a part of a million points costs milliseconds, where building a
    table up from m = 0 would cost time quadratic in m.
    """
    trials = np.asarray(trials, dtype=np.int64)
    distinct, inverse = np.unique(trials, return_inverse=True)
    table = np.array([binomial_half_quantile_05(int(m)) for m in distinct], dtype=np.int64)
    return table[inverse].reshape(trials.shape)


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
