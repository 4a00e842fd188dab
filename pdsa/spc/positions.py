"""Which part each point belongs to, which points form the baseline, and which are included.

Positions are 1-based and count points (subgroups for xbar and s charts).
Anhøj rules follow qicharts2: part = split after each listed position, freeze =
the first k points of the series are the baseline, ignored when part is given.
Making Data Count rules follow NHSRplotthedots: a part is a rebase (a new group
starts after the position) and freeze is fix_after_n_points, counted within
each group.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Layout:
    part: np.ndarray      # 1-based part number per point
    baseline: np.ndarray  # bool
    include: np.ndarray   # bool


def anhoej_layout(length: int, freeze: Any = None, part: Any = None, exclude: Any = None) -> Layout:
    """qicharts2's makeparts(), baseline (xx <= freeze) and include (!xx %in% exclude)."""
    freeze_at = check_freeze(freeze, length)
    splits = check_positions("part", part, 1, length - 1)
    excluded = check_positions("exclude", exclude, 1, length)
    positions = np.arange(1, length + 1)
    if freeze_at is None or splits:
        freeze_at = length
    return Layout(
        part=part_numbers(length, splits),
        baseline=positions <= freeze_at,
        include=~np.isin(positions, excluded),
    )


def mdc_layout(length: int, freeze: Any = None, part: Any = None, exclude: Any = None) -> Layout:
    """NHSRplotthedots: rebase groups, and the first `freeze` points of each group fix its limits."""
    if exclude is not None and len(_as_list("exclude", exclude)) > 0:
        raise ValueError("exclude is not part of the Making Data Count rules (NHSRplotthedots has no "
                         "exclusion); use rules='anhoej' or leave exclude empty")
    freeze_at = check_freeze(freeze, length)
    splits = check_positions("part", part, 1, length - 1)
    parts = part_numbers(length, splits)
    if freeze_at is None:
        baseline = np.ones(length, dtype=bool)
    else:
        baseline = _position_in_part(parts) <= freeze_at
    return Layout(part=parts, baseline=baseline, include=np.ones(length, dtype=bool))


def part_numbers(length: int, splits: list[int]) -> np.ndarray:
    """Part number of each point when the series is split after each position in splits."""
    positions = np.arange(1, length + 1)
    return 1 + np.searchsorted(np.array(splits, dtype=int), positions, side="left")


def _position_in_part(parts: np.ndarray) -> np.ndarray:
    """1-based position of each point within its part."""
    starts = np.r_[0, np.flatnonzero(np.diff(parts)) + 1]
    counts = np.diff(np.r_[starts, len(parts)])
    return np.arange(len(parts)) - np.repeat(starts, counts) + 1


def check_freeze(freeze: Any, length: int) -> int | None:
    """freeze must be a whole number between 1 and the number of points."""
    if freeze is None:
        return None
    if not _is_whole(freeze):
        raise ValueError(f"freeze must be a whole number of points, got {freeze!r}")
    if not 1 <= int(freeze) <= length:
        raise ValueError(f"freeze {int(freeze)} is outside the data (1..{length})")
    return int(freeze)


def check_positions(name: str, positions: Any, low: int, high: int) -> list[int]:
    """Sorted, unique 1-based positions, each within low..high."""
    values = _as_list(name, positions)
    for value in values:
        if not low <= value <= high:
            span = f"{low}..{high}" if low <= high else "none: there are too few points"
            raise ValueError(f"{name} position {value} is outside the data (allowed: {span})")
    return sorted(set(values))


def _as_list(name: str, positions: Any) -> list[int]:
    if positions is None:
        return []
    if _is_whole(positions):
        return [int(positions)]
    if isinstance(positions, (str, bytes)):
        raise ValueError(f"{name} must be whole-number positions, got {positions!r}")
    values = list(positions)
    for value in values:
        if not _is_whole(value):
            raise ValueError(f"{name} must be whole-number positions, got {value!r}")
    return [int(v) for v in values]


def _is_whole(value: Any) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, Integral):
        return True
    return isinstance(value, (float, np.floating)) and float(value).is_integer()
