"""The impact–effort chart of a pathway's problems: where to start (Altair).

Effort runs along the bottom, impact up the side, both 1–5 as set at triage. The four
quarters carry plain words (quick wins, big projects, small fixes, not now), so a team sees
what to work on first. Each point carries a number, and the page lists the problems in that
order under the chart (titles beside the points ran into each other at a tablet's width);
hovering a point shows its title. Problems not yet given both an impact and an effort are
left out; the page says how many.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from pathways.models import Problem
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
    """The problems the chart can place (both an impact and an effort), in the order they are
    numbered: largest impact first, then smallest effort — the quick wins at the top."""
    placed = [p for p in problems if p.impact is not None and p.effort is not None]
    return sorted(placed, key=lambda p: (-p.impact, p.effort, p.title))


def impact_effort_chart(problems: list[Problem]) -> alt.LayerChart:
    """Numbered points (the order of :func:`plotted`) on the four quarters; problems that share
    a square sit side by side, so each number stays readable."""
    quarters = pd.DataFrame([
        {"x": x, "x2": x2, "y": y, "y2": y2, "colour": colour, "quarter": t(f"problem_forms.quarter_{name}"),
         "label_x": x + 0.1, "label_y": y2 - 0.12}
        for name, x, x2, y, y2, colour in _QUARTERS
    ])
    rows, seen = [], {}
    for number, problem in enumerate(plotted(problems), start=1):
        square = (problem.effort, problem.impact)
        k = seen[square] = seen.get(square, -1) + 1
        rows.append({
            "effort": problem.effort + 0.22 * (k % 4), "impact": problem.impact - 0.24 * (k // 4),
            "number": str(number), "title": problem.title, "status": label("problem_status", problem.status),
            "impact_value": problem.impact, "effort_value": problem.effort,
        })
    points = pd.DataFrame(rows, columns=["effort", "impact", "number", "title", "status", "impact_value",
                                         "effort_value"])
    scale = alt.Scale(domain=[_LOW, _HIGH], nice=False)
    axis = alt.Axis(values=[1, 2, 3, 4, 5], format="d", grid=False)
    background = alt.Chart(quarters).mark_rect(opacity=0.7).encode(
        x=alt.X("x:Q", scale=scale, axis=axis, title=t("problem_forms.chart_effort")),
        x2="x2:Q",
        y=alt.Y("y:Q", scale=scale, axis=axis, title=t("problem_forms.chart_impact")),
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
    dots = alt.Chart(points).mark_circle(size=330, color="#1f4e79", opacity=0.95).encode(
        x=alt.X("effort:Q", scale=scale), y=alt.Y("impact:Q", scale=scale), tooltip=tooltip,
    )
    numbers = alt.Chart(points).mark_text(fontSize=11, fontWeight="bold", color="white").encode(
        x=alt.X("effort:Q", scale=scale), y=alt.Y("impact:Q", scale=scale), text="number:N", tooltip=tooltip,
    )
    return alt.layer(background, names, dots, numbers).properties(height=420)
