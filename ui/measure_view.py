"""One measure on screen: its definition, its chart and what the chart says."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import streamlit as st

from pdsa.charts import Annotation, ChartLabels, chart_to_png, chart_to_svg, mdc_icons, spc_chart
from pdsa.findings import finding_for_last_part
from pdsa.models import PROPORTION_DATA_TYPES, Measure, PdsaCycle
from pdsa.core.periods import next_period
from pdsa.series import analyze_measure
from pdsa.store.cycles import ramps
from pdsa.store.measures import data_points_frame
from ui.measure_settings import chart_settings_form
from ui.format import fmt_number, fmt_percent, label
from ui.plain import plain
from ui.state import language, t


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
        week_format=t("chart.week_format"),
        month_format="%b %Y",
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
        if cycle.do_start is not None and first <= cycle.do_start < end
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
    earlier = [part for part in finding.short_parts if part != finding.part]
    if earlier:
        st.warning(t("findings.short_earlier_parts", parts=", ".join(map(str, earlier))))
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
        st.markdown(f"#### {plain(measure.name, one_line=True)}")
        st.caption(
            f"{label('measure_kind', measure.kind)} · {label('data_type', measure.data_type)} · "
            f"{label('period', measure.period)} · {t('measures.direction')}: {label('direction', measure.direction)} · "
            f"{t('measures.target')}: {_target_text(measure)}"
        )
        if measure.definition:
            st.markdown(f"*{t('measures.definition')}:* {plain(measure.definition)}")
        points = data_points_frame(cur, [measure.id])
        if points.empty:
            st.info(t("measures.no_data"))
            return
        options = [measure.effective_chart] + ([] if measure.effective_chart == "run" else ["run"])
        names = {c: t(f"chart_type.{c}") for c in options}
        chart = st.radio(t("measures.chart_type"), options, format_func=names.__getitem__,
                         horizontal=True, key=f"chart-{measure.id}")
        try:
            series, analysis = analyze_measure(measure, points, chart=chart)
        except ValueError as exc:  # data the engine cannot chart; the rest of the page still works
            st.warning(t("measures.cannot_analyse", error=str(exc)))
            return
        if analysis is None:
            st.info(t("measures.no_data"))
            return
        labels = chart_labels(measure, chart)
        annotations = cycle_annotations(annotations_from, first=series.x[0], last=series.x[-1], period=measure.period)
        figure = spc_chart(
            analysis, labels=labels, annotations=annotations,
            details=_details(series), percent=measure.data_type in PROPORTION_DATA_TYPES, show_icons=False,
        )
        icons = mdc_icons(analysis, labels=labels)
        if icons is None:
            st.altair_chart(figure, width="stretch", theme=None)
        else:
            left, right = st.columns([6, 1])
            left.altair_chart(figure, width="stretch", theme=None)
            right.altair_chart(icons, theme=None)
        _finding_text(analysis)
        if measure.freeze_until and measure.splits:
            st.caption(t("settings.freeze_ignored"))
        _export_buttons(figure, measure)
        chart_settings_form(measure, sorted(set(series.x)))


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
