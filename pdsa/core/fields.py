"""Field types shared by every model: text that refuses CPR numbers, titles, scales, sectors.

The tool holds aggregated counts and free text about work processes, never patient
identities, so every free-text field goes through :func:`refuse_cpr`.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from pdsa.core.validation import invalid
from pdsa.core.vocabulary import SECTORS, Sector  # noqa: F401 (shared field types live here)

# What people really type, once dashes and spaces are made plain by _normalise: six digits
# (DDMMYY), optionally written in pairs with one separator used throughout (01 01 90,
# 01-01-90, 01.01.90, 01/01/90), then the four-digit serial, either right after or after a
# separator of up to two dashes, slashes or dots with a space either side (010190-1234,
# 010190 - 1234, 010190--1234, 010190/1234, 010190.1234, 010190 1234). Not inside a longer
# number or a decimal number. Wrapped in a lookahead, so candidates may overlap (one that is
# not a date does not hide one that is).
_CPR_PATTERN = re.compile(
    r"(?<!\d)(?<!\d[.,])(?="
    r"(?P<day>\d{2})(?P<sep>[ ./-]?)(?P<month>\d{2})(?P=sep)(?P<yy>\d{2})"
    r" ?(?:[-/.]{1,2} ?)?"
    r"(?P<seventh>\d)\d{3}(?!\d)(?![.,]\d))"
)
# Dashes of every kind (Word's non-breaking hyphen, en, em and figure dashes, the minus sign...)
# become "-"; every kind of space, tab and line break becomes one space; invisible characters
# (zero-width space, soft hyphen, word joiner, byte order mark) go.
_MINUS_SIGNS = "\u2212\u2043\u02d7\u2796\u2e3a\u2e3b"
_WHITESPACE_RUN = re.compile(r"\s+")


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    chars = []
    for char in text:
        category = unicodedata.category(char)
        if category == "Cf":
            continue
        if category == "Pd" or char in _MINUS_SIGNS:
            char = "-"
        chars.append(char)
    return _WHITESPACE_RUN.sub(" ", "".join(chars))


def cpr_birth_year(yy: int, seventh_digit: int) -> int:
    """Full birth year from the two-digit year and the serial's first digit (CPR office rules)."""
    if seventh_digit <= 3:
        return 1900 + yy
    if seventh_digit in (4, 9):
        return 2000 + yy if yy <= 36 else 1900 + yy
    # 5-8
    return 2000 + yy if yy <= 57 else 1800 + yy


def contains_cpr(text: str) -> bool:
    """True when the text holds something that is a valid CPR number by pattern and date.

    No modulus-11 check: numbers issued since 2007 may fail it, so a valid date decides.
    Unicode dashes, spaces and invisible characters are made plain first, so a number pasted
    from Word or a web page is found as well as one typed on a keyboard.
    """
    for match in _CPR_PATTERN.finditer(_normalise(text)):
        day, month, yy, seventh = (int(match[name]) for name in ("day", "month", "yy", "seventh"))
        try:
            date(cpr_birth_year(yy, seventh), month, day)
        except ValueError:
            continue
        return True
    return False


def refuse_cpr(value: str | None) -> str | None:
    """Pydantic validator: refuse text with a CPR number, without echoing the number back."""
    if value is not None and contains_cpr(value):
        raise invalid(
            "cpr_number",
            "contains what looks like a Danish CPR number; this tool must never hold patient "
            "identities, so remove it and describe the situation without it",
        )
    return value


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _empty_to_none(value):
    if isinstance(value, str) and not value.strip():
        return None
    return value


# A required one-line text: stripped, not empty, no CPR.
Title = Annotated[
    str,
    BeforeValidator(_strip),
    StringConstraints(min_length=1, max_length=200),
    AfterValidator(refuse_cpr),
]
# Optional free text: blank becomes None, no CPR.
Text = Annotated[
    Annotated[str, StringConstraints(max_length=10_000)] | None,
    BeforeValidator(_empty_to_none),
    BeforeValidator(_strip),
    AfterValidator(refuse_cpr),
]
# Required free text (e.g. an observation).
RequiredText = Annotated[
    str,
    BeforeValidator(_strip),
    StringConstraints(min_length=1, max_length=10_000),
    AfterValidator(refuse_cpr),
]


# Impact and effort of a problem.
Score1to5 = Annotated[int, Field(ge=1, le=5)]


class DomainModel(BaseModel):
    """Base of every model: unknown fields are refused, and NaN and infinity are never a
    measurement, so they are refused before they reach the charts. A refused value is never
    repeated in the error's text (a CPR number would end up in logs and tracebacks)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False,
                              hide_input_in_errors=True)


class EditableModel(DomainModel):
    """An entity people edit: its version is the one the user saw (checked on save), and it is
    archived rather than deleted."""

    version: int = 1
    archived: bool = False
