"""Reading a delimited text file (CSV) the way Danish quality data arrive, fast.

``read_table(data)`` takes the file's bytes (or text) and returns a :class:`Table`: the
header's column names, every data row's fields as offsets into one buffer, and a
:class:`RowError` for each row whose number of fields differs from the header's. It
never raises for a bad row — the caller decides (the ``analyze`` command stops at the
first; an import can show them all) — only for a file that cannot be read as a table
at all (:class:`ReadProblem`). Numbers are read by :mod:`pdsa.spc.numbers`.

What it accepts, as spreadsheets and registries write it:

* separator ``;``, tab or ``,``, found from the header and the first lines (``;`` wins
  a tie, as in Danish tools);
* UTF-8 with or without a byte-order mark, else ISO-8859-1 (Danish Excel's "CSV"), or
  Windows-1252 when the file holds its extra characters (€, “ ”, –, … as bytes 0x80-0x9F);
* ``\\r\\n``, ``\\n`` or ``\\r`` line ends; empty lines are skipped;
* fields in double quotes, with ``""`` for a quote inside and separators or line ends
  inside the quotes; spaces around a field are dropped.

Rows are numbered from 1, the header not counted, as the ``analyze`` command reports them.
Everything is done on a numpy view of the bytes, so a million rows take a fraction of a
second; Python objects are made only for the values asked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

SEPARATORS = (";", "\t", ",")
SAMPLE_LINES = 100
PADDING = 32             # zero bytes after the file in Table.buffer
MANY_TEXTS = 50_000      # from this many fields on, decode the whole (ASCII) file once
QUOTE, NEWLINE, SPACE, TAB = ord('"'), ord("\n"), ord(" "), ord("\t")
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
QUOTED = re.compile(r'"[^"]*"')


class ReadProblem(ValueError):
    """The data cannot be read as a table at all (empty, unclosed quote, UTF-16, ...)."""


@dataclass(frozen=True)
class RowError:
    """A row that does not fit the header; ``row`` is 1-based, the header not counted."""

    row: int
    message: str


@dataclass
class Fields:
    """One column's fields: byte offsets into ``Table.buffer``, spaces and quotes removed.

    ``escaped`` marks quoted fields with ``""`` inside: their text needs unescaping.
    """

    starts: np.ndarray
    ends: np.ndarray
    escaped: np.ndarray


@dataclass
class Table:
    """A header and data rows; see the module docstring."""

    columns: tuple[str, ...]
    n_rows: int
    separator: str
    encoding: str                     # "utf-8", "utf-8-sig", "iso-8859-1" or "windows-1252"
    buffer: np.ndarray                # the file as UTF-8 bytes (uint8), ending in a newline, then
                                      # PADDING zero bytes
    errors: list[RowError] = field(default_factory=list)
    _field_ends: np.ndarray = field(default=None, repr=False)   # separator position ending each field
    _row_first: np.ndarray = field(default=None, repr=False)    # index of each row's first field
    _row_fields: np.ndarray = field(default=None, repr=False)   # number of fields of each row
    _size: int = field(default=0, repr=False)          # bytes of the file in buffer
    _ascii: bool = field(default=False, repr=False)
    _spaces: bool = field(default=True, repr=False)    # the file holds a space or a tab
    _quotes: bool = field(default=True, repr=False)
    _ascii_text: str | None = field(default=None, repr=False)

    def index(self, name: str) -> int:
        """Position of a column; KeyError when absent, ReadProblem when named twice."""
        found = [k for k, column in enumerate(self.columns) if column == name]
        if not found:
            raise KeyError(name)
        if len(found) > 1:
            raise ReadProblem(f"the header names column '{name}' {len(found)} times")
        return found[0]

    def fields(self, name: str) -> Fields:
        """Offsets of the column's field in every row (empty where a short row lacks it)."""
        return self.fields_at(self.index(name))

    def fields_at(self, column: int) -> Fields:
        """As :meth:`fields`, by the column's 0-based position (headers may repeat a name)."""
        present = self._row_fields > column
        flat = self._row_first + column
        ends = np.where(present, self._field_ends[np.minimum(flat, len(self._field_ends) - 1)], 0)
        starts = np.where(present, self._field_ends[np.maximum(flat - 1, 0)] + 1, 0)
        starts[(flat == 0) & present] = 0
        return _trimmed(self.buffer, starts, ends, self._spaces, self._quotes)

    def text(self, name: str, rows: np.ndarray | None = None) -> list[str]:
        """The column's text in every row (or in the given 0-based rows)."""
        return field_text(self, self.fields(name), rows)

    def codes(self, name: str) -> tuple[np.ndarray, list[str]]:
        """Equal texts get equal codes 0, 1, ... in order of first appearance; also the texts."""
        return factorize(self, self.fields(name))


def read_table(data: bytes | str, separator: str | None = None) -> Table:
    """Read a whole file's content; see the module docstring."""
    raw, encoding = _as_utf8(data)
    if b"\r" in raw:
        raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    raw = raw.lstrip(b"\n")
    if not raw or raw.isspace():
        raise ReadProblem("the file is empty")
    if not raw.endswith(b"\n"):
        raw += b"\n"
    buffer = np.zeros(len(raw) + PADDING, dtype=np.uint8)   # zeros after the end: reads may overrun
    buffer[: len(raw)] = np.frombuffer(raw, dtype=np.uint8)
    quotes = np.flatnonzero(buffer == QUOTE)
    if len(quotes) % 2:
        line = int(np.count_nonzero(buffer[: quotes[-1]] == NEWLINE))
        raise ReadProblem(f"a quote (\") opened on line {line + 1} is never closed")
    separator = separator or _find_separator(raw)
    ends = np.flatnonzero((buffer == ord(separator)) | (buffer == NEWLINE))
    if len(buffer) < 2**31:
        ends = ends.astype(np.int32)   # half the memory of a million rows' offsets
    if len(quotes):
        ends = ends[np.searchsorted(quotes, ends) % 2 == 0]   # not inside quotes
    last_field = np.flatnonzero(buffer[ends] == NEWLINE)   # index of each line's last field
    fields_per_line = np.diff(last_field, prepend=-1)
    line_first = np.concatenate(([0], last_field[:-1] + 1))
    line_ends = ends[last_field]
    line_starts = np.concatenate(([0], line_ends[:-1] + 1))
    blank = (fields_per_line == 1) & (line_ends == line_starts)
    header_fields = Fields(*_header_offsets(ends, fields_per_line[0]), np.zeros(fields_per_line[0], bool))
    header = tuple(_trimmed_text(buffer, raw, header_fields))
    keep = np.flatnonzero(~blank)[1:]
    table = Table(header, len(keep), separator, encoding, buffer, _field_ends=ends, _row_first=line_first[keep],
                  _row_fields=fields_per_line[keep], _size=len(raw), _ascii=raw.isascii(),
                  _spaces=b" " in raw or b"\t" in raw, _quotes=len(quotes) > 0)
    table.errors = _field_count_errors(table, len(header))
    return table


def field_text(table: Table, fields: Fields, rows: np.ndarray | None = None) -> list[str]:
    """Texts of the fields (of the given 0-based rows), quotes unescaped."""
    starts, ends, escaped = fields.starts, fields.ends, fields.escaped
    if rows is not None:
        starts, ends, escaped = starts[rows], ends[rows], escaped[rows]
    if table._ascii and len(starts) > MANY_TEXTS:   # one decode; byte offsets are character offsets
        if table._ascii_text is None:
            table._ascii_text = str(memoryview(table.buffer)[: table._size], "ascii")
        text = table._ascii_text
        found = [text[a:b] for a, b in zip(starts.tolist(), ends.tolist())]
    else:
        raw = memoryview(table.buffer)
        found = [str(raw[a:b], "utf-8") for a, b in zip(starts.tolist(), ends.tolist())]
    for k in np.flatnonzero(escaped):
        found[k] = found[k].replace('""', '"')
    return found


def factorize(table: Table, fields: Fields) -> tuple[np.ndarray, list[str]]:
    """Codes by first appearance, and the texts. Rows repeating the previous row's text (a
    file sorted by series) are found with numpy; the runs of equal rows are then grouped by
    a hash of their bytes, checked byte by byte, so Python decodes one text per distinct
    value. (Should two different texts ever share a hash, the texts of all runs are
    compared in Python instead.)"""
    count = len(fields.starts)
    if count == 0:
        return np.zeros(0, dtype=np.int64), []
    same = np.zeros(count, dtype=bool)
    same[1:] = equal_neighbours(table.buffer, fields.starts, fields.ends) & ~fields.escaped[1:]
    run_first = np.flatnonzero(~same)
    run_length = np.diff(np.append(run_first, count))
    starts, ends = fields.starts[run_first], fields.ends[run_first]
    digest = _hashes(table.buffer, starts, ends)
    _, group_first, run_group = np.unique(digest, return_index=True, return_inverse=True)
    representative = group_first[run_group]
    if fields.escaped[run_first].any() or not _same_bytes(table.buffer, starts, ends, representative):
        return _factorize_runs(table, fields, run_first, run_length)
    order = np.argsort(group_first, kind="stable")      # groups in order of first appearance
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    texts = field_text(table, fields, run_first[group_first[order]])
    return np.repeat(rank[run_group], run_length), texts


def _factorize_runs(table: Table, fields: Fields, run_first: np.ndarray,
                    run_length: np.ndarray) -> tuple[np.ndarray, list[str]]:
    texts = field_text(table, fields, run_first)
    known: dict[str, int] = {}
    run_code = np.fromiter((known.setdefault(text, len(known)) for text in texts), dtype=np.int64,
                           count=len(texts))
    return np.repeat(run_code, run_length), list(known)


def _hashes(buffer: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """A 64-bit FNV-style hash of each field's bytes (and length)."""
    length = ends - starts
    digest = length.astype(np.uint64)
    last = len(buffer) - 1
    prime = np.uint64(1099511628211)
    for column in range(int(length.max()) if len(length) else 0):
        byte = buffer[np.minimum(starts + column, last)].astype(np.uint64)
        digest = np.where(column < length, (digest ^ byte) * prime, digest)
    return digest


def _same_bytes(buffer: np.ndarray, starts: np.ndarray, ends: np.ndarray, other: np.ndarray) -> bool:
    """Does every field hold the same bytes as the field at index ``other[k]``?"""
    length = ends - starts
    if (length != length[other]).any():
        return False
    last = len(buffer) - 1
    for column in range(int(length.max()) if len(length) else 0):
        here = buffer[np.minimum(starts + column, last)]
        if ((here != here[other]) & (column < length)).any():
            return False
    return True


def equal_neighbours(buffer: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """For rows 1..n-1: is the field's text the same as in the row before? Compared one
    byte position at a time over all rows at once."""
    length = ends - starts
    same = length[1:] == length[:-1]
    width = int(length.max()) if len(length) else 0
    last = len(buffer) - 1
    beyond = length[1:]
    for column in range(width):
        byte = buffer[np.minimum(starts + column, last)]
        same &= (byte[1:] == byte[:-1]) | (column >= beyond)
    return same


# --- details ----------------------------------------------------------------------------------


def _as_utf8(data: bytes | str) -> tuple[bytes, str]:
    if isinstance(data, str):
        return data.lstrip("\ufeff").encode("utf-8"), "utf-8"
    if data.startswith(UTF8_BOM):
        return data[len(UTF8_BOM):], "utf-8-sig"
    if data.startswith(UTF16_BOMS):
        raise ReadProblem("the file is UTF-16 text; save it as CSV in UTF-8 (or ISO-8859-1)")
    if data.isascii():
        return data, "utf-8"
    try:
        data.decode("utf-8")
        return data, "utf-8"
    except UnicodeDecodeError:
        pass
    if re.search(rb"[\x80-\x9f]", data):   # C1 controls in ISO-8859-1: Windows-1252's €, quotes, dashes
        try:
            return data.decode("cp1252").encode("utf-8"), "windows-1252"
        except UnicodeDecodeError:
            pass
    return data.decode("iso-8859-1").encode("utf-8"), "iso-8859-1"


def _find_separator(raw: bytes) -> str:
    """The separator the header uses; when it holds several, the one every sampled line
    repeats as often; when it holds none (one column), one the data do not contain."""
    lines = raw[: 1 << 18].split(b"\n")[: SAMPLE_LINES + 1]
    lines = [QUOTED.sub("", line.decode("utf-8", "replace")) for line in lines if line.strip()]
    header, sample = lines[0], lines[1:]
    present = [sep for sep in SEPARATORS if sep in header]
    if not present:
        absent = [sep for sep in SEPARATORS if not any(sep in line for line in sample)]
        return (absent or [SEPARATORS[0]])[0]
    for sep in present:
        if all(line.count(sep) == header.count(sep) for line in sample):
            return sep
    return present[0]


def _header_offsets(ends: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    header_ends = ends[:count]
    return np.r_[0, header_ends[:-1] + 1], header_ends


def _trimmed(buffer: np.ndarray, starts: np.ndarray, ends: np.ndarray, spaces: bool = True,
             quotes: bool = True) -> Fields:
    """Drop spaces around each field, then its surrounding quotes (``spaces``/``quotes``
    False: the file has none, nothing to do)."""
    if not (spaces or quotes):
        return Fields(starts, ends, np.zeros(len(starts), dtype=bool))
    starts, ends = starts.copy(), ends.copy()
    for _ in range(64 if spaces else 0):   # a few passes strip any realistic padding
        lead = (starts < ends) & ((buffer[starts] == SPACE) | (buffer[starts] == TAB))
        trail = (starts < ends) & ((buffer[ends - 1] == SPACE) | (buffer[ends - 1] == TAB))
        if not (lead.any() or trail.any()):
            break
        starts += lead
        ends -= trail
    quoted = (ends - starts >= 2) & (buffer[starts] == QUOTE) & (buffer[np.maximum(ends - 1, 0)] == QUOTE)
    starts = starts + quoted
    ends = ends - quoted
    escaped = np.zeros(len(starts), dtype=bool)
    if quoted.any():
        quotes = np.flatnonzero(buffer == QUOTE)
        escaped = quoted & (np.searchsorted(quotes, ends) > np.searchsorted(quotes, starts))
    return Fields(starts, ends, escaped)


def _trimmed_text(buffer: np.ndarray, raw: bytes, fields: Fields) -> list[str]:
    trimmed = _trimmed(buffer, fields.starts, fields.ends)
    return [raw[a:b].decode("utf-8").replace('""', '"') for a, b in zip(trimmed.starts, trimmed.ends)]


def _field_count_errors(table: Table, expected: int) -> list[RowError]:
    """One error per row whose field count differs from the header's, with a hint for
    the two shapes a comma separator produces: unquoted decimal commas, a trailing comma."""
    wrong = np.flatnonzero(table._row_fields != expected)
    errors = []
    for row in wrong.tolist():
        found = int(table._row_fields[row])
        message = f"row {row + 1} has {found} fields but the header has {expected}"
        if found > expected and table.separator == ",":
            last_end = table._field_ends[table._row_first[row] + found - 1]
            if found == expected + 1 and table.buffer[last_end - 1] == ord(","):
                message += " (the row ends with a ',')"
            else:
                message += (" (is a decimal comma unquoted? separate the fields with ';', "
                            "or quote numbers such as \"1,5\")")
        errors.append(RowError(row + 1, message))
    return errors
