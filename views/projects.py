"""Improvement projects: aim, team, driver diagram, measures with their charts, PDSA cycles."""

import pandas as pd
import streamlit as st

from pathways.store import list_pathways, list_problems
from pdsa.driver_diagram import to_dot
from pdsa.store.cycles import list_cycles, ramps
from pdsa.store.measures import list_measures
from pdsa.store.observations import list_observations
from pdsa.store.projects import get_driver_diagram, latest_progress, list_change_ideas, list_projects, list_themes
from ui.format import fmt_date, fmt_number, label, progress_label
from ui.plain import plain
from ui.choice import choose
from ui.cycle_view import show_cycle
from ui.measure_view import show_measure
from ui.actor import current_actor
from ui.state import cursor, t
from ui.visibility import visible_projects

st.title(t("projects.title"))
st.caption(t("projects.purpose"))

cur = cursor()
projects = visible_projects(current_actor(), list_projects(cur))
if not projects:
    st.info(t("projects.empty"))
    st.stop()

by_id = {p.id: p for p in projects}
project = by_id[choose(t("projects.choose"), {p.id: p.title for p in projects}, key="project", param="project")]
pathway_names = {p.id: plain(p.name, one_line=True) for p in list_pathways(cur)}
theme_names = {theme.id: plain(theme.name, one_line=True) for theme in list_themes(cur)}

with st.container(border=True):
    st.markdown(f"#### {t('projects.aim_heading')}")
    st.markdown(t("projects.aim_sentence", what=plain(project.aim_what), how_much=plain(project.aim_how_much),
                  by_when=fmt_date(project.aim_by_when)))
    cols = st.columns(4)
    cols[0].markdown(f"**{t('projects.pathway')}**  \n{pathway_names.get(project.pathway_id, '–')}")
    cols[1].markdown(f"**{t('projects.theme')}**  \n{theme_names.get(project.theme_id, '–')}")
    cols[2].markdown(f"**{t('projects.status')}**  \n{label('project_status', project.status)}")
    cols[3].markdown(f"**{t('projects.started')}**  \n{fmt_date(project.start_date)}")

tab_team, tab_drivers, tab_measures, tab_cycles, tab_voices = st.tabs(
    [t("projects.tab_team"), t("projects.tab_drivers"), t("projects.tab_measures"),
     t("projects.tab_cycles"), t("projects.tab_problems")]
)

with tab_team:
    if project.team:
        st.dataframe(
            pd.DataFrame({
                t("team.name"): [m.name for m in project.team],
                t("team.discipline"): [m.discipline or "–" for m in project.team],
                t("team.sector"): [label("sector", m.sector) for m in project.team],
                t("team.role"): [label("team_role", m.role) for m in project.team],
            }),
            hide_index=True, width="stretch",
        )
    else:
        st.info(t("team.empty"))
    st.markdown(f"#### {t('progress.heading')}")
    score = latest_progress(project)
    if score:
        st.markdown(t("progress.latest", score=fmt_number(score.score), label=progress_label(score.score),
                      date=fmt_date(score.scored_on)))
        st.dataframe(
            pd.DataFrame({
                t("progress.date"): [fmt_date(p.scored_on) for p in project.progress],
                t("progress.score"): [f"{fmt_number(p.score)} – {progress_label(p.score)}" for p in project.progress],
                t("progress.comment"): [p.comment or "" for p in project.progress],
            }),
            hide_index=True, width="stretch",
        )
    else:
        st.info(t("progress.empty"))

with tab_drivers:
    diagram = get_driver_diagram(cur, project.id)
    if diagram.drivers:
        headings = (t("drivers.aim"), t("drivers.primary"), t("drivers.secondary"), t("drivers.ideas"))
        st.graphviz_chart(to_dot(diagram, headings=headings), width="stretch")
    else:
        st.info(t("drivers.empty"))

with tab_measures:
    measures = list_measures(cur, project_id=project.id)
    if not measures:
        st.info(t("measures.empty"))
    for measure in measures:
        show_measure(cur, measure, annotations_from=list_cycles(cur, project_id=project.id))

with tab_cycles:
    cycles = list_cycles(cur, project_id=project.id)
    if not cycles:
        st.info(t("cycles.empty"))
    ideas = {i.id: plain(i.text, one_line=True) for i in list_change_ideas(cur, project.id)}
    for number, ramp in enumerate(ramps(cycles), start=1):
        idea = ideas.get(ramp[0].change_idea_id)
        st.markdown(f"#### {t('cycles.ramp', number=number)}" + (f" · {idea}" if idea else ""))
        for cycle in ramp:
            stage = label("cycle_stage", cycle.stage)
            decision = f" · {label('decision', cycle.act_decision)}" if cycle.act_decision else ""
            heading = f"PDSA {number}.{cycle.cycle_number} · {plain(cycle.title, one_line=True)} — {stage}{decision}"
            with st.expander(heading):
                show_cycle(cycle)

with tab_voices:
    problems = list_problems(cur, project_id=project.id)
    st.markdown(f"#### {t('projects.problems_addressed')}")
    if problems:
        for problem in problems:
            st.markdown(f"- **{plain(problem.title, one_line=True)}** · {label('source', problem.source)} · "
                        f"{label('problem_status', problem.status)}")
    else:
        st.info(t("projects.no_problems"))
    st.markdown(f"#### {t('projects.observations')}")
    observations = list_observations(cur, project_id=project.id)
    if observations:
        for obs in observations:
            who = plain(obs.author_role, one_line=True) or t("observations.anonymous")
            st.markdown(f"> {plain(obs.text)}  \n> — {who}, {fmt_date(obs.observed_on)}")
    else:
        st.info(t("projects.no_observations"))
