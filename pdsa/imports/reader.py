"""An uploaded file as a sheet of cells: a header and rows, numbered as the spreadsheet shows them.

CSV is read by the reader ``python -m pdsa analyze`` uses (:mod:`pdsa.spc.reader`): the same
separator rules (``;`` first, then tab or ``,``), the same encodings (UTF-8 with or without a
byte-order mark, else Windows-1252 / ISO-8859-1) and quoting. Excel (.xlsx) is read with
openpyxl: cached values of formulas, dates as dates, merged cells remembered so an empty cell
inside them can be explained, empty sheets told apart.

A file is refused as a whole (:class:`FileProblem`, with a catalogue code) when it is empty,
not a table (a binary file renamed .csv, an old .xls, UTF-16 text), has a header only, or
exceeds the limits: :data:`MAX_ROWS` data rows or :data:`MAX_BYTES` bytes. The limits are
checked before the rows are read, so a file of a million rows is refused in a fraction of a
second. A title line or two above the header (reports often start with one) is skipped and
said so; a trailing totals row is left to the row checks.

Rows are numbered as a spreadsheet shows them: the header is row 1 (or the row it is on when
a title is above it), so a message "row 12" points at row 12 in Excel.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

import numpy as np

from pdsa.imports.values import is_empty
from pdsa.spc.reader import NEWLINE, ReadProblem, Table, read_table

MAX_ROWS = 100_000          # 270 years of days; more is not a measure's data but an extract of records
MAX_BYTES = 30_000_000      # 30 MB
HEADER_SEARCH = 10          # a header is looked for in the first rows
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")


@dataclass
class FileProblem(ValueError):
    """The file cannot be imported at all; ``code`` names the catalogue text imports.file.<code>."""

    code: str
    values: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code} {self.values}" if self.values else self.code


@dataclass
class Sheet:
    """The cells of one table: header names, rows of values, each row's number in the file."""

    columns: list[str]
    rows: list[list[object]]
    row_numbers: list[int]
    kind: str                              # "csv" or "xlsx"
    sheet_names: list[str] = field(default_factory=list)
    sheet: str | None = None
    encoding: str | None = None
    separator: str | None = None
    skipped_title_rows: list[int] = field(default_factory=list)
    merged: dict[tuple[int, int], str] = field(default_factory=dict)   # (row number, column) -> "B3:B4"
    field_count_rows: list[tuple[int, int, int]] = field(default_factory=list)  # row, found, expected

    def column(self, name: str) -> int:
        return self.columns.index(name)


def read_upload(data: bytes, filename: str = "", *, sheet: str | None = None,
                header_hint=None) -> Sheet:
    """Read a CSV or Excel file's bytes; ``header_hint(columns) -> bool`` tells a header row
    from a title above it (the column guesser's "is there a period column?")."""
    if not data or not data.strip():
        raise FileProblem("empty")
    if len(data) > MAX_BYTES:
        raise FileProblem("too_large", {"megabytes": round(len(data) / 1_000_000, 1),
                                        "limit": MAX_BYTES // 1_000_000})
    if data.startswith(b"PK\x03\x04"):
        return _read_excel(data, sheet, header_hint)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem("old_excel")
    if filename.lower().endswith(EXCEL_SUFFIXES):
        raise FileProblem("not_excel")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileProblem("utf16")
    if _is_binary(data):
        raise FileProblem("binary")
    return _read_csv(data, header_hint)


def _is_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    controls = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 13))
    return controls > len(sample) * 0.01


# --- CSV -----------------------------------------------------------------------------------------


def _read_csv(data: bytes, header_hint) -> Sheet:
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if lines - 1 > MAX_ROWS + HEADER_SEARCH:
        raise FileProblem("too_many_rows", {"rows": lines - 1, "limit": MAX_ROWS})
    data_before = data
    data, skipped = _blank_lines(data, 0)
    table = _table(data)
    if header_hint is not None and not header_hint(list(table.columns)):
        rest, count = data, skipped
        for _ in range(1, HEADER_SEARCH):
            cut = rest.find(b"\n")
            if cut < 0:
                break
            rest, count = _blank_lines(rest[cut + 1:], count + 1)
            if not rest.strip():
                break
            try:
                candidate = read_table(rest)
            except ReadProblem:
                continue
            if header_hint(list(candidate.columns)):
                table, skipped = candidate, count
                break
    if table.n_rows > MAX_ROWS:
        raise FileProblem("too_many_rows", {"rows": table.n_rows, "limit": MAX_ROWS})
    columns = [name or f"({k + 1})" for k, name in enumerate(table.columns)]
    if table.n_rows == 0:
        raise FileProblem("header_only")
    texts = [_column_text(table, k) for k in range(len(columns))]
    rows = [list(row) for row in zip(*texts)] if texts else []
    numbers = _line_numbers(table, skipped)
    expected = len(columns)
    wrong = [(int(numbers[e.row - 1]), int(table._row_fields[e.row - 1]), expected) for e in table.errors]
    return Sheet(columns, rows, numbers.tolist(), "csv", encoding=table.encoding, separator=table.separator,
                 skipped_title_rows=_title_lines(data_before, skipped), field_count_rows=wrong)


def _title_lines(data: bytes, skipped: int) -> list[int]:
    """Numbers of the non-empty lines above the header."""
    lines = data.split(b"\n", skipped)[:skipped]
    return [k + 1 for k, line in enumerate(lines) if line.strip().strip(b"\xef\xbb\xbf")]


def _blank_lines(data: bytes, count: int) -> tuple[bytes, int]:
    """The data without its leading empty lines, and the lines counted so far plus those."""
    while True:
        stripped = data.lstrip(b" \t\r")
        if not stripped.startswith(b"\n"):
            return data, count
        data, count = stripped[1:], count + 1


def _table(data: bytes) -> Table:
    try:
        return read_table(data)
    except ReadProblem as problem:
        text = str(problem)
        if "empty" in text:
            raise FileProblem("empty") from None
        if "quote" in text:
            line = re.search(r"line (\d+)", text)
            raise FileProblem("open_quote", {"row": int(line[1]) if line else 1}) from None
        raise FileProblem("unreadable") from None


def _column_text(table: Table, column: int) -> list[str]:
    from pdsa.spc.reader import field_text

    return field_text(table, table.fields_at(column))


def _line_numbers(table: Table, skipped: int) -> np.ndarray:
    """Each data row's line in the file (the header's line is 1 + the title lines skipped)."""
    if table.n_rows == 0:
        return np.zeros(0, dtype=np.int64)
    first_field = table._row_first
    previous_end = table._field_ends[np.maximum(first_field - 1, 0)]
    starts = np.where(first_field == 0, 0, previous_end + 1)
    newlines = np.flatnonzero(table.buffer[: table._size] == NEWLINE)
    return np.searchsorted(newlines, starts, side="right").astype(np.int64) + 1 + skipped


# --- Excel ---------------------------------------------------------------------------------------


def excel_sheets(data: bytes) -> list[tuple[str, bool]]:
    """The workbook's sheets and whether each holds any value."""
    workbook = _workbook(data, read_only=True)
    try:
        return [(ws.title, _has_values(ws)) for ws in workbook.worksheets]
    finally:
        workbook.close()


def _has_values(ws) -> bool:
    for row in ws.iter_rows(values_only=True, max_row=50):
        if any(not is_empty(v) for v in row):
            return True
    return False


def _workbook(data: bytes, *, read_only: bool):
    import openpyxl

    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=read_only, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise FileProblem("not_excel") from None


def _read_excel(data: bytes, sheet: str | None, header_hint) -> Sheet:
    quick = _workbook(data, read_only=True)
    try:
        names = [ws.title for ws in quick.worksheets]
        filled = [ws.title for ws in quick.worksheets if _has_values(ws)]
        if sheet is not None and sheet not in names:
            raise FileProblem("no_such_sheet", {"sheet": sheet, "sheets": ", ".join(names)})
        chosen = sheet or (filled[0] if filled else names[0])
        if chosen not in filled:
            raise FileProblem("empty_sheet", {"sheet": chosen, "sheets": ", ".join(filled) or "-"})
        size = quick[chosen].max_row or 0
        if size > MAX_ROWS + HEADER_SEARCH:
            raise FileProblem("too_many_rows", {"rows": size - 1, "limit": MAX_ROWS})
    finally:
        quick.close()
    workbook = _workbook(data, read_only=False)
    ws = workbook[chosen]
    merged: dict[tuple[int, int], str] = {}
    for cells in ws.merged_cells.ranges:
        for row in range(cells.min_row, cells.max_row + 1):
            for column in range(cells.min_col, cells.max_col + 1):
                if (row, column) != (cells.min_row, cells.min_col):
                    merged[(row, column - 1)] = cells.coord
    raw = [(number, list(values)) for number, values in enumerate(ws.iter_rows(values_only=True), start=1)]
    raw = [(n, v) for n, v in raw if any(not is_empty(x) for x in v)]
    if not raw:
        raise FileProblem("empty_sheet", {"sheet": chosen, "sheets": ", ".join(filled) or "-"})
    header_at = 0
    if header_hint is not None:
        for k, (_, values) in enumerate(raw[:HEADER_SEARCH]):
            if header_hint(_header_names(values)):
                header_at = k
                break
    _, header = raw[header_at]
    if len(raw) == header_at + 1:
        raise FileProblem("header_only")
    columns = _header_names(header)
    width = max((len(v) for _, v in raw), default=0)
    while len(columns) < width:
        columns.append(f"({len(columns) + 1})")
    keep = [k for k, name in enumerate(columns) if not name.startswith("(") or
            any(k < len(v) and not is_empty(v[k]) for _, v in raw[header_at + 1:])]
    rows = [[values[k] if k < len(values) else None for k in keep] for _, values in raw[header_at + 1:]]
    numbers = [n for n, _ in raw[header_at + 1:]]
    merged = {(r, keep.index(c)): coord for (r, c), coord in merged.items() if c in keep}
    return Sheet([columns[k] for k in keep], rows, numbers, "xlsx", sheet_names=names, sheet=chosen,
                 skipped_title_rows=[n for n, _ in raw[:header_at]], merged=merged)


def _header_names(values: list[object]) -> list[str]:
    names = []
    for k, value in enumerate(values):
        text = "" if value is None else " ".join(str(value).split())
        names.append(text or f"({k + 1})")
    return names
