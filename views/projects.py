"""Improvement projects: aim, team, driver diagram, measures with their charts, PDSA cycles.

Deep links: ``?project=ID`` opens a project, ``&measure=ID`` and ``&cycle=ID`` open its
Measures or PDSA cycles tab with that measure first or that cycle unfolded, and
``?new_from_problem=3,4`` opens the New project form made from those problems.
"""

import pandas as pd
import streamlit as st

from actions import can
from actions.permissions import Scope
from pathways.store import list_pathways, list_problems, list_units
from pdsa.store.cycles import list_cycles
from pdsa.store.measures import list_measures
from pdsa.store.observations import list_observations
from pdsa.store.projects import latest_progress, list_projects, list_themes
from ui.actor import current_actor
from ui.chart_cache import measure_card
from ui.choice import choose, linked_id
from ui.cycle_view import cycles_tab
from ui.driver_editor import driver_editor
from ui.format import fmt_date, fmt_number, label, progress_label
from ui.measure_form import new_measure_form
from ui.measure_view import archived_measures_section
from ui.plain import plain
from ui.project_form import (
    aim_warnings,
    archive_button,
    archive_outcome,
    archived_projects,
    edit_project_form,
    new_project_form,
    progress_form,
)
from ui.state import cursor, t
from ui.team_editor import team_editor
from ui.visibility import visible_projects


def _problem_ids_in_address() -> tuple[int, ...]:
    """``?new_from_problem=3,4`` as ids (anything that is not an id is left out)."""
    raw = st.query_params.get("new_from_problem") or ""
    return tuple(int(part) for part in raw.split(",") if part.strip().isdigit())


def _linked_in_project(param: str, ids: set[int]) -> int | None:
    """The id a link names under ``param`` when it belongs to this project; a stale one (another
    project's measure or cycle) is taken out of the address."""
    wanted = linked_id(param)
    if wanted is not None and wanted not in ids:
        del st.query_params[param]
        return None
    return wanted


st.title(t("projects.title"))
st.caption(t("projects.purpose"))

cur = cursor()
actor = current_actor()
everything = visible_projects(actor, list_projects(cur, include_archived=True))
projects = [p for p in everything if not p.archived]
archive_outcome()
from_problems = _problem_ids_in_address()
form_shown = new_project_form(cur, actor, from_problem_ids=from_problems, key="new-project", expanded=not projects)
archived_projects(cur, actor, [p for p in everything if p.archived])
if not projects:
    if not form_shown:
        st.info(t("project_forms.empty_ask"))
    elif list_pathways(cur):  # else the form's place already says to create a pathway first
        st.info(t("project_forms.empty_create"))
    st.stop()

by_id = {p.id: p for p in projects}
project = by_id[choose(t("projects.choose"), {p.id: p.title for p in projects}, key="project", param="project")]
pathway_names = {p.id: plain(p.name, one_line=True) for p in list_pathways(cur)}
theme_names = {theme.id: plain(theme.name, one_line=True) for theme in list_themes(cur)}
unit_names = {u.id: plain(u.name, one_line=True) for u in list_units(cur)}
may_edit = actor is not None and can(actor, "update_project", Scope(project_id=project.id))

with st.container(border=True):
    st.markdown(f"#### {t('projects.aim_heading')}")
    st.markdown(t("projects.aim_sentence", what=plain(project.aim_what), how_much=plain(project.aim_how_much),
                  by_when=fmt_date(project.aim_by_when)))
    vague = aim_warnings(project.aim_how_much, project.aim_by_when)
    if vague and may_edit:
        st.caption(t("project_forms.aim_could_be_sharper", hints=" ".join(t(k) for k in vague)))
    cols = st.columns(4)
    cols[0].markdown(f"**{t('projects.pathway')}**  \n{pathway_names.get(project.pathway_id, '–')}")
    cols[1].markdown(f"**{t('projects.theme')}**  \n{theme_names.get(project.theme_id, '–')}")
    cols[2].markdown(f"**{t('projects.status')}**  \n{label('project_status', project.status)}")
    cols[3].markdown(f"**{t('projects.started')}**  \n{fmt_date(project.start_date)}")
    if project.unit_ids:
        st.caption(t("project_forms.units_line", units=", ".join(unit_names.get(u, "–") for u in project.unit_ids)))
st.page_link("views/summary.py", label=t("summary.title"), icon=":material/summarize:",
             query_params={"project": project.id})
edit_project_form(cur, actor, project)
archive_button(cur, actor, project)

measures = list_measures(cur, project_id=project.id)
cycles = list_cycles(cur, project_id=project.id)
linked_measure = _linked_in_project("measure", {m.id for m in measures})
linked_cycle = _linked_in_project("cycle", {c.id for c in cycles})
tab_names = [t("projects.tab_team"), t("projects.tab_drivers"), t("projects.tab_measures"),
             t("projects.tab_cycles"), t("projects.tab_problems")]
if linked_measure is not None:
    opened, link = tab_names[2], f"measure-{linked_measure}"
elif linked_cycle is not None:
    opened, link = tab_names[3], f"cycle-{linked_cycle}"
else:
    opened, link = None, "none"
# The key follows the link: a new link opens its tab, a rerun keeps the tab the user chose.
# Only the open tab is drawn (on_change="rerun": choosing a tab reruns the page, and a hidden
# tab's charts, tables and forms cost nothing on this run).
tab_team, tab_drivers, tab_measures, tab_cycles, tab_voices = st.tabs(
    tab_names, default=opened, key=f"project-tabs-{link}", on_change="rerun")


def _team_tab() -> None:
    team_editor(cur, actor, project)  # the team's table and, for those who may, adding and editing members
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
    progress_form(cur, actor, project)


def _drivers_tab() -> None:
    driver_editor(cur, actor, project)  # the diagram and, for the team, its drivers and change ideas


def _measures_tab() -> None:
    measure_form_shown = new_measure_form(actor, project.id, expanded=not measures)  # ui/measure_form.py
    if not measures:
        st.info(t("measure_data.empty_define") if measure_form_shown else t("measures.empty"))
    # a linked measure first
    for measure in sorted(measures, key=lambda m: m.id != linked_measure):
        measure_card(measure, cycles)  # ui/chart_cache.py: the card redrawn on its own after a save
    archived_measures_section(cur, actor, project.id)


def _cycles_tab() -> None:
    # ui/cycle_view.py: the start form, the ramp timeline, the worksheets and the archived cycles
    cycles_tab(cur, actor, project, cycles, linked_cycle)


def _voices_tab() -> None:
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


for tab, draw in ((tab_team, _team_tab), (tab_drivers, _drivers_tab), (tab_measures, _measures_tab),
                  (tab_cycles, _cycles_tab), (tab_voices, _voices_tab)):
    if tab.open:
        with tab:
            draw()
