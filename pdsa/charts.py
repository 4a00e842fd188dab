"""Altair charts of a finished analysis (run and control charts), and PNG/SVG export.

The chart builders only read :class:`pdsa.spc.result.Analysis`; they compute no statistics.
They follow the conventions qicharts2 users know:

* points joined by a line; the x axis is temporal when x holds dates (pandas Timestamps,
  ``datetime.date`` or ISO ``YYYY-MM-DD`` strings), quantitative when x is numeric, and
  otherwise the points are placed by position with the x values as tick labels;
* the centre line is solid grey, or dashed red in the parts whose runs analysis signals;
* control limits are step lines (they vary per point in p and u charts); 2-sigma limits on request;
* points outside the limits are red and larger; excluded points are hollow;
* a target is a dashed green line with a label; parts get their own centre line and limits and
  are separated by a vertical rule; a frozen baseline is shaded;
* PDSA cycles and notes are labelled vertical rules;
* with ``rules == "mdc"`` (Making Data Count) points are coloured by point type with the NHS
  colours, and the variation and assurance icons are drawn beside the chart.

Every word on the chart comes from :class:`ChartLabels` (English defaults), so the app can
supply Danish. Nothing here imports Streamlit.
"""

from __future__ import annotations

import copy
import datetime as _dt
import json
import math
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Mapping, Sequence

import altair as alt
import pandas as pd

from pdsa.spc.result import POINT_COLUMNS, POINT_TYPES, PROPORTION_CHARTS, Analysis
from pdsa.charts_icons import (
    ASSURANCE_COLOURS,
    MDC_COLOURS,
    icon_chart,
    mdc_icons_for,
)

# Altair checks every object against the Vega-Lite schema as it is made (its "debug mode"):
# half of the time a chart took to build. The tests check each finished chart against the
# schema once (``chart.to_dict()`` validates), so the app builds its charts without it.
alt.utils.schemapi.disable_debug_mode()

__all__ = [
    "Annotation",
    "ChartLabels",
    "spc_chart",
    "mdc_icons",
    "chart_to_png",
    "chart_to_svg",
    "MDC_COLOURS",
    "ASSURANCE_COLOURS",
    "icon_chart",
]

# --- colours -----------------------------------------------------------------------------------

VALUE_COLOUR = "#3B75AF"        # the measure: line and points (Anhøj charts)
MDC_LINE_COLOUR = "#7B7D7D"     # NHS Making Data Count: the line joining the points
CENTRE_COLOUR = "#6E6E6E"       # centre line without a runs signal
SIGNAL_COLOUR = "#D7301F"       # runs signal centre line, points outside the limits
LIMIT_COLOUR = "#A6A6A6"        # control limits
SIGMA2_COLOUR = "#C4C4C4"       # 2-sigma limits
TARGET_COLOUR = "#1A9850"       # target line (Anhøj charts)
MDC_TARGET_COLOUR = "#DE1B1B"   # target line (NHS Making Data Count)
PART_RULE_COLOUR = "#B0B0B0"    # rule between parts
BASELINE_FILL = "#E9EEF4"       # frozen baseline shading
BASELINE_TEXT = "#6B7B8C"
PDSA_COLOUR = "#6A3D9A"         # PDSA cycle annotations
NOTE_COLOUR = "#7F7F7F"         # note annotations
TEXT_COLOUR = "#333333"
AXIS_COLOUR = "#666666"

POINT_SIZE = 34
SIGNAL_POINT_SIZE = 85
CONTAINER_FALLBACK_WIDTH = 640  # main chart width inside an hconcat (icons) when width="container"
EXPORT_WIDTH = 760              # width used by chart_to_png/svg for a width="container" chart

# English defaults of the Making Data Count texts (ChartLabels.point_types / assurance_types).
POINT_TYPE_TEXTS: dict[str, str] = {
    "common_cause": "Common cause variation",
    "special_cause_improvement": "Special cause: improvement",
    "special_cause_concern": "Special cause: concern",
    "special_cause_neutral_high": "Special cause: higher",
    "special_cause_neutral_low": "Special cause: lower",
}
ASSURANCE_TEXTS: dict[str, str] = {
    "consistent_pass": "Consistently meets the target",
    "consistent_fail": "Consistently misses the target",
    "inconsistent": "Hits and misses the target",
}
MEDIAN_CHARTS = frozenset({"run", "g"})  # charts whose centre line is a median (qicharts2)

# Columns the caller may pass in ``details`` (same length and order as analysis.points).
DETAIL_COLUMNS: tuple[str, ...] = ("numerator", "denominator", "note", "period")


# --- inputs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Annotation:
    """A labelled vertical rule: a PDSA cycle (``kind="pdsa"``) or a note (``kind="note"``).

    ``date`` is on the same scale as the analysis' x: a Timestamp/date for date charts, a number
    for numeric x, or one of the x labels for text x (annotations that match no label are skipped).
    """

    date: Any
    label: str
    kind: str = "pdsa"


@dataclass(frozen=True)
class ChartLabels:
    """All text on a chart. English defaults; the app passes its own language.

    ``locale`` names a d3 number/time locale known to vl-convert (e.g. ``"da-DK"``: decimal
    comma, Danish month names); None keeps Vega's default (en-US).
    ``month_format``/``week_format``/``day_format`` are d3 time formats for the period shown in
    tooltips (e.g. ``week_format="uge %V %G"``). A date axis has one format for all its labels:
    ``month_axis_format`` for monthly points, else ``week_axis_format`` (a date within one
    calendar year) or ``year_axis_format`` (points spanning more than one year).
    """

    title: str | None = None
    subtitle: str | None = None
    y_title: str | None = None
    x_title: str | None = None
    centre: str = "Centre line"
    median: str | None = "Median"
    mean: str | None = "Mean"
    limits: str = "Control limits"
    lcl: str = "Lower limit"
    ucl: str = "Upper limit"
    target: str = "Target"
    baseline: str = "Baseline"
    excluded: str = "Excluded"
    outside: str = "Outside the control limits"
    status: str = "Status"
    value: str = "Value"
    date: str = "Period"
    numerator: str = "Numerator"
    denominator: str = "Denominator"
    note: str = "Note"
    pdsa: str = "PDSA cycle"
    # Making Data Count: icon headings; legend entries and icon captions keyed by
    # POINT_TYPES / ASSURANCE_TYPES (missing keys fall back to the English defaults)
    variation: str = "Variation"
    assurance: str = "Assurance"
    point_types: Mapping[str, str] = field(default_factory=lambda: dict(POINT_TYPE_TEXTS))
    assurance_types: Mapping[str, str] = field(default_factory=lambda: dict(ASSURANCE_TEXTS))
    # formats
    locale: str | None = None
    month_format: str = "%b %Y"
    week_format: str = "%G-W%V"
    week_axis_format: str = "%-d %b"
    year_axis_format: str = "%-d %b %Y"
    month_axis_format: str = "%b %Y"
    day_format: str = "%Y-%m-%d"

    def point_type_label(self, point_type: str) -> str:
        return str((self.point_types or {}).get(point_type) or POINT_TYPE_TEXTS.get(point_type, point_type))

    def assurance_label(self, assurance: str) -> str:
        return str((self.assurance_types or {}).get(assurance) or ASSURANCE_TEXTS.get(assurance, assurance))

    def centre_label(self, chart: str) -> str:
        """What the centre line is: the median (run and g charts) or the mean (the others)."""
        specific = self.median if chart in MEDIAN_CHARTS else self.mean
        return specific or self.centre


# --- preparing the points ----------------------------------------------------------------------

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ].*)?$")
_BOOL_DEFAULTS = {"baseline": True, "include": True, "sigma_signal": False, "runs_signal": False}


def _as_bool(s: pd.Series, default: bool) -> pd.Series:
    return s.map(lambda v: default if v is None or (isinstance(v, float) and math.isnan(v)) else bool(v)).astype(bool)


def _x_kind(x: pd.Series) -> str:
    """"temporal", "quantitative" or "index" (placed by position, x shown as tick labels)."""
    if pd.api.types.is_datetime64_any_dtype(x):
        return "temporal"
    values = [v for v in x.tolist() if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if not values:
        return "index"
    if all(isinstance(v, (_dt.date, pd.Timestamp)) for v in values):
        return "temporal"
    if pd.api.types.is_bool_dtype(x):
        return "index"
    if pd.api.types.is_numeric_dtype(x):
        return "quantitative"
    if all(isinstance(v, str) and _ISO_DATE.match(v.strip()) for v in values):
        try:
            pd.to_datetime(pd.Series(values), format="ISO8601")
            return "temporal"
        except (ValueError, TypeError):
            return "index"
    return "index"


def _granularity(x: pd.Series) -> str:
    """"month" when every date is a month start, "week" when every date is a Monday, else "day"."""
    ts = pd.to_datetime(x.dropna())
    if len(ts) and (ts.dt.normalize() == ts).all():
        if (ts.dt.day == 1).all():
            return "month"
        if (ts.dt.day_of_week == 0).all():
            return "week"
    return "day"


def _period_format(granularity: str, labels: ChartLabels) -> str:
    return {"month": labels.month_format, "week": labels.week_format}.get(granularity, labels.day_format)


def _label(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d")
    return "" if v is None else str(v)


@dataclass
class _Frame:
    df: pd.DataFrame
    x_kind: str            # "temporal" | "quantitative" | "index"
    granularity: str       # temporal: "month" | "week" | "day"; else ""
    lo: list               # per point: left edge of its slot (midpoint to the previous point)
    hi: list               # per point: right edge of its slot


def _prepare(analysis: Analysis, details: pd.DataFrame | None) -> _Frame:
    missing = [c for c in POINT_COLUMNS if c not in analysis.points.columns]
    if missing:
        raise ValueError(f"analysis.points lacks columns {missing}")
    df = analysis.points.reset_index(drop=True).copy()
    for col, default in _BOOL_DEFAULTS.items():
        df[col] = _as_bool(df[col], default)
    for col in ("y", "n", "cl", "lcl", "ucl", "lcl_95", "ucl_95"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    df["part"] = pd.to_numeric(df["part"], errors="coerce").fillna(1).astype(int)

    kind = _x_kind(df["x"])
    df["_label"] = df["x"].map(_label)
    if kind == "temporal":
        x = df["x"]
        if not pd.api.types.is_datetime64_any_dtype(x):
            x = pd.to_datetime(x.map(lambda v: v.strip() if isinstance(v, str) else v), format="ISO8601")
        df["_x"] = x
    elif kind == "quantitative":
        df["_x"] = df["x"].astype(float)
    else:
        df["_x"] = pd.Series(range(1, len(df) + 1), dtype=float)

    if details is not None:
        if len(details) != len(df):
            raise ValueError(f"details has {len(details)} rows, analysis.points has {len(df)}")
        det = details.reset_index(drop=True)
        for col in DETAIL_COLUMNS:
            if col in det.columns:
                df["_" + col] = det[col].to_numpy()
        if "_note" in df.columns:
            if df["_note"].map(_has_text).any():  # a point without a note says "–", not "null"
                df["_note"] = df["_note"].map(lambda v: v if _has_text(v) else "–")
            else:
                df = df.drop(columns="_note")

    pos = df["_x"].tolist()
    lo, hi = _slots(pos)
    return _Frame(df=df, x_kind=kind, granularity=_granularity(df["_x"]) if kind == "temporal" else "", lo=lo, hi=hi)


def _has_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _slots(pos: list) -> tuple[list, list]:
    """Edges halfway between neighbouring positions (Timestamps or floats)."""
    n = len(pos)
    if n == 0:
        return [], []
    if n == 1:
        half = pd.Timedelta(days=14) if isinstance(pos[0], pd.Timestamp) else 0.5
        return [pos[0] - half], [pos[0] + half]
    mids = [pos[k] + (pos[k + 1] - pos[k]) / 2 for k in range(n - 1)]
    first = pos[0] - (pos[1] - pos[0]) / 2
    last = pos[-1] + (pos[-1] - pos[-2]) / 2
    return [first] + mids, mids + [last]


# --- encodings ---------------------------------------------------------------------------------


@dataclass
class _Ctx:
    frame: _Frame
    labels: ChartLabels
    percent: bool
    mdc: bool
    y_domain: list[float] | None = None

    @property
    def x_type(self) -> str:
        return "temporal" if self.frame.x_kind == "temporal" else "quantitative"

    @property
    def value_format(self) -> str:
        return ".0%" if self.percent else ",.4~r"

    @property
    def tag_format(self) -> str:
        return ".1%" if self.percent else ",.3~r"

    def x(self, field: str = "_x", **kw) -> alt.X:
        df = self.frame.df
        axis_kw: dict[str, Any] = dict(title=self.labels.x_title or None, labelFlush=False)
        scale_kw: dict[str, Any] = dict(nice=False)
        if self.frame.x_kind == "index":
            mapping = {str(int(i)): lab for i, lab in zip(df["_x"], df["_label"])}
            axis_kw.update(
                values=[int(v) for v in df["_x"]],
                labelExpr=f"{_js_object(mapping)}[format(datum.value, 'd')] || ''",
                labelAngle=0 if len(df) <= 12 else -45,
                labelOverlap=True,
            )
        elif self.frame.x_kind == "quantitative":
            xs = df["_x"].dropna()
            if len(xs) and (xs == xs.round()).all():
                axis_kw.update(format="d", tickMinStep=1)
        else:
            axis_kw.update(self._date_axis())
        if self.frame.x_kind != "temporal":
            scale_kw.update(zero=False)
        domain = self._x_domain()
        if domain is not None:
            scale_kw.update(domain=domain)
        return alt.X(field, type=self.x_type, axis=alt.Axis(**axis_kw), scale=alt.Scale(**scale_kw), **kw)

    def _date_axis(self) -> dict[str, Any]:
        """One format for every label of a date axis (Vega's default mixes "nov 09" with
        "februar"), in the chart's locale, with the year whenever the points span more than one
        calendar year. Weekly and monthly points get a label on a period start (about 12 at
        most); so do points only days apart, where Vega would tick the hours."""
        xs = list(self.frame.df["_x"].dropna())
        if not xs:
            return {}
        if self.frame.granularity == "month":
            fmt = self.labels.month_axis_format
        elif xs[0].year != xs[-1].year:
            fmt = self.labels.year_axis_format
        else:
            fmt = self.labels.week_axis_format
        axis: dict[str, Any] = {"format": fmt}
        if self.frame.granularity in ("week", "month") or (xs[-1] - xs[0]) < pd.Timedelta(days=21):
            step = max(1, math.ceil(len(xs) / 12))
            axis["values"] = [_datetime(v) for v in xs[::step]]
        return axis

    def _x_domain(self) -> list | None:
        """The points' range widened by 60 % of half a slot, so that no point sits on an edge."""
        xs, lo, hi = self.frame.df["_x"], self.frame.lo, self.frame.hi
        if not len(xs):
            return None
        a = xs.iloc[0] - (xs.iloc[0] - lo[0]) * 0.6
        b = xs.iloc[-1] + (hi[-1] - xs.iloc[-1]) * 0.6
        if self.frame.x_kind == "temporal":
            return [_datetime(a), _datetime(b)]
        return [float(a), float(b)]

    def x2(self, field: str) -> alt.X2:
        return alt.X2(field)

    def y(self, field: str, **kw) -> alt.Y:
        axis = alt.Axis(title=self.labels.y_title or None, format=self.value_format, tickCount=6)
        scale = alt.Scale(zero=False, nice=False, domain=self.y_domain) if self.y_domain else alt.Scale(zero=False)
        return alt.Y(field, type="quantitative", axis=axis, scale=scale, **kw)


def _y_domain(df: pd.DataFrame, target: float | None, *, percent: bool, show_2sigma: bool) -> list[float] | None:
    """Values, centre, limits and target with 5 % air; never below 0 (nor above 100 %) unless
    the values themselves are."""
    cols = ["y", "cl", "lcl", "ucl"] + (["lcl_95", "ucl_95"] if show_2sigma else [])
    vals = pd.concat([df[c] for c in cols] + [pd.Series([target], dtype=float)], ignore_index=True)
    vals = vals[pd.notna(vals) & (vals.abs() != float("inf"))]
    if not len(vals):
        return None
    lo, hi = float(vals.min()), float(vals.max())
    pad = (hi - lo) * 0.05 or (abs(hi) * 0.1 or 1.0)
    a, b = lo - pad, hi + pad
    if lo >= 0:
        a = max(a, 0.0)
    if percent and hi <= 1:
        b = min(b, 1.0)
    return [a, b]


def _datetime(ts: pd.Timestamp) -> alt.DateTime:
    """A Vega-Lite DateTime in local time, as Vega parses the data's ISO strings."""
    return alt.DateTime(
        year=ts.year, month=ts.month, date=ts.day, hours=ts.hour, minutes=ts.minute, seconds=ts.second
    )


def _js_object(mapping: dict[str, str]) -> str:
    return json.dumps(mapping, ensure_ascii=False)


def _point_tooltips(ctx: _Ctx, analysis: Analysis) -> list[alt.Tooltip]:
    df, labels = ctx.frame.df, ctx.labels
    tips: list[alt.Tooltip] = []
    if "_period" in df.columns and df["_period"].notna().any():
        tips.append(alt.Tooltip("_period:N", title=labels.date))
    elif ctx.frame.x_kind == "temporal":
        tips.append(alt.Tooltip("_x:T", title=labels.date, format=_period_format(ctx.frame.granularity, labels)))
    else:
        tips.append(alt.Tooltip("_label:N", title=labels.date))
    tips.append(alt.Tooltip("y:Q", title=labels.value, format=".1%" if ctx.percent else ",.4~r"))
    if "_numerator" in df.columns and df["_numerator"].notna().any():
        tips.append(alt.Tooltip("_numerator:Q", title=labels.numerator, format=",.4~r"))
    if "_denominator" in df.columns and df["_denominator"].notna().any():
        tips.append(alt.Tooltip("_denominator:Q", title=labels.denominator, format=",.4~r"))
    elif analysis.chart in ("p", "pp", "u", "up") and df["n"].notna().any():
        tips.append(alt.Tooltip("n:Q", title=labels.denominator, format=",.4~r"))
    if df["cl"].notna().any():
        tips.append(alt.Tooltip("cl:Q", title=labels.centre_label(analysis.chart), format=ctx.tag_format))
    if df["lcl"].notna().any():
        tips.append(alt.Tooltip("lcl:Q", title=labels.lcl, format=ctx.tag_format))
    if df["ucl"].notna().any():
        tips.append(alt.Tooltip("ucl:Q", title=labels.ucl, format=ctx.tag_format))
    if ctx.mdc and "_ptype" in df.columns:
        tips.append(alt.Tooltip("_ptype:N", title=labels.variation))
    if (df["_status"] != "").any():
        tips.append(alt.Tooltip("_status:N", title=labels.status))
    if "_note" in df.columns:
        tips.append(alt.Tooltip("_note:N", title=labels.note))
    return tips


# --- layers ------------------------------------------------------------------------------------


def _baseline_layers(ctx: _Ctx) -> list[alt.Chart]:
    """Shade each block of frozen-baseline points, only when some points are not baseline."""
    df = ctx.frame.df
    if df["baseline"].all() or not df["baseline"].any():
        return []
    rows = []
    start = None
    for k in range(len(df)):
        b = bool(df["baseline"].iat[k])
        same_part = k > 0 and df["part"].iat[k] == df["part"].iat[k - 1]
        if b and (start is None or not same_part):
            if start is not None:
                rows.append((start, k - 1))
            start = k
        elif not b and start is not None:
            rows.append((start, k - 1))
            start = None
    if start is not None:
        rows.append((start, len(df) - 1))
    blocks = pd.DataFrame(
        {
            "_x": [ctx.frame.lo[a] for a, _ in rows],
            "_x2": [ctx.frame.hi[b] for _, b in rows],
            "_text": [ctx.labels.baseline] * len(rows),
        }
    )
    rect = (
        alt.Chart(blocks)
        .mark_rect(color=BASELINE_FILL, opacity=1)
        .encode(x=ctx.x("_x"), x2=ctx.x2("_x2"))
    )
    text = (
        alt.Chart(blocks)
        # at the foot of the shading: the top-left corner is where the target's label goes
        .mark_text(align="left", baseline="bottom", dx=4, dy=-4, fontSize=11, color=BASELINE_TEXT)
        .encode(x=ctx.x("_x"), y=alt.value({"expr": "height"}), text="_text:N")
    )
    return [rect, text]


def _part_rules(ctx: _Ctx) -> list[alt.Chart]:
    df = ctx.frame.df
    cuts = [ctx.frame.hi[k] for k in range(len(df) - 1) if df["part"].iat[k] != df["part"].iat[k + 1]]
    if not cuts:
        return []
    rules = pd.DataFrame({"_x": cuts})
    return [
        alt.Chart(rules)
        .mark_rule(color=PART_RULE_COLOUR, strokeWidth=1.2)
        .encode(x=ctx.x("_x"))
    ]


def _limit_layer(ctx: _Ctx, base: alt.Chart, cols: tuple[str, str], *, faint: bool) -> alt.Chart | None:
    df = ctx.frame.df
    if not any(df[c].notna().any() for c in cols):
        return None
    mark = dict(interpolate="step", strokeWidth=1.0 if faint else 1.2,
                color=SIGMA2_COLOUR if faint else LIMIT_COLOUR)
    if faint:
        mark.update(strokeDash=[2, 3], opacity=0.9)
    return (
        base.transform_fold(list(cols), as_=["_limit", "_limit_value"])
        .mark_line(**mark)
        .encode(
            x=ctx.x(),
            y=ctx.y("_limit_value:Q"),
            detail=["part:N", "_limit:N"],
            tooltip=[alt.Tooltip("_limit_value:Q", title=ctx.labels.limits, format=ctx.tag_format)],
        )
    )


def _centre_layers(ctx: _Ctx, base: alt.Chart) -> list[alt.Chart]:
    df = ctx.frame.df
    layers = []
    has_cl = df["cl"].notna()
    if (has_cl & ~df["runs_signal"]).any():
        layers.append(
            base.transform_filter("!datum.runs_signal")
            .mark_line(color=CENTRE_COLOUR, strokeWidth=1.8)
            .encode(x=ctx.x(), y=ctx.y("cl:Q"), detail="part:N")
        )
    if (has_cl & df["runs_signal"]).any():
        layers.append(
            base.transform_filter("datum.runs_signal")
            .mark_line(color=SIGNAL_COLOUR, strokeWidth=1.8, strokeDash=[6, 4])
            .encode(x=ctx.x(), y=ctx.y("cl:Q"), detail="part:N")
        )
    return layers


def _value_tags(ctx: _Ctx) -> list[alt.Chart]:
    """The last part's centre line and limits as small numbers right of the last point."""
    df = ctx.frame.df
    if not len(df):
        return []
    last = df.iloc[-1]
    rows = []
    for col, colour in (("ucl", LIMIT_COLOUR), ("cl", CENTRE_COLOUR), ("lcl", LIMIT_COLOUR)):
        v = last[col]
        if pd.notna(v):
            colour = SIGNAL_COLOUR if (col == "cl" and bool(last["runs_signal"])) else colour
            rows.append({"_x": last["_x"], "_v": float(v), "_c": colour})
    if not rows:
        return []
    tags = pd.DataFrame(rows)
    return [
        alt.Chart(tags)
        .mark_text(align="left", baseline="middle", dx=8, fontSize=10)
        .encode(
            x=ctx.x("_x"),
            y=ctx.y("_v:Q"),
            text=alt.Text("_v:Q", format=ctx.tag_format),
            color=alt.Color("_c:N", scale=None, legend=None),
        )
    ]


def _target_layers(ctx: _Ctx, target: float | None) -> list[alt.Chart]:
    if target is None or (isinstance(target, float) and math.isnan(target)):
        return []
    colour = MDC_TARGET_COLOUR if ctx.mdc else TARGET_COLOUR
    df = ctx.frame.df
    tdf = pd.DataFrame({"_target": [float(target)], "_x": [df["_x"].iloc[0]] if len(df) else [None]})
    fmt = ".0%" if ctx.percent else ",.4~r"
    tdf["_text"] = [f"{ctx.labels.target}"]
    rule = (
        alt.Chart(tdf)
        .mark_rule(color=colour, strokeDash=[8, 4], strokeWidth=1.5)
        .encode(y=ctx.y("_target:Q"))
    )
    text = (
        alt.Chart(tdf)
        .transform_calculate(_tlabel=f"datum._text + ' ' + format(datum._target, '{fmt}')")
        .mark_text(align="left", baseline="bottom", dx=2, dy=-3, fontSize=11, color=colour, fontWeight="bold")
        .encode(x=ctx.x("_x"), y=ctx.y("_target:Q"), text="_tlabel:N")
    )
    return [rule, text]


def _value_layers(ctx: _Ctx, base: alt.Chart, analysis: Analysis) -> list[alt.Chart]:
    df = ctx.frame.df
    tips = _point_tooltips(ctx, analysis)
    line_colour = MDC_LINE_COLOUR if ctx.mdc else VALUE_COLOUR
    line = base.mark_line(color=line_colour, strokeWidth=1.6).encode(
        x=ctx.x(), y=ctx.y("y:Q"), order="i:Q"
    )
    layers = [line]
    if ctx.mdc and "_ptype" in df.columns:
        present = [t for t in POINT_TYPES if (df["point_type"] == t).any()]
        domain = [ctx.labels.point_type_label(t) for t in present]
        colour: Any = alt.Color(
            "_ptype:N",
            scale=alt.Scale(domain=domain, range=[MDC_COLOURS[t] for t in present]),
            legend=alt.Legend(title=None, orient="bottom", direction="horizontal", symbolType="circle")
            if len(present) > 1
            else None,
        )
        size: Any = alt.value(POINT_SIZE + 12)
    else:
        colour = alt.condition("datum.sigma_signal", alt.value(SIGNAL_COLOUR), alt.value(VALUE_COLOUR))
        size = alt.condition("datum.sigma_signal", alt.value(SIGNAL_POINT_SIZE), alt.value(POINT_SIZE))
    if df["include"].any():
        layers.append(
            base.transform_filter("datum.include")
            .mark_point(filled=True, opacity=1, shape="circle")
            .encode(x=ctx.x(), y=ctx.y("y:Q"), color=colour, size=size, tooltip=tips)
        )
    if (~df["include"]).any():
        layers.append(
            base.transform_filter("!datum.include")
            .mark_point(filled=False, fill="white", opacity=1, shape="circle", strokeWidth=1.6)
            .encode(x=ctx.x(), y=ctx.y("y:Q"), color=colour if ctx.mdc else alt.value(VALUE_COLOUR),
                    size=alt.value(POINT_SIZE + 12), tooltip=tips)
        )
    return layers


def _annotation_layers(ctx: _Ctx, annotations: Sequence[Annotation]) -> list[alt.Chart]:
    rows = []
    df = ctx.frame.df
    for a in annotations:
        pos = _annotation_position(ctx, a.date)
        if pos is None:
            continue
        rows.append({"_x": pos, "_text": a.label, "_kind": "note" if a.kind == "note" else "pdsa"})
    if not rows:
        return []
    ann = pd.DataFrame(rows).sort_values("_x", kind="stable").reset_index(drop=True)
    # Stagger labels that would collide: a label goes to the first row whose previous label is
    # far enough to the left; labels near the right edge are right-aligned.
    first, last = df["_x"].min(), df["_x"].max()
    span = _num(last) - _num(first) or 1.0
    ends: list[float] = []
    row_of, align = [], []
    for _, r in ann.iterrows():
        rel = (_num(r["_x"]) - _num(first)) / span
        right = rel > 0.8
        width = max(0.08, 0.0085 * len(r["_text"]))  # rough label width as a share of the span
        start = rel - width if right else rel
        end = rel if right else rel + width
        for k, e in enumerate(ends):
            if start > e:
                ends[k] = end
                row_of.append(k)
                break
        else:
            ends.append(end)
            row_of.append(len(ends) - 1)
        align.append("right" if right else "left")
    ann["_align"] = align
    ann["_ty"] = [-6 - 14 * r for r in row_of]

    layers: list[alt.Chart] = []
    for kind, style in _ANNOTATION_STYLES.items():
        sub = ann[ann["_kind"] == kind]
        if not len(sub):
            continue
        layers.append(
            alt.Chart(sub)
            .mark_rule(color=style["color"], strokeWidth=1.3, opacity=0.9,
                       **({"strokeDash": style["dash"]} if style["dash"] else {}))
            .encode(x=ctx.x("_x"), tooltip=[alt.Tooltip("_text:N", title=_style_title(ctx.labels, kind))])
        )
        for al in ("left", "right"):
            part = sub[sub["_align"] == al]
            if not len(part):
                continue
            layers.append(
                alt.Chart(part)
                .mark_text(
                    align=al, baseline="bottom", dx=-3 if al == "right" else 3, fontSize=11,
                    color=style["color"], fontWeight=style["weight"], fontStyle=style["style"],
                )
                .encode(x=ctx.x("_x"), y=alt.Y("_ty:Q", scale=None), text="_text:N")
            )
    return layers


_ANNOTATION_STYLES: dict[str, dict[str, Any]] = {
    "pdsa": {"color": PDSA_COLOUR, "dash": None, "weight": "bold", "style": "normal"},
    "note": {"color": NOTE_COLOUR, "dash": [3, 3], "weight": "normal", "style": "italic"},
}


def _style_title(labels: ChartLabels, kind: str) -> str:
    return labels.pdsa if kind == "pdsa" else labels.note


def _num(v: Any) -> float:
    if isinstance(v, pd.Timestamp):
        return v.value / 1e6
    return float(v)


def _annotation_position(ctx: _Ctx, date: Any) -> Any:
    kind = ctx.frame.x_kind
    if kind == "temporal":
        try:
            ts = pd.Timestamp(date)
        except (ValueError, TypeError):
            return None
        return None if pd.isna(ts) else ts
    if kind == "quantitative":
        try:
            return float(date)
        except (ValueError, TypeError):
            return None
    df = ctx.frame.df
    key = _label(date)
    hits = df.index[(df["_label"] == key) | (df["x"].astype(str) == str(date))]
    return float(df["_x"].iat[hits[0]]) if len(hits) else None


# --- the chart ---------------------------------------------------------------------------------


@cache
def _locale(locale: str) -> dict[str, Any]:
    """Vega's number and time formats for the locale (from vl-convert's bundle)."""
    import vl_convert as vlc

    return {"number": vlc.get_format_locale(locale), "time": vlc.get_time_format_locale(locale)}


def _config(chart: alt.TopLevelMixin, labels: ChartLabels) -> alt.TopLevelMixin:
    """The charts' look, set in one step (each ``configure_…`` call copies the chart's config)."""
    top: dict[str, Any] = dict(font="Helvetica, Arial, sans-serif", padding={"left": 8, "right": 8, "top": 8, "bottom": 8})
    if labels.locale:
        top["locale"] = copy.deepcopy(_locale(labels.locale))  # a chart may be changed after; the cached one not
    return chart.configure(
        **top,
        view=alt.ViewConfig(stroke=None),
        axis=alt.AxisConfig(
            grid=False,
            domainColor=AXIS_COLOUR,
            tickColor=AXIS_COLOUR,
            labelColor=TEXT_COLOUR,
            titleColor=TEXT_COLOUR,
            labelFontSize=11,
            titleFontSize=12,
            titleFontWeight="normal",
            labelPadding=4,
            titlePadding=8,
        ),
        title=alt.TitleConfig(anchor="start", fontSize=15, color="#1F1F1F", subtitleColor="#555555",
                              subtitleFontSize=12, offset=10),
        legend=alt.LegendConfig(labelFontSize=11, symbolSize=70, labelColor=TEXT_COLOUR),
    )


def spc_chart(
    analysis: Analysis,
    *,
    labels: ChartLabels = ChartLabels(),
    annotations: Sequence[Annotation] = (),
    details: pd.DataFrame | None = None,
    percent: bool | None = None,
    show_2sigma: bool = False,
    show_icons: bool = True,
    width: int | str = "container",
    height: int = 320,
) -> alt.TopLevelMixin:
    """The run or control chart of ``analysis``.

    ``details``: optional, same length and order as ``analysis.points``; columns ``numerator``,
    ``denominator``, ``note`` (shown in tooltips) and ``period`` (text shown instead of the date).
    ``percent``: y axis in percent; None decides from the chart type (p, pp).
    ``show_icons``: for ``rules == "mdc"``, draw the variation/assurance icons beside the chart
    (an hconcat; the main chart then has a fixed width, 640 px when ``width="container"``).
    Returns a configured Altair chart (a LayerChart, or an HConcatChart with icons).
    """
    frame = _prepare(analysis, details)
    mdc = analysis.rules == "mdc"
    if percent is None:
        percent = analysis.chart in PROPORTION_CHARTS
    df = frame.df
    ctx = _Ctx(frame=frame, labels=labels, percent=bool(percent), mdc=mdc,
               y_domain=_y_domain(df, analysis.target, percent=bool(percent), show_2sigma=show_2sigma))
    if mdc and "point_type" in df.columns:
        df["_ptype"] = df["point_type"].map(lambda t: labels.point_type_label(str(t)) if pd.notna(t) else None)
    status = pd.Series([""] * len(df), dtype=object)
    status[df["sigma_signal"]] = labels.outside
    status[~df["include"]] = labels.excluded
    df["_status"] = status.to_numpy()

    data_cols = [c for c in df.columns if c not in ("x",)]
    base = alt.Chart(df[data_cols])

    layers: list[alt.Chart] = []
    layers += _baseline_layers(ctx)
    layers += _part_rules(ctx)
    if show_2sigma:
        lay = _limit_layer(ctx, base, ("lcl_95", "ucl_95"), faint=True)
        if lay is not None:
            layers.append(lay)
    lay = _limit_layer(ctx, base, ("lcl", "ucl"), faint=False)
    if lay is not None:
        layers.append(lay)
    layers += _target_layers(ctx, analysis.target)
    layers += _centre_layers(ctx, base)
    layers += _value_layers(ctx, base, analysis)
    layers += _value_tags(ctx)
    layers += _annotation_layers(ctx, annotations)

    props: dict[str, Any] = {}
    if labels.title or labels.subtitle:
        props["title"] = alt.TitleParams(
            text=labels.title or "", **({"subtitle": labels.subtitle} if labels.subtitle else {})
        )
    icons = mdc_icons(analysis, labels=labels) if (mdc and show_icons) else None

    main = alt.layer(*layers)
    if icons is None:
        chart: alt.TopLevelMixin = main.properties(width=width, height=height, **props)
    else:
        main_width = width if isinstance(width, (int, float)) else CONTAINER_FALLBACK_WIDTH
        chart = alt.hconcat(main.properties(width=main_width, height=height), icons, spacing=24)
        if props:
            chart = chart.properties(**props)
    return _config(chart, labels)


def mdc_icons(analysis: Analysis, *, labels: ChartLabels = ChartLabels(), size: int = 84) -> alt.VConcatChart | None:
    """The Making Data Count variation and assurance icons, stacked; None when there are none.

    Use it on its own (e.g. in a column beside a full-width ``spc_chart(..., show_icons=False)``).
    """
    return mdc_icons_for(
        variation=analysis.variation_icon,
        assurance=analysis.assurance,
        direction=analysis.direction,
        labels=labels,
        size=size,
    )


# --- export ------------------------------------------------------------------------------------


def _export_spec(chart: Any) -> dict:
    spec = chart if isinstance(chart, dict) else chart.to_dict()
    if spec.get("width") == "container":
        spec = {**spec, "width": EXPORT_WIDTH}
    if spec.get("height") == "container":
        spec = {**spec, "height": 320}
    return spec


def chart_to_png(chart: Any, scale: float = 2.0) -> bytes:
    """PNG bytes of an Altair chart (or a Vega-Lite dict); ``width="container"`` becomes 760 px."""
    import vl_convert as vlc

    return vlc.vegalite_to_png(_export_spec(chart), scale=scale)


def chart_to_svg(chart: Any) -> str:
    """SVG text of an Altair chart (or a Vega-Lite dict); ``width="container"`` becomes 760 px."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(_export_spec(chart))
