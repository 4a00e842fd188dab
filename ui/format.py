"""How dates, numbers and coded values are shown, in the user's language."""

from __future__ import annotations

from datetime import date, datetime

from pdsa.core.periods import period_label
from ui.state import language, t


def fmt_date(day: date | None) -> str:
    if day is None:
        return "–"
    return day.strftime("%d-%m-%Y") if language() == "da" else day.isoformat()


def fmt_datetime(moment: datetime | None) -> str:
    if moment is None:
        return "–"
    return moment.strftime("%d-%m-%Y kl. %H.%M") if language() == "da" else moment.strftime("%Y-%m-%d %H:%M")


def fmt_period(day: date, period: str) -> str:
    return fmt_date(day) if period == "day" else period_label(day, period)


def fmt_number(value: float | None, decimals: int = 1) -> str:
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    if language() == "da":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text


def fmt_percent(value: float | None, decimals: int = 0) -> str:
    return "–" if value is None else f"{fmt_number(value * 100, decimals)} %"


def label(kind: str, value: object) -> str:
    """A coded value (a sector, a status, a source ...) in words."""
    return t(f"{kind}.{value}")


def progress_label(score: float) -> str:
    return t(f"progress.{score:.1f}")
