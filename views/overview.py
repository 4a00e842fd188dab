"""Overview: what is going on across pathways and projects, and where to go next."""

import pandas as pd
import streamlit as st

from pathways.store import list_pathways, list_problems
from pdsa.portfolio import evaluate_portfolio
from pdsa.store.cycles import list_cycles
from pdsa.store.projects import latest_progress, list_projects
from ui.format import fmt_date, fmt_number, label, progress_label
from ui.plain import plain
from ui.actor import current_actor
from ui.state import cursor, t, tn
from ui.visibility import visible_pathway_ids, visible_projects

st.title(t("overview.title"))
st.caption(t("overview.purpose"))

cur = cursor()
actor = current_actor()
projects = visible_projects(actor, list_projects(cur))
shown_pathways = visible_pathway_ids(actor, list_pathways(cur), projects)
pathways = [p for p in list_pathways(cur) if p.id in shown_pathways]
problems = [p for p in list_problems(cur) if p.pathway_id in shown_pathways]
cycles = [c for c in list_cycles(cur) if c.project_id in {p.id for p in projects}]

if not pathways and not projects:
    st.info(t("project_forms.overview_empty"))
    st.page_link("views/pathways.py", label=t("project_forms.overview_go_pathways"), icon=":material/route:")
    st.page_link("views/projects.py", label=t("project_forms.overview_go_projects"), icon=":material/flag:")
    st.stop()

open_problems = [p for p in problems if p.status not in ("solved", "not_pursued")]
running_cycles = [c for c in cycles if c.stage != "acted"]
cols = st.columns(4)
cols[0].metric(t("overview.metric_pathways"), len(pathways))
cols[1].metric(t("overview.metric_open_problems"), len(open_problems))
cols[2].metric(t("overview.metric_active_projects"), sum(p.status == "active" for p in projects))
cols[3].metric(t("overview.metric_running_cycles"), len(running_cycles))

st.subheader(t("overview.projects_heading"))
pathway_names = {p.id: plain(p.name, one_line=True) for p in pathways}
for project in projects:
    with st.container(border=True):
        left, right = st.columns([3, 2])
        left.markdown(f"**{plain(project.title, one_line=True)}**  \n{pathway_names.get(project.pathway_id, '')}")
        left.caption(t("overview.aim_line", what=plain(project.aim_what), how_much=plain(project.aim_how_much),
                       by_when=fmt_date(project.aim_by_when)))
        score = latest_progress(project)
        right.markdown(f"{t('projects.status')}: **{label('project_status', project.status)}**")
        if score:
            right.markdown(t("overview.progress_line", score=fmt_number(score.score), label=progress_label(score.score)))
        else:
            right.markdown(t("overview.no_progress"))
        right.page_link("views/projects.py", label=t("project_forms.open_project"), icon=":material/arrow_forward:",
                        query_params={"project": project.id})

st.subheader(t("overview.signals_heading"))
st.caption(t("overview.signals_purpose"))
try:
    portfolio = evaluate_portfolio(cur)
    portfolio = portfolio[portfolio["project_id"].isin([p.id for p in projects])]
except ValueError as exc:  # stored data the engine cannot chart; the rest of the overview still works
    portfolio = None
    st.warning(t("measures.cannot_analyse", error=str(exc)))
if portfolio is None:
    pass
elif portfolio.empty:
    st.info(t("overview.no_measures"))
else:
    titles = {p.id: p.title for p in projects}

    def finding(rules: str, runs_signal, n_outside: int, variation_icon) -> str:
        if rules == "mdc":
            return label("point_type", variation_icon)
        runs = runs_signal is not pd.NA and bool(runs_signal)
        if runs and n_outside:
            return tn("project_forms.finding_both", int(n_outside))
        if runs:
            return t("overview.finding_runs")
        if n_outside:
            return tn("project_forms.finding_outside", int(n_outside))
        return t("overview.finding_random")

    rows = portfolio.sort_values(["signal", "project_id"], ascending=[False, True])
    st.dataframe(
        pd.DataFrame({
            t("overview.col_signal"): ["●" if flag else "○" for flag in rows["signal"]],
            t("overview.col_project"): [titles.get(i, "") for i in rows["project_id"]],
            t("overview.col_measure"): rows["measure"].tolist(),
            t("project_forms.col_open"): [f"projects?project={p}&measure={m}"
                                          for p, m in zip(rows["project_id"], rows["measure_id"])],
            t("overview.col_kind"): [label("measure_kind", k) for k in rows["kind"]],
            t("overview.col_chart"): [label("chart_type", c) for c in rows["chart"]],
            t("overview.col_points"): rows["n_points"].tolist(),
            t("overview.col_finding"): [
                finding(*values) for values in
                zip(rows["rules"], rows["runs_signal"], rows["n_sigma_signal"], rows["variation_icon"])
            ],
        }),
        hide_index=True, width="stretch",
        column_config={t("project_forms.col_open"): st.column_config.LinkColumn(
            display_text=t("project_forms.open_measure"))},
    )

st.subheader(t("overview.recent_problems_heading"))
if problems:
    for problem in problems[:5]:
        st.markdown(
            f"- **{plain(problem.title, one_line=True)}** · {label('source', problem.source)} · "
            f"{label('problem_status', problem.status)} · {fmt_date(problem.reported_on)} · "
            f"{pathway_names.get(problem.pathway_id, '')}"
        )
else:
    st.caption(t("overview.no_problems"))

st.page_link("views/pathways.py", label=t("overview.go_pathways"), icon=":material/route:")
st.page_link("views/projects.py", label=t("overview.go_projects"), icon=":material/flag:")
