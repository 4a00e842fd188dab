"""Statistics for run charts and control charts (qicharts2 / Making Data Count compatible).

analyze() computes one series; result.Analysis is what it returns. The names are
loaded on first use, so that ``python -m pdsa analyze`` (pdsa.spc.cli), which needs
neither pandas nor the single-series engine, starts in a fraction of a second.
"""

from importlib import import_module
from typing import Any

__all__ = ["analyze", "Analysis", "PartSummary", "Signal"]

_HOMES = {"analyze": "pdsa.spc.engine", "Analysis": "pdsa.spc.result", "PartSummary": "pdsa.spc.result",
          "Signal": "pdsa.spc.result"}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'pdsa.spc' has no attribute {name!r}")
