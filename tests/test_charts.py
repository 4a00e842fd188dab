"""Chart builders: each qicharts2 / Making Data Count convention checked on the Vega-Lite spec.

Analyses are built by hand (known points), so these tests do not depend on the engine.
"""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET
from typing import Iterator

import numpy as np
import pandas as pd
import pytest

from pdsa import charts
from pdsa.charts import Annotation, ChartLabels, chart_to_png, chart_to_svg, mdc_icons, spc_chart
from pdsa.spc.result import POINT_COLUMNS, Analysis

# --- building analyses -------------------------------------------------------------------------


def make_points(
    y,
    *,
    x=None,
    n=None,
    part=None,
    baseline=None,
    include=None,
    cl=None,
    lcl=None,
    ucl=None,
    sigma_signal=None,
    runs_signal=None,
    point_type=None,
) -> pd.DataFrame:
    y = np.asarray(y, dtype=float)
    k = len(y)
    if x is None:
        x = pd.date_range("2024-01-01", periods=k, freq="MS")
    part = np.ones(k, int) if part is None else np.asarray(part)
    if cl is None:
        cl = np.array([np.median(y[part == p]) for p in part])
    cl = np.broadcast_to(np.asarray(cl, dtype=float), (k,)).copy()
    nan = np.full(k, np.nan)
    lcl = nan if lcl is None else np.broadcast_to(np.asarray(lcl, dtype=float), (k,)).copy()
    ucl = nan if ucl is None else np.broadcast_to(np.asarray(ucl, dtype=float), (k,)).copy()
    df = pd.DataFrame(
        {
            "i": np.arange(1, k + 1),
            "x": list(x) if not isinstance(x, pd.DatetimeIndex) else x,
            "y": y,
            "n": nan if n is None else np.asarray(n, dtype=float),
            "part": part,
            "baseline": np.ones(k, bool) if baseline is None else np.asarray(baseline, bool),
            "include": np.ones(k, bool) if include is None else np.asarray(include, bool),
            "cl": cl,
            "lcl": lcl,
            "ucl": ucl,
            "lcl_95": cl - (cl - lcl) * 2 / 3,
            "ucl_95": cl + (ucl - cl) * 2 / 3,
            "sigma_signal": np.zeros(k, bool) if sigma_signal is None else np.asarray(sigma_signal, bool),
            "runs_signal": np.zeros(k, bool) if runs_signal is None else np.asarray(runs_signal, bool),
        }
    )
    assert tuple(df.columns) == POINT_COLUMNS
    if point_type is not None:
        df["point_type"] = list(point_type)
    return df


def run_analysis(k: int = 12, **kw) -> Analysis:
    y = kw.pop("y", [3, 5, 4, 6, 5, 7, 4, 6, 5, 8, 6, 7, 5, 6, 7, 8, 6, 7, 9, 8][:k])
    return Analysis(chart="run", rules="anhoej", points=make_points(y, **kw), parts=[])


def p_analysis(**kw) -> Analysis:
    """20 months, p chart: part 1 (months 1-10) p=0.5, part 2 (11-20) p=0.7; point 4 far below."""
    n = np.array([50, 60, 55, 50, 45, 60, 50, 55, 60, 50, 50, 60, 55, 50, 45, 60, 50, 55, 60, 50], float)
    y = np.array([0.5, 0.52, 0.48, 0.2, 0.5, 0.55, 0.47, 0.5, 0.53, 0.45,
                  0.7, 0.72, 0.68, 0.75, 0.7, 0.66, 0.74, 0.7, 0.73, 0.69])
    part = np.r_[np.ones(10, int), np.full(10, 2)]
    pbar = np.where(part == 1, 0.5, 0.7)
    s = np.sqrt(pbar * (1 - pbar) / n)
    lcl, ucl = pbar - 3 * s, pbar + 3 * s
    defaults = dict(
        n=n, part=part, cl=pbar, lcl=lcl, ucl=ucl,
        sigma_signal=(y < lcl) | (y > ucl), runs_signal=part == 2,
    )
    defaults.update(kw.pop("points", {}))
    target = kw.pop("target", None)
    return Analysis(chart="p", rules="anhoej", points=make_points(y, **defaults), parts=[], target=target, **kw)


def mdc_analysis(**kw) -> Analysis:
    y = [20, 22, 19, 21, 23, 20, 18, 15, 14, 13, 12, 11, 10, 9]
    types = ["common_cause"] * 7 + ["special_cause_improvement"] * 7
    types[1] = "special_cause_concern"
    pts = make_points(y, cl=17.0, lcl=8.0, ucl=26.0, point_type=types)
    defaults = dict(direction="decrease", target=12.0, variation_icon="special_cause_improvement",
                    assurance="inconsistent")
    defaults.update(kw)
    return Analysis(chart="i", rules="mdc", points=pts, parts=[], **defaults)


# --- reading the spec --------------------------------------------------------------------------


def spec_of(chart) -> dict:
    return chart.to_dict()


def units(spec: dict) -> Iterator[dict]:
    """Every unit (single-mark) spec, depth first."""
    if "mark" in spec:
        yield spec
    for key in ("layer", "hconcat", "vconcat", "concat"):
        for sub in spec.get(key, []):
            yield from units(sub)


def mark(u: dict) -> dict:
    m = u["mark"]
    return {"type": m} if isinstance(m, str) else m


def filters(u: dict) -> list[str]:
    return [t["filter"] for t in u.get("transform", []) if "filter" in t]


def folds(u: dict) -> list[list[str]]:
    return [t["fold"] for t in u.get("transform", []) if "fold" in t]


def rows(spec: dict, u: dict) -> list[dict]:
    name = u.get("data", {}).get("name")
    return spec["datasets"][name] if name else []


def y_field(u: dict) -> str | None:
    return u.get("encoding", {}).get("y", {}).get("field")


def main_units(spec: dict) -> list[dict]:
    """Units of the chart itself (not of the icons)."""
    if "hconcat" in spec:
        return list(units(spec["hconcat"][0]))
    return list(units(spec))


def centre_layers(spec: dict) -> list[dict]:
    return [u for u in main_units(spec) if mark(u)["type"] == "line" and y_field(u) == "cl"]


def point_layers(spec: dict) -> list[dict]:
    return [u for u in main_units(spec) if mark(u)["type"] == "point" and y_field(u) == "y"]


# --- points, line, x axis ----------------------------------------------------------------------


def test_points_joined_by_a_line_on_a_temporal_axis_for_dates():
    spec = spec_of(spc_chart(run_analysis()))
    lines = [u for u in main_units(spec) if mark(u)["type"] == "line" and y_field(u) == "y"]
    assert len(lines) == 1 and not filters(lines[0])  # every point on the line, excluded too
    assert lines[0]["encoding"]["order"]["field"] == "i"
    assert point_layers(spec)
    for u in lines + point_layers(spec):
        assert u["encoding"]["x"]["type"] == "temporal"
        assert u["encoding"]["x"]["field"] == "_x"
    data = rows(spec, lines[0])
    assert data[0]["_x"].startswith("2024-01-01")


def test_iso_date_strings_are_temporal_too():
    a = run_analysis(x=[f"2024-{m:02d}-01" for m in range(1, 13)])
    spec = spec_of(spc_chart(a))
    assert point_layers(spec)[0]["encoding"]["x"]["type"] == "temporal"


def test_numeric_x_is_quantitative_and_text_x_is_placed_by_position():
    spec = spec_of(spc_chart(run_analysis(x=list(range(101, 113)))))
    enc = point_layers(spec)[0]["encoding"]["x"]
    assert enc["type"] == "quantitative" and enc["axis"]["format"] == "d"

    labels = [f"Week {k}" for k in range(1, 13)]
    spec = spec_of(spc_chart(run_analysis(x=labels)))
    enc = point_layers(spec)[0]["encoding"]["x"]
    assert enc["type"] == "quantitative"
    assert enc["axis"]["values"] == list(range(1, 13))
    assert '"Week 7"' in enc["axis"]["labelExpr"]
    assert [r["_x"] for r in rows(spec, point_layers(spec)[0])] == list(range(1, 13))


# --- centre line -------------------------------------------------------------------------------


def test_centre_line_is_solid_grey_without_runs_signal():
    spec = spec_of(spc_chart(run_analysis()))
    layers = centre_layers(spec)
    assert len(layers) == 1
    m = mark(layers[0])
    assert m["color"] == charts.CENTRE_COLOUR
    assert "strokeDash" not in m
    assert all(SIGNAL not in json.dumps(mark(u)) for u in layers)


SIGNAL = charts.SIGNAL_COLOUR


def test_centre_line_dashed_in_signal_colour_exactly_where_runs_signal():
    spec = spec_of(spc_chart(p_analysis()))  # runs signal in part 2 only
    layers = centre_layers(spec)
    dashed = [u for u in layers if "strokeDash" in mark(u)]
    solid = [u for u in layers if "strokeDash" not in mark(u)]
    assert len(dashed) == 1 and len(solid) == 1
    assert mark(dashed[0])["color"] == SIGNAL
    assert filters(dashed[0]) == ["datum.runs_signal"]
    assert mark(solid[0])["color"] == charts.CENTRE_COLOUR
    assert filters(solid[0]) == ["!datum.runs_signal"]
    data = rows(spec, dashed[0])
    assert {r["part"] for r in data if r["runs_signal"]} == {2}

    # a signal in every part: only the dashed layer
    a = p_analysis(points={"runs_signal": np.ones(20, bool)})
    layers = centre_layers(spec_of(spc_chart(a)))
    assert len(layers) == 1 and "strokeDash" in mark(layers[0])


# --- limits ------------------------------------------------------------------------------------


def test_control_limits_are_step_lines_per_part():
    spec = spec_of(spc_chart(p_analysis()))
    limit = [u for u in main_units(spec) if ["lcl", "ucl"] in folds(u)]
    assert len(limit) == 1
    m = mark(limit[0])
    assert m["type"] == "line" and m["interpolate"].startswith("step")
    details = limit[0]["encoding"]["detail"]
    assert {d["field"] for d in details} >= {"part", "_limit"}
    # no limits layer for a run chart (limits all NaN)
    spec = spec_of(spc_chart(run_analysis()))
    assert not [u for u in main_units(spec) if folds(u)]


def test_two_sigma_limits_only_on_request_and_faint():
    spec = spec_of(spc_chart(p_analysis()))
    assert not [u for u in main_units(spec) if ["lcl_95", "ucl_95"] in folds(u)]
    spec = spec_of(spc_chart(p_analysis(), show_2sigma=True))
    faint = [u for u in main_units(spec) if ["lcl_95", "ucl_95"] in folds(u)]
    assert len(faint) == 1
    m = mark(faint[0])
    assert m["interpolate"].startswith("step") and "strokeDash" in m
    assert m["color"] == charts.SIGMA2_COLOUR != charts.LIMIT_COLOUR


# --- points ------------------------------------------------------------------------------------


def test_points_outside_limits_are_highlighted():
    spec = spec_of(spc_chart(p_analysis()))
    filled = [u for u in point_layers(spec) if mark(u).get("filled") is True]
    assert len(filled) == 1
    enc = filled[0]["encoding"]
    assert enc["color"]["condition"] == {"test": "datum.sigma_signal", "value": SIGNAL}
    assert enc["color"]["value"] == charts.VALUE_COLOUR
    assert enc["size"]["condition"]["test"] == "datum.sigma_signal"
    assert enc["size"]["condition"]["value"] > enc["size"]["value"]
    outside = [r["i"] for r in rows(spec, filled[0]) if r["sigma_signal"]]
    assert outside == [4]


def test_excluded_points_are_hollow_and_stay_on_the_line():
    include = np.ones(20, bool)
    include[6] = False
    spec = spec_of(spc_chart(p_analysis(points={"include": include})))
    hollow = [u for u in point_layers(spec) if mark(u).get("filled") is False]
    filled = [u for u in point_layers(spec) if mark(u).get("filled") is True]
    assert len(hollow) == 1 and len(filled) == 1
    assert filters(hollow[0]) == ["!datum.include"]
    assert filters(filled[0]) == ["datum.include"]
    assert [r["i"] for r in rows(spec, hollow[0]) if not r["include"]] == [7]
    # without excluded points there is no hollow layer
    spec = spec_of(spc_chart(p_analysis()))
    assert not [u for u in point_layers(spec) if mark(u).get("filled") is False]


# --- target ------------------------------------------------------------------------------------


def test_target_is_a_dashed_labelled_line():
    spec = spec_of(spc_chart(p_analysis(target=0.8), labels=ChartLabels(target="Mål")))
    rules = [u for u in main_units(spec) if mark(u)["type"] == "rule" and y_field(u) == "_target"]
    assert len(rules) == 1
    m = mark(rules[0])
    assert m["color"] == charts.TARGET_COLOUR and "strokeDash" in m
    assert rows(spec, rules[0])[0]["_target"] == pytest.approx(0.8)
    texts = [u for u in main_units(spec) if mark(u)["type"] == "text" and y_field(u) == "_target"]
    assert len(texts) == 1 and rows(spec, texts[0])[0]["_text"] == "Mål"
    assert "format(datum._target, '.0%')" in json.dumps(texts[0]["transform"])

    spec = spec_of(spc_chart(p_analysis()))
    assert not [u for u in main_units(spec) if y_field(u) == "_target"]


# --- parts and baseline ------------------------------------------------------------------------


def test_each_part_has_its_own_centre_line_and_a_rule_between_parts():
    spec = spec_of(spc_chart(p_analysis()))
    for u in centre_layers(spec):
        assert u["encoding"]["detail"]["field"] == "part"
    rules = [u for u in main_units(spec)
             if mark(u)["type"] == "rule" and mark(u).get("color") == charts.PART_RULE_COLOUR]
    assert len(rules) == 1
    # halfway between point 10 (2024-10-01) and point 11 (2024-11-01)
    assert [r["_x"] for r in rows(spec, rules[0])] == ["2024-10-16T12:00:00"]

    spec = spec_of(spc_chart(run_analysis()))
    assert not [u for u in main_units(spec) if mark(u).get("color") == charts.PART_RULE_COLOUR]


def test_frozen_baseline_is_shaded_and_labelled_only_when_frozen():
    baseline = np.arange(12) < 8
    labels = ChartLabels(baseline="Frozen baseline")
    spec = spec_of(spc_chart(run_analysis(baseline=baseline), labels=labels))
    rects = [u for u in main_units(spec) if mark(u)["type"] == "rect"]
    assert len(rects) == 1
    (block,) = rows(spec, rects[0])
    # from half a month before point 1 to halfway between point 8 (Aug 1) and point 9 (Sep 1)
    assert block["_x"].startswith("2023-12-16") and block["_x2"].startswith("2024-08-16")
    assert rects[0]["encoding"]["x2"]["field"] == "_x2"
    texts = [u for u in main_units(spec) if mark(u)["type"] == "text"
             and any(r.get("_text") == "Frozen baseline" for r in rows(spec, u))]
    assert len(texts) == 1

    spec = spec_of(spc_chart(run_analysis()))  # baseline True everywhere: nothing frozen
    assert not [u for u in main_units(spec) if mark(u)["type"] == "rect"]


# --- percent axis ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "analysis, percent, expected",
    [
        (p_analysis(target=0.99), None, ".0%"),  # target near 100 %: the axis still stops there
        (p_analysis(), False, None),
        (run_analysis(), None, None),
        (run_analysis(y=[0.2, 0.3, 0.25, 0.4, 0.35, 0.3, 0.45, 0.5, 0.4, 0.55, 0.5, 0.6]), True, ".0%"),
    ],
)
def test_percent_axis_for_proportions(analysis, percent, expected):
    spec = spec_of(spc_chart(analysis, percent=percent))
    y = point_layers(spec)[0]["encoding"]["y"]
    fmt = y["axis"]["format"]
    if expected:
        assert fmt == expected
        lo, hi = y["scale"]["domain"]
        assert 0 <= lo < hi <= 1  # a proportion axis never shows below 0 % or above 100 %
    else:
        assert "%" not in fmt


# --- tooltips ----------------------------------------------------------------------------------


def tooltip_titles(spec: dict) -> dict[str, str]:
    tips = point_layers(spec)[0]["encoding"]["tooltip"]
    return {t["title"]: t["field"] for t in tips}


def test_tooltips_show_period_value_numerator_denominator_and_note():
    a = p_analysis()
    details = pd.DataFrame(
        {
            "numerator": (a.points["y"] * a.points["n"]).round(),
            "denominator": a.points["n"],
            "note": [None] * 3 + ["Power cut"] + [None] * 16,
        }
    )
    spec = spec_of(spc_chart(a, details=details))
    titles = tooltip_titles(spec)
    assert titles["Period"] == "_x" and titles["Value"] == "y"
    assert titles["Numerator"] == "_numerator" and titles["Denominator"] == "_denominator"
    assert titles["Note"] == "_note"
    tip = point_layers(spec)[0]["encoding"]["tooltip"]
    assert tip[0]["format"] == "%b %Y"  # monthly periods
    data = rows(spec, point_layers(spec)[0])
    assert data[3]["_note"] == "Power cut" and data[3]["_numerator"] == 10

    # without details: the chart's n is the denominator, no numerator or note
    titles = tooltip_titles(spec_of(spc_chart(a)))
    assert titles["Denominator"] == "n"
    assert "Numerator" not in titles and "Note" not in titles

    with pytest.raises(ValueError):
        spc_chart(a, details=details.iloc[:5])


def test_weekly_dates_get_the_week_format():
    a = run_analysis(x=pd.date_range("2024-01-01", periods=12, freq="W-MON"))
    spec = spec_of(spc_chart(a, labels=ChartLabels(week_format="uge %V")))
    assert point_layers(spec)[0]["encoding"]["tooltip"][0]["format"] == "uge %V"


# --- annotations -------------------------------------------------------------------------------


def test_pdsa_cycles_and_notes_are_labelled_rules_styled_apart():
    anns = [
        Annotation(pd.Timestamp("2024-03-01"), "PDSA 1: checklist"),
        Annotation(pd.Timestamp("2024-07-01"), "PDSA 2: reminder", kind="pdsa"),
        Annotation(pd.Timestamp("2024-05-01"), "New staff", kind="note"),
    ]
    spec = spec_of(spc_chart(run_analysis(), annotations=anns))
    rules = {mark(u)["color"]: u for u in main_units(spec) if mark(u)["type"] == "rule"}
    pdsa, note = rules[charts.PDSA_COLOUR], rules[charts.NOTE_COLOUR]
    assert "strokeDash" not in mark(pdsa) and "strokeDash" in mark(note)
    assert sorted(r["_text"] for r in rows(spec, pdsa)) == ["PDSA 1: checklist", "PDSA 2: reminder"]
    assert [r["_x"][:10] for r in rows(spec, note)] == ["2024-05-01"]
    texts = [u for u in main_units(spec) if mark(u)["type"] == "text" and u["encoding"].get("text", {}).get("field") == "_text"
             and mark(u)["color"] in (charts.PDSA_COLOUR, charts.NOTE_COLOUR)]
    shown = {r["_text"]: mark(u) for u in texts for r in rows(spec, u)}
    assert set(shown) == {"PDSA 1: checklist", "PDSA 2: reminder", "New staff"}
    assert shown["PDSA 1: checklist"]["fontWeight"] == "bold"
    assert shown["New staff"]["fontStyle"] == "italic"


def test_annotations_on_text_x_match_the_labels():
    a = run_analysis(x=[f"W{k}" for k in range(1, 13)])
    spec = spec_of(spc_chart(a, annotations=[Annotation("W5", "PDSA 1"), Annotation("nope", "lost")]))
    rules = [u for u in main_units(spec) if mark(u)["type"] == "rule"]
    assert [r["_x"] for u in rules for r in rows(spec, u)] == [5.0]


# --- Making Data Count -------------------------------------------------------------------------


def test_mdc_points_coloured_by_point_type_with_nhs_colours():
    spec = spec_of(spc_chart(mdc_analysis()))
    (filled,) = [u for u in point_layers(spec) if mark(u).get("filled")]
    colour = filled["encoding"]["color"]
    assert colour["field"] == "_ptype"
    labels = ChartLabels()
    assert colour["scale"]["domain"] == [
        "Common cause variation", "Special cause: improvement", "Special cause: concern"
    ]
    assert [c.lower() for c in colour["scale"]["range"]] == ["#7b7d7d", "#289de0", "#fab428"]
    assert colour["legend"] is not None  # three kinds: the legend is needed
    data = rows(spec, filled)
    assert data[1]["_ptype"] == labels.point_type_label("special_cause_concern")
    # the caller's words, in the caller's language
    spec = spec_of(spc_chart(mdc_analysis(), labels=ChartLabels(point_types={"common_cause": "Almindelig"})))
    (filled,) = [u for u in point_layers(spec) if mark(u).get("filled")]
    assert filled["encoding"]["color"]["scale"]["domain"][0] == "Almindelig"
    # the Anhøj chart has no legend at all
    assert "legend" not in json.dumps(point_layers(spec_of(spc_chart(p_analysis())))[0]["encoding"]["color"])


def icon_units(spec: dict) -> list[list[dict]]:
    return [list(units(icon)) for icon in spec["hconcat"][1]["vconcat"]]


def test_mdc_icons_drawn_beside_the_chart():
    labels = ChartLabels(variation="Variation!", point_types={"special_cause_improvement": "Better"},
                         assurance_types={"inconsistent": "Sometimes"})
    spec = spec_of(spc_chart(mdc_analysis(), labels=labels, width=500))
    assert "hconcat" in spec and spec["hconcat"][0]["width"] == 500
    variation, assurance = icon_units(spec)
    ring = [u for u in variation if mark(u)["type"] == "point" and mark(u).get("stroke")]
    assert mark(ring[0])["stroke"].lower() == "#289de0"
    letters = [r["t"] for u in variation if mark(u)["type"] == "text" for r in rows(spec, u)]
    assert letters == ["L"]  # improvement while the measure should decrease: low
    assert [r["t"] for u in assurance if mark(u)["type"] == "text" for r in rows(spec, u)] == ["?"]
    ring = [u for u in assurance if mark(u)["type"] == "point" and mark(u).get("stroke")]
    assert mark(ring[0])["stroke"].lower() == "#7b7d7d"
    titles = [icon["title"] for icon in spec["hconcat"][1]["vconcat"]]
    assert titles[0]["text"] == "Variation!" and titles[0]["subtitle"] == ["Better"]
    assert titles[1]["subtitle"] == ["Sometimes"]

    # a pass under an increase: "P" in blue; concern "H" when lower is better
    spec = spec_of(spc_chart(mdc_analysis(variation_icon="special_cause_concern", assurance="consistent_pass")))
    variation, assurance = icon_units(spec)
    assert [r["t"] for u in variation if mark(u)["type"] == "text" for r in rows(spec, u)] == ["H"]
    assert [r["t"] for u in assurance if mark(u)["type"] == "text" for r in rows(spec, u)] == ["P"]

    # no icons: no hconcat; Anhøj charts never get icons
    assert "hconcat" not in spec_of(spc_chart(mdc_analysis(variation_icon=None, assurance=None)))
    assert "hconcat" not in spec_of(spc_chart(mdc_analysis(), show_icons=False))
    assert "hconcat" not in spec_of(spc_chart(p_analysis()))
    assert mdc_icons(mdc_analysis(variation_icon=None, assurance=None)) is None


# --- labels and language -----------------------------------------------------------------------


def test_every_word_comes_from_the_labels():
    text_fields = [f.name for f in dataclasses.fields(ChartLabels)
                   if f.type in ("str", "str | None") and not f.name.endswith("format") and f.name != "locale"]
    custom = ChartLabels(
        **{name: f"«{name}»" for name in text_fields},
        point_types={k: f"«{k}»" for k in charts.POINT_TYPE_TEXTS},
        assurance_types={k: f"«{k}»" for k in charts.ASSURANCE_TEXTS},
    )
    a = mdc_analysis()
    a.points.loc[5, "include"] = False
    a.points.loc[9, "baseline"] = False
    a.points.loc[3, "sigma_signal"] = True
    details = pd.DataFrame({"numerator": range(14), "denominator": [20] * 14, "note": ["x"] * 14})
    anns = [Annotation(pd.Timestamp("2024-04-01"), "A"), Annotation(pd.Timestamp("2024-06-01"), "B", "note")]
    text = json.dumps(spc_chart(a, labels=custom, details=details, annotations=anns).to_dict(), ensure_ascii=False)
    defaults = ChartLabels()
    english = [getattr(defaults, name) for name in text_fields]
    english += list(charts.POINT_TYPE_TEXTS.values()) + list(charts.ASSURANCE_TEXTS.values())
    for word in english:
        if word:
            assert word not in text, f"default text leaked: {word!r}"
    for name in ("title", "y_title", "baseline", "target", "value", "date", "variation", "assurance", "mean",
                 "excluded", "outside", "numerator", "note", "pdsa", "limits", "special_cause_improvement", "inconsistent"):
        assert f"«{name}»" in text, name


def test_centre_line_is_called_median_or_mean():
    assert tooltip_titles(spec_of(spc_chart(run_analysis())))["Median"] == "cl"
    assert tooltip_titles(spec_of(spc_chart(p_analysis())))["Mean"] == "cl"
    labels = ChartLabels(centre="Centrallinje", median=None)
    assert tooltip_titles(spec_of(spc_chart(run_analysis(), labels=labels)))["Centrallinje"] == "cl"


def test_locale_is_embedded_for_danish():
    spec = spec_of(spc_chart(p_analysis(), labels=ChartLabels(locale="da-DK")))
    assert spec["config"]["locale"]["number"]["decimal"] == ","
    assert spec["config"]["locale"]["time"]["shortMonths"][4] == "maj"
    assert "locale" not in spec_of(spc_chart(p_analysis()))["config"]


def test_clean_look_and_size():
    spec = spec_of(spc_chart(p_analysis(), height=300))
    assert spec["width"] == "container" and spec["height"] == 300
    assert spec["config"]["axis"]["grid"] is False
    assert spec["config"]["view"]["stroke"] is None


# --- export ------------------------------------------------------------------------------------


def test_chart_to_png_and_svg():
    chart = spc_chart(p_analysis(target=0.8), annotations=[Annotation(pd.Timestamp("2024-06-01"), "PDSA 1")])
    png = chart_to_png(chart, scale=1)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width = int.from_bytes(png[16:20], "big")
    assert width > 600  # "container" exported at a sensible width, not Vega's 300 px fallback
    svg = chart_to_svg(chart)
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert "PDSA 1" in svg


def test_mdc_chart_with_icons_exports():
    png = chart_to_png(spc_chart(mdc_analysis(), labels=ChartLabels(title="MDC")), scale=1)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


# --- with the engine ---------------------------------------------------------------------------


def test_engine_output_charts_as_expected():
    from pdsa.spc import analyze

    x = pd.date_range("2024-01-01", periods=20, freq="W-MON")
    y = [3, 4, 2, 3, 4, 3, 2, 4, 3, 3, 7, 8, 6, 7, 8, 7, 9, 8, 7, 8]
    run = analyze(y, None, list(x), chart="run")
    assert run.points["runs_signal"].all()  # a shift of ten: the engine's finding, the chart's input
    spec = spec_of(spc_chart(run))
    (cl,) = centre_layers(spec)
    assert mark(cl)["color"] == SIGNAL and "strokeDash" in mark(cl)
    assert point_layers(spec)[0]["encoding"]["x"]["type"] == "temporal"

    n = [50, 60, 55, 50, 45, 60, 50, 55, 60, 50] * 2
    d = [25, 31, 27, 10, 22, 33, 24, 27, 32, 23, 35, 43, 37, 38, 31, 40, 37, 38, 44, 35]
    p = analyze(d, n, list(x), chart="p", part=[10], exclude=[7])
    spec = spec_of(spc_chart(p, annotations=[Annotation(x[9], "PDSA 1")]))
    assert [u for u in main_units(spec) if ["lcl", "ucl"] in folds(u)]
    assert [u for u in main_units(spec) if mark(u).get("color") == charts.PART_RULE_COLOUR]
    assert [u for u in point_layers(spec) if mark(u).get("filled") is False]
    assert point_layers(spec)[0]["encoding"]["y"]["axis"]["format"] == ".0%"
    assert chart_to_png(spc_chart(p), scale=1).startswith(b"\x89PNG")
