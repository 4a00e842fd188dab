"""python -m pdsa import: the same checks and messages as the app, exit 2 with the report on a
bad file and nothing saved; --mapping, --sheet, --decimal, --on-existing, --dry-run; timings."""

from __future__ import annotations

import json
import time
from datetime import date, timedelta

from pdsa.cli import main
from pdsa.core.db import open_database, resolve_db_path
from tests.test_import_reader import FIXTURES


def _points(path, measure_id: int) -> list[tuple]:
    database = open_database(resolve_db_path(str(path)))
    try:
        return database.cursor().execute(
            "SELECT period, numerator, denominator, value, note FROM data_point WHERE measure_id = ? ORDER BY period",
            [measure_id]).fetchall()
    finally:
        database.close()


def _new_measure(path, data_type: str, period: str) -> int:
    from actions import define_measure
    from actions.actor import Actor
    from pdsa.models import Measure

    database = open_database(resolve_db_path(str(path)))
    try:
        cur = database.cursor()
        project = cur.execute("SELECT min(id) FROM project").fetchone()[0]
        return define_measure(cur, Actor(None, "test", roles=frozenset({"administrator"})), Measure(
            project_id=project, name=f"CLI {data_type} {period}", kind="process", data_type=data_type,
            period=period)).id
    finally:
        database.close()


def run(capsys, *args):
    status = main(["import", *map(str, args)])
    out, err = capsys.readouterr()
    return status, out, err


def test_a_good_file_is_imported_with_the_guessed_mapping(capsys, demo_copy):
    measure = _new_measure(demo_copy, "proportion", "week")
    status, out, err = run(capsys, FIXTURES / "spc_layout_latin1.csv", "--measure", measure, "--db", demo_copy)
    assert (status, err) == (0, "")
    assert out.strip().endswith("12 new periods, 0 replaced, 0 skipped (they already held data).")
    points = _points(demo_copy, measure)
    assert len(points) == 12 and points[0][:3] == (date(2025, 1, 6), 10.0, 40.0)
    assert points[2][4] == "Færre på vagt – ærgerligt"


def test_a_bad_file_exits_2_with_the_report_and_saves_nothing(capsys, demo_copy):
    measure = _new_measure(demo_copy, "proportion", "week")
    status, _, err = run(capsys, FIXTURES / "text_in_number_column.csv", "--measure", measure, "--db", demo_copy,
                           "--language", "da")
    assert status == 2
    assert err.splitlines() == ["Intet er importeret: 2 rækker skal rettes først. Ret dem i filen, og prøv igen.",
                                "Række 3: Tæller: “ca. 4” er ikke et tal.", "Række 4: Nævner: “ti” er ikke et tal."]
    assert _points(demo_copy, measure) == []


def test_a_file_that_is_not_a_table_exits_2_before_the_database_is_opened(capsys, tmp_path):
    missing_db = tmp_path / "never.duckdb"
    status, _, err = run(capsys, FIXTURES / "binary_renamed.csv", "--measure", 1, "--db", missing_db)
    assert status == 2 and "not a text file or a spreadsheet" in err
    assert not missing_db.exists()
    status, _, err = run(capsys, tmp_path / "nowhere.csv", "--measure", 1, "--db", missing_db)
    assert status == 2 and "Cannot read the file" in err


def test_mapping_sheet_and_decimal_options(capsys, demo_copy, tmp_path):
    measure = _new_measure(demo_copy, "count", "week")
    mapping = json.dumps({"period": "Uge", "value": "Tæller"})
    status, _, err = run(capsys, FIXTURES / "data_on_second_sheet.xlsx", "--measure", measure, "--sheet", "Udtræk",
                           "--mapping", mapping, "--db", demo_copy)
    assert status == 0, err
    assert [p[3] for p in _points(demo_copy, measure)][:4] == [0.0, 1.0, 2.0, 3.0]
    status, _, err = run(capsys, FIXTURES / "data_on_second_sheet.xlsx", "--measure", measure, "--sheet", "Ark9",
                         "--db", demo_copy)
    assert status == 2 and "The sheet “Ark9” is not in the file. Its sheets are: Forside, Udtræk." in err
    status, _, err = run(capsys, FIXTURES / "spc_layout_utf8.csv", "--measure", measure, "--mapping", "[1]",
                         "--db", demo_copy)
    assert status == 2 and "--mapping must be a JSON object" in err

    unclear = tmp_path / "unclear.csv"
    unclear.write_text("Dato;Minutter\n06-01-2025;1.250\n13-01-2025;1.500\n")
    continuous = _new_measure(demo_copy, "continuous", "week")
    status, _, err = run(capsys, unclear, "--measure", continuous, "--db", demo_copy)
    assert status == 2 and "Choose the decimal mark" in err and "--decimal" in err
    status, _, err = run(capsys, unclear, "--measure", continuous, "--decimal", ".", "--db", demo_copy)
    assert status == 0, err
    assert [p[3] for p in _points(demo_copy, continuous)] == [1.25, 1.5]


def test_dry_run_and_on_existing(capsys, demo_copy):
    measure = _new_measure(demo_copy, "proportion", "week")
    name = FIXTURES / "weeks_uge.csv"
    status, out, _ = run(capsys, name, "--measure", measure, "--dry-run", "--db", demo_copy)
    assert status == 0 and "12 new periods, 0 already hold data" in out
    assert _points(demo_copy, measure) == []
    run(capsys, name, "--measure", measure, "--db", demo_copy)
    status, out, _ = run(capsys, name, "--measure", measure, "--dry-run", "--on-existing", "replace", "--db", demo_copy)
    assert "0 new periods, 12 already hold data (replaced)" in out
    status, out, _ = run(capsys, name, "--measure", measure, "--db", demo_copy)
    assert "0 new periods, 0 replaced, 12 skipped" in out
    status, out, _ = run(capsys, name, "--measure", measure, "--on-existing", "replace", "--db", demo_copy)
    assert "0 new periods, 12 replaced, 0 skipped" in out


def test_an_unknown_measure(capsys, demo_copy):
    status, _, err = run(capsys, FIXTURES / "weeks_uge.csv", "--measure", 9999, "--db", demo_copy)
    assert status == 2 and err.strip() == "There is no measure 9999."


def test_timings_of_ten_thousand_rows_and_a_million(capsys, demo_copy, tmp_path):
    """The closing note's figures: a 10,000-row file checked and imported, a million-row one refused."""
    measure = _new_measure(demo_copy, "proportion", "day")
    start = date(1999, 1, 1)
    ten_thousand = tmp_path / "ten_thousand.csv"
    ten_thousand.write_text("Dato;Tæller;Nævner;Kommentarer\n" + "".join(
        f"{start + timedelta(days=k):%d-%m-%Y};{k % 7};{10 + k % 5};{'ok' if k % 500 == 0 else ''}\n"
        for k in range(10_000)), encoding="utf-8")
    began = time.perf_counter()
    status, out, err = run(capsys, ten_thousand, "--measure", measure, "--db", demo_copy)
    imported = time.perf_counter() - began
    assert status == 0, err
    assert "10000 new periods" in out
    assert len(_points(demo_copy, measure)) == 10_000
    million = tmp_path / "million.csv"
    million.write_bytes(b"Dato;Antal\n" + b"06-01-2025;3\n" * 1_000_000)
    began = time.perf_counter()
    status, _, err = run(capsys, million, "--measure", measure, "--db", demo_copy)
    refused = time.perf_counter() - began
    assert status == 2 and "The file has 1,000,000 rows; the import takes at most 100,000." in err
    assert refused < 2.0
    assert imported < 60.0
    print(f"10,000 rows imported in {imported:.1f} s; 1,000,000 rows refused in {refused:.2f} s")
