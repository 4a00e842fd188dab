"""From a measure's stored data to the series the statistics engine analyses.

The chart follows the data type, and freeze and splits are stored as period dates; here
they become 1-based positions, so back-filling an earlier period never moves them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from pdsa.models import Measure

_DIRECTION = {"up": "increase", "down": "decrease"}


@dataclass(frozen=True)
class MeasureSeries:
    """What gets plotted: one row per period (or per event interval) of one measure."""

    x: list[date]
    y: np.ndarray            # numerator, value, or days/cases between events
    n: np.ndarray | None     # denominator for proportions and rates
    excluded: list[bool]
    notes: list[str | None]

    def __len__(self) -> int:
        return len(self.x)


def measure_series(measure: Measure, points: pd.DataFrame) -> MeasureSeries:
    """Turn stored rows (columns period, value, numerator, denominator, note, excluded) into a series.

    Days-between measures store only event dates: the plotted value is the number of days
    since the previous event, so the first event starts the count and is not plotted.
    """
    points = points.sort_values(["period", "event_no"] if "event_no" in points else ["period"], kind="stable")
    x = [pd.Timestamp(p).date() for p in points["period"]]
    notes = [None if pd.isna(v) else str(v) for v in points["note"]]
    excluded = [bool(v) for v in points["excluded"]]
    if measure.data_type in ("proportion", "rate"):
        y = points["numerator"].to_numpy(dtype=float)
        n = points["denominator"].to_numpy(dtype=float)
        return MeasureSeries(x, y, n, excluded, notes)
    if measure.data_type == "days_between":
        days = np.array([(b - a).days for a, b in zip(x, x[1:])], dtype=float)
        return MeasureSeries(x[1:], days, None, excluded[1:], notes[1:])
    return MeasureSeries(x, points["value"].to_numpy(dtype=float), None, excluded, notes)


def freeze_position(series: MeasureSeries, freeze_until: date | None) -> int | None:
    """How many points lie in the frozen baseline (None when there is no usable baseline)."""
    if freeze_until is None:
        return None
    k = sum(1 for d in series.x if d <= freeze_until)
    return k if 0 < k < len(series) else None


def split_positions(series: MeasureSeries, splits: list[date]) -> list[int]:
    """1-based positions after which a new part starts; splits outside the data are dropped."""
    positions = set()
    for starts_on in splits:
        k = sum(1 for d in series.x if d < starts_on)
        if 0 < k < len(series):
            positions.add(k)
    return sorted(positions)


MIN_PHASE_POINTS = 2  # a phase (part) needs two points the chart computes with: one gives no limits nor runs


@dataclass(frozen=True)
class ShortPhase:
    """A phase the splits leave with fewer than MIN_PHASE_POINTS points."""

    starts_on: date | None     # the split it starts at; None for the phase before the first split
    ends_before: date | None   # the split that ends it; None for the last phase
    points: int                # its points the chart computes with (excluded ones not counted)


def short_phases(measure: Measure, points: pd.DataFrame) -> list[ShortPhase]:
    """The phases the measure's splits leave too short for the chart to compute, in order.

    Counted on the series as its stored chart plots it, excluded points left out; a split on
    the first plotted period (or before it) leaves an empty first phase, one after the last
    point an empty last phase. No data yet: nothing to say.
    """
    if not measure.splits:
        return []
    chart = measure.effective_chart
    series = plotted_series(measure, points, measure.rules if chart == "i" else "anhoej")
    counted = [d for d, excluded in zip(series.x, series.excluded) if not excluded]
    if not len(series):
        return []
    edges: list[date | None] = [None, *sorted(set(measure.splits)), None]
    short = []
    for start, end in zip(edges, edges[1:]):
        n = sum(1 for d in counted if (start is None or d >= start) and (end is None or d < end))
        if n < MIN_PHASE_POINTS:
            short.append(ShortPhase(start, end, n))
    return short


def excluded_positions(series: MeasureSeries) -> list[int]:
    return [i for i, flag in enumerate(series.excluded, start=1) if flag]


def engine_direction(measure: Measure) -> str:
    return _DIRECTION[measure.direction]


def plotted_series(measure: Measure, points: pd.DataFrame, rules: str) -> MeasureSeries:
    """The series as charted: Making Data Count does not define exclusion, so under its rules
    excluded points are left out altogether."""
    series = measure_series(measure, points)
    if rules != "mdc" or not any(series.excluded):
        return series
    keep = [not flag for flag in series.excluded]
    return MeasureSeries(
        [d for d, k in zip(series.x, keep) if k],
        series.y[keep],
        None if series.n is None else series.n[keep],
        [False] * sum(keep),
        [note for note, k in zip(series.notes, keep) if k],
    )


def analyze_measure(measure: Measure, points: pd.DataFrame, *, chart: str | None = None):
    """Analyse a measure with its stored settings; ``chart`` overrides the stored chart type.

    Returns the series and its Analysis, or None for the analysis when nothing is left to
    plot (no data yet, or only the first event of a days-between measure). Excluded points
    are the data points' own flag.
    """
    from pdsa.spc import analyze  # the engine is heavy to import; only analysis needs it

    chart = chart or measure.effective_chart
    rules = measure.rules if chart == "i" else "anhoej"
    series = plotted_series(measure, points, rules)
    if len(series) == 0:
        return series, None
    splits = split_positions(series, measure.splits)
    return series, analyze(
        series.y,
        series.n if chart in ("p", "pp", "u", "up", "run") else None,
        [pd.Timestamp(d) for d in series.x],
        chart=chart,
        freeze=None if splits else freeze_position(series, measure.freeze_until),
        part=splits or None,
        exclude=(excluded_positions(series) or None) if rules == "anhoej" else None,
        rules=rules,
        direction=engine_direction(measure),
        target=measure.target,
    )
