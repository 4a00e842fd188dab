"""Reporting periods: days, ISO weeks (stored as their Monday) and months (stored as the 1st).

Danish reporting counts in ISO weeks, which belong to the ISO year of their Thursday, so a
week is never stored as calendar year + week number.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from pdsa.core.validation import invalid
from pdsa.core.vocabulary import PERIODS, Period  # noqa: F401 (re-exported for the models)


_ISO_WEEK = re.compile(r"^\s*(\d{4})-?W(\d{1,2})\s*$", re.IGNORECASE)
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_DANISH_DATE = re.compile(r"^\s*(\d{1,2})[-./](\d{1,2})[-./](\d{4})\s*$")


def parse_period(value: object) -> date:
    """Read a date, an ISO week label ("2026-W05"), a month ("2026-05") or dd-mm-yyyy."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if m := _ISO_WEEK.match(text):
        year, week = int(m.group(1)), int(m.group(2))
        try:
            return date.fromisocalendar(year, week, 1)
        except ValueError:
            raise invalid("no_such_week", "{text} is not an ISO week ({year} has no week {week})",
                          text=text, year=year, week=week) from None
    try:
        if m := _MONTH.match(text):
            return date(int(m.group(1)), int(m.group(2)), 1)
        if m := _DANISH_DATE.match(text):
            day, month, year = (int(g) for g in m.groups())
            return date(year, month, day)
        return date.fromisoformat(text)
    except ValueError:
        raise invalid("not_a_date", "'{text}' is not a date; use 2026-03-02, 02-03-2026, 2026-W10 or 2026-03",
                      text=text) from None


def check_period_start(day: date, period: str) -> date:
    """Refuse a date that does not start a period of the given kind."""
    if period == "week" and day.isoweekday() != 1:
        raise invalid(
            "not_a_monday",
            "{day} is not a Monday; a weekly measure takes the Monday of the ISO week (here {monday}) "
            "or a week label such as {week}",
            day=day.isoformat(), monday=week_start(day).isoformat(), week=iso_week_label(day),
        )
    if period == "month" and day.day != 1:
        raise invalid(
            "not_first_of_month",
            "{day} is not the first day of a month; a monthly measure takes {first} or a month label such as {month}",
            day=day.isoformat(), first=day.replace(day=1).isoformat(), month=f"{day:%Y-%m}",
        )
    return day


def week_start(day: date) -> date:
    return day - timedelta(days=day.isoweekday() - 1)


def period_start(day: date, period: str) -> date:
    """The start of the period that contains the day."""
    if period == "week":
        return week_start(day)
    if period == "month":
        return day.replace(day=1)
    return day


def iso_week_label(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


# The word before an ISO week number; Babel's week pattern follows each locale's own week rules
# (an English week starts on Sunday), while Danish reporting counts ISO weeks everywhere.
_WEEK_WORDS = {"da": "uge", "en": "week"}
_DAY_PATTERNS = {"da": "dd-MM-y"}  # as the app writes a Danish date; ISO otherwise


def period_label(day: date, period: str, language: str | None = None) -> str:
    """How a period is shown to a reader.

    Without a language, the ISO labels files and the command line use: 2026-W05, 2026-03 or
    2026-03-02. With one, as a reader of that language expects: "uge 5 2026" / "week 5 2026"
    (the ISO week and its ISO year: 29-12-2025 is in "uge 1 2026"), "okt. 2025" / "Oct 2025",
    and a day as the app writes dates ("02-03-2026"; ISO in English).
    """
    if language is None:
        if period == "week":
            return iso_week_label(day)
        if period == "month":
            return f"{day:%Y-%m}"
        return day.isoformat()
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{_WEEK_WORDS.get(language, 'week')} {week} {year}"
    from babel.dates import format_date

    if period == "month":
        return format_date(day, "MMM y", locale=language)
    pattern = _DAY_PATTERNS.get(language)
    return format_date(day, pattern, locale=language) if pattern else day.isoformat()


def next_period(day: date, period: str) -> date:
    if period == "week":
        return day + timedelta(days=7)
    if period == "month":
        return date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return day + timedelta(days=1)
