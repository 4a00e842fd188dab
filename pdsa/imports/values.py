"""One cell of an imported file read as a number, a yes/no or a period.

Cells come from a CSV file (always text) or from Excel (text, numbers, dates, booleans).
Each reader returns the value or raises :class:`CellProblem` with a stable code (looked up
in the catalogue under ``imports.problem.<code>``) and the values its sentence needs.

Numbers: a decimal comma with ``.`` grouping thousands ("1.092,5"), or a decimal point with
``,`` grouping them ("1,092.5"); spaces (also no-break spaces) inside, a ``%`` or ``‰`` sign and
a typographic minus are allowed. Which mark a file uses is decided once per file
(:func:`decimal_mark`), never per cell.

Periods: dates (dd-mm-yyyy, dd.mm.yyyy, dd/mm/yyyy, yyyy-mm-dd, with or without a time,
Excel dates and Excel's day numbers), ISO weeks ("uge 45 2025", "2025-W45", "45/2025",
"week 45 2025") and months ("jan 2025", "januar 2025", "2025-01", "01-2025"). "45/2025" and
"01-2025" are read in the measure's own unit: a week in a weekly measure, a month in a
monthly one.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from pdsa.core.fields import contains_cpr
from pdsa.core.validation import REDACTED

EXCEL_ERRORS = frozenset({"#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!",
                          "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#UNKNOWN!", "#BUSY!"})
EXCEL_EPOCH = date(1899, 12, 30)
SERIAL_RANGE = (20_000, 80_000)        # Excel day numbers 1954-10-03 .. 2119-01-10


@dataclass
class CellProblem(ValueError):
    code: str
    values: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return self.code


def shown(value: object, limit: int = 40) -> str:
    """A cell's text as a message may quote it: never a CPR number, never very long."""
    text = value if isinstance(value, str) else _plain_text(value)
    text = " ".join(text.split())
    if contains_cpr(text):
        return REDACTED
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plain_text(value: object) -> str:
    if isinstance(value, datetime):
        return value.strftime("%d-%m-%Y %H:%M") if (value.hour, value.minute) != (0, 0) else value.strftime("%d-%m-%Y")
    if isinstance(value, date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_formula_error(value: object) -> None:
    if isinstance(value, str) and value.strip().upper() in EXCEL_ERRORS:
        raise CellProblem("formula_error", {"text": value.strip().upper()})


# --- numbers -------------------------------------------------------------------------------------

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")
_COMMA_DECIMAL = re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?|[+-]?,\d+")
_POINT_DECIMAL = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+")
_EXPONENT = re.compile(r"[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+")
# Evidence for a mark: a decimal part that cannot be a group of thousands, or both marks
_COMMA_EVIDENCE = re.compile(r"\d,(?:\d{1,2}|\d{4,})$|^[+-]?,\d|\.\d{3},\d|^[+-]?0,\d")
_POINT_EVIDENCE = re.compile(r"\d\.(?:\d{1,2}|\d{4,})$|^[+-]?\.\d|,\d{3}\.\d|^[+-]?0\.\d")
_AMBIGUOUS = re.compile(r"^[+-]?[1-9]\d{0,2}([.,])\d{3}$")


def _clean_number_text(text: str) -> str:
    cleaned = _SPACES.sub("", text).replace("\u2212", "-").replace("\u2013", "-")
    for sign in ("%", "‰"):
        cleaned = cleaned.removesuffix(sign).removeprefix(sign)
    return cleaned


def decimal_mark(texts: list[str]) -> str | None:
    """"," or "." as the texts show it; None when they cannot tell (only whole numbers, or
    only numbers such as "1.250" that may mean 1,25 or 1250). ValueError when they show both."""
    comma = point = ambiguous = False
    for text in texts:
        cleaned = _clean_number_text(text)
        if not cleaned or not any(c in cleaned for c in ".,"):
            continue
        if _COMMA_EVIDENCE.search(cleaned):
            comma = True
        elif _POINT_EVIDENCE.search(cleaned):
            point = True
        elif _AMBIGUOUS.match(cleaned):
            ambiguous = True
        if comma and point:
            raise ValueError("both")
    if comma:
        return ","
    if point:
        return "."
    return None if ambiguous else ","


def parse_number(value: object, mark: str) -> float | None:
    """The number in a cell (None when it is empty); CellProblem("not_a_number") else."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellProblem("not_a_number", {"text": shown(value)})
    if isinstance(value, (int, float)):
        number = float(value)
        if not math.isfinite(number):
            raise CellProblem("not_a_number", {"text": shown(value)})
        return number
    if isinstance(value, (date, datetime)):
        raise CellProblem("not_a_number", {"text": shown(value)})
    text = str(value)
    check_formula_error(text)
    cleaned = _clean_number_text(text)
    if not cleaned or cleaned.upper() in ("NA", "N/A", "-"):
        return None
    if _EXPONENT.fullmatch(cleaned):
        return float(cleaned.replace(",", "."))
    if mark == ",":
        if _COMMA_DECIMAL.fullmatch(cleaned):
            return float(cleaned.replace(".", "").replace(",", "."))
    elif _POINT_DECIMAL.fullmatch(cleaned):
        return float(cleaned.replace(",", ""))
    raise CellProblem("not_a_number", {"text": shown(text)})


# --- yes / no ------------------------------------------------------------------------------------

_YES = frozenset({"1", "x", "ja", "j", "yes", "y", "true", "sand", "sandt"})
_NO = frozenset({"0", "nej", "n", "no", "false", "falsk", "-"})


def parse_flag(value: object) -> bool:
    """A yes/no cell: empty, 0, nej, no, false are no; 1, x, ja, yes, true are yes."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        if value in (0, 1):
            return bool(value)
        raise CellProblem("not_yes_no", {"text": shown(value)})
    text = str(value).strip().lower()
    check_formula_error(text.upper())
    if not text or text in _NO:
        return False
    if text in _YES:
        return True
    raise CellProblem("not_yes_no", {"text": shown(value)})


# --- periods -------------------------------------------------------------------------------------

MONTHS = {
    "jan": 1, "januar": 1, "january": 1, "feb": 2, "febr": 2, "februar": 2, "february": 2, "mar": 3, "mrt": 3,
    "marts": 3, "march": 3, "apr": 4, "april": 4, "maj": 5, "may": 5, "jun": 6, "juni": 6, "june": 6, "jul": 7,
    "juli": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9, "okt": 10, "oct": 10,
    "oktober": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
_TIME = r"(?:[ T]\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:\.\d+)?)?)?"
_DAY_FIRST = re.compile(rf"(\d{{1,2}})([-./])(\d{{1,2}})\2(\d{{4}}|\d{{2}}){_TIME}")
_ISO_DAY = re.compile(rf"(\d{{4}})-(\d{{1,2}})-(\d{{1,2}}){_TIME}")
_WEEK_WORD = r"(?:uge|week|wk|w|u)"
_WEEK_THEN_YEAR = re.compile(rf"{_WEEK_WORD}\.?\s*(\d{{1,2}})(?:\s*[,/-]?\s*(\d{{4}}))?", re.IGNORECASE)
_YEAR_THEN_WEEK = re.compile(rf"(\d{{4}})\s*[-/]?\s*{_WEEK_WORD}\.?\s*(\d{{1,2}})", re.IGNORECASE)
_NUMBER_SLASH_YEAR = re.compile(r"(\d{1,2})\s*([/-])\s*(\d{4})")
_ISO_MONTH = re.compile(r"(\d{4})[-/](\d{1,2})")
_NAMED_MONTH = re.compile(r"([a-zæøå]+)\.?\s*[-/ ]?\s*(\d{4}|\d{2})", re.IGNORECASE)
_YEAR_NAMED_MONTH = re.compile(r"(\d{4})\s*[-/ ]\s*([a-zæøå]+)\.?", re.IGNORECASE)
_SERIAL = re.compile(r"\d{5}(?:[.,]\d+)?")


@dataclass(frozen=True)
class Stated:
    """What a period cell says: a day, or the start of the ISO week or month it names."""

    day: date
    unit: str          # "day", "week" or "month"


def parse_period_cell(value: object, measure_period: str) -> Stated:
    """Read a period cell; CellProblem("period_unreadable" | "no_such_date" | "week_without_year" ...)."""
    if isinstance(value, datetime):
        return Stated(value.date(), "day")
    if isinstance(value, date):
        return Stated(value, "day")
    if isinstance(value, bool):
        raise CellProblem("period_unreadable", {"text": shown(value)})
    if isinstance(value, (int, float)):
        return _serial(float(value), value)
    text = " ".join(str(value).split())
    check_formula_error(text)
    try:
        return _period_text(text, measure_period)
    except CellProblem:
        raise
    except ValueError:
        raise CellProblem("no_such_date", {"text": shown(text)}) from None


def _serial(number: float, original: object) -> Stated:
    if SERIAL_RANGE[0] <= number < SERIAL_RANGE[1]:
        return Stated(EXCEL_EPOCH + timedelta(days=int(number)), "day")
    raise CellProblem("period_unreadable", {"text": shown(original)})


def _year(text: str) -> int:
    year = int(text)
    return 2000 + year if len(text) == 2 else year


def _week(year: int, week: int, text: str) -> Stated:
    try:
        return Stated(date.fromisocalendar(year, week, 1), "week")
    except ValueError:
        raise CellProblem("no_such_week", {"text": shown(text), "year": year, "week": week}) from None


def _period_text(text: str, measure_period: str) -> Stated:
    if m := _DAY_FIRST.fullmatch(text):
        return Stated(date(_year(m[4]), int(m[3]), int(m[1])), "day")
    if m := _ISO_DAY.fullmatch(text):
        return Stated(date(int(m[1]), int(m[2]), int(m[3])), "day")
    if m := _YEAR_THEN_WEEK.fullmatch(text):
        return _week(int(m[1]), int(m[2]), text)
    if m := _WEEK_THEN_YEAR.fullmatch(text):
        if m[2] is None:
            raise CellProblem("week_without_year", {"text": shown(text)})
        return _week(int(m[2]), int(m[1]), text)
    if m := _NUMBER_SLASH_YEAR.fullmatch(text):
        number, year = int(m[1]), int(m[3])
        if measure_period == "week" or (m[2] == "/" and measure_period != "month" and number > 12):
            return _week(year, number, text)
        if 1 <= number <= 12:
            return Stated(date(year, number, 1), "month")
        if m[2] == "/":
            return _week(year, number, text)
        raise CellProblem("period_unreadable", {"text": shown(text)})
    if m := _ISO_MONTH.fullmatch(text):
        return Stated(date(int(m[1]), int(m[2]), 1), "month")
    if (m := _NAMED_MONTH.fullmatch(text)) and m[1].lower() in MONTHS:
        return Stated(date(_year(m[2]), MONTHS[m[1].lower()], 1), "month")
    if (m := _YEAR_NAMED_MONTH.fullmatch(text)) and m[2].lower() in MONTHS:
        return Stated(date(int(m[1]), MONTHS[m[2].lower()], 1), "month")
    if _SERIAL.fullmatch(text):
        return _serial(float(text.replace(",", ".")), text)
    raise CellProblem("period_unreadable", {"text": shown(text)})


def looks_like_period(value: object) -> bool:
    """Does the cell read as a date, a week or a month (for guessing the period column)?"""
    if isinstance(value, (date, datetime)):
        return True
    if isinstance(value, (int, float, bool)) or is_empty(value):
        return False
    try:
        parse_period_cell(value, "day")
        return True
    except CellProblem:
        return False


TOTAL_WORDS = re.compile(r"^\s*(i\s*alt|ialt|total[a-z]*|sum|samlet|gennemsnit|gns\.?|average|mean|median)\b",
                         re.IGNORECASE)


def is_total_label(value: object) -> bool:
    return isinstance(value, str) and bool(TOTAL_WORDS.match(value))
