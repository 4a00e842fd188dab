"""All data of a project as one Excel workbook, a sheet per table.

Sheets (Danish / English names): the project itself, its team, progress scores, drivers,
change ideas, measures, data (every measure's points, one row each), PDSA cycles and
observations. Column headers are the catalogue's field words in the chosen language; dates
are real dates, numbers real numbers, texts stay texts (never formulas). When a measure holds
a small count (:mod:`pdsa.exports.small_numbers`) the Data sheet starts with a warning line
per measure above its header.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from pdsa.exports.small_numbers import warning_for
from pdsa.i18n import translate
from pdsa.store.cycles import list_cycles
from pdsa.store.drivers import list_drivers
from pdsa.store.measures import list_data_points, list_measures
from pdsa.store.observations import list_observations
from pdsa.store.projects import get_project, list_change_ideas

SHEETS: dict[str, list[tuple[str, str]]] = {
    "da": [("Projekt", "project"), ("Team", "team"), ("Fremdrift", "progress"), ("Drivkræfter", "drivers"),
           ("Ændringsidéer", "change_ideas"), ("Indikatorer", "measures"), ("Data", "data"),
           ("PDSA-cirkler", "cycles"), ("Iagttagelser", "observations")],
    "en": [("Project", "project"), ("Team", "team"), ("Progress", "progress"), ("Drivers", "drivers"),
           ("Change ideas", "change_ideas"), ("Measures", "measures"), ("Data", "data"),
           ("PDSA cycles", "cycles"), ("Observations", "observations")],
}

# column headers: the catalogue's [exports.sheet_column] table
_PROJECT = ["id", "title", "status", "aim_what", "aim_how_much", "aim_by_when", "start_date"]
_TEAM = ["id", "name", "discipline", "sector", "role"]
_PROGRESS = ["scored_on", "score", "comment"]
_DRIVERS = ["id", "kind", "text", "parent_id", "position"]
_IDEAS = ["id", "text", "description", "driver_ids"]
_MEASURES = ["id", "name", "is_key", "kind", "data_type", "period", "direction", "target", "unit", "definition",
             "numerator_definition", "denominator_definition", "data_source", "chart", "rules", "freeze_until",
             "splits"]
_DATA = ["measure", "period", "value", "numerator", "denominator", "note", "excluded"]
_CYCLES = ["id", "title", "cycle_number", "parent_id", "change_idea_id", "stage", "plan_objective",
           "plan_predictions", "do_start", "do_end", "do_what_happened", "study_results", "study_learning",
           "act_decision", "act_next_step"]
_OBSERVATIONS = ["observed_on", "kind", "author_role", "text", "cycle_id"]


def _cell(value):
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return value


def _table(sheet, header: list[str], rows: list[list], *, above: list[str] = ()) -> None:
    from openpyxl.styles import Font

    for line in above:
        sheet.append([line])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True, color="9C2A00")
    if above:
        sheet.append([])
    sheet.append(header)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell(v) for v in row])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"          # a text starting with "=" stays text
            elif hasattr(cell.value, "year"):
                cell.number_format = "dd-mm-yyyy"
    sheet.freeze_panes = sheet.cell(header_row + 1, 1)
    for k, name in enumerate(header, start=1):
        sheet.column_dimensions[sheet.cell(header_row, k).column_letter].width = min(45, max(10, len(name) + 4))


def project_workbook(cur, project_id: int, language: str) -> bytes:
    """The .xlsx file's bytes; see the module docstring."""
    from openpyxl import Workbook

    def words(keys: list[str]) -> list[str]:
        return [translate(language, f"exports.sheet_column.{key}") for key in keys]

    def vocab(kind: str) -> Callable[[str | None], str | None]:
        return lambda value: translate(language, f"{kind}.{value}") if value else None

    project = get_project(cur, project_id)
    measures = list_measures(cur, project_id=project_id)
    measures.sort(key=lambda m: (not m.is_key, m.id))
    cycles = list_cycles(cur, project_id=project_id)
    status, role, sector = vocab("project_status"), vocab("team_role"), vocab("sector")
    yes = {True: translate(language, "exports.yes"), False: translate(language, "exports.no")}
    tables: dict[str, tuple[list[str], list[list]]] = {
        "project": (words(_PROJECT), [[project.id, project.title, status(project.status), project.aim_what,
                                       project.aim_how_much, project.aim_by_when, project.start_date]]),
        "team": (words(_TEAM), [[m.id, m.name, m.discipline, sector(m.sector), role(m.role)]
                                for m in project.team if not m.archived]),
        "progress": (words(_PROGRESS), [[p.scored_on, p.score, p.comment] for p in project.progress]),
        "drivers": (words(_DRIVERS), [[d.id, translate(language, f"driver_kind.{d.kind}"), d.text, d.parent_id,
                                       d.position] for d in list_drivers(cur, project_id)]),
        "change_ideas": (words(_IDEAS), [[i.id, i.text, i.description, i.driver_ids]
                                         for i in list_change_ideas(cur, project_id)]),
        "measures": (words(_MEASURES), [[
            m.id, m.name, yes[m.is_key], translate(language, f"measure_kind.{m.kind}"),
            translate(language, f"data_type.{m.data_type}"), translate(language, f"period.{m.period}"),
            translate(language, f"direction.{m.direction}"), m.target, m.unit, m.definition,
            m.numerator_definition, m.denominator_definition, m.data_source,
            translate(language, f"chart_type.{m.effective_chart}"), translate(language, f"rules.{m.rules}"),
            m.freeze_until, m.splits] for m in measures]),
        "cycles": (words(_CYCLES), [[
            c.id, c.title, c.cycle_number, c.parent_id, c.change_idea_id, translate(language, f"cycle_stage.{c.stage}"),
            c.plan_objective, c.plan_predictions, c.do_start, c.do_end, c.do_what_happened, c.study_results,
            c.study_learning, translate(language, f"decision.{c.act_decision}") if c.act_decision else None,
            c.act_next_step] for c in cycles]),
        "observations": (words(_OBSERVATIONS), [[
            o.observed_on, translate(language, f"observation_kind.{o.kind}"), o.author_role, o.text, o.cycle_id]
            for o in list_observations(cur, project_id=project_id)]),
    }
    data_rows, warnings = [], []
    for measure in measures:
        points = list_data_points(cur, measure.id)
        warning = warning_for(language, measure, points)
        if warning:
            warnings.append(warning)
        data_rows.extend([measure.name, p.period, p.value, p.numerator, p.denominator, p.note, yes[p.excluded]]
                         for p in points)
    tables["data"] = (words(_DATA), data_rows)

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, key in SHEETS[language]:
        header, rows = tables[key]
        _table(workbook.create_sheet(title), header, rows, above=warnings if key == "data" else ())
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
