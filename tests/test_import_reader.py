"""Import: every fixture file read and checked (no database), and the cell readers.

Each file in tests/fixtures/import/ is a shape Danish quality data arrive in; OUTCOMES says
what each must give for a measure of the given data type and period: the number of rows to
import (and notices), the exact rows reported with their reasons, or the file refused as a
whole. tests/test_import_action.py imports the same files into a database on both engines.
"""

from __future__ import annotations

import time
from datetime import date, datetime
from pathlib import Path

import pytest

from pdsa.imports import (
    MAX_ROWS,
    FileProblem,
    file_problem_line,
    guess_mapping,
    notice_line,
    plan_import,
    read_file_for,
    report_lines,
)
from pdsa.imports.values import (
    CellProblem,
    decimal_mark,
    parse_flag,
    parse_number,
    parse_period_cell,
)
from pdsa.models import Measure

FIXTURES = Path(__file__).parent / "fixtures" / "import"

# file: (data type, period, outcome); outcome is ("rows", n, notices), ("problems", [(row, code), ...])
# or ("file", code)
OUTCOMES: dict[str, tuple[str, str, tuple]] = {
    # the Danish SPC layout in every encoding, line end and container
    "spc_layout_utf8_bom.csv": ("proportion", "week", ("rows", 12, [])),
    "spc_layout_utf8.csv": ("proportion", "week", ("rows", 12, [])),
    "spc_layout_latin1.csv": ("proportion", "week", ("rows", 12, [])),
    "spc_layout_iso_8859_1.csv": ("proportion", "week", ("rows", 12, [])),
    "spc_layout_cp1252_quotes.csv": ("proportion", "week", ("rows", 12, [])),
    "spc_layout_crlf.csv": ("proportion", "week", ("rows", 12, [])),
    "spc_layout_split_freeze.csv": ("proportion", "week", ("rows", 12, [])),
    "spc_layout.xlsx": ("proportion", "week", ("rows", 12, [])),
    # separators and decimal marks
    "comma_point_decimal.csv": ("continuous", "week", ("rows", 12, [])),
    "tab_decimal_comma.tsv": ("continuous", "week", ("rows", 12, [])),
    "decimal_comma_thousands_point.csv": ("continuous", "week", ("rows", 12, [])),
    "decimal_point_thousands_comma.csv": ("continuous", "week", ("rows", 12, [])),
    "percent_signs.csv": ("continuous", "month", ("rows", 12, [])),
    "permille_and_spaces.csv": ("continuous", "month", ("rows", 12, [])),
    # dates
    "dates_dotted.csv": ("count", "week", ("rows", 12, [])),
    "dates_iso.csv": ("count", "week", ("rows", 12, [])),
    "dates_slash.csv": ("count", "week", ("rows", 12, [])),
    "dates_with_time.csv": ("count", "week", ("rows", 12, [])),
    "excel_serial_in_csv.csv": ("count", "week", ("rows", 12, [])),
    "excel_serial_numbers.xlsx": ("continuous", "week", ("rows", 12, [])),
    "count_monthly_dates.xlsx": ("count", "month", ("rows", 12, [])),
    "mixed_unambiguous_dates.csv": ("count", "week", ("rows", 12, [])),
    "tuesdays_in_weekly.csv": ("proportion", "week", ("rows", 12, ["dates_moved_week"])),
    # weeks and months
    "weeks_uge.csv": ("proportion", "week", ("rows", 12, [])),
    "weeks_iso.csv": ("proportion", "week", ("rows", 12, [])),
    "weeks_slash.csv": ("proportion", "week", ("rows", 12, [])),
    "months_short.csv": ("count", "month", ("rows", 12, [])),
    "months_long.csv": ("count", "month", ("rows", 12, [])),
    "months_iso.csv": ("count", "month", ("rows", 12, [])),
    "months_dash.csv": ("count", "month", ("rows", 12, [])),
    # other good shapes
    "english_headers.csv": ("proportion", "week", ("rows", 12, [])),
    "quoted_notes.csv": ("proportion", "week", ("rows", 12, [])),
    "title_row_above_header.csv": ("proportion", "week", ("rows", 12, ["title_rows_skipped"])),
    "totals_row_at_end.csv": ("proportion", "week", ("rows", 12, ["totals_left_out"])),
    "title_and_totals.xlsx": ("count", "month", ("rows", 12, ["title_rows_skipped", "totals_left_out"])),
    "blank_lines_between.csv": ("proportion", "week", ("rows", 12, [])),
    "excluded_column.csv": ("continuous", "week", ("rows", 12, [])),
    "days_between_events.csv": ("days_between", "day", ("rows", 10, [])),
    "data_on_second_sheet.xlsx": ("proportion", "week", ("rows", 12, [])),
    # malformed: refused as a whole
    "empty.csv": ("count", "week", ("file", "empty")),
    "header_only.csv": ("proportion", "week", ("file", "header_only")),
    "excel_header_only.xlsx": ("proportion", "week", ("file", "header_only")),
    "empty_workbook.xlsx": ("count", "week", ("file", "empty_sheet")),
    "binary_renamed.csv": ("count", "week", ("file", "binary")),
    "old_excel.xls": ("count", "week", ("file", "old_excel")),
    "not_a_workbook.xlsx": ("count", "week", ("file", "not_excel")),
    "utf16.csv": ("count", "week", ("file", "utf16")),
    "open_quote.csv": ("count", "week", ("file", "open_quote")),
    "wrong_separator_pipe.csv": ("proportion", "week", ("problems", [(None, "one_column")])),
    # malformed: the exact rows reported
    "comma_separated_decimal_commas.csv": ("continuous", "week", ("problems", [(4, "too_many_fields"),
                                                                              (7, "too_many_fields")])),
    "mixed_date_formats.csv": ("count", "week", ("problems", [(4, "no_such_date"), (8, "no_such_date")])),
    "unreadable_dates.csv": ("count", "week", ("problems", [(3, "period_unreadable"), (4, "no_such_date")])),
    "text_in_number_column.csv": ("proportion", "week", ("problems", [(3, "not_a_number"), (4, "not_a_number")])),
    "numerator_above_denominator.csv": ("proportion", "week", ("problems", [(3, "numerator_above_denominator")])),
    "negative_numbers.csv": ("count", "month", ("problems", [(3, "negative")])),
    "duplicate_periods.csv": ("proportion", "week", ("problems", [(4, "period_twice")])),
    "cpr_in_note.csv": ("proportion", "week", ("problems", [(3, "note_cpr")])),
    "month_in_weekly.csv": ("proportion", "week", ("problems", [(2, "month_in_week_measure")])),
    "week_without_year.csv": ("proportion", "week", ("problems", [(2, "week_without_year"), (3, "week_without_year")])),
    "fractional_count.csv": ("count", "month", ("problems", [(3, "not_whole")])),
    "zero_denominator.csv": ("rate", "week", ("problems", [(2, "denominator_zero")])),
    "merged_cells.xlsx": ("count", "month", ("problems", [(4, "merged_cell")])),
    "formula_error.xlsx": ("proportion", "month", ("problems", [(3, "formula_error")])),
}


def measure_for(data_type: str, period: str, measure_id: int = 1) -> Measure:
    return Measure(id=measure_id, project_id=1, name="Importtest", kind="process", data_type=data_type, period=period)


def plan_for(name: str, measure: Measure | None = None):
    data_type, period, _ = OUTCOMES[name]
    measure = measure or measure_for(data_type, period)
    sheet = read_file_for((FIXTURES / name).read_bytes(), name)
    return plan_import(sheet, guess_mapping(sheet, measure.data_type), measure)


def test_there_are_at_least_40_fixture_files_and_each_has_its_outcome():
    files = sorted(p.name for p in FIXTURES.iterdir() if p.suffix != ".py")
    assert len(files) >= 40
    assert set(files) == set(OUTCOMES)


@pytest.mark.parametrize("name", sorted(OUTCOMES))
def test_each_fixture_gives_its_outcome(name):
    outcome = OUTCOMES[name][2]
    if outcome[0] == "file":
        with pytest.raises(FileProblem) as raised:
            plan_for(name)
        assert raised.value.code == outcome[1]
        for language in ("da", "en"):
            assert file_problem_line(raised.value, language)   # a sentence in each language
        return
    plan = plan_for(name)
    if outcome[0] == "rows":
        assert plan.problems == []
        assert len(plan.rows) == outcome[1]
        assert [n.code for n in plan.notices] == outcome[2]
    else:
        assert [(p.row, p.code) for p in plan.problems] == outcome[1]
        for language in ("da", "en"):
            lines = report_lines(plan, language)
            assert len(lines) == 1 + len(outcome[1])


def test_the_spc_layout_reads_the_same_in_every_encoding():
    values = {name: [(r.period, r.values.get("numerator"), r.values.get("denominator")) for r in plan_for(name).rows]
              for name in ("spc_layout_utf8_bom.csv", "spc_layout_latin1.csv", "spc_layout_iso_8859_1.csv",
                           "spc_layout_cp1252_quotes.csv", "spc_layout_crlf.csv", "spc_layout.xlsx")}
    first = values.pop("spc_layout_utf8_bom.csv")
    assert first[0] == (date(2025, 1, 6), 10.0, 40.0)
    assert all(found == first for found in values.values())
    notes = {name: next(r.values["note"] for r in plan_for(name).rows if r.values.get("note"))
             for name in ("spc_layout_latin1.csv", "spc_layout_iso_8859_1.csv", "spc_layout_cp1252_quotes.csv")}
    assert notes == {"spc_layout_latin1.csv": "Færre på vagt – ærgerligt",
                     "spc_layout_iso_8859_1.csv": "Ønske fra pårørende",
                     "spc_layout_cp1252_quotes.csv": "“Travl uge” – 5 € pr. patient"}


def test_numbers_in_each_convention():
    assert [r.values["value"] for r in plan_for("decimal_comma_thousands_point.csv").rows][:2] == [1000.5, 1001.5]
    assert [r.values["value"] for r in plan_for("decimal_point_thousands_comma.csv").rows][:2] == [1000.5, 1001.5]
    assert [r.values["value"] for r in plan_for("comma_point_decimal.csv").rows][:2] == [12.5, 12.75]
    assert [r.values["value"] for r in plan_for("tab_decimal_comma.tsv").rows][:2] == [12.0, 13.1]
    assert [r.values["value"] for r in plan_for("percent_signs.csv").rows][:2] == [80.5, 81.5]
    assert [r.values["value"] for r in plan_for("permille_and_spaces.csv").rows][:2] == [1.25, 2.25]


def test_periods_in_each_convention():
    weeks = [date(2025, 1, 6), date(2025, 1, 13)]
    for name in ("weeks_uge.csv", "weeks_iso.csv", "weeks_slash.csv", "dates_dotted.csv", "dates_slash.csv",
                 "dates_iso.csv", "dates_with_time.csv", "excel_serial_in_csv.csv", "excel_serial_numbers.xlsx",
                 "tuesdays_in_weekly.csv", "data_on_second_sheet.xlsx", "mixed_unambiguous_dates.csv"):
        assert [r.period for r in plan_for(name).rows][:2] == weeks, name
    for name in ("months_short.csv", "months_long.csv", "months_iso.csv", "months_dash.csv",
                 "count_monthly_dates.xlsx", "title_and_totals.xlsx"):
        assert [r.period for r in plan_for(name).rows][:2] == [date(2025, 1, 1), date(2025, 2, 1)], name


def test_a_tuesday_in_a_weekly_measure_is_counted_in_its_iso_week_and_the_preview_says_so():
    plan = plan_for("tuesdays_in_weekly.csv")
    assert plan.rows[0].stated == "07-01-2025" and plan.rows[0].period == date(2025, 1, 6)
    assert notice_line(plan.notices[0], "da", "week") == \
        "12 datoer er ikke mandage; hver tælles i sin ISO-uge (fx 07-01-2025 → uge 2 2025)."
    assert notice_line(plan.notices[0], "en", "week") == \
        "12 dates are not Mondays; each is counted in its ISO week (e.g. 07-01-2025 → week 2 2025)."


def test_the_report_names_each_row_and_reason_in_the_users_language():
    plan = plan_for("text_in_number_column.csv")
    assert report_lines(plan, "da") == [
        "Intet er importeret: 2 rækker skal rettes først. Ret dem i filen, og prøv igen.",
        "Række 3: Tæller: “ca. 4” er ikke et tal.",
        "Række 4: Nævner: “ti” er ikke et tal.",
    ]
    assert report_lines(plan, "en")[1:] == ["Row 3: Tæller: “ca. 4” is not a number.",
                                            "Row 4: Nævner: “ti” is not a number."]
    assert report_lines(plan_for("duplicate_periods.csv"), "da")[1] == (
        "Række 4: Dato: samme periode (uge 3 2025) som række 3. Hver periode må kun stå én gang.")
    assert report_lines(plan_for("merged_cells.xlsx"), "en")[1].startswith(
        "Row 4: Måned: the cell is part of the merged cells A3:A4")
    assert report_lines(plan_for("formula_error.xlsx"), "da")[1] == (
        "Række 3: Tæller: cellen viser regnearkets fejl #DIV/0!. Ret formlen, eller skriv tallet.")


def test_a_cpr_number_in_a_note_is_reported_but_never_repeated():
    plan = plan_for("cpr_in_note.csv")
    for language in ("da", "en"):
        text = "\n".join(report_lines(plan, language))
        assert "Række 3" in text or "Row 3" in text
        assert "010190" not in text and "1234" not in text
    sheet = read_file_for(b"Dato;Antal\n010190-1234;3\n06-01-2025;4\n", "x.csv")
    plan = plan_import(sheet, guess_mapping(sheet, "count"), measure_for("count", "week"))
    assert [p.code for p in plan.problems] == ["period_unreadable"]
    assert "010190" not in "\n".join(report_lines(plan, "da"))


def test_the_danish_spc_layout_is_guessed_column_by_column():
    sheet = read_file_for((FIXTURES / "spc_layout_utf8.csv").read_bytes(), "spc_layout_utf8.csv")
    assert guess_mapping(sheet, "proportion") == {"period": "Dato", "numerator": "Tæller", "denominator": "Nævner",
                                                  "note": "Kommentarer", "split": "Skift", "freeze": "Frys"}
    assert sheet.encoding == "utf-8" and sheet.separator == ";"
    assert guess_mapping(sheet, "count") == {"period": "Dato", "value": "Tæller", "note": "Kommentarer",
                                             "split": "Skift", "freeze": "Frys"}


def test_a_given_mapping_is_checked():
    sheet = read_file_for((FIXTURES / "spc_layout_utf8.csv").read_bytes(), "spc_layout_utf8.csv")
    plan = plan_import(sheet, {"period": "Dato", "numerator": "Tæler", "colour": "Skift"},
                       measure_for("proportion", "week"))
    assert [(p.row, p.code) for p in plan.problems] == [
        (None, "no_such_column"), (None, "unknown_field"), (None, "field_missing")]
    assert report_lines(plan, "en")[1] == ("The column “Tæler” is not in the file. The file's columns are: "
                                           "Dato, Tæller, Nævner, Skift, Frys, Kommentarer.")


def test_an_unclear_decimal_mark_is_asked_for_and_a_given_one_is_used():
    sheet = read_file_for(b"Dato;Minutter\n06-01-2025;1.250\n13-01-2025;1.500\n", "x.csv")
    measure = measure_for("continuous", "week")
    plan = plan_import(sheet, guess_mapping(sheet, "continuous"), measure)
    assert [p.code for p in plan.problems] == ["decimal_unclear"]
    assert [r.values["value"] for r in plan_import(sheet, guess_mapping(sheet, "continuous"), measure,
                                                   decimal=",").rows] == [1250.0, 1500.0]
    assert [r.values["value"] for r in plan_import(sheet, guess_mapping(sheet, "continuous"), measure,
                                                   decimal=".").rows] == [1.25, 1.5]


@pytest.mark.parametrize("text, mark, expected", [
    ("1.092,5", ",", 1092.5), ("1,092.5", ".", 1092.5), ("85 %", ",", 85.0), ("92,5%", ",", 92.5),
    ("\u22123", ",", -3.0), ("1 250", ",", 1250.0), ("1\u00a0250,75", ",", 1250.75), ("", ",", None),
    ("12", ".", 12.0), (7, ",", 7.0), (7.25, ",", 7.25), ("1e3", ",", 1000.0),
])
def test_numbers(text, mark, expected):
    assert parse_number(text, mark) == expected


@pytest.mark.parametrize("text", ["ca. 4", "ti", "1.2.3,4", "12,5", True])
def test_not_numbers(text):
    with pytest.raises(CellProblem):
        parse_number(text, ".") if text == "12,5" else parse_number(text, ",")


def test_the_decimal_mark_of_a_column():
    assert decimal_mark(["12,5", "13"]) == ","
    assert decimal_mark(["12.5", "13"]) == "."
    assert decimal_mark(["1.092,5"]) == ","
    assert decimal_mark(["1,092.5"]) == "."
    assert decimal_mark(["12", "13"]) == ","
    assert decimal_mark(["1.250"]) is None
    with pytest.raises(ValueError):
        decimal_mark(["12,5", "12.5"])


@pytest.mark.parametrize("cell, period, expected", [
    ("06-01-2025", "day", (date(2025, 1, 6), "day")), ("06.01.2025", "day", (date(2025, 1, 6), "day")),
    ("2025-01-06", "day", (date(2025, 1, 6), "day")), ("06/01/2025", "day", (date(2025, 1, 6), "day")),
    ("6-1-25", "day", (date(2025, 1, 6), "day")), ("2025-01-06T00:00:00", "day", (date(2025, 1, 6), "day")),
    (45663, "day", (date(2025, 1, 6), "day")), ("45663", "day", (date(2025, 1, 6), "day")),
    (datetime(2025, 1, 6, 8, 30), "day", (date(2025, 1, 6), "day")),
    ("uge 45 2025", "week", (date(2025, 11, 3), "week")), ("Uge 45, 2025", "week", (date(2025, 11, 3), "week")),
    ("2025-W45", "week", (date(2025, 11, 3), "week")), ("45/2025", "week", (date(2025, 11, 3), "week")),
    ("week 1 2026", "week", (date(2025, 12, 29), "week")), ("2025 uge 45", "week", (date(2025, 11, 3), "week")),
    ("jan 2025", "month", (date(2025, 1, 1), "month")), ("januar 2025", "month", (date(2025, 1, 1), "month")),
    ("Jan. 2025", "month", (date(2025, 1, 1), "month")), ("okt-25", "month", (date(2025, 10, 1), "month")),
    ("2025-01", "month", (date(2025, 1, 1), "month")), ("01-2025", "month", (date(2025, 1, 1), "month")),
    ("01/2025", "month", (date(2025, 1, 1), "month")), ("maj 2025", "month", (date(2025, 5, 1), "month")),
    ("October 2025", "month", (date(2025, 10, 1), "month")),
])
def test_periods(cell, period, expected):
    found = parse_period_cell(cell, period)
    assert (found.day, found.unit) == expected


@pytest.mark.parametrize("cell, code", [
    ("snart", "period_unreadable"), ("31-02-2025", "no_such_date"), ("uge 53 2025", "no_such_week"),
    ("uge 45", "week_without_year"), ("#N/A", "formula_error"), (12, "period_unreadable"),
])
def test_unreadable_periods(cell, code):
    with pytest.raises(CellProblem) as raised:
        parse_period_cell(cell, "week")
    assert raised.value.code == code


def test_yes_and_no():
    assert [parse_flag(v) for v in ("", None, "0", "nej", "x", "ja", "1", 1, True, "TRUE", "Sand")] == [
        False, False, False, False, True, True, True, True, True, True, True]
    with pytest.raises(CellProblem):
        parse_flag("måske")


def test_a_file_of_a_million_rows_is_refused_quickly_and_clearly(tmp_path):
    data = b"Dato;Antal\n" + b"06-01-2025;3\n" * 1_000_000
    started = time.perf_counter()
    with pytest.raises(FileProblem) as raised:
        read_file_for(data, "million.csv")
    seconds = time.perf_counter() - started
    assert raised.value.code == "too_many_rows" and raised.value.values["limit"] == MAX_ROWS
    assert seconds < 1.0, seconds
    assert file_problem_line(raised.value, "da").startswith("Filen har 1.000.000 rækker; importen tager højst 100.000.")


def test_ten_thousand_rows_are_read_and_checked_in_a_few_seconds():
    days = [date(1990, 1, 1).toordinal() + k for k in range(10_000)]
    data = ("Dato;Tæller;Nævner;Kommentarer\n" + "".join(
        f"{date.fromordinal(d):%d-%m-%Y};{k % 7};{10 + k % 5};{'ok' if k % 100 == 0 else ''}\n"
        for k, d in enumerate(days))).encode()
    started = time.perf_counter()
    sheet = read_file_for(data, "ten_thousand.csv")
    plan = plan_import(sheet, guess_mapping(sheet, "proportion"), measure_for("proportion", "day"))
    assert plan.problems == [] and len(plan.rows) == 10_000
    assert time.perf_counter() - started < 5.0


def test_rows_are_numbered_as_the_spreadsheet_shows_them():
    sheet = read_file_for(b"Rapport\n\nDato;Antal\n06-01-2025;3\n\n13-01-2025;x\n", "x.csv")
    assert sheet.row_numbers == [4, 6]
    plan = plan_import(sheet, guess_mapping(sheet, "count"), measure_for("count", "week"))
    assert [(p.row, p.code) for p in plan.problems] == [(6, "not_a_number")]


def test_the_analyze_command_reads_windows_1252_through_the_same_reader(tmp_path, capsys):
    """The reader is shared: a file with Windows-1252's quotes and dashes reads the same for analyze."""
    from pdsa.spc.cli import main as analyze_main
    from pdsa.spc.reader import read_table

    text = "x;y\n" + "".join(f"“uge {k}” – ø;{3 + k % 4}\n" for k in range(1, 21))
    table = read_table(text.encode("cp1252"))
    assert table.encoding == "windows-1252" and table.text("x")[0] == "“uge 1” – ø"
    assert read_table(text.replace("“", "").replace("”", "").replace("–", "-").encode("iso-8859-1")).encoding == \
        "iso-8859-1"
    path = tmp_path / "data.csv"
    path.write_bytes(text.encode("cp1252"))
    assert analyze_main(["analyze", str(path), "--chart", "i", "--x", "x"]) == 0
    assert "“uge 1” – ø" in capsys.readouterr().out
