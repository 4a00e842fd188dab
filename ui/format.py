"""How dates, numbers and coded values are shown, in the user's language."""

from __future__ import annotations

from datetime import date, datetime

from pdsa.core.decimals import NotANumber, format_decimal_text, parse_decimal_text
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
    return fmt_date(day) if period == "day" else period_label(day, period, language())


def fmt_number(value: float | None, decimals: int = 1) -> str:
    """A number to read ("1.234,5" in Danish), with a fixed number of decimals."""
    return "–" if value is None else format_decimal_text(value, language(), decimals=decimals)


def fmt_input_number(value: float | None) -> str:
    """A number as a text field shows it for editing ("7,5"; "" for none); it parses back unchanged."""
    return format_decimal_text(value, language(), grouping=False)


def parse_number(text: str | None) -> float | None:
    """What the user typed in a number field, read as their language writes numbers; None when
    empty. Raises ValueError with a sentence for the user (it never repeats what was typed)."""
    try:
        return parse_decimal_text(text, language())
    except NotANumber as exc:
        if exc.suggestions:
            raise ValueError(t("error.number_ambiguous", choices=t("app.or").join(exc.suggestions))) from None
        raise ValueError(t("error.not_a_number", example=fmt_input_number(7.5))) from None


def fmt_percent(value: float | None, decimals: int = 0) -> str:
    return "–" if value is None else f"{fmt_number(value * 100, decimals)} %"


def label(kind: str, value: object) -> str:
    """A coded value (a sector, a status, a source ...) in words."""
    return t(f"{kind}.{value}")


def progress_label(score: float) -> str:
    return t(f"progress.{score:.1f}")
