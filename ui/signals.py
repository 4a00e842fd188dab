"""A measure's latest signal in a few words and a colour (the theme page, the project summary).

The words are what the measure's own chart says about its latest part (pdsa.findings: the
same analysis, the same rules), shortened for a list: improvement, deterioration, a signal
without one direction, only random variation, too little data to tell, or no data yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from pdsa.findings import finding_for_last_part
from pdsa.models import PROPORTION_DATA_TYPES, Measure
from pdsa.series import analyze_measure
from ui.format import fmt_number, fmt_percent, fmt_period
from ui.state import t

# Streamlit's coloured text, by meaning: improvement green, deterioration red, a signal
# without one direction orange, nothing to tell grey
_COLOURS = {"improvement": "green", "deterioration": "red", "non_random": "orange", "random": "gray",
            "too_few_to_tell": "gray", "no_data": "gray", "cannot_tell": "gray"}


@dataclass(frozen=True)
class Signal:
    tone: str                    # a key of _COLOURS
    latest: date | None = None   # the latest plotted period
    value: float | None = None   # its plotted value (a proportion as a fraction)


def latest_signal(measure: Measure, points: pd.DataFrame) -> Signal:
    """What the measure's chart says now; ``points`` the measure's own stored points."""
    if points.empty:
        return Signal("no_data")
    try:
        series, analysis = analyze_measure(measure, points)
    except ValueError:  # data the engine cannot chart
        return Signal("cannot_tell")
    if analysis is None or len(series) == 0:
        return Signal("no_data")
    y, n = series.y[-1], (series.n[-1] if series.n is not None else None)
    value = float(y) / float(n) if n is not None and float(n) != 0 else float(y)  # proportions and rates
    return Signal(finding_for_last_part(analysis).tone, series.x[-1], value)


def signal_words(signal: Signal) -> str:
    """The signal as coloured Markdown: ":green[Forbedring]"."""
    return f":{_COLOURS[signal.tone]}[{t(f'themes.signal.{signal.tone}')}]"


def latest_value_text(measure: Measure, signal: Signal) -> str:
    """"seneste: 82 % (uge 12 2026)", or "" without data."""
    if signal.latest is None or signal.value is None:
        return ""
    value = fmt_percent(signal.value) if measure.data_type in PROPORTION_DATA_TYPES else fmt_number(signal.value)
    return t("themes.latest_value", value=value, period=fmt_period(signal.latest, measure.period))


def points_of(frame: pd.DataFrame, measure_id: int) -> pd.DataFrame:
    """One measure's rows of a data_points_frame holding several."""
    return frame[frame["measure_id"] == measure_id].reset_index(drop=True)


def key_measure(measures: list[Measure]) -> Measure | None:
    """A project's key measure; without one marked, its first outcome measure, else its first measure."""
    return (next((m for m in measures if m.is_key), None) or next((m for m in measures if m.kind == "outcome"), None)
            or (measures[0] if measures else None))
