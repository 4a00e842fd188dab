"""Exports on both engines: a measure's data as CSV and Excel imports back unchanged through
pdsa/imports (every demo measure and every data type: values, notes, excluded points, splits,
the frozen baseline), the small-numbers warning, and the project workbook's sheets."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest

import actions
from actions import import_data_points
from actions.actor import Actor
from pdsa.exports.measure_data import measure_csv, measure_excel
from pdsa.exports.project_workbook import SHEETS, project_workbook
from pdsa.exports.small_numbers import small_periods, threshold
from pdsa.imports import guess_mapping, plan_import, read_file_for
from pdsa.models import Measure
from pdsa.store.measures import get_measure, list_data_points, list_measures
from pdsa.store.projects import list_projects

ADMIN = Actor(None, "Eksportør", roles=frozenset({"administrator"}))


def _fields(points):
    return [(p.period, p.value, p.numerator, p.denominator, p.note or None, p.excluded) for p in points]


def _round_trip(cur, measure: Measure, data: bytes, filename: str, copy_name: str) -> Measure:
    """Import the file into a new measure like the first one; returns the new measure as stored."""
    copy = actions.define_measure(cur, ADMIN, Measure(
        project_id=measure.project_id, theme_id=measure.theme_id, name=copy_name, kind=measure.kind,
        data_type=measure.data_type, period=measure.period, rules=measure.rules, chart=measure.chart,
        direction=measure.direction))
    sheet = read_file_for(data, filename)
    mapping = guess_mapping(sheet, measure.data_type)
    plan = plan_import(sheet, mapping, get_measure(cur, copy.id))
    assert plan.ok, (filename, measure.name, plan.problems[:3])
    import_data_points(cur, ADMIN, copy.id, plan, sheet=sheet.sheet)
    return get_measure(cur, copy.id)


def _assert_same(cur, original: Measure, copy: Measure, where: str) -> None:
    before, after = list_data_points(cur, original.id), list_data_points(cur, copy.id)
    assert _fields(after) == _fields(before), where
    with_data = {p.period for p in before}
    assert copy.splits == sorted(s for s in original.splits if s in with_data), where
    expected_freeze = original.freeze_until if original.freeze_until in with_data else None
    assert copy.freeze_until == expected_freeze, where


def _marked_measures(cur) -> list[Measure]:
    """Measures of every data type with a split, a frozen baseline, an excluded point, notes
    (with ';', quotes, a line break, '=' first) and three-decimal values."""
    project = list_projects(cur)[0].id
    mondays = [date(2025, 1, 6) + timedelta(weeks=k) for k in range(24)]
    firsts = [date(2024, m, 1) for m in range(1, 13)] + [date(2025, m, 1) for m in range(1, 13)]
    days = [date(2025, 1, 1) + timedelta(days=3 * k) for k in range(24)]
    notes = ['ny procedure; "tjekliste"', "to linjer\nher", "=SUM(A1)", "æøå ÆØÅ", None]
    made = []
    for data_type, period, periods in (("proportion", "week", mondays), ("rate", "month", firsts),
                                       ("count", "week", mondays), ("continuous", "day", days),
                                       ("cases_between", "day", days), ("days_between", "day", days)):
        measure = actions.define_measure(cur, ADMIN, Measure(project_id=project, name=f"Rundtur {data_type}",
                                                             kind="process", data_type=data_type, period=period))
        rows = []
        for k, day in enumerate(periods):
            row: dict = {"period": day, "note": notes[k % len(notes)], "excluded": k == 3}
            if data_type == "proportion":
                row |= {"numerator": 3 + k % 9, "denominator": 20 + k}
            elif data_type == "rate":
                row |= {"numerator": 2 + k, "denominator": 1000.5 + k}
            elif data_type == "count":
                row |= {"value": k % 7}
            elif data_type == "continuous":
                row |= {"value": [12.5, 1.234, 1234.0, 0.125, 7.0, 41.75][k % 6]}
            elif data_type == "cases_between":
                row |= {"value": 10 + k}
            rows.append(row)
        actions.record_data_points(cur, ADMIN, measure.id, rows)
        measure = get_measure(cur, measure.id)
        wanted = Measure.model_validate({**measure.model_dump(), "splits": [periods[12]], "freeze_until": periods[8]})
        actions.update_chart_settings(cur, ADMIN, wanted)
        made.append(get_measure(cur, measure.id))
    return made


@pytest.mark.parametrize("language", ["da", "en"])
def test_every_measure_round_trips_through_csv_and_excel(demo_db, language):
    measures = list_measures(demo_db) + _marked_measures(demo_db)
    assert {m.data_type for m in measures} == {"proportion", "rate", "count", "continuous", "days_between",
                                                "cases_between"}
    assert any(m.splits for m in measures) and any(m.freeze_until for m in measures)
    for number, measure in enumerate(measures):
        points = list_data_points(demo_db, measure.id)
        if not points:
            continue
        for kind, data in (("csv", measure_csv(measure, points, language)),
                           ("xlsx", measure_excel(measure, points, language))):
            copy = _round_trip(demo_db, measure, data, f"data.{kind}", f"Kopi {number} {kind} {language}")
            _assert_same(demo_db, measure, copy, f"{measure.name} ({kind}, {language})")


def test_the_csv_is_in_the_danish_layout(demo_db):
    measure = next(m for m in _marked_measures(demo_db) if m.data_type == "proportion")
    text = measure_csv(measure, list_data_points(demo_db, measure.id), "da").decode("utf-8")
    assert text.startswith("\ufeff")
    lines = text.lstrip("\ufeff").split("\r\n")
    header = next(k for k, line in enumerate(lines) if line.startswith("Dato;"))
    assert lines[header] == "Dato;Tæller;Nævner;Skift;Frys;Kommentarer;Udelad"
    assert lines[header + 1].startswith("06-01-2025;3;20;;;")
    assert header == 1 and "små tal" in lines[0]          # 3 of 20 is a small number: the line above says so
    english = measure_csv(measure, list_data_points(demo_db, measure.id), "en").decode("utf-8")
    assert "Date;Numerator;Denominator;Split;Freeze;Comments;Excluded" in english
    assert "small numbers" in english


def test_value_measures_have_a_value_column(demo_db):
    measure = next(m for m in _marked_measures(demo_db) if m.data_type == "continuous")
    text = measure_csv(measure, list_data_points(demo_db, measure.id), "da").decode("utf-8-sig")
    assert text.split("\r\n")[0] == "Dato;Værdi;Skift;Frys;Kommentarer;Udelad"   # no count: no warning line
    assert "1,2340" in text and "12,5" in text and "1234;" in text


def test_small_numbers_threshold_is_configurable(demo_db, monkeypatch):
    measure = next(m for m in _marked_measures(demo_db) if m.data_type == "proportion")
    points = list_data_points(demo_db, measure.id)
    assert threshold() == 5
    assert len(small_periods(measure, points)) == 6          # numerators 3 and 4, every 9 weeks
    monkeypatch.setenv("PDSA_SMALL_NUMBER_THRESHOLD", "0")
    assert threshold() == 0 and small_periods(measure, points) == []
    assert "små tal" not in measure_csv(measure, points, "da").decode("utf-8")
    monkeypatch.setenv("PDSA_SMALL_NUMBER_THRESHOLD", "25")
    assert len(small_periods(measure, points)) == len(points)
    monkeypatch.setenv("PDSA_SMALL_NUMBER_THRESHOLD", "many")
    assert threshold() == 5
    from openpyxl import load_workbook
    monkeypatch.delenv("PDSA_SMALL_NUMBER_THRESHOLD")
    sheet = load_workbook(io.BytesIO(measure_excel(measure, points, "en")))["Data"]
    assert "small numbers" in sheet["A1"].value and sheet["A2"].value == "Date"


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_project_workbook_has_a_sheet_per_table(demo_db, language):
    from openpyxl import load_workbook

    project = list_projects(demo_db)[0]
    book = load_workbook(io.BytesIO(project_workbook(demo_db, project.id, language)))
    assert book.sheetnames == [name for name, _ in SHEETS[language]]
    sheets = dict(zip([key for _, key in SHEETS[language]], book.worksheets))
    assert sheets["project"].max_row >= 2
    measures = list_measures(demo_db, project_id=project.id)
    data_rows = sum(len(list_data_points(demo_db, m.id)) for m in measures)
    data = sheets["data"]
    first_cells = [row[0].value for row in data.iter_rows(max_col=1)]
    header = first_cells.index("Indikator" if language == "da" else "Measure") + 1
    assert all(line and ("små tal" in line or "small numbers" in line) for line in first_cells[:max(0, header - 2)])
    assert data.max_row - header == data_rows
    assert sheets["measures"].max_row == len(measures) + 1
