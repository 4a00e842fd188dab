"""The shape of a finished analysis, shared by the engine, the command line and the charts.

Kept apart from the formulas so that chart builders and the app depend on a small,
stable contract rather than on how the numbers are computed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # the command line reads the names below without paying for pandas
    import pandas as pd

ChartType = Literal["run", "i", "mr", "xbar", "s", "t", "p", "pp", "c", "u", "up", "g"]
Rules = Literal["anhoej", "mdc"]
Direction = Literal["increase", "decrease", "neutral"]

CHART_TYPES: tuple[str, ...] = ("run", "i", "mr", "xbar", "s", "t", "p", "pp", "c", "u", "up", "g")
CHARTS_NEEDING_N: frozenset[str] = frozenset({"p", "pp", "u", "up"})
PROPORTION_CHARTS: frozenset[str] = frozenset({"p", "pp"})

# Columns of Analysis.points, in this order. x is whatever the caller passed
# (dates in the app, the input text on the command line); y is the plotted value.
POINT_COLUMNS: tuple[str, ...] = (
    "i",             # 1-based position
    "x",
    "y",             # plotted value (proportion/rate when n is given)
    "n",             # denominator or subgroup size, NaN when not applicable
    "part",          # 1-based part number
    "baseline",      # bool: point is inside the frozen baseline (True everywhere without freeze)
    "include",       # bool: False for excluded points
    "cl",
    "lcl",
    "ucl",
    "lcl_95",        # 2-sigma limits
    "ucl_95",
    "sigma_signal",  # bool: strictly outside lcl/ucl
    "runs_signal",   # bool: the point's part has a runs signal (Anhøj)
)
# Added for rules="mdc": point_type, one of POINT_TYPES.
POINT_TYPES: tuple[str, ...] = (
    "common_cause",
    "special_cause_improvement",
    "special_cause_concern",
    "special_cause_neutral_high",
    "special_cause_neutral_low",
)
ASSURANCE_TYPES: tuple[str, ...] = ("consistent_pass", "consistent_fail", "inconsistent")


@dataclass(frozen=True)
class PartSummary:
    """Runs analysis of one part (Anhøj). Fields are None where a rule set does not define them."""

    part: int
    n_obs: int
    n_useful: int | None
    longest_run: int | None
    longest_run_max: int | None
    n_crossings: int | None
    n_crossings_min: int | None
    runs_signal: bool | None


@dataclass
class Analysis:
    """One analysed series: per-point centre, limits and signals, and per-part summaries."""

    chart: str
    rules: str
    points: pd.DataFrame                 # columns POINT_COLUMNS (+ "point_type" for mdc)
    parts: list[PartSummary]
    direction: str = "increase"
    target: float | None = None
    variation_icon: str | None = None    # mdc: point_type of the last point, see POINT_TYPES
    assurance: str | None = None         # mdc: one of ASSURANCE_TYPES or None
    signals: list["Signal"] = field(default_factory=list)


@dataclass(frozen=True)
class Signal:
    """A finding the app can put into words: which part, which rule, and what it means.

    kind: "outside_limits", "long_run", "few_crossings" (Anhøj), or "trend",
          "two_of_three", "shift" (mdc), ...
    meaning: "improvement", "concern" or "non_random" (no side, e.g. crossings only or neutral direction).
    """

    part: int
    kind: str
    meaning: str
    first_i: int | None = None  # 1-based position where it starts, when it has one
    last_i: int | None = None
