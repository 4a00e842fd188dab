"""Small numbers: a count below a threshold can make a patient recognisable.

Every export and chart that shows such a count carries a warning. The threshold is 5 unless
the environment variable ``PDSA_SMALL_NUMBER_THRESHOLD`` sets another whole number (0 turns
the warning off). Counted are the numbers that count people or events: numerator and
denominator of proportions, the numerator of rates, and the values of count measures —
from 1 up to the threshold; 0 counts nobody and is not warned about.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import date

from pdsa.i18n import translate_plural
from pdsa.models import DataPoint, Measure

DEFAULT_THRESHOLD = 5
ENVIRONMENT_VARIABLE = "PDSA_SMALL_NUMBER_THRESHOLD"

COUNTED_FIELDS: dict[str, tuple[str, ...]] = {
    "proportion": ("numerator", "denominator"),
    "rate": ("numerator",),
    "count": ("value",),
}


def threshold() -> int:
    """The threshold in force: PDSA_SMALL_NUMBER_THRESHOLD when it is a whole number >= 0, else 5."""
    text = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
    try:
        number = int(text)
    except ValueError:
        return DEFAULT_THRESHOLD
    return number if number >= 0 else DEFAULT_THRESHOLD


def small_periods(measure: Measure, points: Iterable[DataPoint], limit: int | None = None) -> list[date]:
    """The periods whose counted numbers include one from 1 to below the threshold."""
    limit = threshold() if limit is None else limit
    fields = COUNTED_FIELDS.get(measure.data_type, ())
    found = []
    for point in points:
        if any(0 < (getattr(point, name) or 0) < limit for name in fields):
            found.append(point.period)
    return sorted(set(found))


def small_periods_frame(measure: Measure, frame, limit: int | None = None) -> list[date]:
    """small_periods for a data_points_frame (what the charts are drawn from)."""
    limit = threshold() if limit is None else limit
    fields = [f for f in COUNTED_FIELDS.get(measure.data_type, ()) if f in frame.columns]
    if not fields or frame.empty:
        return []
    small = False
    for name in fields:
        column = frame[name]
        small = small | ((column > 0) & (column < limit)).fillna(False)
    return sorted({stamp.date() if hasattr(stamp, "date") else stamp for stamp in frame.loc[small, "period"]})


def warning_text(language: str, measure: Measure, periods: list[date]) -> str | None:
    """The warning in the user's language, or None when no count is small."""
    if not periods:
        return None
    return translate_plural(language, "exports.small_numbers", len(periods), limit=threshold(),
                            name=measure.name)


def warning_for(language: str, measure: Measure, points: Iterable[DataPoint]) -> str | None:
    return warning_text(language, measure, small_periods(measure, points))

