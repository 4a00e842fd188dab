"""A measure's data as CSV and Excel in the layout of Danish SPC tools.

Columns: ``Dato;Tæller;Nævner;Skift;Frys;Kommentarer`` for a measure with a numerator and a
denominator, ``Dato;Værdi;Skift;Frys;Kommentarer`` for one with a single value, and
``Dato;Skift;Frys;Kommentarer`` for days between events; an ``Udelad`` column at the end marks
points left out of the calculations (in English: Date, Numerator, Denominator, Value, Split,
Freeze, Comments, Excluded). Each period is written as the date it starts on (a week's
Monday, a month's first day), ``Skift`` marks the period a new part of the chart starts at,
``Frys`` the last period of the frozen baseline; yes is written ``x``.

The CSV is what Danish spreadsheets open directly: ``;`` between fields, decimal comma, dates
dd-mm-yyyy, UTF-8 with a byte-order mark. The workbook has the same columns on a sheet
``Data`` with real dates and numbers. Both import back unchanged through :mod:`pdsa.imports`
(tests/test_exports.py). When a count is small (:mod:`pdsa.exports.small_numbers`) a line
above the header says so; the import passes over it as a title line.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date

from pdsa.exports.small_numbers import warning_for
from pdsa.i18n import translate
from pdsa.models import DataPoint, Measure

FRACTION_TYPES = frozenset({"proportion", "rate"})
VALUE_TYPES = frozenset({"count", "continuous", "cases_between"})
YES = "x"


def fields(measure: Measure) -> tuple[str, ...]:
    """The columns in order, as our field names."""
    if measure.data_type in FRACTION_TYPES:
        numbers: tuple[str, ...] = ("numerator", "denominator")
    elif measure.data_type in VALUE_TYPES:
        numbers = ("value",)
    else:
        numbers = ()
    return ("period", *numbers, "split", "freeze", "note", "excluded")


def headers(measure: Measure, language: str) -> list[str]:
    return [translate(language, f"exports.column.{name}") for name in fields(measure)]


def mapping(measure: Measure, language: str) -> dict[str, str]:
    """Our field names -> the file's column names (what the import guesses from the header)."""
    return dict(zip(fields(measure), headers(measure, language)))


def _rows(measure: Measure, points: list[DataPoint]) -> list[dict]:
    splits = set(measure.splits)
    marked: set[date] = set()
    rows = []
    for point in points:
        first = point.period not in marked   # an event measure may hold several points on a day
        marked.add(point.period)
        rows.append({
            "period": point.period, "value": point.value, "numerator": point.numerator,
            "denominator": point.denominator, "note": point.note or None, "excluded": point.excluded,
            "split": first and point.period in splits,
            "freeze": first and measure.freeze_until is not None and point.period == measure.freeze_until,
        })
    return rows


def _csv_number(number: float | None) -> str:
    """Decimal comma, no thousands separator, every digit kept. A number with exactly three
    decimals gets a fourth zero ("1,2340"): "1,234" alone could be read as 1234."""
    if number is None:
        return ""
    if float(number).is_integer():
        return str(int(number))
    text = repr(float(number))
    if "e" in text:
        text = f"{float(number):.17f}".rstrip("0")
    whole, _, decimals = text.partition(".")
    if len(decimals) == 3:
        decimals += "0"
    return f"{whole},{decimals}"


def _csv_cell(name: str, row: dict) -> str:
    value = row[name]
    if name == "period":
        return value.strftime("%d-%m-%Y")
    if name in ("split", "freeze", "excluded"):
        return YES if value else ""
    if name == "note":
        return value or ""
    return _csv_number(value)


def measure_csv(measure: Measure, points: list[DataPoint], language: str) -> bytes:
    """The CSV file's bytes (UTF-8 with BOM, ``;``, decimal comma, CRLF line ends)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    warning = warning_for(language, measure, points)
    if warning:
        writer.writerow([warning])
    names = fields(measure)
    writer.writerow(headers(measure, language))
    for row in _rows(measure, points):
        writer.writerow([_csv_cell(name, row) for name in names])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def measure_excel(measure: Measure, points: list[DataPoint], language: str) -> bytes:
    """The .xlsx file's bytes: sheet Data (the columns above, real dates and numbers)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Data"
    warning = warning_for(language, measure, points)
    if warning:
        sheet.append([warning])
        sheet.cell(1, 1).font = Font(bold=True, color="9C2A00")
    names = fields(measure)
    sheet.append(headers(measure, language))
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    for row in _rows(measure, points):
        sheet.append([_excel_cell(name, row) for name in names])
        for cell, name in zip(sheet[sheet.max_row], names):
            if name == "period":
                cell.number_format = "dd-mm-yyyy"
            elif name == "note" and cell.value is not None:
                cell.data_type = "s"   # a note starting with "=" stays text, never a formula
    sheet.freeze_panes = sheet.cell(header_row + 1, 1)
    for k, name in enumerate(names, start=1):
        sheet.column_dimensions[sheet.cell(header_row, k).column_letter].width = 40 if name == "note" else 13
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _excel_cell(name: str, row: dict):
    value = row[name]
    if name in ("split", "freeze", "excluded"):
        return YES if value else None
    return value


def file_name(measure: Measure, extension: str) -> str:
    """"andel-screenet-for-delir.csv": the measure's name in lower case, safe in a file name."""
    stem = re.sub(r"[^\w-]+", "-", measure.name.lower()).strip("-")[:60] or "data"
    return f"{stem}.{extension}"
