"""Numbers in a table's text, with a decimal point or a decimal comma, read fast and exactly.

``decimal_mark(table, columns)`` decides which mark the file uses from the values in the
given columns: a comma (``1,5``, ``1.092,5``) or a point (``1.5``). A file that shows both
is ambiguous and refused (:class:`AmbiguousDecimal`), and so is one whose only decimals
look like thousands (``1.250``: 1.25 or 1250?) — the caller asks the user to say.
``parse_numbers(table, column, mark)`` then gives float64 values (NaN for an empty field
or ``NA``) and the 0-based rows whose text is not a number.

With a decimal comma, ``.`` may group thousands (``1.092,5``), as Danish spreadsheets
write it; with a decimal point, a comma is not a number. An exponent (``1e-3``) is read
with either mark.

Most fields are plain (an optional sign, up to 15 digits, at most one mark): those are
read by numpy in a few passes over a byte matrix, as ``digits / 10**decimals``, which is
correctly rounded — the same float Python's ``float()`` gives. The rest go through a
regular expression and ``float()`` one by one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .reader import Fields, Table, field_text

MAX_DIGITS = 15          # below 2**53: the digits are an exact float, so one division rounds once
MAX_PLAIN_WIDTH = 17     # sign + 15 digits + mark
ZERO, NINE, PLUS, MINUS = ord("0"), ord("9"), ord("+"), ord("-")
POINT, COMMA = ord("."), ord(",")
POWERS = 10.0 ** np.arange(MAX_DIGITS + 1)
MISSING = {"", "NA"}
POINT_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
COMMA_NUMBER = re.compile(r"[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d*)?([eE][+-]?\d+)?|[+-]?,\d+([eE][+-]?\d+)?")
THOUSANDS = re.compile(r"[+-]?[1-9]\d{0,2}(\.\d{3})+")


class AmbiguousDecimal(ValueError):
    """The file's decimal mark cannot be told from its values."""


@dataclass
class Scan:
    """What numpy found in one column's fields (see ``scan``)."""

    fields: Fields
    missing: np.ndarray       # empty or NA
    plain: np.ndarray         # sign, 1..15 digits, at most one mark
    digits: np.ndarray        # the digits as a whole number, exact in float64 (plain fields)
    decimals: np.ndarray      # digits after the mark
    mark: np.ndarray          # 0, POINT or COMMA
    negative: np.ndarray
    thousands_like: np.ndarray   # plain, one point, 1-3 digits before it (not 0...), 3 after


def scan(table: Table, fields: Fields) -> Scan:
    """Classify every field and read the plain ones' digits, one byte position at a time
    over all fields at once (a field is at most 17 bytes to be plain)."""
    buffer = table.buffer
    starts, length = fields.starts, fields.ends - fields.starts
    count = len(starts)
    padded = buffer   # reads run at most MAX_PLAIN_WIDTH bytes past a field: into reader.PADDING
    missing = (length == 0) | ((length == 2) & (padded[starts] == ord("N")) & (padded[starts + 1] == ord("A")))
    candidate = (length <= MAX_PLAIN_WIDTH) & ~fields.escaped   # missing ones come out not plain
    everything = bool(candidate.all())
    where = None if everything else np.flatnonzero(candidate)
    at, size = (starts, length) if everything else (starts[where], length[where])
    first = padded[at]
    negative = first == MINUS
    value = np.zeros(len(at))
    n_digits = np.zeros(len(at), dtype=np.int8)
    after = np.zeros(len(at), dtype=np.int8)
    n_marks = np.zeros(len(at), dtype=np.int8)
    mark = np.zeros(len(at), dtype=np.uint8)
    wrong = np.zeros(len(at), dtype=bool)
    signed = negative | (first == PLUS)
    for column in range(int(size.max()) if len(at) else 0):   # arithmetic: table look-ups are slower
        byte = padded[at + column]
        inside = size > column
        digit_value = byte - np.uint8(ZERO)
        digit = (digit_value <= 9) & inside
        value = np.where(digit, value * 10 + digit_value, value)
        n_digits += digit
        after += digit & (n_marks > 0)
        is_mark = ((byte == POINT) | (byte == COMMA)) & inside
        n_marks += is_mark
        mark = np.where(is_mark, byte, mark)
        other = inside & ~digit & ~is_mark
        wrong |= (other & ~signed) if column == 0 else other
    plain = ~wrong & (n_marks <= 1) & (n_digits >= 1) & (n_digits <= MAX_DIGITS)
    before = n_digits - after
    thousands_like = (plain & (mark == POINT) & (before >= 1) & (before <= 3) & (after == 3)
                      & (padded[at + signed] != ZERO))
    found = (plain, np.where(plain, value, 0.0), np.where(plain, after, 0), np.where(plain, mark, 0),
             plain & negative, thousands_like)
    if not everything:
        found = tuple(_spread(part, where, count) for part in found)
    return Scan(fields, missing, *found)


def _spread(values: np.ndarray, where: np.ndarray, count: int) -> np.ndarray:
    spread = np.zeros(count, dtype=values.dtype)
    spread[where] = values
    return spread


def decimal_mark(table: Table, columns: list[str], scans: dict[str, Scan] | None = None) -> str:
    """"," or "." for the numbers in these columns; AmbiguousDecimal when they disagree
    or when every decimal could be a thousands separator. ``scans`` may hold the
    columns' scans already made (they are then reused by ``parse_numbers``)."""
    comma_at = point_at = thousands_at = None
    for name in columns:
        found = scans[name] if scans and name in scans else scan(table, table.fields(name))
        comma, point, thousands = _evidence(table, found)
        comma_at = comma_at or (_first(comma, name))
        point_at = point_at or (_first(point, name))
        thousands_at = thousands_at or (_first(thousands, name))
    if comma_at and point_at:
        raise AmbiguousDecimal(
            f"the decimal mark is unclear: {_show(table, comma_at)} has a decimal comma but "
            f"{_show(table, point_at)} a decimal point")
    if comma_at:
        return ","
    if point_at:
        return "."
    if thousands_at:
        raise AmbiguousDecimal(f"the decimal mark is unclear: {_show(table, thousands_at)} could be a "
                               f"decimal or a whole number with a thousands separator")
    return "."


def parse_numbers(table: Table, name: str, mark: str, found: Scan | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(values, 0-based rows that are not numbers) of one column; NaN where empty or NA."""
    found = found if found is not None else scan(table, table.fields(name))
    values = np.full(len(found.missing), np.nan)
    fast = found.plain & ((found.mark == 0) | (found.mark == ord(mark)))
    with np.errstate(invalid="ignore"):
        magnitude = found.digits[fast] / POWERS[found.decimals[fast]]
    values[fast] = np.where(found.negative[fast], -magnitude, magnitude)
    rest = np.flatnonzero(~fast & ~found.missing)
    bad = []
    for row, text in zip(rest.tolist(), field_text(table, found.fields, rest)):
        number = read_number(text, mark)
        if number is None:
            bad.append(row)
        else:
            values[row] = number
    return values, np.array(bad, dtype=np.int64)


def read_number(text: str, mark: str) -> float | None:
    """One number written with the given decimal mark; None when it is not one."""
    text = text.strip()
    if mark == ",":
        if not COMMA_NUMBER.fullmatch(text):
            return None
        text = text.replace(".", "").replace(",", ".")
    elif not POINT_NUMBER.fullmatch(text):
        return None
    return float(text)


def _evidence(table: Table, found: Scan) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows (0-based) showing a decimal comma, a decimal point, or a thousands-like point."""
    comma = found.plain & (found.mark == COMMA)
    point = found.plain & (found.mark == POINT) & ~found.thousands_like
    thousands = found.thousands_like.copy()
    other = np.flatnonzero(~found.plain & ~found.missing)
    for row, text in zip(other.tolist(), field_text(table, found.fields, other)):
        text = text.strip()
        if "," in text and COMMA_NUMBER.fullmatch(text):
            comma[row] = True
        elif "." in text and THOUSANDS.fullmatch(text):
            thousands[row] = True
        elif "." in text and POINT_NUMBER.fullmatch(text):
            point[row] = True
    return np.flatnonzero(comma), np.flatnonzero(point), np.flatnonzero(thousands)


def _first(rows: np.ndarray, name: str) -> tuple[int, str] | None:
    return (int(rows[0]), name) if len(rows) else None


def _show(table: Table, where: tuple[int, str]) -> str:
    row, name = where
    text = table.text(name, np.array([row]))[0]
    return f"row {row + 1}, column {name} ('{text}')"
