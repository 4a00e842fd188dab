"""Overview: the page a leader opens on Monday — every measure of every project in one table
(the portfolio), filtered and sorted, each row a link to its chart; the counts across the
region, the projects and the newest problems beneath it."""

import math

import pandas as pd
import streamlit as st

from pdsa.portfolio import TONES
from pdsa.store.portfolio import recent_problems
from ui.actor import current_actor
from ui.format import fmt_date, fmt_number, label, progress_label
from ui.plain import plain
from ui.portfolio_table import (
    PROJECT_STATUSES,
    SECTORS,
    SORTS,
    clear_filters,
    current_portfolio,
    download_buttons,
    filter_rows,
    projects_matching,
    show_table,
    shown_rows,
    sort_rows,
    table_window,
    visible_project_ids,
    visible_rows,
)
from ui.state import cursor, t, tn
from ui.visibility import reads_everything

PROJECTS_PER_PAGE = 20

st.title(t("overview.title"))
st.caption(t("portfolio.purpose"))

actor = current_actor()
portfolio, cache_key = current_portfolio()
lists = portfolio.lists
projects = portfolio.projects[portfolio.projects["project_id"].isin(visible_project_ids(portfolio, actor))]
if reads_everything(actor):
    pathway_ids = set(lists["pathways"]["pathway_id"].astype(int))
else:
    pathway_ids = set(actor.attached_pathways if actor else ()) | set(projects["pathway_id"].astype(int))
pathways = lists["pathways"][lists["pathways"]["pathway_id"].isin(pathway_ids)]
pathway_names = dict(zip(pathways["pathway_id"].astype(int), pathways["name"]))

if pathways.empty and projects.empty:
    st.info(t("project_forms.overview_empty"))
    st.page_link("views/pathways.py", label=t("project_forms.overview_go_pathways"), icon=":material/route:")
    st.page_link("views/projects.py", label=t("project_forms.overview_go_projects"), icon=":material/flag:")
    st.stop()

# --- the counts across the region ---------------------------------------------------------------
open_problems = portfolio.open_problems
cols = st.columns(4)
cols[0].metric(t("overview.metric_pathways"), len(pathways))
cols[1].metric(t("overview.metric_open_problems"),
               int(open_problems.loc[open_problems["pathway_id"].isin(pathway_ids), "open_problems"].sum()))
cols[2].metric(t("overview.metric_active_projects"), int((projects["status"] == "active").sum()))
cols[3].metric(t("overview.metric_running_cycles"), int(projects["running_cycles"].sum()))

# --- the portfolio ----------------------------------------------------------------------------------
st.subheader(t("portfolio.heading"))
st.caption(t("portfolio.help"))
if portfolio.failure:  # stored data the engine cannot chart; the rest of the page still works
    st.warning(t("measures.cannot_analyse", error=portfolio.failure))

every_row = visible_rows(shown_rows(portfolio, cache_key), actor)
theme_names = dict(zip(lists["themes"]["theme_id"].astype(int), lists["themes"]["name"]))
unit_names = dict(zip(lists["units"]["unit_id"].astype(int), lists["units"]["name"]))

# the choices' words, made now: a format_func must not read the language when it is called later
sector_names = {s: label("sector", s) for s in SECTORS}
status_names = {s: label("project_status", s) for s in PROJECT_STATUSES}
tone_names = {tone: t(f"portfolio.tone_word.{tone}") for tone in TONES}
sort_names = {s: t(f"portfolio.sort_{s}") for s in SORTS}

everything = t("portfolio.all")

with st.container(border=True):
    first, second, third = st.columns(3)
    chosen_pathways = first.multiselect(t("portfolio.filter_pathway"), list(pathway_names),
                                        format_func=pathway_names.get, key="portfolio-pathway", placeholder=everything)
    chosen_units = second.multiselect(t("portfolio.filter_unit"), list(unit_names), format_func=unit_names.get,
                                      key="portfolio-unit", placeholder=everything, help=t("portfolio.filter_unit_help"))
    chosen_sectors = third.multiselect(t("portfolio.filter_sector"), list(SECTORS),
                                       format_func=sector_names.get, key="portfolio-sector", placeholder=everything,
                                       help=t("portfolio.filter_sector_help"))
    first, second, third, fourth = st.columns([3, 3, 3, 2])
    chosen_themes = first.multiselect(t("portfolio.filter_theme"), list(theme_names), format_func=theme_names.get,
                                      key="portfolio-theme", placeholder=everything)
    chosen_statuses = second.multiselect(t("portfolio.filter_status"), list(PROJECT_STATUSES),
                                         format_func=status_names.get, key="portfolio-status", placeholder=everything)
    chosen_tones = third.multiselect(t("portfolio.filter_signal"), list(TONES),
                                     format_func=tone_names.get, key="portfolio-signal", placeholder=everything)
    sort = fourth.selectbox(t("portfolio.sort"), SORTS, format_func=sort_names.get,
                            key="portfolio-sort")

filters = dict(pathways=chosen_pathways, units=chosen_units, sectors=chosen_sectors, themes=chosen_themes,
               statuses=chosen_statuses)
if every_row.empty:
    st.info(t("portfolio.no_measures"))
    st.page_link("views/projects.py", label=t("portfolio.go_projects"), icon=":material/flag:")
else:
    rows = sort_rows(filter_rows(every_row, portfolio, **filters, tones=chosen_tones), sort)
    st.caption(tn("portfolio.shown", len(every_row), shown=fmt_number(len(rows), 0)))
    if rows.empty:
        st.info(t("portfolio.no_match"))
        st.button(t("portfolio.clear_filters"), on_click=clear_filters, key="portfolio-clear",
                  icon=":material/filter_alt_off:")
    else:
        show_table(table_window(rows))  # a region's 10,000 rows a page at a time
        download_buttons(rows)  # every row the filters let through
    st.caption(t("portfolio.legend"))

# --- the projects, a page at a time ------------------------------------------------------------------
st.subheader(t("portfolio.projects_heading"))
matching = projects[projects["project_id"].isin(projects_matching(portfolio, **filters))]
if matching.empty:
    st.caption(t("portfolio.no_projects"))
else:
    pages = math.ceil(len(matching) / PROJECTS_PER_PAGE)
    page = 1
    if pages > 1:
        page = int(st.number_input(t("portfolio.projects_page"), min_value=1, max_value=pages, step=1,
                                   key="portfolio-projects-page"))
    start = (page - 1) * PROJECTS_PER_PAGE
    window = matching.iloc[start:start + PROJECTS_PER_PAGE]
    st.caption(t("portfolio.projects_shown", first=fmt_number(start + 1, 0), last=fmt_number(start + len(window), 0),
                 total=fmt_number(len(matching), 0)))
    for project in window.itertuples(index=False):
        line = t("portfolio.project_line", title=plain(project.title, one_line=True),
                 pathway=plain(pathway_names.get(int(project.pathway_id), ""), one_line=True),
                 status=label("project_status", project.status))
        progress = (t("portfolio.progress_line", score=fmt_number(project.progress), label=progress_label(project.progress))
                    if pd.notna(project.progress) else t("portfolio.no_progress"))
        cycles = (t("portfolio.last_cycle", date=fmt_date(project.last_cycle_on),
                    recent=tn("portfolio.cycles_recent", int(project.cycles_90)))
                  if project.last_cycle_on is not None else t("portfolio.no_cycles"))
        left, right = st.columns([5, 1])
        left.markdown(f"{line}  \n{progress} · {cycles}")
        left.caption(t("overview.aim_line", what=plain(project.aim_what), how_much=plain(project.aim_how_much),
                       by_when=fmt_date(project.aim_by_when)))
        right.page_link("views/projects.py", label=t("portfolio.open_project"), icon=":material/arrow_forward:",
                        query_params={"project": int(project.project_id)})

# --- the newest problems ----------------------------------------------------------------------------
st.subheader(t("overview.recent_problems_heading"))
problems = recent_problems(cursor(), sorted(pathway_ids))
if problems.empty:
    st.caption(t("overview.no_problems"))
for problem in problems.itertuples(index=False):
    st.markdown(
        f"- **{plain(problem.title, one_line=True)}** · {label('source', problem.source)} · "
        f"{label('problem_status', problem.status)} · {fmt_date(problem.reported_on)} · "
        f"{plain(pathway_names.get(int(problem.pathway_id), ''), one_line=True)}"
    )

st.page_link("views/pathways.py", label=t("overview.go_pathways"), icon=":material/route:")
st.page_link("views/projects.py", label=t("overview.go_projects"), icon=":material/flag:")
