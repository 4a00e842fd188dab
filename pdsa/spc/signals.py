"""Findings worded for people: which rule fired, where, and whether it is good news.

The app turns these result.Signal objects into sentences; the statistics
behind them live in anhoej.py and mdc.py.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .anhoej import RunsResult
from .result import Signal

MEANING_BY_POINT_TYPE = {
    "special_cause_improvement": "improvement",
    "special_cause_concern": "concern",
    "special_cause_neutral_high": "non_random",
    "special_cause_neutral_low": "non_random",
}


def side_meaning(side: int, direction: str) -> str:
    """Above (+1) or below (-1) the centre, read against the direction that counts as better."""
    if direction == "neutral":
        return "non_random"
    return "improvement" if (side > 0) == (direction == "increase") else "concern"


def anhoej_signals(part: int, positions: np.ndarray, y: np.ndarray, ucl: np.ndarray,
                   sigma_signal: np.ndarray, runs: RunsResult, direction: str,
                   sided: bool = True, runs_rules: bool = True) -> list[Signal]:
    """Signals of one part: each point outside the limits, each run longer than the limit, too few crossings.

    positions: 1-based position of each point of the part. sided=False reads every
    finding as "non_random" (moving ranges and standard deviations have no better side).
    runs_rules=False leaves out the runs findings (MR charts, as qicharts2).
    """
    meaning = (lambda side: side_meaning(side, direction)) if sided else (lambda side: "non_random")
    found: list[Signal] = []
    for index in np.flatnonzero(sigma_signal):
        side = 1 if y[index] > ucl[index] else -1
        found.append(Signal(part, "outside_limits", meaning(side), int(positions[index]), int(positions[index])))
    if not runs_rules or runs.n_useful == 0:
        return found
    for run in runs.runs:
        if run.length > runs.longest_run_max:
            found.append(Signal(part, "long_run", meaning(run.side),
                                int(positions[run.first]), int(positions[run.last])))
    if runs.n_crossings < runs.n_crossings_min:
        found.append(Signal(part, "few_crossings", "non_random", int(positions[0]), int(positions[-1])))
    return found


def mdc_signals(parts: Sequence[int], kinds: Sequence[str | None], point_types: Sequence[str]) -> list[Signal]:
    """One signal per stretch of neighbouring points in one group sharing a special-cause kind and type."""
    found: list[Signal] = []
    current: tuple[int, str, str] | None = None
    for position, key in enumerate(zip(parts, kinds, point_types), start=1):
        part, kind, point_type = int(key[0]), key[1], key[2]
        key = (part, kind, point_type) if kind is not None else None
        if key is not None and key == current:
            last = found[-1]
            found[-1] = Signal(last.part, last.kind, last.meaning, last.first_i, position)
        elif key is not None:
            found.append(Signal(part, kind, MEANING_BY_POINT_TYPE[point_type], position, position))
        current = key
    return found
