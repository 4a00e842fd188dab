"""One measure on screen: its definition, its chart and what the chart says."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import streamlit as st

from actions import Actor, archive_measure, can, restore_measure
from actions.permissions import Scope
from pdsa.charts import (
    Annotation,
    ChartLabels,
    chart_to_png,
    chart_to_svg,
    mdc_icons,
    spc_chart,
)
from pdsa.core.periods import next_period
from pdsa.findings import finding_for_last_part
from pdsa.models import PROPORTION_DATA_TYPES, Measure, PdsaCycle
from pdsa.series import analyze_measure, measure_series
from pdsa.store.cycles import ramps
from pdsa.store.measures import data_points_frame, list_data_points, list_measures
from ui.actor import current_actor
from ui.archive_control import (
    Archivable,
    archive_control,
    archive_outcome,
    restore_button,
)
from ui.chart_cache import show_measure_chart
from ui.data_table import data_table
from ui.export_buttons import measure_downloads, small_numbers_warning
from ui.format import fmt_number, fmt_percent, label
from ui.import_wizard import show_import_wizard
from ui.measure_form import definition_lines, edit_measure_form
from ui.measure_settings import chart_settings_form
from ui.plain import plain
from ui.state import language, t
from ui.visibility import READS_EVERYTHING


def chart_labels(measure: Measure, chart: str) -> ChartLabels:
    return ChartLabels(
        title=measure.name,
        subtitle=t(f"chart_type.{chart}"),
        y_title=measure.unit or t(f"data_type.{measure.data_type}"),
        x_title=t(f"period.{measure.period}"),
        centre=t("chart.centre"),
        median=t("chart.median"),
        mean=t("chart.mean"),
        limits=t("chart.limits"),
        lcl=t("chart.lcl"),
        ucl=t("chart.ucl"),
        outside=t("chart.outside"),
        status=t("chart.status"),
        pdsa=t("chart.pdsa"),
        target=t("chart.target"),
        baseline=t("chart.baseline"),
        excluded=t("chart.excluded"),
        value=t("chart.value"),
        date=t("chart.date"),
        numerator=t("chart.numerator"),
        denominator=t("chart.denominator"),
        note=t("chart.note"),
        variation=t("chart.variation"),
        assurance=t("chart.assurance"),
        point_types={key: t(f"point_type.{key}") for key in (
            "common_cause", "special_cause_improvement", "special_cause_concern",
            "special_cause_neutral_high", "special_cause_neutral_low")},
        assurance_types={key: t(f"assurance.{key}") for key in ("consistent_pass", "consistent_fail", "inconsistent")},
        locale="da-DK" if language() == "da" else "en-GB",
        week_format=t("measure_forms.week_format"),
        month_format="%b %Y",
        day_format=t("measure_forms.day_format"),
        week_axis_format=t("measure_forms.week_axis_format"),
        year_axis_format=t("measure_forms.year_axis_format"),
        month_axis_format=t("measure_forms.month_axis_format"),
    )


def cycle_annotations(cycles: list[PdsaCycle], *, first: date, last: date, period: str) -> list[Annotation]:
    """PDSA cycles that started inside the charted periods (the last one included), as lines.

    Short labels ("PDSA 2.1": ramp 2, cycle 1) keep a chart with many cycles readable; the
    PDSA tab numbers ramps and cycles the same way.
    """
    end = next_period(last, period)
    return [
        Annotation(date=pd.Timestamp(cycle.do_start), label=f"PDSA {ramp_no}.{cycle.cycle_number}", kind="pdsa")
        for ramp_no, ramp in enumerate(ramps(cycles), start=1)
        for cycle in ramp
        if cycle.do_start is not None and first <= cycle.do_start < end and not cycle.archived
    ]


def _target_text(measure: Measure) -> str:
    if measure.target is None:
        return t("measures.no_target")
    if measure.data_type in PROPORTION_DATA_TYPES:
        return fmt_percent(measure.target)
    return fmt_number(measure.target, 1)


# colour follows meaning: improvement green, deterioration red, a signal without one direction
# orange, no signal neutral
_TONE_BOX = {"improvement": st.success, "deterioration": st.error, "non_random": st.warning,
             "random": st.info, "too_few_to_tell": st.info}


def _finding_text(analysis) -> None:
    """What the chart says about its latest part, in one box whose colour is its meaning; the
    lines above it never contradict it (too few points is never called "only random variation")."""
    finding = finding_for_last_part(analysis)
    if finding.too_few_points:
        st.warning(t("findings.too_few_points", n=finding.n_useful or 0))
    earlier = [part for part in finding.short_parts if part != finding.part]
    if earlier:
        st.warning(t("findings.short_earlier_parts", parts=", ".join(map(str, earlier))))
    if finding.rules == "anhoej":
        if finding.runs_signal:
            st.markdown(t("findings.runs_signal", run=finding.longest_run, run_max=finding.longest_run_max,
                          crossings=finding.n_crossings, crossings_min=finding.n_crossings_min))
        elif finding.runs_computed:
            st.markdown(t("findings.no_runs_signal", run=finding.longest_run or 0, run_max=finding.longest_run_max or 0,
                          crossings=finding.n_crossings or 0, crossings_min=finding.n_crossings_min or 0))
        else:
            st.markdown(t("measure_forms.runs_not_computed"))
        if finding.n_outside_limits:
            st.markdown(t("findings.outside_limits", n=finding.n_outside_limits))
    else:
        st.markdown(t("findings.variation_icon", text=t(f"point_type.{finding.variation_icon}")))
        if finding.assurance:
            st.markdown(t("findings.assurance", text=t(f"assurance.{finding.assurance}")))
    tone = finding.tone
    if tone == "random":
        text = t("findings.no_signal")
    elif tone == "too_few_to_tell":
        text = t("measure_forms.too_few_to_tell")
    else:
        meaning = [t(f"findings.meaning.{m}") for m in finding.meanings] or [t("findings.meaning.non_random")]
        if tone == "improvement" and "improvement" not in finding.meanings:
            meaning = [t("findings.meaning.improvement")]  # Making Data Count's icon said so
        elif tone == "deterioration" and "concern" not in finding.meanings:
            meaning = [t("findings.meaning.concern")]
        text = t("findings.signal", meaning=", ".join(meaning))
    _TONE_BOX[tone](text)


def show_measure(cur, measure: Measure, *, annotations_from: list[PdsaCycle]) -> None:
    """A bordered card: name and definition, chart type choice, the chart, its finding, the
    settings form and the archive button (for those who may use them)."""
    with st.container(border=True, key=f"measure-card-{measure.id}"):
        st.markdown(f"#### {plain(measure.name, one_line=True)}")
        key_measure = f"{t('measure_data.key_badge')} · " if measure.is_key else ""
        st.caption(
            f"{key_measure}{label('measure_kind', measure.kind)} · {label('data_type', measure.data_type)} · "
            f"{label('period', measure.period)} · {t('measures.direction')}: {label('direction', measure.direction)} · "
            f"{t('measures.target')}: {_target_text(measure)}"
        )
        lines = definition_lines(measure)
        if lines:
            st.markdown("  \n".join(lines))
        points = list_data_points(cur, measure.id)
        data_table(measure, points)  # the chart below is drawn from what it saved
        show_import_wizard(cur, current_actor(), measure, key=f"import-{measure.id}")
        periods = _chart_and_finding(cur, measure, annotations_from)
        chart_settings_form(measure, periods)  # also without a chart: a target, or a split to take back
        edit_measure_form(current_actor(), measure, has_data=bool(points))
        _archive_control(measure)


def _reads_statistics(actor, measure: Measure) -> bool:
    """Staff, leaders, readers and the measure's team choose how a chart is drawn; a patient
    representative or patient partner gets the chart as the team set it, without the control."""
    return bool(actor.roles & READS_EVERYTHING) or can(actor, "update_chart_settings", _scope(measure))


def _chart_and_finding(cur, measure: Measure, annotations_from: list[PdsaCycle]) -> list[date]:
    """The chart and what it says; returns the periods the settings can choose among."""
    points = data_points_frame(cur, [measure.id])
    if points.empty:
        st.info(t("measures.no_data"))
        return []
    options = [measure.effective_chart] + ([] if measure.effective_chart == "run" else ["run"])
    names = {c: t(f"chart_type.{c}") for c in options}
    chart = options[0]
    if _reads_statistics(current_actor(), measure):  # patients see the chart, not its statistical controls
        chart = st.radio(t("measures.chart_type"), options, format_func=names.__getitem__,
                         horizontal=True, key=f"chart-{measure.id}")
    try:
        series, analysis = analyze_measure(measure, points, chart=chart)
    except ValueError as exc:  # data the engine cannot chart; the rest of the page still works
        st.warning(t("measures.cannot_analyse", error=str(exc)))
        return sorted(set(measure_series(measure, points).x))
    if analysis is None:
        st.info(t("measures.no_data"))
        return sorted(set(series.x))
    labels = chart_labels(measure, chart)
    annotations = cycle_annotations(annotations_from, first=series.x[0], last=series.x[-1], period=measure.period)
    figure = show_measure_chart(  # ui/chart_cache.py: a spec all sessions share, kept per version
        measure, chart, points, labels=labels, annotations=annotations, icons=lambda: mdc_icons(analysis, labels=labels),
        figure=lambda: spc_chart(analysis, labels=labels, annotations=annotations, details=_details(series),
                                 percent=measure.data_type in PROPORTION_DATA_TYPES, show_icons=False))
    small_numbers_warning(measure, points)  # a count below the threshold is said under the chart
    _finding_text(analysis)
    if measure.freeze_until and measure.splits:
        st.caption(t("settings.freeze_ignored"))
    _export_buttons(figure, measure)
    measure_downloads(current_actor(), measure)  # the data as CSV and Excel
    return sorted(set(series.x))


# --- archive and restore (ui/archive_control.py) ------------------------------------------------


def _scope(measure: Measure) -> Scope:
    return Scope(project_id=measure.project_id, theme_id=measure.theme_id)


def _archivable(measure: Measure) -> Archivable:
    return Archivable(
        kind="measure", item_id=measure.id, version=measure.version, name=measure.name, group=measure.project_id,
        archive=archive_measure, restore=restore_measure, archive_label="measure_forms.archive_measure",
        question="measure_forms.archive_measure_question", archived_text="measure_forms.measure_archived",
        restored_text="measure_forms.measure_restored")


def _archive_control(measure: Measure) -> None:
    """A quiet Archive button; clicking it asks first, and only "Yes, archive" archives."""
    actor = current_actor()
    archive_control(_archivable(measure), may=actor is not None and can(actor, "archive_measure", _scope(measure)))


def archived_measures_section(cur, actor: Actor | None, project_id: int) -> None:
    """What became of an archive or a restore, and the project's archived measures under an
    "Archived measures" expander, each with Restore for those who may (nothing when none)."""
    archive_outcome("measure", project_id)
    archived = list_measures(cur, project_id=project_id, archived_only=True)
    if not archived:
        return
    with st.expander(t("measure_forms.archived_measures", n=len(archived))):
        st.caption(t("measure_forms.archived_measures_purpose"))
        for measure in archived:
            row = st.container(horizontal=True, vertical_alignment="center")
            row.markdown(f"**{plain(measure.name, one_line=True)}** · {label('measure_kind', measure.kind)} · "
                         f"{label('data_type', measure.data_type)}")
            restore_button(row, _archivable(measure),
                           may=actor is not None and can(actor, "restore_measure", _scope(measure)))


def _details(series) -> pd.DataFrame:
    """Tooltip extras: numerator and denominator where the measure has them, and notes."""
    length = len(series)
    return pd.DataFrame({
        "numerator": series.y if series.n is not None else [None] * length,
        "denominator": series.n if series.n is not None else [None] * length,
        "note": series.notes,
    })


def _export_buttons(figure, measure: Measure) -> None:
    """PNG and SVG made only when clicked: rendering takes a moment and most views never export."""
    name = re.sub(r"[^\w-]+", "-", measure.name.lower()).strip("-") or "chart"
    row = st.container(horizontal=True)
    row.download_button(t("measures.export_png"), data=lambda: chart_to_png(figure), file_name=f"{name}.png",
                        mime="image/png", on_click="ignore", key=f"png-{measure.id}", icon=":material/download:")
    row.download_button(t("measures.export_svg"), data=lambda: chart_to_svg(figure), file_name=f"{name}.svg",
                        mime="image/svg+xml", on_click="ignore", key=f"svg-{measure.id}", icon=":material/download:")
