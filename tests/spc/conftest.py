"""Reference cases (qicharts2 and NHSRplotthedots outputs) as pytest parameters, and helpers.

Any test asking for `qic_case` runs once per case in
tests/reference/qicharts2/qicharts2_expected.json, `mdc_case` once per case in
tests/reference/nhsrplotthedots/nhsrplotthedots_expected.json.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
QIC_DIR = REFERENCE / "qicharts2"
MDC_DIR = REFERENCE / "nhsrplotthedots"
TOLERANCE = 1e-9


@lru_cache(maxsize=None)
def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def qic_cases() -> dict[str, dict[str, Any]]:
    return _load(QIC_DIR / "qicharts2_expected.json")["cases"]


def mdc_cases() -> dict[str, dict[str, Any]]:
    return _load(MDC_DIR / "nhsrplotthedots_expected.json")["cases"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    for name, cases in (("qic_case", qic_cases), ("mdc_case", mdc_cases)):
        if name in metafunc.fixturenames:
            found = cases()
            metafunc.parametrize(name, [dict(case, name=key) for key, case in found.items()], ids=list(found))


def read_input(directory: Path, case: dict[str, Any]) -> dict[str, Any]:
    """y, n (or None) and x of a reference input CSV, as analyze() takes them."""
    table = pd.read_csv(directory / case["input_csv"])
    return {
        "y": table["y"].astype(float).tolist(),
        "n": table["n"].astype(float).tolist() if "n" in table.columns else None,
        "x": table["x"].tolist(),
    }


def as_float(value: Any) -> float:
    return math.nan if value is None else float(value)


def assert_numbers(actual: Any, expected: Any, what: str) -> None:
    """Element-wise equality within 1e-9 (relative for large values); missing must match missing."""
    actual = np.array([as_float(v) for v in actual], dtype=float)
    expected = np.array([as_float(v) for v in expected], dtype=float)
    assert actual.shape == expected.shape, f"{what}: {actual.shape} points, expected {expected.shape}"
    same_missing = np.isnan(actual) == np.isnan(expected)
    close = np.abs(actual - expected) <= TOLERANCE * np.maximum(1.0, np.abs(expected))
    good = np.where(np.isnan(expected), same_missing, same_missing & close)
    bad = np.flatnonzero(~good)
    assert bad.size == 0, (f"{what}: {bad.size} points differ, first at i={bad[0] + 1}: "
                           f"got {actual[bad[0]]!r}, expected {expected[bad[0]]!r}")
