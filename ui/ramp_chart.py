"""A project's PDSA ramps as a timeline: one row per change idea, one bar per cycle from its
start to its end (or its planned end, or today while it runs), coloured by stage and labelled
with its number and decision. The page passes the words (no Streamlit needed here)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import altair as alt
import pandas as pd

from pdsa.models import PdsaCycle
from pdsa.store.cycles import ramps

STAGE_COLOURS = {"planning": "#9e9e9e", "doing": "#1f77b4", "studying": "#ff7f0e", "acted": "#2ca02c"}


@dataclass(frozen=True)
class RampLabels:
    idea: str = "Change idea"
    cycle: str = "Cycle"
    stage: str = "Stage"
    decision: str = "Decision"
    start: str = "Start"
    end: str = "End"
    no_idea: str = "(no change idea)"
    stages: Mapping[str, str] | None = None
    decisions: Mapping[str, str] | None = None
    date_format: str = "%d-%m-%Y"


def ramp_rows(cycles: list[PdsaCycle], ideas: Mapping[int, str], labels: RampLabels, *, today: date) -> pd.DataFrame:
    """One row per cycle with a start (begun, or planned with a planned end): its idea's row,
    "PDSA r.n", stage and decision in words, start and end (a day-long bar for a one-day test)."""
    rows = []
    stages, decisions = labels.stages or {}, labels.decisions or {}
    for ramp_no, ramp in enumerate(ramps(cycles), start=1):
        for cycle in ramp:
            start = cycle.do_start or cycle.plan_end
            if start is None:
                continue
            end = cycle.do_end or (max(cycle.plan_end, today) if cycle.do_start and cycle.plan_end else None)
            end = end or (today if cycle.do_start and cycle.stage == "doing" else start)
            name = f"PDSA {ramp_no}.{cycle.cycle_number}"
            decision = decisions.get(cycle.act_decision, "") if cycle.act_decision else ""
            rows.append({
                "idea": ideas.get(cycle.change_idea_id) or labels.no_idea,
                "cycle": name, "title": cycle.title,
                "stage": stages.get(cycle.stage, cycle.stage), "stage_code": cycle.stage,
                "decision": decision,
                "label": f"{name} · {decision}" if decision else name,
                "start": pd.Timestamp(start), "end": pd.Timestamp(end + timedelta(days=1)),
                "start_text": start.strftime(labels.date_format), "end_text": end.strftime(labels.date_format),
            })
    return pd.DataFrame(rows)


def ramp_timeline(cycles: list[PdsaCycle], ideas: Mapping[int, str], labels: RampLabels, *,
                  today: date | None = None) -> alt.LayerChart | None:
    """The timeline, or None when no cycle has a date yet."""
    frame = ramp_rows(cycles, ideas, labels, today=today or date.today())
    if frame.empty:
        return None
    stages = labels.stages or {}
    domain = [stages.get(code, code) for code in STAGE_COLOURS]
    y = alt.Y("idea:N", title=None, sort=list(dict.fromkeys(frame["idea"])),
              axis=alt.Axis(labelLimit=260))
    base = alt.Chart(frame)
    bars = base.mark_bar(cornerRadius=3, height=18).encode(
        x=alt.X("start:T", title=None), x2="end:T", y=y,
        color=alt.Color("stage:N", title=labels.stage,
                        scale=alt.Scale(domain=domain, range=list(STAGE_COLOURS.values())),
                        legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("cycle:N", title=labels.cycle), alt.Tooltip("title:N", title=" "),
                 alt.Tooltip("stage:N", title=labels.stage), alt.Tooltip("decision:N", title=labels.decision),
                 alt.Tooltip("start_text:N", title=labels.start), alt.Tooltip("end_text:N", title=labels.end)],
    )
    text = base.mark_text(align="left", baseline="bottom", dy=-10, fontSize=11).encode(
        x="start:T", y=y, text="label:N")
    rows = frame["idea"].nunique()
    # usermeta names the chart for tests and tools that tell it from the measures' charts
    return alt.layer(bars, text).properties(height=max(90, 60 * rows), usermeta={"chart": "ramp_timeline"})
