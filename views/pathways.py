"""Patient pathways: their steps across sectors, the problems found in them, and patients' words."""

import pandas as pd
import streamlit as st

from pathways.diagram import pathway_dot
from pathways.store import list_pathways, list_problems, list_units
from pdsa.core.fields import SECTORS
from pdsa.store.observations import list_observations
from pdsa.store.projects import list_projects
from ui.choice import choose
from ui.format import fmt_date, label
from ui.plain import plain
from ui.actor import current_actor
from ui.state import cursor, t
from ui.visibility import visible_pathway_ids

st.title(t("pathways.title"))
st.caption(t("pathways.purpose"))

cur = cursor()
actor = current_actor()
shown = visible_pathway_ids(actor, list_pathways(cur), list_projects(cur))
pathways = [p for p in list_pathways(cur) if p.id in shown]
if not pathways:
    st.info(t("pathways.empty"))
    st.stop()

by_id = {p.id: p for p in pathways}
chosen = by_id[choose(t("pathways.choose"), {p.id: p.name for p in pathways}, key="pathway", param="pathway")]
if chosen.description:
    st.markdown(plain(chosen.description))

units = {u.id: u.name for u in list_units(cur)}
problems = list_problems(cur, pathway_id=chosen.id)
open_by_step: dict[int, int] = {}
for problem in problems:
    if problem.step_id and problem.status not in ("solved", "not_pursued"):
        open_by_step[problem.step_id] = open_by_step.get(problem.step_id, 0) + 1

st.subheader(t("pathways.steps_heading"))
if chosen.steps:
    st.graphviz_chart(
        pathway_dot(chosen, unit_names=units, sector_names={s: label("sector", s) for s in SECTORS},
                    problem_counts=open_by_step, problems_word=t("pathways.open_problems_word")),
        width="stretch",
    )
    with st.expander(t("pathways.step_details")):
        for step in chosen.steps:
            st.markdown(f"**{step.position}. {plain(step.name, one_line=True)}** · "
                        f"{plain(units.get(step.unit_id, ''), one_line=True)} · {label('sector', step.sector)}")
            if step.description:
                st.caption(plain(step.description))
else:
    st.info(t("pathways.no_steps"))

st.subheader(t("pathways.problems_heading"))
if problems:
    step_names = {s.id: s.name for s in chosen.steps}
    project_titles = {p.id: p.title for p in list_projects(cur)}
    table = pd.DataFrame(
        {
            t("problems.title"): [p.title for p in problems],
            t("problems.step"): [step_names.get(p.step_id, "–") for p in problems],
            t("problems.source"): [label("source", p.source) for p in problems],
            t("problems.status"): [label("problem_status", p.status) for p in problems],
            t("problems.reported_on"): [fmt_date(p.reported_on) for p in problems],
            t("problems.impact"): [p.impact for p in problems],
            t("problems.effort"): [p.effort for p in problems],
            t("problems.projects"): [", ".join(project_titles[i] for i in p.project_ids) or "–" for p in problems],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")
    for problem in problems:
        if problem.description:
            with st.expander(plain(problem.title, one_line=True)):
                st.markdown(plain(problem.description))
                if problem.reported_by_role:
                    st.caption(t("problems.reported_by", role=plain(problem.reported_by_role, one_line=True)))
else:
    st.info(t("pathways.no_problems"))

st.subheader(t("pathways.observations_heading"))
observations = list_observations(cur, pathway_id=chosen.id)
if observations:
    for obs in observations:
        with st.container(border=True):
            st.markdown(f"“{plain(obs.text)}”")
            who = plain(obs.author_role, one_line=True) or t("observations.anonymous")
            st.caption(f"{label('observation_kind', obs.kind)} · {who} · {fmt_date(obs.observed_on)}")
else:
    st.info(t("pathways.no_observations"))
