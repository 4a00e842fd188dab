"""Making Data Count icons (variation and assurance) drawn as small Altair charts.

A variation icon is a ring in the colour of the last point's type with a small run of dots
inside (rising or falling for special cause) and "H"/"L" for a high or low special cause; an
assurance icon is a ring with "P" (consistently passes the target), "F" (consistently fails) or
"?" (inconsistent). Colours are those of NHSRplotthedots' ``ptd_spc_colours()``.
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

import altair as alt
import pandas as pd

from pdsa.mdc_marks import (
    ASSURANCE_COLOURS,
    ASSURANCE_LETTERS,
    MDC_COLOURS,
    variation_letter,
)

_DOT_X = [-0.45, -0.3, -0.15, 0.0, 0.15, 0.3, 0.45]
_FLAT = [-0.1, 0.02, -0.05, 0.05, -0.03, 0.04, -0.06]
_RISING = [-0.2, -0.1, -0.17, -0.08, 0.03, 0.13, 0.23]


def _caption(heading: str, text: str) -> alt.TitleParams:
    return alt.TitleParams(
        text=heading,
        subtitle=textwrap.wrap(text, 18) or [""],
        orient="bottom",
        anchor="middle",
        fontSize=11,
        fontWeight="bold",
        color="#333333",
        subtitleFontSize=10,
        subtitleColor="#555555",
        offset=6,
    )


def icon_chart(letter: str, colour: str, *, dots: str | None, heading: str, caption: str, size: int = 84) -> alt.LayerChart:
    """One icon: a ring in ``colour`` with ``letter``; ``dots`` is None, "flat", "up" or "down"."""
    scale = alt.Scale(domain=[-1, 1], nice=False, zero=False)
    enc = dict(
        x=alt.X("x:Q", scale=scale, axis=None),
        y=alt.Y("y:Q", scale=scale, axis=None),
    )
    ring_area = math.pi * (0.43 * size) ** 2
    ring = (
        alt.Chart(pd.DataFrame({"x": [0.0], "y": [0.0], "kind": ["ring"]}))
        .mark_point(shape="circle", filled=True, fill="white", stroke=colour, strokeWidth=max(3, size / 16),
                    size=ring_area, opacity=1)
        .encode(**enc)
    )
    layers: list[Any] = [ring]
    letter_y = 0.0
    if dots is not None:
        if dots == "flat":
            ys, colours = _FLAT, ["#7B7D7D"] * 7
        else:
            ys = _RISING if dots == "up" else [-v for v in _RISING]
            colours = ["#7B7D7D"] * 4 + [colour] * 3
        shift = -0.16 if dots == "up" else (0.16 if dots == "down" else 0.0)
        dots_df = pd.DataFrame({"x": _DOT_X, "y": [v + shift for v in ys], "c": colours})
        layers.append(alt.Chart(dots_df).mark_line(color="#7B7D7D", strokeWidth=1.2).encode(**enc))
        layers.append(
            alt.Chart(dots_df)
            .mark_point(filled=True, opacity=1, size=max(8, size / 5))
            .encode(**enc, color=alt.Color("c:N", scale=None, legend=None))
        )
        letter_y = 0.36 if dots == "up" else -0.36
    if letter:
        size_factor = 0.3 if dots is not None else 0.5
        layers.append(
            alt.Chart(pd.DataFrame({"x": [0.0], "y": [letter_y], "t": [letter]}))
            .mark_text(fontSize=size * size_factor, fontWeight="bold", color=colour, baseline="middle",
                       align="center")
            .encode(**enc, text="t:N")
        )
    return alt.layer(*layers).properties(
        width=size, height=size, title=_caption(heading, caption), view=alt.ViewBackground(stroke=None)
    )


def variation_icon(point_type: str, direction: str, labels: Any, size: int = 84) -> alt.LayerChart:
    colour = MDC_COLOURS.get(point_type, MDC_COLOURS["common_cause"])
    letter = variation_letter(point_type, direction)
    dots = "flat" if not letter else ("up" if letter == "H" else "down")
    return icon_chart(
        letter, colour, dots=dots, heading=labels.variation,
        caption=labels.point_type_label(point_type), size=size,
    )


def assurance_icon(assurance: str, labels: Any, size: int = 84) -> alt.LayerChart:
    colour = ASSURANCE_COLOURS.get(assurance, ASSURANCE_COLOURS["inconsistent"])
    return icon_chart(
        ASSURANCE_LETTERS.get(assurance, "?"), colour, dots=None, heading=labels.assurance,
        caption=labels.assurance_label(assurance), size=size,
    )


def mdc_icons_for(
    *, variation: str | None, assurance: str | None, direction: str, labels: Any, size: int = 84
) -> alt.VConcatChart | None:
    icons = []
    if variation:
        icons.append(variation_icon(variation, direction, labels, size))
    if assurance:
        icons.append(assurance_icon(assurance, labels, size))
    if not icons:
        return None
    return alt.vconcat(*icons, spacing=18)
