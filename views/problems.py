"""Problems in a pathway: register one (a complaint is the usual way in), the inbox with triage
and the impact–effort chart, merging duplicates, and one problem's page (``?problem=ID``)."""

import streamlit as st

from actions import can
from actions.permissions import Scope
from pathways.store import list_pathways
from pdsa.store.projects import list_projects
from ui.actor import current_actor
from ui.chart_cache import show_altair_chart
from ui.choice import choose, linked_id
from ui.impact_effort import impact_effort_chart, plotted
from ui.problem_forms import (
    PROBLEM_PARAM,
    close_problem,
    filter_problems,
    merge_section,
    open_picker,
    pathway_problems,
    problem_detail,
    project_from_problems,
    register_form,
    triage_table,
    visible_problem,
)
from ui.plain import plain
from ui.state import cursor, language, t, tn
from ui.visibility import visible_pathway_ids

st.title(t("problem_forms.title"))
st.caption(t("problem_forms.purpose"))

cur = cursor()
actor = current_actor()
shown = visible_pathway_ids(actor, list_pathways(cur), list_projects(cur))
pathways = [p for p in list_pathways(cur) if p.id in shown]
if not pathways:
    st.info(t("problem_forms.no_pathways"))
    st.page_link("views/pathways.py", label=t("problem_forms.to_pathways"), icon=":material/route:")
    st.stop()

# A link to one problem (?problem=ID) opens its pathway too, once; choosing another pathway closes it.
opened = visible_problem(linked_id(PROBLEM_PARAM), {p.id for p in pathways})
if opened is not None and st.session_state.get("problem-opened") != opened.id:
    st.session_state["pathway"] = opened.pathway_id
st.session_state["problem-opened"] = opened.id if opened is not None else None

by_id = {p.id: p for p in pathways}
chosen = by_id[choose(t("pathways.choose"), {p.id: p.name for p in pathways}, key="pathway", param="pathway")]
if opened is not None and opened.pathway_id != chosen.id:
    close_problem()
    opened = None
    st.session_state["problem-opened"] = None

if opened is not None:
    problem_detail(actor, opened, chosen)
    st.stop()

register_form(actor, chosen)

st.subheader(t("problem_forms.inbox_heading"), anchor=False)
problems = pathway_problems(chosen.id)
if not problems:
    may_register = actor is not None and can(actor, "register_problem", Scope(pathway_id=chosen.id))
    st.info(t("problem_forms.inbox_empty" if may_register else "problem_forms.inbox_empty_reader"))
    st.stop()

shown_problems = filter_problems(problems, chosen)
st.caption(tn("problem_forms.shown_count", len(shown_problems)))
if shown_problems:
    triage_table(actor, chosen, shown_problems)
    open_picker(chosen, shown_problems)
    project_from_problems(actor, chosen, shown_problems)
else:
    st.info(t("problem_forms.filter_empty"))

st.subheader(t("problem_forms.chart_heading"), anchor=False)
st.caption(t("problem_forms.chart_purpose"))
on_chart = plotted(shown_problems)
if on_chart:
    show_altair_chart(lambda: impact_effort_chart(shown_problems), width="stretch",  # ui/chart_cache.py
                      drawn_from=("impact-effort", language(), shown_problems))
    st.markdown("\n".join(
        t("problem_forms.chart_line", number=number, title=plain(problem.title, one_line=True),
          impact=problem.impact, effort=problem.effort)
        for number, problem in enumerate(on_chart, start=1)))
missing = len(shown_problems) - len(on_chart)
if missing:
    st.caption(tn("problem_forms.not_on_chart", missing))

merge_section(actor, chosen, problems)
