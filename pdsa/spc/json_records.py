"""JSON text for many records at once, assembled by numpy from one column at a time.

A million points as Python dicts cost about three microseconds each before any JSON is
written. Here each column is turned into its JSON tokens in one call (orjson writes a
numpy array as ``[1.0,null,...]``: the commas then mark the tokens; floats come out as
the shortest text that reads back to the same float, NaN as ``null``), and the records
``{"key":token,...}`` are cut and pasted together with index arithmetic: the output is
the concatenation of byte ranges taken alternately from the key texts and the tokens.
Python touches each column once, never each record.

Without orjson the tokens come from the standard library's ``json`` (slower, same text
once parsed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

try:
    import orjson
except ImportError:  # pragma: no cover - exercised by forcing the fallback in tests
    orjson = None

COMMA, QUOTE, BACKSLASH = ord(","), ord('"'), ord("\\")


@dataclass
class Tokens:
    """One JSON token per record: ``blob[starts[k]:starts[k] + lengths[k]]``."""

    blob: np.ndarray      # uint8
    starts: np.ndarray
    lengths: np.ndarray


def dumps(value) -> bytes:
    """One value as compact JSON (NaN must already be None)."""
    if orjson is not None:
        return orjson.dumps(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def value_tokens(values: np.ndarray) -> Tokens:
    """Tokens of a numeric or boolean array; NaN becomes null."""
    if orjson is not None:
        text = orjson.dumps(values, option=orjson.OPT_SERIALIZE_NUMPY)
    else:
        listed = values.tolist()
        if values.dtype.kind == "f":
            listed = [None if v != v else v for v in listed]
        text = dumps(listed)
    blob = np.frombuffer(text, dtype=np.uint8)
    if len(values) == 0:
        return Tokens(blob, np.zeros(0, np.int64), np.zeros(0, np.int64))
    commas = np.flatnonzero(blob == COMMA)        # numbers, true/false/null hold no comma
    starts = np.concatenate(([1], commas + 1))
    ends = np.concatenate((commas, [len(blob) - 1]))
    return Tokens(blob, starts, ends - starts)


def text_tokens(texts: list[str]) -> Tokens:
    """Tokens of strings, escaped as JSON requires."""
    pieces = [dumps(text) for text in texts]
    lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
    blob = np.frombuffer(b"".join(pieces), dtype=np.uint8)
    return Tokens(blob, np.cumsum(lengths) - lengths, lengths)


def unsafe_positions(buffer: np.ndarray) -> np.ndarray:
    """Where a buffer holds a byte JSON must escape inside a string (quote, backslash,
    control characters other than the line ends that separate fields)."""
    return np.flatnonzero((buffer == QUOTE) | (buffer == BACKSLASH) | ((buffer < 0x20) & (buffer != 0x0A)))


def raw_text_tokens(buffer: np.ndarray, starts: np.ndarray, ends: np.ndarray, unsafe: np.ndarray) -> Tokens | None:
    """Tokens of UTF-8 fields taken straight from a buffer, to be put between quotes; None
    when a field holds an ``unsafe_positions`` byte (then use ``text_tokens``)."""
    if len(unsafe) and (np.searchsorted(unsafe, starts) != np.searchsorted(unsafe, ends)).any():
        return None
    return Tokens(buffer, starts, ends - starts)   # the quotes come with the keys (records)


def choice_tokens(choices: list[bytes], codes: np.ndarray) -> Tokens:
    """Tokens picked from a few JSON texts by code (e.g. point types)."""
    lengths = np.array([len(c) for c in choices], dtype=np.int64)
    blob = np.frombuffer(b"".join(choices), dtype=np.uint8)
    return Tokens(blob, (np.cumsum(lengths) - lengths)[codes], lengths[codes])


def records(keys: list[str], columns: list[Tokens], quoted: list[bool]) -> tuple[bytes, np.ndarray]:
    """``{"k1":t1,"k2":t2,...},`` for every record, and where each record ends.

    ``quoted[j]`` puts the j-th column's tokens between double quotes (raw text tokens).
    """
    count = len(columns[0].starts) if columns else 0
    if count == 0:
        return b"", np.zeros(0, dtype=np.int64)
    constants = []
    for j, key in enumerate(keys):
        lead = b"{" if j == 0 else b'",' if quoted[j - 1] else b","
        constants.append(lead + dumps(key) + b":" + (b'"' if quoted[j] else b""))
    constants.append((b'"' if quoted[-1] else b"") + b"},")
    sources = [np.frombuffer(b"".join(constants), dtype=np.uint8)] + [column.blob for column in columns]
    offsets = np.cumsum([0] + [len(source) for source in sources])
    source = np.concatenate(sources)
    const_starts = np.cumsum([0] + [len(c) for c in constants])[:-1]

    width = 2 * len(columns) + 1            # pieces per record: key, token, key, token, ..., end
    starts = np.empty((count, width), dtype=np.int64)
    lengths = np.empty((count, width), dtype=np.int64)
    for j, column in enumerate(columns):
        starts[:, 2 * j] = const_starts[j]
        lengths[:, 2 * j] = len(constants[j])
        starts[:, 2 * j + 1] = offsets[j + 1] + column.starts
        lengths[:, 2 * j + 1] = column.lengths
    starts[:, -1] = const_starts[-1]
    lengths[:, -1] = len(constants[-1])
    record_ends = np.cumsum(lengths.sum(axis=1))
    starts, lengths = starts.ravel(), lengths.ravel()
    total = int(record_ends[-1])
    kind = np.int32 if max(total, len(source)) < 2**31 else np.int64   # half the memory traffic
    before = np.cumsum(lengths) - lengths
    index = np.repeat((starts - before).astype(kind), lengths)
    index += np.arange(total, dtype=kind)
    return source[index].tobytes(), record_ends
