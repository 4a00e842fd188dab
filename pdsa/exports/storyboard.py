"""A project's storyboard: what a team brings to the leadership meeting.

One self-contained HTML page — the aim, the team with the patient partner, the driver diagram
(a nested list: primary drivers, their secondary drivers, the change ideas under each), every
measure's chart (the key measure first) with the PDSA cycles marked, the ramps with their
decisions and learning, and the patients' observations — in Danish or English from the
catalogue. The charts are the app's own Altair charts (:mod:`pdsa.charts`) inlined as SVG
(vl-convert); the page holds no script and loads nothing from the internet. Its print CSS
makes an A4 document, which :func:`storyboard_pdf` writes with WeasyPrint.

A chart showing a count below the small-numbers threshold carries the warning under it
(:mod:`pdsa.exports.small_numbers`).
"""

from __future__ import annotations

import html
import re
from datetime import date

import pandas as pd
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from pdsa.charts import Annotation, ChartLabels, chart_to_svg, spc_chart
from pdsa.core.periods import next_period
from pdsa.exports.small_numbers import small_periods_frame, warning_text
from pdsa.i18n import translate
from pdsa.models import PROPORTION_DATA_TYPES, DriverDiagram, Measure, PdsaCycle
from pdsa.series import analyze_measure
from pdsa.store.cycles import list_cycles, ramps
from pdsa.store.measures import data_points_frame, list_measures
from pdsa.store.observations import list_observations
from pdsa.store.projects import get_driver_diagram, get_project

CHART_WIDTH = 660   # px in the SVG; the page scales it to the A4 text width
CHART_HEIGHT = 250

CSS = """
@page { size: A4; margin: 14mm 13mm 16mm 13mm;
  @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; color: #666; } }
html { font-family: "Helvetica", "Arial", "DejaVu Sans", sans-serif; font-size: 10pt; color: #1b1b1b; }
body { max-width: 190mm; margin: 0 auto; line-height: 1.35; }
h1 { font-size: 19pt; margin: 0 0 2mm 0; color: #1f4e79; }
h2 { font-size: 13pt; margin: 6mm 0 2mm 0; color: #1f4e79; border-bottom: 1px solid #c9d6e3; padding-bottom: 1mm;
     break-after: avoid; }
h3 { font-size: 11pt; margin: 3mm 0 1mm 0; break-after: avoid; }
p { margin: 0 0 1.5mm 0; }
.meta { color: #555; font-size: 9pt; }
.aim { font-size: 11.5pt; background: #eef4fa; border-left: 4px solid #1f4e79; padding: 2mm 3mm; }
.measure, .ramp, .observation { break-inside: avoid; }
.measure { margin-bottom: 4mm; }
.chart svg { width: 100%; height: auto; max-height: 95mm; }
.warning { background: #fff3e0; border-left: 4px solid #c05a00; padding: 1.5mm 3mm; font-size: 9pt; }
.key { font-size: 8.5pt; background: #1f4e79; color: white; padding: 0.3mm 1.5mm; border-radius: 2px;
       vertical-align: middle; }
ul { margin: 0 0 1.5mm 0; padding-left: 5mm; }
ul.drivers > li { margin-bottom: 1.5mm; }
.primary { font-weight: bold; color: #1f4e79; }
.secondary { color: #2d5f8a; }
.idea { background: #fff6d5; border: 1px solid #e6d28a; padding: 0 1.5mm; border-radius: 2px; }
.ideas { list-style: none; padding-left: 4mm; }
.decision { font-weight: bold; }
blockquote { margin: 1mm 0 1.5mm 0; padding-left: 3mm; border-left: 3px solid #c9d6e3; color: #333; }
.columns { display: flex; gap: 8mm; }
.columns > div { flex: 1; }
@media screen { body { padding: 8mm; } }
"""


def _e(text: object) -> str:
    return html.escape("" if text is None else str(text))


def _paragraphs(text: str | None) -> str:
    return "".join(f"<p>{_e(part)}</p>" for part in re.split(r"\n\s*\n", text or "") if part.strip())


def chart_labels(measure: Measure, chart: str, language: str) -> ChartLabels:
    """The chart's words in the language, as the app's measure page gives them."""
    def t(key: str) -> str:
        return translate(language, key)

    return ChartLabels(
        title=measure.name, subtitle=t(f"chart_type.{chart}"),
        y_title=measure.unit or t(f"data_type.{measure.data_type}"), x_title=t(f"period.{measure.period}"),
        centre=t("chart.centre"), median=t("chart.median"), mean=t("chart.mean"), limits=t("chart.limits"),
        lcl=t("chart.lcl"), ucl=t("chart.ucl"), outside=t("chart.outside"), status=t("chart.status"),
        pdsa=t("chart.pdsa"), target=t("chart.target"), baseline=t("chart.baseline"), excluded=t("chart.excluded"),
        value=t("chart.value"), date=t("chart.date"), numerator=t("chart.numerator"),
        denominator=t("chart.denominator"), note=t("chart.note"), variation=t("chart.variation"),
        assurance=t("chart.assurance"),
        point_types={key: t(f"point_type.{key}") for key in (
            "common_cause", "special_cause_improvement", "special_cause_concern",
            "special_cause_neutral_high", "special_cause_neutral_low")},
        assurance_types={key: t(f"assurance.{key}") for key in ("consistent_pass", "consistent_fail", "inconsistent")},
        locale="da-DK" if language == "da" else "en-GB",
        week_format=t("measure_forms.week_format"), month_format="%b %Y", day_format=t("measure_forms.day_format"),
        week_axis_format=t("measure_forms.week_axis_format"), year_axis_format=t("measure_forms.year_axis_format"),
        month_axis_format=t("measure_forms.month_axis_format"),
    )


def key_measure(measures: list[Measure]) -> Measure | None:
    """The key measure as the summary page picks it: the one marked, else the first outcome
    measure, else the first measure."""
    return (next((m for m in measures if m.is_key), None) or next((m for m in measures if m.kind == "outcome"), None)
            or (measures[0] if measures else None))


def cycle_names(cycles: list[PdsaCycle]) -> dict[int, str]:
    """"PDSA 2.1" (ramp 2, cycle 1), as the app's charts and PDSA tab number them."""
    return {cycle.id: f"PDSA {ramp_no}.{cycle.cycle_number}"
            for ramp_no, ramp in enumerate(ramps(cycles), start=1) for cycle in ramp}


def _annotations(cycles: list[PdsaCycle], first: date, last: date, period: str) -> list[Annotation]:
    end = next_period(last, period)
    names = cycle_names(cycles)
    return [Annotation(date=pd.Timestamp(c.do_start), label=names[c.id], kind="pdsa")
            for c in cycles if c.do_start is not None and first <= c.do_start < end and not c.archived]


def _svg(chart) -> str:
    svg = chart_to_svg(chart)
    return re.sub(r"^<\?xml[^>]*>\s*", "", svg)


class _Writer:
    def __init__(self, language: str):
        self.language = language
        self.locale = "da_DK" if language == "da" else "en_GB"   # "3. dec. 2025", "3 Dec 2025"

    def t(self, key: str, **values: object) -> str:
        return translate(self.language, key, **values)

    def day(self, value: date | None) -> str:
        return format_date(value, format="medium", locale=self.locale) if value else ""

    def target(self, measure: Measure) -> str:
        if measure.target is None:
            return ""
        if measure.data_type in PROPORTION_DATA_TYPES:
            return format_percent(measure.target, locale=self.locale)
        return format_decimal(measure.target, locale=self.locale)


def storyboard_html(cur, project_id: int, language: str, *, today: date | None = None) -> str:
    """The storyboard as one HTML document (see the module docstring)."""
    w = _Writer(language)
    project = get_project(cur, project_id)
    measures = list_measures(cur, project_id=project_id)
    key = key_measure(measures)
    measures = sorted(measures, key=lambda m: (m.id != (key.id if key else None), m.id or 0))
    cycles = [c for c in list_cycles(cur, project_id=project_id) if not c.archived]
    diagram = get_driver_diagram(cur, project_id)
    observations = list_observations(cur, project_id=project_id)
    parts = [
        f"<h1>{_e(project.title)}</h1>",
        f"<p class='meta'>{_e(w.t('exports.storyboard.title'))} · "
        f"{_e(w.t('exports.storyboard.facts', status=w.t(f'project_status.{project.status}'), start=w.day(project.start_date)))}"
        f" · {_e(w.t('exports.storyboard.made', date=w.day(today or date.today())))}</p>",
        f"<h2>{_e(w.t('exports.storyboard.aim'))}</h2>",
        f"<p class='aim'>{_e(w.t('exports.storyboard.aim_sentence', what=project.aim_what, how_much=project.aim_how_much, by_when=w.day(project.aim_by_when)))}</p>",
        _team(w, project),
        _drivers(w, diagram),
        _measures(w, cur, measures, key, cycles),
        _ramps(w, cycles, diagram),
        _observations(w, observations),
    ]
    body = "\n".join(parts)
    return (f"<!DOCTYPE html>\n<html lang='{language}'>\n<head>\n<meta charset='utf-8'>\n"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'>\n"
            f"<title>{_e(w.t('exports.storyboard.title'))} – {_e(project.title)}</title>\n"
            f"<style>{CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n")


def _team(w: _Writer, project) -> str:
    members = [m for m in project.team if not m.archived]
    partners = [m for m in members if m.role == "patient_partner"]
    others = [m for m in members if m.role != "patient_partner"]

    def line(member) -> str:
        discipline = f", {_e(member.discipline)}" if member.discipline else ""
        return f"<li><strong>{_e(member.name)}</strong>{discipline} · {_e(w.t(f'team_role.{member.role}'))}</li>"

    team = f"<ul>{''.join(map(line, others))}</ul>" if others else f"<p>{_e(w.t('exports.storyboard.no_team'))}</p>"
    partner = (f"<ul>{''.join(map(line, partners))}</ul>" if partners
               else f"<p>{_e(w.t('exports.storyboard.no_patient_partner'))}</p>")
    return (f"<div class='columns'><div><h2>{_e(w.t('exports.storyboard.team'))}</h2>{team}</div>"
            f"<div><h2>{_e(w.t('exports.storyboard.patient_partner'))}</h2>{partner}</div></div>")


def _drivers(w: _Writer, diagram: DriverDiagram) -> str:
    heading = f"<h2>{_e(w.t('exports.storyboard.driver_diagram'))}</h2>"
    if not diagram.drivers and not diagram.change_ideas:
        return heading + f"<p>{_e(w.t('exports.storyboard.no_drivers'))}</p>"
    order = lambda d: (d.position, d.id or 0)  # noqa: E731
    primaries = sorted((d for d in diagram.drivers if d.kind == "primary"), key=order)
    shown_ideas: set[int] = set()

    def ideas(driver_id: int) -> str:
        found = [i for i in diagram.change_ideas if driver_id in i.driver_ids]
        shown_ideas.update(i.id for i in found)
        if not found:
            return ""
        return "<ul class='ideas'>" + "".join(f"<li><span class='idea'>{_e(i.text)}</span></li>" for i in found) + "</ul>"

    items = []
    for primary in primaries:
        secondaries = sorted((d for d in diagram.drivers if d.kind == "secondary" and d.parent_id == primary.id),
                             key=order)
        inner = "".join(f"<li><span class='secondary'>{_e(s.text)}</span>{ideas(s.id)}</li>" for s in secondaries)
        items.append(f"<li><span class='primary'>{_e(primary.text)}</span>{ideas(primary.id)}"
                     + (f"<ul>{inner}</ul>" if inner else "") + "</li>")
    loose = [i for i in diagram.change_ideas if i.id not in shown_ideas]
    extra = ""
    if loose:
        extra = (f"<h3>{_e(w.t('exports.storyboard.change_ideas'))}</h3><ul class='ideas'>"
                 + "".join(f"<li><span class='idea'>{_e(i.text)}</span></li>" for i in loose) + "</ul>")
    return heading + f"<p><strong>{_e(diagram.aim)}</strong></p><ul class='drivers'>{''.join(items)}</ul>{extra}"


def _measures(w: _Writer, cur, measures: list[Measure], key_one: Measure | None, cycles: list[PdsaCycle]) -> str:
    out = [f"<h2>{_e(w.t('exports.storyboard.measures'))}</h2>"]
    if not measures:
        out.append(f"<p>{_e(w.t('exports.storyboard.no_measures'))}</p>")
    for measure in measures:
        is_key = key_one is not None and measure.id == key_one.id
        key = f" <span class='key'>{_e(w.t('exports.storyboard.key_measure'))}</span>" if is_key else ""
        facts = [w.t(f"measure_kind.{measure.kind}"), w.t(f"data_type.{measure.data_type}"),
                 w.t(f"period.{measure.period}")]
        if measure.target is not None:
            facts.append(w.t("exports.storyboard.target", target=w.target(measure)))
        block = [f"<div class='measure'><h3>{_e(measure.name)}{key}</h3>",
                 f"<p class='meta'>{_e(' · '.join(facts))}</p>"]
        if measure.definition:
            block.append(f"<p class='meta'>{_e(measure.definition)}</p>")
        block.append(_chart(w, cur, measure, cycles))
        block.append("</div>")
        out.append("".join(block))
    return "\n".join(out)


def _chart(w: _Writer, cur, measure: Measure, cycles: list[PdsaCycle]) -> str:
    points = data_points_frame(cur, [measure.id])
    if points.empty:
        return f"<p>{_e(w.t('exports.storyboard.no_data'))}</p>"
    try:
        series, analysis = analyze_measure(measure, points)
    except ValueError as exc:
        return f"<p>{_e(w.t('exports.storyboard.cannot_chart', error=str(exc)))}</p>"
    if analysis is None:
        return f"<p>{_e(w.t('exports.storyboard.no_data'))}</p>"
    chart = spc_chart(analysis, labels=chart_labels(measure, measure.effective_chart, w.language),
                      annotations=_annotations(cycles, series.x[0], series.x[-1], measure.period),
                      percent=measure.data_type in PROPORTION_DATA_TYPES, show_icons=False,
                      width=CHART_WIDTH, height=CHART_HEIGHT)
    html_chart = f"<div class='chart'>{_svg(chart)}</div>"
    warning = warning_text(w.language, measure, small_periods_frame(measure, points))
    if warning:
        html_chart += f"<p class='warning'>{_e(warning)}</p>"
    return html_chart


def _ramps(w: _Writer, cycles: list[PdsaCycle], diagram: DriverDiagram) -> str:
    out = [f"<h2>{_e(w.t('exports.storyboard.ramps'))}</h2>"]
    if not cycles:
        out.append(f"<p>{_e(w.t('exports.storyboard.no_ramps'))}</p>")
    ideas = {i.id: i.text for i in diagram.change_ideas}
    names = cycle_names(cycles)
    for number, ramp in enumerate(ramps(cycles), start=1):
        idea = next((ideas.get(c.change_idea_id) for c in ramp if c.change_idea_id in ideas), None)
        title = (w.t("exports.storyboard.ramp_idea", number=number, idea=idea) if idea
                 else w.t("exports.storyboard.ramp", number=number))
        block = [f"<div class='ramp'><h3>{_e(title)}</h3><ul>"]
        for cycle in ramp:
            line = w.t("exports.storyboard.cycle_line", cycle=names[cycle.id], title=cycle.title,
                       stage=w.t(f"cycle_stage.{cycle.stage}"))
            item = [f"<li><strong>{_e(line)}</strong>"]
            if cycle.do_start:
                item.append(f" <span class='meta'>({_e(w.t('exports.storyboard.dates', start=w.day(cycle.do_start), end=w.day(cycle.do_end)))})</span>")
            if cycle.act_decision:
                item.append(f"<br><span class='decision'>{_e(w.t('exports.storyboard.decision', decision=w.t(f'decision.{cycle.act_decision}')))}</span>")
            if cycle.study_learning:
                item.append(f"<blockquote><em>{_e(w.t('exports.storyboard.learning'))}:</em> "
                            f"{_e(cycle.study_learning)}</blockquote>")
            if cycle.act_next_step:
                item.append(f"<blockquote><em>{_e(w.t('exports.storyboard.next_step'))}:</em> "
                            f"{_e(cycle.act_next_step)}</blockquote>")
            item.append("</li>")
            block.append("".join(item))
        block.append("</ul></div>")
        out.append("".join(block))
    return "\n".join(out)


def _observations(w: _Writer, observations) -> str:
    out = [f"<h2>{_e(w.t('exports.storyboard.observations'))}</h2>"]
    if not observations:
        out.append(f"<p>{_e(w.t('exports.storyboard.no_observations'))}</p>")
    for o in observations:
        out.append(f"<div class='observation'><blockquote>{_e(o.text)}<br><span class='meta'>"
                   f"{_e(w.t('exports.storyboard.observation_by', kind=w.t(f'observation_kind.{o.kind}'), date=w.day(o.observed_on)))}"
                   + (f" · {_e(o.author_role)}" if o.author_role else "") + "</span></blockquote></div>")
    return "\n".join(out)


def storyboard_pdf(html_text: str) -> bytes:
    """The storyboard as an A4 PDF (WeasyPrint; the HTML loads nothing, so no base URL is needed)."""
    import weasyprint

    return weasyprint.HTML(string=html_text).write_pdf()
