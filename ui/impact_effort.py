"""The impact–effort chart of a pathway's problems: where to start (Altair).

Effort runs along the bottom, impact up the side, both 1–5 as set at triage. The four
quarters carry plain words (quick wins, big projects, small fixes, not now), so a team sees
what to work on first. Problems not yet given both an impact and an effort are left out;
the page says how many.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from pathways.models import Problem
from pdsa.history import shorten
from ui.format import label
from ui.state import t

_MIDDLE = 3.0  # 1–2 low, 4–5 high; 3 sits on the line
_LOW, _HIGH = 0.5, 5.5

# (quarter, effort from/to, impact from/to, colour): high impact + low effort first
_QUARTERS = (
    ("quick_wins", _LOW, _MIDDLE, _MIDDLE, _HIGH, "#d9f0d3"),
    ("big_projects", _MIDDLE, _HIGH, _MIDDLE, _HIGH, "#fff2cc"),
    ("small_fixes", _LOW, _MIDDLE, _LOW, _MIDDLE, "#e8eef7"),
    ("not_now", _MIDDLE, _HIGH, _LOW, _MIDDLE, "#f4e1e1"),
)


def plotted(problems: list[Problem]) -> list[Problem]:
    """The problems the chart can place: those with both an impact and an effort."""
    return [p for p in problems if p.impact is not None and p.effort is not None]


def impact_effort_chart(problems: list[Problem]) -> alt.LayerChart:
    """Points labelled with the problems' titles on the four quarters; problems that share a
    square are spread a little, so each stays readable."""
    quarters = pd.DataFrame([
        {"x": x, "x2": x2, "y": y, "y2": y2, "colour": colour, "quarter": t(f"problem_forms.quarter_{name}"),
         "label_x": x + 0.1, "label_y": y2 - 0.12}
        for name, x, x2, y, y2, colour in _QUARTERS
    ])
    rows, seen = [], {}
    for problem in plotted(problems):
        square = (problem.effort, problem.impact)
        k = seen[square] = seen.get(square, -1) + 1
        rows.append({
            "effort": float(problem.effort),
            "impact": problem.impact - 0.2 * k,  # the next one in the same square just below
            "right": problem.effort > _MIDDLE,  # labels there go to the left of the point, inside the chart
            "title": problem.title, "short": shorten(problem.title, 30),
            "status": label("problem_status", problem.status),
            "impact_value": problem.impact, "effort_value": problem.effort,
        })
    points = pd.DataFrame(rows, columns=["effort", "impact", "right", "title", "short", "status", "impact_value",
                                         "effort_value"])
    scale = alt.Scale(domain=[_LOW, _HIGH], nice=False)
    x_axis = alt.Axis(values=[1, 2, 3, 4, 5], format="d", grid=False)
    y_axis = alt.Axis(values=[1, 2, 3, 4, 5], format="d", grid=False)
    background = alt.Chart(quarters).mark_rect(opacity=0.7).encode(
        x=alt.X("x:Q", scale=scale, axis=x_axis, title=t("problem_forms.chart_effort")),
        x2="x2:Q",
        y=alt.Y("y:Q", scale=scale, axis=y_axis, title=t("problem_forms.chart_impact")),
        y2="y2:Q",
        color=alt.Color("colour:N", scale=None, legend=None),
        tooltip=alt.value(None),
    )
    names = alt.Chart(quarters).mark_text(align="left", baseline="top", fontWeight="bold", color="#555").encode(
        x=alt.X("label_x:Q", scale=scale), y=alt.Y("label_y:Q", scale=scale), text="quarter:N",
    )
    tooltip = [alt.Tooltip("title:N", title=t("problems.title")),
               alt.Tooltip("status:N", title=t("problems.status")),
               alt.Tooltip("impact_value:Q", title=t("problems.impact")),
               alt.Tooltip("effort_value:Q", title=t("problems.effort"))]
    dots = alt.Chart(points).mark_circle(size=140, color="#1f4e79", opacity=0.9).encode(
        x=alt.X("effort:Q", scale=scale), y=alt.Y("impact:Q", scale=scale), tooltip=tooltip,
    )
    def labels(align: str, dx: int, right: bool) -> alt.Chart:
        return alt.Chart(points).transform_filter(
            alt.datum.right if right else ~alt.datum.right
        ).mark_text(align=align, dx=dx, fontSize=11, color="#222").encode(
            x=alt.X("effort:Q", scale=scale), y=alt.Y("impact:Q", scale=scale), text="short:N", tooltip=tooltip,
        )

    return alt.layer(background, names, dots, labels("left", 9, False), labels("right", -9, True)).properties(
        height=420)
