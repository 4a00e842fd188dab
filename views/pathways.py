"""Patient pathways: their steps across sectors, built and edited here; the count of open
problems (the Problems page holds them); and patients' words."""

from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitAPIException

from pathways.diagram import pathway_dot
from pathways.store import archived_steps, list_pathways, list_problems, list_units
from pdsa.core.fields import SECTORS
from pdsa.store.cycles import list_cycles
from pdsa.store.observations import list_observations
from pdsa.store.projects import list_projects
from ui import observation_form
from ui import pathway_forms as forms
from ui.actor import current_actor
from ui.choice import choose
from ui.format import label
from ui.plain import plain
from ui.state import cursor, t, tn
from ui.visibility import visible_pathway_ids

PROBLEMS_PAGE = "views/problems.py"

st.title(t("pathways.title"))
st.caption(t("pathways.purpose"))

cur = cursor()
actor = current_actor()
everything = list_pathways(cur, include_archived=True)
shown = visible_pathway_ids(actor, everything, list_projects(cur))
pathways = [p for p in everything if p.id in shown and not p.archived]
archived = [p for p in everything if p.archived] if forms.may(actor, "restore_pathway") else []
may_create = forms.may(actor, "create_pathway")

forms.show_page_outcome()
if not pathways:
    if may_create:
        st.info(t("pathway_forms.empty"))
        forms.create_pathway_form()
    else:
        st.info(t("pathway_forms.empty_reader"))
    forms.archived_pathways(archived)
    st.stop()

by_id = {p.id: p for p in pathways}
chosen = by_id[choose(t("pathways.choose"), {p.id: p.name for p in pathways}, key="pathway", param="pathway")]
if chosen.description:
    st.markdown(plain(chosen.description))
if forms.may(actor, "update_pathway", chosen.id):
    forms.edit_pathway_form(chosen)

all_units = list_units(cur)
units = {u.id: u.name for u in all_units}
problems = list_problems(cur, pathway_id=chosen.id)
is_open = [p for p in problems if p.status not in ("solved", "not_pursued")]
open_by_step: dict[int, int] = {}
for problem in is_open:
    if problem.step_id:
        open_by_step[problem.step_id] = open_by_step.get(problem.step_id, 0) + 1

st.subheader(t("pathways.steps_heading"))
if chosen.steps:
    st.graphviz_chart(
        pathway_dot(chosen, unit_names=units, sector_names={s: label("sector", s) for s in SECTORS},
                    problem_counts=open_by_step, problems_text=lambda n: tn("pathway_forms.open_problems", n)),
        width="content",
        alt=t("pathway_forms.diagram_alt", steps=", ".join(f"{s.position}. {s.name}" for s in chosen.steps)),
    )
editable = forms.may(actor, "update_pathway_step", chosen.id)
forms.steps_list(chosen, units, editable=editable)
if forms.may(actor, "add_pathway_step", chosen.id):
    forms.add_step_form(chosen, units)
if forms.may(actor, "restore_pathway_step", chosen.id):
    forms.archived_steps_list(chosen, archived_steps(cur, chosen.id))

st.subheader(t("pathways.problems_heading"))
count_text = tn("pathway_forms.open_problems_in_pathway", len(is_open))
linked = False
if (Path(__file__).resolve().parent.parent / PROBLEMS_PAGE).exists():
    try:  # the Problems page holds the inbox; the link works once the app lists that page
        st.page_link(PROBLEMS_PAGE, label=t("pathway_forms.see_problems", count=count_text),
                     query_params={"pathway": chosen.id}, icon=":material/inbox:")
        linked = True
    except StreamlitAPIException:
        pass
if not linked:
    st.markdown(count_text)

st.subheader(t("pathways.observations_heading"))  # patients' and relatives' words, and the team's links
if observation_form.places(cur, actor, pathway_id=chosen.id):
    with st.expander(t("patient_voice.add_heading"), icon=":material/record_voice_over:"):
        observation_form.show_observation_form(cur, actor, key=f"pathway-observation-{chosen.id}",
                                               pathway_id=chosen.id)
observations = list_observations(cur, pathway_id=chosen.id)
pathway_projects = list_projects(cur, pathway_id=chosen.id)
project_titles = {p.id: p.title for p in pathway_projects}
problem_titles = {p.id: p.title for p in problems if p.merged_into_id is None}
cycle_choices = {c.id: (c.title, c.project_id) for c in list_cycles(cur) if c.project_id in project_titles}
if observations:
    for obs in observations:
        with st.container(border=True):
            st.markdown(f"“{plain(obs.text)}”")
            st.caption(observation_form.observation_caption(obs))
            linked_to = observation_form.linked_to_text(obs, problem_titles, project_titles,
                                                         {i: title for i, (title, _) in cycle_choices.items()})
            if linked_to:
                st.caption(linked_to)
            observation_form.show_own_observation_controls(cur, actor, obs, key=f"own-observation-{obs.id}")
            observation_form.show_observation_links(actor, obs, key=f"link-observation-{obs.id}",
                                                    problems=problem_titles, projects=project_titles,
                                                    cycles=cycle_choices)
else:
    st.info(t("pathways.no_observations"))
observation_form.show_withdrawn_observations(
    actor, [o for o in list_observations(cur, pathway_id=chosen.id, include_archived=True) if o.archived])

st.divider()
forms.units_section(all_units, may_add=forms.may(actor, "add_unit"), may_edit=forms.may(actor, "update_unit"))
if may_create:
    with st.expander(t("pathway_forms.new_pathway"), expanded=forms.create_pending()):
        forms.create_pathway_form(border=False)
if forms.may(actor, "archive_pathway", chosen.id):
    forms.archive_pathway_button(chosen)
forms.archived_pathways(archived)
