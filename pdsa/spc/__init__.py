"""Statistics for run charts and control charts (qicharts2 / Making Data Count compatible).

analyze() computes one series; result.Analysis is what it returns.
"""

from .engine import analyze
from .result import Analysis, PartSummary, Signal

__all__ = ["analyze", "Analysis", "PartSummary", "Signal"]
