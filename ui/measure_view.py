"""One measure on screen: its definition, its chart and what the chart says."""

from __future__ import annotations

import streamlit as st

from pdsa.charts import Annotation, ChartLabels, spc_chart
from pdsa.findings import finding_for_last_part
from pdsa.models import PROPORTION_DATA_TYPES, Measure, PdsaCycle
from pdsa.series import analyze_measure
from pdsa.store.measures import data_points_frame
from ui.format import fmt_number, fmt_percent, label
from ui.state import t


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
    )


def cycle_annotations(cycles: list[PdsaCycle]) -> list[Annotation]:
    return [
        Annotation(date=c.do_start, label=f"PDSA {c.cycle_number}: {c.title}", kind="pdsa")
        for c in cycles if c.do_start is not None
    ]


def _target_text(measure: Measure) -> str:
    if measure.target is None:
        return t("measures.no_target")
    if measure.data_type in PROPORTION_DATA_TYPES:
        return fmt_percent(measure.target)
    return fmt_number(measure.target, 1)


def _finding_text(analysis) -> None:
    finding = finding_for_last_part(analysis)
    if finding.too_few_points:
        st.warning(t("findings.too_few_points", n=finding.n_useful or 0))
    if finding.rules == "anhoej":
        if finding.runs_signal:
            st.markdown(t("findings.runs_signal", run=finding.longest_run, run_max=finding.longest_run_max,
                          crossings=finding.n_crossings, crossings_min=finding.n_crossings_min))
        else:
            st.markdown(t("findings.no_runs_signal", run=finding.longest_run or 0, run_max=finding.longest_run_max or 0,
                          crossings=finding.n_crossings or 0, crossings_min=finding.n_crossings_min or 0))
        if finding.n_outside_limits:
            st.markdown(t("findings.outside_limits", n=finding.n_outside_limits))
    else:
        st.markdown(t("findings.variation_icon", text=t(f"point_type.{finding.variation_icon}")))
        if finding.assurance:
            st.markdown(t("findings.assurance", text=t(f"assurance.{finding.assurance}")))
    if finding.has_signal:
        meaning = [t(f"findings.meaning.{m}") for m in finding.meanings] or [t("findings.meaning.non_random")]
        st.success(t("findings.signal", meaning=", ".join(meaning)))
    else:
        st.info(t("findings.no_signal"))


def show_measure(cur, measure: Measure, *, annotations_from: list[PdsaCycle]) -> None:
    """A bordered card: name and definition, chart type choice, the chart, its finding."""
    with st.container(border=True):
        st.markdown(f"#### {measure.name}")
        st.caption(
            f"{label('measure_kind', measure.kind)} · {label('data_type', measure.data_type)} · "
            f"{label('period', measure.period)} · {t('measures.direction')}: {label('direction', measure.direction)} · "
            f"{t('measures.target')}: {_target_text(measure)}"
        )
        if measure.definition:
            st.markdown(f"*{t('measures.definition')}:* {measure.definition}")
        points = data_points_frame(cur, [measure.id])
        if points.empty:
            st.info(t("measures.no_data"))
            return
        options = [measure.effective_chart] + ([] if measure.effective_chart == "run" else ["run"])
        chart = st.radio(t("measures.chart_type"), options, format_func=lambda c: t(f"chart_type.{c}"),
                         horizontal=True, key=f"chart-{measure.id}")
        series, analysis = analyze_measure(measure, points, chart=chart)
        if len(series) == 0:
            st.info(t("measures.no_data"))
            return
        details = {"numerator": series.y if series.n is not None else None,
                   "denominator": series.n, "note": series.notes}
        st.altair_chart(
            spc_chart(analysis, labels=chart_labels(measure, chart), annotations=cycle_annotations(annotations_from),
                      details=_details_frame(details, len(series)),
                      percent=measure.data_type in PROPORTION_DATA_TYPES),
            width="stretch",
        )
        _finding_text(analysis)


def _details_frame(details: dict, length: int):
    import pandas as pd

    return pd.DataFrame({k: (v if v is not None else [None] * length) for k, v in details.items()})
