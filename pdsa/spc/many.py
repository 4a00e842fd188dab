"""Run charts and control charts for many series in one call (a leadership portfolio).

``analyze_many`` evaluates every measure of a long table at once and gives the same
numbers as running the single-series engine (``pdsa.spc.analyze``) on each of them, which
in turn reproduces qicharts2 0.8.1 (Anhøj rules) and NHSRplotthedots 0.2.2 (Making Data
Count rules). Instead of looping over series, all points sit in one flat array with a
segment id per part of a series; per-part statistics are segment reductions
(``np.bincount``, ``reduceat``, sorting by segment for medians) in
:mod:`pdsa.spc.many_engine`, which works on plain arrays; this module turns a DataFrame
into those arrays (sorted by series, then x) and the result back into DataFrames.

Input, one row per point (several rows per x for xbar/s subgroups)::

    series | x | y | n (optional) | exclude (optional bool)

Settings, one row per series (all optional, defaults in ``DEFAULTS``)::

    series | chart | freeze | part | screen_mr | rules | direction | target

``part`` holds a list of 1-based positions to split after (or None). From the database,
both tables are one query each, e.g. ``analyze_many(con.sql("SELECT measure_id AS series,
period AS x, value AS y, denominator AS n FROM ...").df(), settings)``.

Where the reference packages leave a case open, the single-series engine's choice is
followed (see ``_validate`` and ``many_limits._pooled_sd``), so the portfolio and the
chart of one measure always show the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from pdsa.spc.many_engine import (
    DIRECTION_SIGN,
    Evaluation,
    Rows,
    Settings,
    assurance_codes,
    evaluate,
    last_part_sigma_signals,
)
from pdsa.spc.result import CHART_TYPES, CHARTS_NEEDING_N, POINT_COLUMNS, POINT_TYPES, PartSummary

__all__ = ["analyze_many", "ManyResult", "DEFAULTS", "POINTS_FRAME_COLUMNS", "PARTS_FRAME_COLUMNS",
           "SUMMARY_COLUMNS"]

DEFAULTS = {
    "chart": "run",
    "freeze": None,
    "part": None,
    "screen_mr": True,
    "rules": "anhoej",
    "direction": "increase",
    "target": None,
}
SUMMARY_COLUMNS = (
    "series", "chart", "rules", "n_points", "last_part", "runs_signal", "n_sigma_signal",
    "last_sigma_signal", "variation_icon", "assurance", "direction", "target",
)
POINTS_FRAME_COLUMNS = ("series", *POINT_COLUMNS, "point_type")
PARTS_FRAME_COLUMNS = ("series", *(f.name for f in fields(PartSummary)))


@dataclass
class ManyResult:
    """All series analysed together.

    points:  one row per point, ordered by series then x: ``series`` +
             result.POINT_COLUMNS + ``point_type`` (missing for Anhøj series).
             ``series`` and ``point_type`` are categoricals.
    parts:   one row per part of each series: ``series`` + the PartSummary fields;
             runs fields are <NA> where PartSummary has None (no useful points, or MDC).
    summary: one row per series, see SUMMARY_COLUMNS: the last part's runs signal
             (<NA> for MDC) and number of sigma signals, the last point's sigma signal,
             and for MDC series the variation icon and assurance.
    """

    points: pd.DataFrame
    parts: pd.DataFrame
    summary: pd.DataFrame


def analyze_many(
    data: pd.DataFrame,
    settings: pd.DataFrame | None = None,
    *,
    series: str = "series",
    x: str = "x",
    y: str = "y",
    n: str = "n",
    exclude: str = "exclude",
) -> ManyResult:
    """Analyse every series of ``data`` with its own settings, all in one pass."""
    table = _sorted_rows(data, series, x, y, n, exclude)
    cfg, bad = _series_settings(settings, table.labels)
    table.rows.got_n = _series_with_denominator(table, cfg)
    _validate(table, cfg, bad)
    evaluation = evaluate(table.rows, cfg)
    return _assemble(table, cfg, evaluation)


# --------------------------------------------------------------------------- input


@dataclass
class _Table:
    """The input rows sorted by (series, x), as the engine's arrays, with their labels."""

    labels: pd.Index          # series labels, sorted; series code = position here
    x: pd.Series              # x per row
    rows: Rows
    has_n_column: bool


def _sorted_rows(data, series_col, x_col, y_col, n_col, exclude_col) -> _Table:
    """Rows without x are dropped (qicharts2: ``d[!is.na(d$x), ]``); the rest sorted
    stably by series, then x, unless they already are. Rows sharing an x form a point."""
    data = data[data[x_col].notna()]
    code, labels = pd.factorize(data[series_col], sort=True)
    x_code, _ = pd.factorize(data[x_col], sort=True)
    code = code.astype(np.int64)
    if not _is_sorted(code, x_code):
        order = np.lexsort((x_code, code))
        data, code, x_code = data.iloc[order], code[order], x_code[order]
    y = pd.to_numeric(data[y_col]).to_numpy(dtype=float, na_value=np.nan, copy=True)
    n = (pd.to_numeric(data[n_col]).to_numpy(dtype=float, na_value=np.nan, copy=True)
         if n_col in data.columns else np.full(len(y), np.nan))
    excl = (data[exclude_col].fillna(False).to_numpy(dtype=bool)
            if exclude_col in data.columns else np.zeros(len(y), dtype=bool))
    new_point = np.ones(len(y), dtype=bool)
    new_point[1:] = (code[1:] != code[:-1]) | (x_code[1:] != x_code[:-1])
    got_n = np.bincount(code[~np.isnan(n)], minlength=len(labels)) > 0
    rows = Rows(code, new_point, y, n, excl, got_n, len(labels))
    return _Table(labels, data[x_col].reset_index(drop=True), rows, has_n_column=n_col in data.columns)


def _series_with_denominator(table: _Table, cfg: Settings) -> np.ndarray:
    """Per series: does it have a denominator? In a long table a series whose n are all
    missing has none, except that a chart needing one (p, pp, u, up) keeps it: its
    points are then missing, as ``analyze(y, n=[nan, ...])`` gives, rather than an error.
    Only a table without an n column at all is refused for those charts."""
    needs_n = np.isin(cfg.chart, tuple(CHARTS_NEEDING_N))
    return table.rows.got_n | (needs_n & table.has_n_column)


def _is_sorted(code: np.ndarray, x_code: np.ndarray) -> bool:
    if len(code) < 2:
        return True
    step = np.diff(code)
    return bool(np.all((step > 0) | ((step == 0) & (np.diff(x_code) >= 0))))


@dataclass
class _BadSettings:
    freeze: np.ndarray       # bool per series: freeze given but not a whole number >= 1
    part: np.ndarray         # bool per series: a part position that is not a whole number >= 1


def _series_settings(settings: pd.DataFrame | None, labels: pd.Index) -> tuple[Settings, _BadSettings]:
    """Align the settings table with the series; missing rows or values take DEFAULTS."""
    table = pd.DataFrame(index=labels)
    if settings is not None and len(settings):
        if settings["series"].duplicated().any():
            raise ValueError("settings has more than one row for a series")
        table = settings.set_index("series").reindex(labels)

    def column(name) -> pd.Series:
        if name in table.columns:
            return table[name].astype(object).reset_index(drop=True)
        return pd.Series([DEFAULTS[name]] * len(labels), dtype=object)

    def text(name) -> np.ndarray:
        values = column(name)
        return values.where(values.notna(), DEFAULTS[name]).astype(str).to_numpy()

    freeze_given = column("freeze")
    freeze = pd.to_numeric(freeze_given, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    parts_given = column("part").explode()
    cuts = pd.to_numeric(parts_given, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    cut_code = parts_given.index.to_numpy(dtype=np.int64)
    bad_cut = parts_given.notna().to_numpy() & ~_whole_and_positive(cuts)
    kept = ~np.isnan(cuts) & ~bad_cut
    screen = column("screen_mr")
    return Settings(
        chart=text("chart"),
        freeze=freeze,
        screen=screen.where(screen.notna(), True).to_numpy(dtype=bool),
        rules=text("rules"),
        direction=text("direction"),
        target=pd.to_numeric(column("target"), errors="coerce").to_numpy(dtype=float, na_value=np.nan),
        cut_code=cut_code[kept],
        cut_at=cuts[kept].astype(np.int64),
        has_parts=np.bincount(cut_code[kept], minlength=len(labels)) > 0,
    ), _BadSettings(
        freeze=freeze_given.notna().to_numpy() & ~_whole_and_positive(freeze),
        part=np.bincount(cut_code[bad_cut], minlength=len(labels)) > 0,
    )


def _whole_and_positive(values: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return (values >= 1) & (np.mod(values, 1) == 0)


def _validate(table: _Table, cfg: Settings, bad: _BadSettings) -> None:
    """Refuse what the single-series engine refuses, naming the series concerned.

    Settings: known chart/rules/direction; MDC rules only on an I chart and without
    exclusions (NHSRplotthedots has none); freeze and part positions whole numbers >= 1.
    Values: a denominator where the chart needs one and none for xbar/s; finite values;
    n > 0; counts >= 0; proportions <= 1; T chart times > 0 (``qic.t`` stops on them).
    Unlike the single-series engine, freeze or part positions beyond a series' length are
    not an error here: as in qicharts2, such a part is ignored and such a freeze covers
    the whole series, so one short series cannot stop a whole portfolio.
    """
    labels, rows = table.labels, table.rows

    def fail(bad_series, why):
        if bad_series.any():
            raise ValueError(f"{why}; series: {list(labels[bad_series][:10])}")

    def fail_rows(bad_rows, why):
        fail(np.bincount(rows.code[bad_rows], minlength=len(labels)) > 0, why)

    fail(~np.isin(cfg.chart, CHART_TYPES), f"unknown chart type (expected one of {CHART_TYPES})")
    fail(~np.isin(cfg.rules, ("anhoej", "mdc")), "unknown rules (expected 'anhoej' or 'mdc')")
    fail(~np.isin(cfg.direction, tuple(DIRECTION_SIGN)), "unknown direction")
    fail(bad.freeze, "freeze must be a whole number of points, 1 or more")
    fail(bad.part, "part positions must be whole numbers, 1 or more")
    mdc = cfg.rules == "mdc"
    fail(mdc & (cfg.chart != "i"), "Making Data Count rules need chart 'i'")
    fail_rows(mdc[rows.code] & rows.exclude, "exclude is not part of the Making Data Count rules")
    fail(np.isin(cfg.chart, tuple(CHARTS_NEEDING_N)) & ~rows.got_n, "chart needs a denominator n")
    fail(np.isin(cfg.chart, ("xbar", "s")) & rows.got_n, "xbar/s charts take no n (subgroups are rows sharing an x)")

    def chart_is(*names):  # decided per series, then spread over its rows
        return np.isin(cfg.chart, names)[rows.code]

    y, n = rows.y, rows.n
    with np.errstate(invalid="ignore"):
        fail_rows(np.isinf(y) | np.isinf(n), "values must be finite")
        fail_rows(n <= 0, "denominators n must be above 0")
        fail_rows(chart_is("c", "u", "up", "g", "p", "pp") & (y < 0), "counts must be 0 or more")
        fail_rows(chart_is("p", "pp") & (y > n), "a proportion cannot exceed 1 (y > n)")
        fail_rows(chart_is("t") & (y <= 0), "time between events must be above 0 (T chart)")


# ---------------------------------------------------------------------- output


def _assemble(table: _Table, cfg: Settings, ev: Evaluation) -> ManyResult:
    pts, layout, values = ev.points, ev.layout, ev.values
    labels = table.labels
    n_column = np.where(np.isin(cfg.chart, ("xbar", "s"))[pts.code], pts.y_len.astype(float), pts.n)
    columns = {  # categoricals: a million repeated labels stay cheap
        "series": pd.Categorical.from_codes(pts.code, categories=labels),
        "i": layout.position,
        "x": table.x.iloc[pts.first_row].reset_index(drop=True),
        "y": values.y,
        "n": n_column,
        "part": layout.part,
        "baseline": layout.baseline,
        "include": layout.include,
        "cl": values.cl,
        "lcl": values.lcl,
        "ucl": values.ucl,
        "lcl_95": values.lcl_95,
        "ucl_95": values.ucl_95,
        "sigma_signal": ev.sigma_signal,
        "runs_signal": ev.runs_signal[layout.seg],
        "point_type": pd.Categorical.from_codes(values.point_type, categories=list(POINT_TYPES)),
    }
    points = pd.DataFrame({name: columns[name] for name in POINTS_FRAME_COLUMNS})
    return ManyResult(points=points, parts=_parts_table(labels, ev), summary=_summary_table(labels, cfg, ev))


def _parts_table(labels: pd.Index, ev: Evaluation) -> pd.DataFrame:
    """One row per part. Where there are no useful points, or for MDC parts, the runs
    fields are missing, as qicharts2 reports NA (MDC defines no runs analysis)."""
    runs, layout, anhoej = ev.runs, ev.layout, ~ev.mdc_seg
    defined = (runs.n_useful > 0) & anhoej
    return pd.DataFrame({
        "series": pd.Categorical.from_codes(layout.seg_code, categories=labels),
        "part": layout.seg_part,
        "n_obs": runs.n_obs,
        "n_useful": _nullable(runs.n_useful, anhoej, "Int64"),
        "longest_run": _nullable(runs.longest_run, defined, "Int64"),
        "longest_run_max": _nullable(runs.longest_run_max, defined, "Int64"),
        "n_crossings": _nullable(runs.n_crossings, defined, "Int64"),
        "n_crossings_min": _nullable(runs.n_crossings_min, defined, "Int64"),
        "runs_signal": _nullable(runs.runs_signal, anhoej, "boolean"),
    })


def _nullable(values: np.ndarray, defined: np.ndarray, dtype: str):
    """A pandas nullable array that is missing (pd.NA) where ``defined`` is False."""
    array = pd.array(values, dtype=dtype)
    array[~defined] = pd.NA
    return array


def _summary_table(labels: pd.Index, cfg: Settings, ev: Evaluation) -> pd.DataFrame:
    """One row per series: the state of its last part and last point."""
    last_point = ev.last_point
    last_seg = ev.layout.seg[last_point]
    point_type_labels = np.array((None,) + POINT_TYPES, dtype=object)
    return pd.DataFrame({
        "series": labels,
        "chart": cfg.chart,
        "rules": cfg.rules,
        "n_points": ev.n_points,
        "last_part": ev.layout.part[last_point],
        "runs_signal": _nullable(ev.runs_signal[last_seg], cfg.rules != "mdc", "boolean"),
        "n_sigma_signal": last_part_sigma_signals(ev),
        "last_sigma_signal": ev.sigma_signal[last_point],
        "variation_icon": point_type_labels[ev.values.point_type[last_point].astype(np.int64) + 1],
        "assurance": assurance_codes(ev, cfg),
        "direction": cfg.direction,
        "target": cfg.target,
    })
