"""Run charts and control charts for many series in one call (a leadership portfolio).

``analyze_many`` evaluates every measure of a long table at once and gives the same
numbers as running the single-series engine (``pdsa.spc.analyze``) on each of them, which
in turn reproduces qicharts2 0.8.1 (Anhøj rules) and NHSRplotthedots 0.2.2 (Making Data
Count rules). Instead of looping over series, all points sit in one flat array with a
segment id per part of a series; per-part statistics are segment reductions
(``np.bincount``, ``reduceat``, sorting by segment for medians). The only Python loop is
over the twelve chart types.

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

from pdsa.spc.many_limits import CHART_LIMITS, ChartInput
from pdsa.spc.many_mdc import DIRECTION_SIGN, mdc_analysis
from pdsa.spc.many_runs import runs_analysis
from pdsa.spc.many_segments import segment_count, segment_mean, segment_sum
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
    rows = _sorted_rows(data, series, x, y, n, exclude)
    cfg = _series_settings(settings, rows.labels)
    rows.got_n = _series_with_denominator(rows, cfg)
    _validate(rows, cfg)
    pts = _subgroups(rows)
    layout = _layout(pts, cfg)
    values = _centre_and_limits(pts, cfg, layout)
    runs = _runs(pts, cfg, layout, values)
    return _assemble(pts, cfg, layout, values, runs)


# --------------------------------------------------------------------------- input


@dataclass
class _Rows:
    """The input rows sorted by (series, x), as arrays."""

    labels: pd.Index          # series labels, sorted; series code = position here
    code: np.ndarray          # series code per row
    x_code: np.ndarray        # rank of x (equal x, equal code)
    x: pd.Series
    y: np.ndarray
    n: np.ndarray             # NaN where not given
    exclude: np.ndarray       # bool
    got_n: np.ndarray         # per series: some n was given
    has_n_column: bool


def _sorted_rows(data, series_col, x_col, y_col, n_col, exclude_col) -> _Rows:
    """Rows without x are dropped (qicharts2: ``d[!is.na(d$x), ]``); the rest sorted
    stably by series, then x, unless they already are."""
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
    got_n = np.bincount(code[~np.isnan(n)], minlength=len(labels)) > 0
    return _Rows(labels, code, x_code, data[x_col].reset_index(drop=True), y, n, excl, got_n,
                 has_n_column=n_col in data.columns)


def _series_with_denominator(rows: _Rows, cfg: "_Settings") -> np.ndarray:
    """Per series: does it have a denominator? In a long table a series whose n are all
    missing has none, except that a chart needing one (p, pp, u, up) keeps it: its
    points are then missing, as ``analyze(y, n=[nan, ...])`` gives, rather than an error.
    Only a table without an n column at all is refused for those charts."""
    needs_n = np.isin(cfg.chart, tuple(CHARTS_NEEDING_N))
    return rows.got_n | (needs_n & rows.has_n_column)


def _is_sorted(code: np.ndarray, x_code: np.ndarray) -> bool:
    if len(code) < 2:
        return True
    step = np.diff(code)
    return bool(np.all((step > 0) | ((step == 0) & (np.diff(x_code) >= 0))))


@dataclass
class _Subgroups:
    """One point per (series, x): rows sharing an x aggregated the way ``qic.agg`` does."""

    labels: pd.Index
    code: np.ndarray          # series code per point
    x: pd.Series              # x value per point
    y: np.ndarray             # plotted value: sum(y)/sum(n) with n, else mean(y)
    y_sum: np.ndarray         # sum(y) (a lone missing value stays missing)
    y_len: np.ndarray         # number of non-missing y
    y_mean: np.ndarray
    y_sd: np.ndarray
    n: np.ndarray             # sum(n); NaN without n or when missing
    got_n: np.ndarray         # per series
    exclude: np.ndarray       # bool per point: any of its rows excluded


def _subgroups(rows: _Rows) -> _Subgroups:
    """Aggregate rows sharing an x. With a denominator the value is sum(y)/sum(n),
    without it mean(y). Where a series has n, a row missing y or n is missing
    altogether (qicharts2's ``complete.cases``)."""
    y, n = rows.y.copy(), rows.n.copy()
    missing = rows.got_n[rows.code] & (np.isnan(y) | np.isnan(n))
    y[missing] = np.nan
    n[missing] = np.nan

    new_group = np.ones(len(y), dtype=bool)
    new_group[1:] = (rows.code[1:] != rows.code[:-1]) | (rows.x_code[1:] != rows.x_code[:-1])
    first = np.flatnonzero(new_group)
    group = np.cumsum(new_group) - 1
    code = rows.code[first]
    # One row per x is the common case: its statistics are the row itself. Only rows of
    # multi-row subgroups (xbar, s, or repeated x) go through the segment reductions.
    y_sum, y_mean, n_sum = y.copy(), y.copy(), n.copy()
    y_len = (~np.isnan(y)).astype(np.int64)
    y_sd = np.full(len(y), np.nan)
    if len(first) < len(y):
        y_sum, y_mean, n_sum = y_sum[first], y_mean[first], n_sum[first]
        y_len, y_sd = y_len[first], y_sd[first]
        rows_in_group = np.bincount(group, minlength=len(first))
        shared = np.flatnonzero(rows_in_group > 1)
        in_shared = (rows_in_group > 1)[group]
        # renumber the multi-row groups 0..k-1 so the reductions stay small
        local = np.cumsum(rows_in_group > 1)[group[in_shared]] - 1
        stats = _subgroup_stats(local, len(shared), y[in_shared], n[in_shared])
        y_sum[shared], y_len[shared], y_mean[shared], y_sd[shared], n_sum[shared] = stats
    with np.errstate(invalid="ignore", divide="ignore"):
        plotted = np.where(rows.got_n[code], np.nan_to_num(y_sum) / n_sum, y_mean)
    excluded = np.bincount(group, weights=rows.exclude, minlength=len(first)) > 0
    return _Subgroups(rows.labels, code, rows.x.iloc[first].reset_index(drop=True), plotted,
                      y_sum, y_len, y_mean, y_sd, n_sum, rows.got_n, excluded)


def _subgroup_stats(group, n_groups, y, n):
    """Sum, count, mean and SD per subgroup of two or more rows (R's ``sum``, ``mean``,
    ``sd`` with ``na.rm = TRUE``; a lone row keeps a missing sum missing, qic.agg's
    ``na.rm = length(x$y) > 1``, and is handled by the caller)."""
    every = np.ones(len(y), dtype=bool)
    valid = ~np.isnan(y)
    y_len = np.bincount(group[valid], minlength=n_groups)
    y_sum = segment_sum(group, y, valid, n_groups)
    y_mean = segment_mean(group, y, every, n_groups)
    squares = segment_sum(group, (y - y_mean[group]) ** 2, valid, n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        y_sd = np.where(y_len > 1, np.sqrt(squares / (y_len - 1)), np.nan)
    n_valid = ~np.isnan(n)
    n_sum = np.where(np.bincount(group[n_valid], minlength=n_groups) > 0,
                     segment_sum(group, n, n_valid, n_groups), np.nan)
    return y_sum, y_len, y_mean, y_sd, n_sum


@dataclass
class _Settings:
    """Per-series settings as arrays aligned with the series codes."""

    chart: np.ndarray        # str
    freeze: np.ndarray       # float, NaN = none
    screen: np.ndarray       # bool
    rules: np.ndarray        # str
    direction: np.ndarray    # str
    target: np.ndarray       # float, NaN = none
    cut_code: np.ndarray     # series code of each part cut
    cut_at: np.ndarray       # split after this 1-based position
    has_parts: np.ndarray    # bool per series
    bad_freeze: np.ndarray   # bool per series: freeze given but not a whole number >= 1
    bad_part: np.ndarray     # bool per series: a part position that is not a whole number >= 1


def _series_settings(settings: pd.DataFrame | None, labels: pd.Index) -> _Settings:
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
    return _Settings(
        chart=text("chart"),
        freeze=freeze,
        screen=screen.where(screen.notna(), True).to_numpy(dtype=bool),
        rules=text("rules"),
        direction=text("direction"),
        target=pd.to_numeric(column("target"), errors="coerce").to_numpy(dtype=float, na_value=np.nan),
        cut_code=cut_code[kept],
        cut_at=cuts[kept].astype(np.int64),
        has_parts=np.bincount(cut_code[kept], minlength=len(labels)) > 0,
        bad_freeze=freeze_given.notna().to_numpy() & ~_whole_and_positive(freeze),
        bad_part=np.bincount(cut_code[bad_cut], minlength=len(labels)) > 0,
    )


def _whole_and_positive(values: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return (values >= 1) & (np.mod(values, 1) == 0)


def _validate(rows: _Rows, cfg: _Settings) -> None:
    """Refuse what the single-series engine refuses, naming the series concerned.

    Settings: known chart/rules/direction; MDC rules only on an I chart and without
    exclusions (NHSRplotthedots has none); freeze and part positions whole numbers >= 1.
    Values: a denominator where the chart needs one and none for xbar/s; finite values;
    n > 0; counts >= 0; proportions <= 1; T chart times > 0 (``qic.t`` stops on them).
    Unlike the single-series engine, freeze or part positions beyond a series' length are
    not an error here: as in qicharts2, such a part is ignored and such a freeze covers
    the whole series, so one short series cannot stop a whole portfolio.
    """
    labels = rows.labels

    def fail(bad_series, why):
        if bad_series.any():
            raise ValueError(f"{why}; series: {list(labels[bad_series][:10])}")

    def fail_rows(bad_rows, why):
        fail(np.bincount(rows.code[bad_rows], minlength=len(labels)) > 0, why)

    fail(~np.isin(cfg.chart, CHART_TYPES), f"unknown chart type (expected one of {CHART_TYPES})")
    fail(~np.isin(cfg.rules, ("anhoej", "mdc")), "unknown rules (expected 'anhoej' or 'mdc')")
    fail(~np.isin(cfg.direction, tuple(DIRECTION_SIGN)), "unknown direction")
    fail(cfg.bad_freeze, "freeze must be a whole number of points, 1 or more")
    fail(cfg.bad_part, "part positions must be whole numbers, 1 or more")
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


# -------------------------------------------------------------------------- layout


@dataclass
class _Layout:
    position: np.ndarray     # 1-based i within the series
    part: np.ndarray         # 1-based part number
    baseline: np.ndarray
    include: np.ndarray
    seg: np.ndarray          # segment (series x part) id
    n_segments: int
    seg_code: np.ndarray     # series code of each segment
    seg_part: np.ndarray     # part number of each segment


def _layout(pts: _Subgroups, cfg: _Settings) -> _Layout:
    """Positions, parts, baseline and segments.

    Parts follow qicharts2's ``makeparts``: split after each given position that lies
    inside the series (positions beyond it are ignored, as in R). With the Anhøj rules a
    freeze makes the first k points the baseline, but is ignored when parts are given
    (``if (is.null(freeze) || !is.null(part)) freeze <- Inf``). With the MDC rules a
    part is a rebase group and the freeze (``fix_after_n_points``) counts the first k
    points of every group, as NHSRplotthedots' ``row_number()`` per group does.
    """
    code = pts.code
    n_points = len(code)
    series_start = np.searchsorted(code, np.arange(len(pts.labels)))
    position = np.arange(n_points) - series_start[code] + 1

    span = int(position.max()) + 1 if n_points else 1
    keep = cfg.cut_at >= 1
    cut_keys = np.unique(cfg.cut_code[keep] * span + np.minimum(cfg.cut_at[keep], span - 1))
    cuts_before = (np.searchsorted(cut_keys, code * span + position)
                   - np.searchsorted(cut_keys, code * span + 1))
    part = cuts_before + 1

    new_seg = np.ones(n_points, dtype=bool)
    new_seg[1:] = (code[1:] != code[:-1]) | (part[1:] != part[:-1])
    seg = np.cumsum(new_seg) - 1

    mdc = (cfg.rules == "mdc")[code]
    position_in_part = position - position[new_seg][seg] + 1
    freeze = np.where(cfg.has_parts & (cfg.rules != "mdc"), np.nan, cfg.freeze)[code]
    baseline = np.isnan(freeze) | (np.where(mdc, position_in_part, position) <= freeze)
    include = ~pts.exclude
    return _Layout(position, part, baseline, include, seg, int(new_seg.sum()),
                   code[new_seg], part[new_seg])


# ------------------------------------------------------------------ computations


@dataclass
class _Values:
    y: np.ndarray
    cl: np.ndarray
    lcl: np.ndarray
    ucl: np.ndarray
    lcl_95: np.ndarray
    ucl_95: np.ndarray
    point_type: np.ndarray   # int code into POINT_TYPES, -1 for Anhøj series
    mdc: np.ndarray          # bool per point


def _centre_and_limits(pts: _Subgroups, cfg: _Settings, layout: _Layout) -> _Values:
    """Fill centre and limits chart type by chart type (one vectorised pass each)."""
    size = len(pts.code)
    out = _Values(*(np.full(size, np.nan) for _ in range(6)),
                  point_type=np.full(size, -1, dtype=np.int8),
                  mdc=(cfg.rules == "mdc")[pts.code])
    base = layout.baseline & layout.include
    screen_seg = cfg.screen[layout.seg_code]
    for chart_type in CHART_TYPES:
        idx = np.flatnonzero((cfg.chart == chart_type)[pts.code] & ~out.mdc)
        if idx.size:
            chart_input = ChartInput(
                seg=layout.seg[idx], n_segments=layout.n_segments, y=pts.y[idx],
                y_sum=pts.y_sum[idx], y_len=pts.y_len[idx], y_mean=pts.y_mean[idx],
                y_sd=pts.y_sd[idx], n=pts.n[idx], base=base[idx], screen=screen_seg,
            )
            _store(out, idx, CHART_LIMITS[chart_type](chart_input))

    idx = np.flatnonzero(out.mdc)
    if idx.size:
        direction = np.select([cfg.direction == "increase", cfg.direction == "decrease"], [1, -1], 0)
        direction = direction[pts.code[idx]]
        mdc = mdc_analysis(layout.seg[idx], pts.y[idx], base[idx], screen_seg, direction,
                           layout.n_segments)
        _store(out, idx, mdc, y=pts.y[idx])
        out.point_type[idx] = mdc.point_type

    for name in ("lcl", "ucl", "lcl_95", "ucl_95"):  # qicharts2: non-finite limits -> NA
        limit = getattr(out, name)
        limit[~np.isfinite(limit)] = np.nan
    return out


def _store(out: _Values, idx: np.ndarray, limits, y=None) -> None:
    out.y[idx] = limits.y if y is None else y
    for name in ("cl", "lcl", "ucl", "lcl_95", "ucl_95"):
        getattr(out, name)[idx] = getattr(limits, name)


def _runs(pts, cfg, layout, values):
    """Anhøj runs analysis of every part against its own centre line (all series at once;
    MDC parts are left out later). MR charts never signal (qicharts2 ignores runs there)."""
    runs = runs_analysis(layout.seg, values.y, values.cl, layout.include, layout.n_segments)
    runs.runs_signal &= (cfg.chart != "mr")[layout.seg_code]
    return runs


# ---------------------------------------------------------------------- output


def _assemble(pts, cfg, layout, values, runs) -> ManyResult:
    with np.errstate(invalid="ignore"):
        sigma_signal = (values.y > values.ucl) | (values.y < values.lcl)
    mdc_seg = (cfg.rules == "mdc")[layout.seg_code]
    anhoej_runs_signal = runs.runs_signal & ~mdc_seg
    point_type_labels = np.array((None,) + POINT_TYPES, dtype=object)
    n_column = np.where(np.isin(cfg.chart, ("xbar", "s"))[pts.code], pts.y_len.astype(float), pts.n)
    columns = {  # categoricals: a million repeated labels stay cheap
        "series": pd.Categorical.from_codes(pts.code, categories=pts.labels),
        "i": layout.position,
        "x": pts.x,
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
        "sigma_signal": sigma_signal,
        "runs_signal": anhoej_runs_signal[layout.seg],
        "point_type": pd.Categorical.from_codes(values.point_type, categories=list(POINT_TYPES)),
    }
    points = pd.DataFrame({name: columns[name] for name in POINTS_FRAME_COLUMNS})
    parts = _parts_table(pts, layout, runs, mdc_seg)
    summary = _summary_table(pts, cfg, layout, values, sigma_signal, anhoej_runs_signal, point_type_labels)
    return ManyResult(points=points, parts=parts, summary=summary)


def _parts_table(pts, layout, runs, mdc_seg) -> pd.DataFrame:
    """One row per part. Where there are no useful points, or for MDC parts, the runs
    fields are missing, as qicharts2 reports NA (MDC defines no runs analysis)."""
    defined = (runs.n_useful > 0) & ~mdc_seg
    return pd.DataFrame({
        "series": pd.Categorical.from_codes(layout.seg_code, categories=pts.labels),
        "part": layout.seg_part,
        "n_obs": runs.n_obs,
        "n_useful": _nullable(runs.n_useful, ~mdc_seg, "Int64"),
        "longest_run": _nullable(runs.longest_run, defined, "Int64"),
        "longest_run_max": _nullable(runs.longest_run_max, defined, "Int64"),
        "n_crossings": _nullable(runs.n_crossings, defined, "Int64"),
        "n_crossings_min": _nullable(runs.n_crossings_min, defined, "Int64"),
        "runs_signal": _nullable(runs.runs_signal, ~mdc_seg, "boolean"),
    })


def _nullable(values: np.ndarray, defined: np.ndarray, dtype: str):
    """A pandas nullable array that is missing (pd.NA) where ``defined`` is False."""
    array = pd.array(values, dtype=dtype)
    array[~defined] = pd.NA
    return array


def _summary_table(pts, cfg, layout, values, sigma_signal, runs_signal_seg, point_type_labels) -> pd.DataFrame:
    """One row per series: the state of its last part and last point."""
    n_points = np.bincount(pts.code, minlength=len(pts.labels))  # every label has points
    last_point = np.cumsum(n_points) - 1
    last_seg = layout.seg[last_point]
    sigma_in_last = segment_count(layout.seg, sigma_signal, layout.n_segments)[last_seg]

    mdc = cfg.rules == "mdc"
    increasing = cfg.direction == "increase"
    with np.errstate(invalid="ignore"):
        above = cfg.target > values.ucl[last_point]
        below = cfg.target < values.lcl[last_point]
    assurance = np.select(  # NHSRplotthedots' ptd_calculate_assurance_type, last point
        [above, below],
        [np.where(increasing, "consistent_fail", "consistent_pass"),
         np.where(increasing, "consistent_pass", "consistent_fail")],
        default="inconsistent",
    ).astype(object)
    assurance[~mdc | np.isnan(cfg.target) | (cfg.direction == "neutral")] = None

    return pd.DataFrame({
        "series": pts.labels,
        "chart": cfg.chart,
        "rules": cfg.rules,
        "n_points": n_points,
        "last_part": layout.part[last_point],
        "runs_signal": _nullable(runs_signal_seg[last_seg], ~mdc, "boolean"),
        "n_sigma_signal": sigma_in_last,
        "last_sigma_signal": sigma_signal[last_point],
        "variation_icon": point_type_labels[values.point_type[last_point].astype(np.int64) + 1],
        "assurance": assurance,
        "direction": cfg.direction,
        "target": cfg.target,
    })
