"""The ``analyze`` command's output: one JSON object per series, one line each.

Full output (the default) has the same content as the single-series engine's result
always had (``parts`` with the runs analysis, ``points`` with centre, limits and
signals, and for Making Data Count the variation icon and assurance). ``--summary``
leaves out the points and gives, per part, the runs analysis and the centre line and
limits at the part's last point with the number of points outside the limits, and
under ``latest`` the state of the latest part — what a portfolio script reads.

Lines are written as they are made, a bounded number of points at a time, so memory
does not grow with the output; the points' JSON is assembled by
:mod:`pdsa.spc.json_records` without a Python object per point.
"""

from __future__ import annotations

from typing import BinaryIO

import numpy as np

from .analyze_input import Prepared
from .json_records import (
    Tokens,
    choice_tokens,
    dumps,
    raw_text_tokens,
    records,
    text_tokens,
    unsafe_positions,
    value_tokens,
)
from .many_engine import Evaluation, assurance_codes, last_part_sigma_signals
from .reader import Fields
from .result import POINT_TYPES

POINT_KEYS = ["i", "x", "y", "part", "baseline", "include", "cl", "lcl", "ucl", "lcl_95", "ucl_95",
              "sigma_signal", "runs_signal"]
PART_KEYS = ("part", "n_obs", "n_useful", "longest_run", "longest_run_max", "n_crossings",
             "n_crossings_min", "runs_signal")
RUNS_KEYS = PART_KEYS[3:7]
CHUNK_POINTS = 1 << 14     # points per assembled piece of output: bounded memory
POINT_TYPE_TOKENS = [dumps(name) for name in POINT_TYPES]


def write(out: BinaryIO, prepared: Prepared, ev: Evaluation, summary: bool) -> None:
    """Write one line per series (in order of first appearance) to a binary stream."""
    if summary:
        _write_summaries(out, prepared, ev)
    else:
        _write_full(out, prepared, ev)


# --- per series, shared ------------------------------------------------------------------------


class _Series:
    """Per-series facts as Python lists, made once (cheap per line)."""

    def __init__(self, prepared: Prepared, ev: Evaluation):
        options = prepared.options
        self.labels = prepared.labels
        self.mdc = options.rules == "mdc"
        self.head = {"chart": options.chart, "rules": options.rules}
        runs = ev.runs
        self.seg_start = np.searchsorted(ev.layout.seg_code, np.arange(len(ev.n_points))).tolist()
        self.seg_start.append(ev.layout.n_segments)
        self.part = ev.layout.seg_part.tolist()
        self.n_obs = runs.n_obs.tolist()
        self.n_useful = runs.n_useful.tolist()
        self.runs = [getattr(runs, key).tolist() for key in RUNS_KEYS]
        self.signal = ev.runs_signal.tolist()
        self.point_start = (ev.last_point - ev.n_points + 1).tolist()
        self.n_points = ev.n_points.tolist()
        if self.mdc:
            icons = ev.values.point_type[ev.last_point].astype(np.int64)
            self.icon = [POINT_TYPES[k] for k in icons.tolist()]
            self.assurance = assurance_codes(ev, prepared.settings).tolist()

    def start(self, series: int) -> dict:
        line = {"series": self.labels[series]} if self.labels is not None else {}
        line.update(self.head)
        return line

    def parts(self, series: int) -> list[dict]:
        found = []
        for seg in range(self.seg_start[series], self.seg_start[series + 1]):
            if self.mdc:
                values = (self.part[seg], self.n_obs[seg], None, None, None, None, None, None)
            elif self.n_useful[seg] == 0:
                values = (self.part[seg], self.n_obs[seg], 0, None, None, None, None, False)
            else:
                values = (self.part[seg], self.n_obs[seg], self.n_useful[seg],
                          *(column[seg] for column in self.runs), self.signal[seg])
            found.append(dict(zip(PART_KEYS, values)))
        return found

    def tail(self, series: int) -> dict:
        if not self.mdc:
            return {}
        return {"variation_icon": self.icon[series], "assurance": self.assurance[series]}


def _json_object_body(value: dict) -> bytes:
    """``{"a":1,"b":2}`` without its closing brace, to be continued."""
    return dumps(value)[:-1]


# --- full output -------------------------------------------------------------------------------


def _write_full(out: BinaryIO, prepared: Prepared, ev: Evaluation) -> None:
    info = _Series(prepared, ev)
    x_fields = prepared.table.fields(prepared.x_column) if prepared.x_column is not None else None
    unsafe = unsafe_positions(prepared.table.buffer) if x_fields is not None else None
    total = len(ev.points.code)
    series = 0
    for first in range(0, total, CHUNK_POINTS):
        last = min(first + CHUNK_POINTS, total)
        text, ends = records(*_point_columns(prepared, ev, x_fields, unsafe, first, last))
        starts_at = 0
        while series < len(info.n_points) and info.point_start[series] < last:
            begin, end = info.point_start[series], info.point_start[series] + info.n_points[series]
            piece_end = int(ends[min(end, last) - first - 1])
            piece = text[starts_at:piece_end]
            starts_at = piece_end
            if begin >= first:
                parts = info.parts(series)
                out.write(_json_object_body(dict(info.start(series), parts=parts)) + b',"points":[')
            if end <= last:
                tail = info.tail(series)
                out.write(piece[:-1] + b"]" + (b"," + dumps(tail)[1:] if tail else b"}") + b"\n")
                series += 1
            else:
                out.write(piece)
                break


def _point_columns(prepared: Prepared, ev: Evaluation, x_fields: Fields | None, unsafe: np.ndarray | None,
                   first: int, last: int):
    layout, values = ev.layout, ev.values
    span = slice(first, last)
    x, x_quoted = _x_tokens(prepared, ev, x_fields, unsafe, first, last)
    columns = [
        value_tokens(layout.position[span]), x, value_tokens(values.y[span]), value_tokens(layout.part[span]),
        value_tokens(layout.baseline[span]), value_tokens(layout.include[span]),
        *(value_tokens(getattr(values, name)[span]) for name in ("cl", "lcl", "ucl", "lcl_95", "ucl_95")),
        value_tokens(ev.sigma_signal[span]), value_tokens(ev.runs_signal[layout.seg[span]]),
    ]
    keys, quoted = list(POINT_KEYS), [False] * len(POINT_KEYS)
    quoted[1] = x_quoted
    if prepared.options.rules == "mdc":
        keys.append("point_type")
        quoted.append(False)
        columns.append(choice_tokens(POINT_TYPE_TOKENS, values.point_type[span].astype(np.int64)))
    return keys, columns, quoted


def _x_tokens(prepared: Prepared, ev: Evaluation, fields: Fields | None, unsafe: np.ndarray | None,
              first: int, last: int) -> tuple[Tokens, bool]:
    """The x of each point: its first row's text, or its position without an x column."""
    if fields is None:
        return value_tokens(ev.layout.position[first:last]), False
    file_rows = prepared.order[ev.points.first_row[first:last]]
    starts, ends = fields.starts[file_rows], fields.ends[file_rows]
    raw = None if fields.escaped[file_rows].any() else raw_text_tokens(prepared.table.buffer, starts, ends, unsafe)
    if raw is not None:
        return raw, True
    return text_tokens(prepared.table.text(prepared.x_column, file_rows)), False


# --- summary -----------------------------------------------------------------------------------


def _write_summaries(out: BinaryIO, prepared: Prepared, ev: Evaluation) -> None:
    info = _Series(prepared, ev)
    layout, values = ev.layout, ev.values
    seg_last = np.r_[np.flatnonzero(np.diff(layout.seg)), len(layout.seg) - 1] if len(layout.seg) else np.zeros(0, int)
    limits = {name: _plain_floats(getattr(values, name)[seg_last]) for name in ("cl", "lcl", "ucl")}
    outside = np.bincount(layout.seg[ev.sigma_signal], minlength=layout.n_segments).tolist()
    last_part = layout.part[ev.last_point].tolist()
    last_seg = layout.seg[ev.last_point].tolist()
    last_sigma = ev.sigma_signal[ev.last_point].tolist()
    in_last = last_part_sigma_signals(ev).tolist()
    lines = []
    for series in range(len(info.n_points)):
        parts = info.parts(series)
        for offset, part in enumerate(parts):
            seg = info.seg_start[series] + offset
            part.update(cl=limits["cl"][seg], lcl=limits["lcl"][seg], ucl=limits["ucl"][seg],
                        n_sigma_signal=outside[seg])
        runs_signal = None if info.mdc else info.signal[last_seg[series]]
        tail = info.tail(series)
        signal = (tail["variation_icon"] != "common_cause") if info.mdc else bool(runs_signal or in_last[series])
        line = dict(info.start(series), n_points=info.n_points[series], parts=parts,
                    latest={"part": last_part[series], "runs_signal": runs_signal,
                            "n_sigma_signal": in_last[series], "last_sigma_signal": last_sigma[series],
                            "signal": signal},
                    **tail)
        lines.append(dumps(line))
        if len(lines) >= 4096:
            out.write(b"\n".join(lines) + b"\n")
            lines = []
    if lines:
        out.write(b"\n".join(lines) + b"\n")


def _plain_floats(values: np.ndarray) -> list:
    """Floats as Python floats, NaN as None (JSON null)."""
    listed = values.tolist()
    return [None if v != v else v for v in listed]
