"""`analyze` command line: JSON output against the references, JSON Lines per series, one-line errors."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from pdsa.spc.cli import main

from .conftest import MDC_DIR, QIC_DIR, assert_numbers

REPO = Path(__file__).resolve().parents[2]
POINT_KEYS = ["i", "x", "y", "part", "baseline", "include", "cl", "lcl", "ucl", "lcl_95", "ucl_95",
              "sigma_signal", "runs_signal"]
PART_KEYS = ["part", "n_obs", "n_useful", "longest_run", "longest_run_max", "n_crossings", "n_crossings_min",
             "runs_signal"]


def run(capsys, *argv):
    """main() in-process: (exit status, stdout, stderr)."""
    status = main(["analyze", *map(str, argv)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def write_csv(tmp_path, rows, name="data.csv"):
    path = tmp_path / name
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _input_text(path: Path) -> dict[str, list[str]]:
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    return {column: table[column].tolist() for column in table.columns}


# --- output against the references ---------------------------------------------------------------


def _qic_arguments(case) -> list[str]:
    params = case["params"]
    args = [QIC_DIR / case["input_csv"], "--chart", params["chart"]]
    has_n = "n" in pd.read_csv(QIC_DIR / case["input_csv"], nrows=0).columns
    if has_n and params["chart"] not in ("p", "pp", "u", "up", "run"):
        args += ["--n", "n"]           # the default n column is only picked up where it belongs
    if "freeze" in params:
        args += ["--freeze", params["freeze"]]
    if "part" in params:
        args += ["--part", ",".join(map(str, _as_list(params["part"])))]
    if "exclude" in params:
        args += ["--exclude", ",".join(map(str, _as_list(params["exclude"])))]
    if params.get("screened_mr") is False:
        args += ["--no-screen-mr"]
    return args


def _as_list(value):
    return value if isinstance(value, list) else [value]


def test_reference_case_output(qic_case, capsys):
    status, out, err = run(capsys, *_qic_arguments(qic_case))
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert list(result) == ["chart", "rules", "parts", "points"]
    assert (result["chart"], result["rules"]) == (qic_case["params"]["chart"], "anhoej")
    assert [list(p) for p in result["parts"]] == [PART_KEYS] * len(result["parts"])
    for got, expected in zip(result["parts"], qic_case["parts"], strict=True):
        assert {k: got[k] for k in PART_KEYS} == {k: expected[k] for k in PART_KEYS}
    points = result["points"]
    assert all(list(p) == POINT_KEYS for p in points)
    expected = pd.DataFrame(qic_case["points"])
    for key in ("y", "cl", "lcl", "ucl", "lcl_95", "ucl_95"):
        assert_numbers([p[key] for p in points], expected[key], key)
    for key in ("i", "part", "baseline", "include", "sigma_signal", "runs_signal"):
        assert [p[key] for p in points] == expected[key].tolist(), key
    assert [p["x"] for p in points] == _input_text(QIC_DIR / qic_case["input_csv"])["x"]


def test_mdc_reference_case_output(mdc_case, capsys):
    options = mdc_case["options"]
    expected = pd.DataFrame(mdc_case["points"])
    args = [MDC_DIR / mdc_case["input_csv"], "--chart", "i", "--rules", "mdc",
            "--direction", options["improvement_direction"]]
    starts = expected.index[expected["rebase_group"].diff().fillna(0) != 0].tolist()
    if starts:
        args += ["--part", ",".join(str(k) for k in starts)]
    if options["target"] is not None:
        args += ["--target", options["target"]]
    if not options["screen_outliers"]:
        args += ["--no-screen-mr"]
    status, out, err = run(capsys, *args)
    assert (status, err) == (0, "")
    result = json.loads(out)
    assert list(result) == ["chart", "rules", "parts", "points", "variation_icon", "assurance"]
    assert result["variation_icon"] == mdc_case["variation_icon_point_type"]
    assert result["assurance"] == mdc_case["assurance_type"]
    assert [p["point_type"] for p in result["points"]] == expected["point_type"].tolist()
    for key, reference in (("cl", "mean"), ("lcl", "lpl"), ("ucl", "upl")):
        assert_numbers([p[key] for p in result["points"]], expected[reference], key)
    assert [p["n_obs"] for p in result["parts"]] == [g["n"] for g in mdc_case["groups"]]
    assert {p["n_useful"] for p in result["parts"]} == {None}


def test_subprocess_run_of_the_module(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "pdsa.spc.cli", "analyze", str(QIC_DIR / "cdi_c_part24_input.csv"),
         "--chart", "c", "--part", "24"],
        cwd=REPO, capture_output=True, text=True, timeout=60)
    assert (completed.returncode, completed.stderr) == (0, "")
    result = json.loads(completed.stdout)
    assert [p["n_obs"] for p in result["parts"]] == [24, 12]
    assert [round(p["cl"], 2) for p in result["points"][::24]] == [18.71, 7.08]   # vignette: 19 -> 7


def test_subprocess_bad_input_exits_2_with_one_line(tmp_path):
    path = write_csv(tmp_path, [["x", "y"], [1, 3], [2, "many"]])
    completed = subprocess.run([sys.executable, "-m", "pdsa.spc.cli", "analyze", str(path), "--chart", "i"],
                               cwd=REPO, capture_output=True, text=True, timeout=60)
    assert completed.returncode == 2 and completed.stdout == ""
    assert completed.stderr.splitlines() == ["error: row 2, column y: 'many' is not a number"]


# --- behaviour -----------------------------------------------------------------------------------


def test_empty_y_is_missing_and_printed_as_null(tmp_path, capsys):
    path = write_csv(tmp_path, [["x", "y"], ["jan", 3], ["feb", ""], ["mar", 5], ["apr", 4]])
    status, out, _ = run(capsys, path, "--chart", "i")
    points = json.loads(out)["points"]
    assert status == 0
    assert [p["y"] for p in points] == [3, None, 5, 4]
    assert [p["x"] for p in points] == ["jan", "feb", "mar", "apr"]


def test_other_column_names_and_default_x(tmp_path, capsys):
    path = write_csv(tmp_path, [["harmed", "records"], [3, 20], [5, 20], [4, 20]])
    status, out, _ = run(capsys, path, "--chart", "p", "--y", "harmed", "--n", "records")
    points = json.loads(out)["points"]
    assert status == 0
    assert [p["x"] for p in points] == [1, 2, 3]
    assert [p["y"] for p in points] == [0.15, 0.25, 0.2]


def test_run_chart_uses_n_when_present_other_charts_only_when_named(tmp_path, capsys):
    path = write_csv(tmp_path, [["x", "y", "n"], [1, 2, 10], [2, 4, 10], [3, 3, 20]])
    _, out, _ = run(capsys, path, "--chart", "run")
    assert [p["y"] for p in json.loads(out)["points"]] == [0.2, 0.4, 0.15]
    _, out, _ = run(capsys, path, "--chart", "i")
    assert [p["y"] for p in json.loads(out)["points"]] == [2, 4, 3]
    _, out, _ = run(capsys, path, "--chart", "i", "--n", "n")
    assert [p["y"] for p in json.loads(out)["points"]] == [0.2, 0.4, 0.15]


def test_xbar_subgroups_by_x_text(tmp_path, capsys):
    path = write_csv(tmp_path, [["x", "y"], ["w1", 1], ["w1", 3], ["w2", 5], ["w2", 7], ["w2", 9]])
    status, out, _ = run(capsys, path, "--chart", "xbar")
    points = json.loads(out)["points"]
    assert status == 0
    assert [(p["x"], p["y"]) for p in points] == [("w1", 2), ("w2", 7)]


def test_series_gives_one_json_line_per_series_in_order(tmp_path, capsys):
    rows = [["unit", "x", "y"]]
    rows += [["B", m, v] for m, v in enumerate([5, 6, 5, 7, 6, 5], start=1)]
    rows += [["A", m, v] for m, v in enumerate([1, 2, 1, 2], start=1)]
    rows.insert(3, ["A", 0, 9])
    path = write_csv(tmp_path, rows)
    status, out, _ = run(capsys, path, "--chart", "run", "--series", "unit")
    lines = [json.loads(line) for line in out.splitlines()]
    assert status == 0
    assert [line["series"] for line in lines] == ["B", "A"]
    assert list(lines[0])[0] == "series"
    assert [p["y"] for p in lines[1]["points"]] == [9, 1, 2, 1, 2]
    assert [p["x"] for p in lines[1]["points"]] == ["0", "1", "2", "3", "4"]


def test_series_error_names_the_file_row(tmp_path, capsys):
    path = write_csv(tmp_path, [["unit", "x", "y"], ["A", 1, 2], ["B", 1, 3], ["A", 2, -1], ["B", 2, 4]])
    status, _, err = run(capsys, path, "--chart", "c", "--series", "unit")
    assert status == 2
    assert err.splitlines() == ["error: row 3, column y: negative count -1; chart c needs counts of 0 or more"]


# --- bad input: exit 2 and one clear line ------------------------------------------------------


@pytest.fixture
def counts_csv(tmp_path):
    return write_csv(tmp_path, [["month", "y", "n"], ["jan", 3, 20], ["feb", 4, 20], ["mar", 2, 20], ["apr", 5, 20]])


def bad(capsys, *argv) -> str:
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_error_missing_column(capsys, counts_csv):
    assert bad(capsys, counts_csv, "--chart", "c", "--y", "count") == (
        "error: missing column 'count' (--y); the file has: month, y, n")


def test_error_missing_named_x_column(capsys, counts_csv):
    assert bad(capsys, counts_csv, "--chart", "c", "--x", "date").startswith("error: missing column 'date' (--x)")


def test_error_text_where_a_number_belongs(capsys, tmp_path):
    path = write_csv(tmp_path, [["x", "y", "n"], [1, 3, 20], [2, 4, 20], [3, 2, "twenty"]])
    assert bad(capsys, path, "--chart", "p") == "error: row 3, column n: 'twenty' is not a number"


def test_quoted_decimal_comma_is_read(capsys, tmp_path):
    path = write_csv(tmp_path, [["x", "y"], [1, "3,5"]])
    status, out, _ = run(capsys, path, "--chart", "i")
    assert status == 0 and json.loads(out)["points"][0]["y"] == 3.5


def test_error_decimal_comma_when_told_point_gets_a_hint(capsys, tmp_path):
    path = write_csv(tmp_path, [["x", "y"], [1, "3,5"]])
    assert bad(capsys, path, "--chart", "i", "--decimal", ".") == (
        "error: row 1, column y: '3,5' is not a number "
        "(the decimal mark here is '.'; pass --decimal , for a decimal comma)")


def test_error_denominator_zero(capsys, tmp_path):
    path = write_csv(tmp_path, [["x", "y", "n"], [1, 3, 20], [2, 4, 20], [3, 2, 20], [4, 0, 0]])
    assert bad(capsys, path, "--chart", "p") == "error: row 4, column n: denominator 0 must be above 0"


def test_error_denominator_below_numerator(capsys, tmp_path):
    path = write_csv(tmp_path, [["x", "y", "d"], [1, 3, 20], [2, 25, 20]])
    assert bad(capsys, path, "--chart", "pp", "--n", "d") == (
        "error: row 2, column d: denominator 20 is below the numerator 25; a proportion cannot exceed 1")


def test_error_negative_count(capsys, tmp_path):
    path = write_csv(tmp_path, [["x", "infections"], [1, 3], [2, -4]])
    assert bad(capsys, path, "--chart", "c", "--y", "infections") == (
        "error: row 2, column infections: negative count -4; chart c needs counts of 0 or more")


@pytest.mark.parametrize("option, value, message", [
    ("--part", "4", "error: part position 4 is outside the data (allowed: 1..3)"),
    ("--exclude", "2,9", "error: exclude position 9 is outside the data (allowed: 1..4)"),
    ("--freeze", "5", "error: freeze 5 is outside the data (1..4)"),
    ("--part", "2,x", "error: --part: 'x' is not a whole number"),
])
def test_error_positions_outside_the_data(capsys, counts_csv, option, value, message):
    assert bad(capsys, counts_csv, "--chart", "c", option, value) == message


def test_error_chart_needs_n_without_n(capsys, tmp_path):
    path = write_csv(tmp_path, [["x", "y"], [1, 3], [2, 4]])
    assert bad(capsys, path, "--chart", "u") == (
        "error: chart u needs denominators: missing column 'n' (name another with --n)")


def test_error_unknown_chart(capsys, counts_csv):
    assert bad(capsys, counts_csv, "--chart", "np") == (
        "error: unknown chart 'np'; choose one of run, i, mr, xbar, s, t, p, pp, c, u, up, g")


def test_error_missing_chart(capsys, counts_csv):
    assert bad(capsys, counts_csv).startswith("error: --chart is required")


def test_error_mdc_on_another_chart(capsys, counts_csv):
    assert "individuals (XmR) charts only" in bad(capsys, counts_csv, "--chart", "p", "--rules", "mdc")


def test_error_mdc_with_exclude(capsys, counts_csv):
    assert "exclude is not part of the Making Data Count rules" in bad(
        capsys, counts_csv, "--chart", "i", "--rules", "mdc", "--exclude", "2")


def test_error_unknown_rules_and_direction_and_bad_target(capsys, counts_csv):
    assert bad(capsys, counts_csv, "--chart", "i", "--rules", "shewhart").startswith("error: unknown rules")
    assert bad(capsys, counts_csv, "--chart", "i", "--direction", "up").startswith("error: unknown direction")
    assert bad(capsys, counts_csv, "--chart", "i", "--target", "ten") == "error: --target: 'ten' is not a number"


def test_error_file_not_found(capsys, tmp_path):
    assert bad(capsys, tmp_path / "nope.csv", "--chart", "i") == f"error: cannot read {tmp_path / 'nope.csv'}: no such file"


def test_add_analyze_parser_mounts_on_another_programs_subparsers(counts_csv, capsys):
    import argparse

    from pdsa.spc.cli import add_analyze_parser, run_analyze

    parser = argparse.ArgumentParser(prog="pdsa")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("init")
    add_analyze_parser(commands)
    args = parser.parse_args(["analyze", str(counts_csv), "--chart", "c", "--x", "month"])
    assert run_analyze(args) == 0
    assert json.loads(capsys.readouterr().out)["points"][0]["x"] == "jan"


def test_engine_imports_only_the_standard_library_numpy_pandas_pydantic_and_orjson():
    import ast

    allowed = set(sys.stdlib_module_names) | {"numpy", "pandas", "pydantic", "orjson"}
    folder = REPO / "pdsa" / "spc"
    for path in sorted(folder.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top in allowed or name.startswith("pdsa.spc"), f"{path.name} imports {name}"


def test_the_command_line_path_does_not_import_pandas():
    """pandas takes about half a second to import: the analyze command does without it."""
    code = "import sys, pdsa.spc.cli; print(sorted(m for m in ('pandas', 'streamlit') if m in sys.modules))"
    completed = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert completed.stdout.strip() == "[]", completed.stderr


@pytest.mark.parametrize("summary", [False, True])
def test_without_orjson_the_output_is_the_same(summary, capsys, monkeypatch):
    """orjson only makes writing faster: the standard library's json gives the same lines."""
    import pdsa.spc.json_records as json_records

    argv = [QIC_DIR / "montgomery_7_3_p_exclude_part_input.csv", "--chart", "p", "--part", "24", "--exclude", "3,9"]
    argv += ["--summary"] if summary else []
    _, fast, _ = run(capsys, *argv)
    monkeypatch.setattr(json_records, "orjson", None)
    _, plain, _ = run(capsys, *argv)
    assert [json.loads(line) for line in plain.splitlines()] == [json.loads(line) for line in fast.splitlines()]
    mdc = [MDC_DIR / "ptd_cdi_decrease_target10_input.csv", "--chart", "i", "--rules", "mdc",
           "--direction", "decrease", "--target", "10"] + (["--summary"] if summary else [])
    monkeypatch.undo()
    _, fast, _ = run(capsys, *mdc)
    monkeypatch.setattr(json_records, "orjson", None)
    _, plain, _ = run(capsys, *mdc)
    assert json.loads(plain) == json.loads(fast) and "variation_icon" in json.loads(plain)
