"""Summary statistics computed the way R computes them.

R's sum() and mean() accumulate in extended precision, so they return (all but
pathologically) the correctly rounded result. Matching that matters beyond the
9th decimal in one place: the runs analysis asks whether a point lies exactly on
the centre line, and a mean that is one unit in the last place off turns a point
"on the line" into a point above or below it. So sums and means here are exact,
rounded once.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Iterable

import numpy as np


def finite_values(values: Iterable[float]) -> list[float]:
    """The values that are not NaN (R's na.rm = TRUE)."""
    return [float(v) for v in values if not math.isnan(v)]


def exact_sum(values: Iterable[float]) -> Fraction:
    """Exact sum of floats (every float is a dyadic rational, so this is cheap)."""
    ratios = [float(v).as_integer_ratio() for v in values]
    if not ratios:
        return Fraction(0)
    shift = max(den.bit_length() for _, den in ratios) - 1
    total = sum(num << (shift - (den.bit_length() - 1)) for num, den in ratios)
    return Fraction(total, 1 << shift)


def r_sum(values: Iterable[float]) -> float:
    """sum(x, na.rm = TRUE), correctly rounded."""
    return float(exact_sum(finite_values(values)))


def r_mean(values: Iterable[float]) -> float:
    """mean(x, na.rm = TRUE), correctly rounded; NaN when nothing is left."""
    kept = finite_values(values)
    if not kept:
        return math.nan
    return float(exact_sum(kept) / len(kept))


def r_median(values: Iterable[float]) -> float:
    """median(x, na.rm = TRUE): the middle value, or the mean of the two middle ones."""
    kept = sorted(finite_values(values))
    if not kept:
        return math.nan
    half = len(kept) // 2
    if len(kept) % 2:
        return kept[half]
    return r_mean(kept[half - 1 : half + 1])


def r_sd(values: Iterable[float]) -> float:
    """sd(x, na.rm = TRUE): sample standard deviation (n - 1); NaN below two values."""
    kept = finite_values(values)
    if len(kept) < 2:
        return math.nan
    centre = r_mean(kept)
    return math.sqrt(math.fsum((v - centre) ** 2 for v in kept) / (len(kept) - 1))


def r_divide(numerator: float, denominator: float) -> float:
    """numerator / denominator as R divides: 0/0 is NaN and x/0 is +-Inf, never ZeroDivisionError."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(numerator) / np.float64(denominator))


def abs_diff(values: np.ndarray) -> np.ndarray:
    """abs(diff(x)): moving ranges; NaN wherever a neighbour is missing."""
    return np.abs(np.diff(np.asarray(values, dtype=float)))
