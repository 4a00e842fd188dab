"""A project in two minutes, on one A4 page: the aim, the key measure's chart with its PDSA
cycles marked, the latest learning from Act, the next step, the team and the patient partner.

Printing (the browser's Print, or Save as PDF) leaves out the app's sidebar, header and
controls and sizes the chart so the summary fits one A4 sheet.

Deep link: ``?project=ID`` opens that project's summary.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from pathways.store import list_pathways
from pdsa.charts import spc_chart
from pdsa.models import PROPORTION_DATA_TYPES, Measure, PdsaCycle, Project
from pdsa.series import analyze_measure
from pdsa.store.cycles import list_cycles, ramps
from pdsa.store.measures import data_points_frame, list_measures
from pdsa.store.portfolio import project_refs
from pdsa.store.projects import get_project, latest_progress
from ui.actor import current_actor
from ui.chart_cache import show_altair_chart
from ui.choice import choose
from ui.export_buttons import project_downloads, small_numbers_warning
from ui.format import fmt_date, fmt_number, label, progress_label
from ui.measure_view import chart_labels, cycle_annotations
from ui.plain import plain
from ui.signals import key_measure, latest_signal, latest_value_text, signal_words
from ui.state import cursor, language, t
from ui.visibility import visible_projects

# On paper: no sidebar, header, toolbar or controls; the chart a fixed height; small margins;
# each block kept whole. On screen nothing changes.
PRINT_CSS = """
<style>
@media print {
  @page { size: A4; margin: 10mm 12mm; }
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
  [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
  [data-testid="stSelectbox"], [data-testid="stPageLink"], [data-testid="stBaseButton-secondary"],
  .st-key-summary-screen-only, .st-key-summary-screen-only-links, .st-key-project-downloads,
  [data-testid="stDownloadButton"] { display: none !important; }
  html, body, [data-testid="stApp"], [data-testid="stAppViewContainer"], [data-testid="stMain"] {
    height: auto !important; overflow: visible !important; background: white !important;
  }
  [data-testid="stMainBlockContainer"], .block-container {
    padding: 0 !important; max-width: 100% !important;
  }
  [data-testid="stVerticalBlock"] { gap: 0.35rem !important; }
  [data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 10pt !important;
    line-height: 1.3 !important; }
  h1, h2, h3 { line-height: 1.25 !important; }
  h1 { font-size: 16pt !important; }
  h2 { font-size: 13pt !important; }
  h3 { font-size: 11pt !important; }
  [data-testid="stHeaderActionElements"] { display: none !important; }
  [data-testid="stCaptionContainer"] { font-size: 8.5pt !important; }
  [data-testid="stVegaLiteChart"] { max-height: 75mm !important; overflow: hidden !important; }
  [data-testid="stVegaLiteChart"] svg, [data-testid="stVegaLiteChart"] canvas { max-height: 75mm !important;
    width: auto !important; max-width: 100% !important; }
  [data-testid="stVerticalBlockBorderWrapper"], [data-testid="stHorizontalBlock"] { break-inside: avoid; }
  [data-testid="stAppIframeResizerAnchor"], [data-testid="stElementToolbar"], footer { display: none !important; }
}
</style>
"""

_CHART_HEIGHT = 230  # px: with the texts below, one A4 page
_LONG = 320  # characters of a text on the summary; the whole text is on the project's page


def _short(text: str | None, limit: int = _LONG) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _cycle_names(cycles: list[PdsaCycle]) -> dict[int, str]:
    """"PDSA 2.1" (ramp 2, cycle 1), as the chart and the PDSA tab number them."""
    return {cycle.id: f"PDSA {ramp_no}.{cycle.cycle_number}"
            for ramp_no, ramp in enumerate(ramps(cycles), start=1) for cycle in ramp}


def _when(cycle: PdsaCycle) -> tuple:
    return (cycle.do_end or cycle.do_start or cycle.plan_end or date.min, cycle.id or 0)


def _aim(project: Project) -> None:
    st.markdown(f"### {t('summary.aim')}")
    st.markdown(t("projects.aim_sentence", what=plain(project.aim_what), how_much=plain(project.aim_how_much),
                  by_when=fmt_date(project.aim_by_when)))


def _chart(cur, measure: Measure | None, cycles: list[PdsaCycle]) -> None:
    if measure is None:
        st.markdown(f"### {t('summary.key_measure')}")
        st.info(t("summary.no_measure"))
        return
    st.markdown(f"### {t('summary.key_measure')}: {plain(measure.name, one_line=True)}")
    points = data_points_frame(cur, [measure.id])
    if points.empty:
        st.info(t("summary.no_data"))
        return
    try:
        series, analysis = analyze_measure(measure, points)
    except ValueError as exc:
        st.warning(t("measures.cannot_analyse", error=str(exc)))
        return
    if analysis is None:
        st.info(t("summary.no_data"))
        return
    chart = measure.effective_chart
    labels = chart_labels(measure, chart)
    annotations = cycle_annotations(cycles, first=series.x[0], last=series.x[-1], period=measure.period)
    show_altair_chart(
        lambda: spc_chart(analysis, labels=labels, annotations=annotations, show_icons=False, height=_CHART_HEIGHT,
                          percent=measure.data_type in PROPORTION_DATA_TYPES),
        drawn_from=("summary", measure.id, measure.version, measure.data_version, chart, labels, annotations,
                    _CHART_HEIGHT, language()),
        width="stretch", theme=None, key=f"summary-chart-{measure.id}")
    small_numbers_warning(measure, points)  # small counts can identify patients: said under the chart
    signal = latest_signal(measure, points)
    value = latest_value_text(measure, signal)
    st.markdown(f"{t('summary.signal')}: {signal_words(signal)}" + (f" · {value}" if value else ""))


def _learning_and_next(cycles: list[PdsaCycle]) -> None:
    names = _cycle_names(cycles)
    decided = sorted((c for c in cycles if c.act_decision), key=_when)
    st.markdown(f"### {t('summary.learning')}")
    if decided:
        cycle = decided[-1]
        st.markdown(t("summary.decided", cycle=names.get(cycle.id, ""), title=plain(cycle.title, one_line=True),
                      decision=label("decision", cycle.act_decision)))
        if cycle.study_learning:
            st.markdown(f"> {plain(_short(cycle.study_learning))}")
    else:
        st.markdown(t("summary.no_learning"))
    st.markdown(f"### {t('summary.next_step')}")
    under_way = sorted((c for c in cycles if c.stage in ("planning", "doing")), key=_when)
    if under_way:
        cycle = under_way[0]
        key = "summary.next_cycle_doing" if cycle.stage == "doing" else "summary.next_cycle_planned"
        st.markdown(t(key, cycle=names.get(cycle.id, ""), title=plain(cycle.title, one_line=True)))
        if cycle.plan_objective:
            st.markdown(f"> {plain(_short(cycle.plan_objective))}")
        if cycle.plan_end:
            st.caption(t("summary.planned_end", date=fmt_date(cycle.plan_end)))
    elif decided and decided[-1].act_next_step:
        st.markdown(plain(_short(decided[-1].act_next_step)))
    else:
        st.markdown(t("summary.no_next_step"))


def _team(project: Project) -> None:
    st.markdown(f"### {t('summary.team')}")
    members = [m for m in project.team if not m.archived]
    partners = [m for m in members if m.role == "patient_partner"]
    others = [m for m in members if m.role != "patient_partner"]
    if not members:
        st.markdown(t("summary.no_team"))
    lines = []
    for member in others:
        discipline = f", {plain(member.discipline, one_line=True)}" if member.discipline else ""
        lines.append(f"- **{plain(member.name, one_line=True)}**{discipline} · {label('team_role', member.role)}")
    if lines:
        st.markdown("\n".join(lines))
    st.markdown(f"### {t('summary.patient_partner')}")
    if partners:
        st.markdown("\n".join(
            f"- **{plain(m.name, one_line=True)}**" + (f", {plain(m.discipline, one_line=True)}" if m.discipline else "")
            for m in partners))
    else:
        st.markdown(t("summary.no_patient_partner"))


st.markdown(PRINT_CSS, unsafe_allow_html=True)
st.title(t("summary.title"))
with st.container(key="summary-screen-only"):
    st.caption(t("summary.purpose"))

cur = cursor()
actor = current_actor()
projects = visible_projects(actor, project_refs(cur))  # ids and titles: only the chosen project is read whole
if not projects:
    st.info(t("summary.empty"))
    st.page_link("views/projects.py", label=t("summary.to_projects"), icon=":material/flag:")
    st.stop()

project = get_project(cur, choose(t("summary.choose"), {p.id: p.title for p in projects}, key="summary-project",
                                 param="project"))
pathways = {p.id: p.name for p in list_pathways(cur)}
measures = list_measures(cur, project_id=project.id)
cycles = list_cycles(cur, project_id=project.id)
measure = key_measure(measures)

st.markdown(f"## {plain(project.title, one_line=True)}")
score = latest_progress(project)
facts = [label("project_status", project.status), plain(pathways.get(project.pathway_id, ""), one_line=True),
         t("summary.started", date=fmt_date(project.start_date))]
if score is not None:
    facts.append(t("summary.progress", score=fmt_number(score.score), label=progress_label(score.score)))
st.caption(" · ".join(f for f in facts if f))
_aim(project)
_chart(cur, measure, cycles)
left, right = st.columns(2, gap="medium")
with left:
    _learning_and_next(cycles)
with right:
    _team(project)
with st.container(key="summary-screen-only-links", horizontal=True):
    st.page_link("views/projects.py", label=t("summary.open_project"), icon=":material/flag:",
                 query_params={"project": project.id})
    st.caption(t("summary.print_hint"))
project_downloads(actor, project)
