"""Reading CSV files as Danish quality data arrive (pdsa.spc.reader, pdsa.spc.numbers), and
the `analyze` command on each shape a new user produces: read right, or refused with
exit status 2 and one line naming the row (and column), never wrong numbers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pdsa.spc.cli import main
from pdsa.spc.numbers import AmbiguousDecimal, decimal_mark, parse_numbers, read_number
from pdsa.spc.reader import ReadProblem, read_table

REPO = Path(__file__).resolve().parents[2]
VALUES = [9.5, 10.5, 10.0, 11.5, 8.5, 10.0, 9.0, 11.0, 10.5, 9.5, 10.0, 10.5]


def numbers(data, column="y", mark=None):
    table = read_table(data)
    mark = mark or decimal_mark(table, [column])
    values, bad = parse_numbers(table, column, mark)
    return values.tolist(), bad.tolist(), mark


def run(capsys, tmp_path, content: bytes, *argv):
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    status = main(["analyze", str(path), *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def refused(capsys, tmp_path, content: bytes, *argv) -> str:
    status, out, err = run(capsys, tmp_path, content, *argv)
    assert status == 2 and out == "", (status, out, err)
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err.strip()


def danish(values, separator=";") -> bytes:
    lines = ["Uge;Antal" if separator == ";" else f"Uge{separator}Antal"]
    lines += [f"{k}{separator}{str(v).replace('.', ',')}" for k, v in enumerate(values, start=1)]
    return ("\n".join(lines) + "\n").encode()


# --- separators, decimal marks, encodings --------------------------------------------------------


def test_semicolon_and_decimal_comma():
    table = read_table(b"x;y\n1;1,5\n2;2,25\n3;-0,5\n")
    assert (table.separator, table.columns, table.n_rows, table.errors) == (";", ("x", "y"), 3, [])
    assert numbers(b"x;y\n1;1,5\n2;2,25\n3;-0,5\n") == ([1.5, 2.25, -0.5], [], ",")


def test_tab_separated_with_decimal_point():
    table = read_table(b"x\ty\n1\t1.5\n2\t2.5\n")
    assert table.separator == "\t" and table.text("y") == ["1.5", "2.5"]


def test_comma_separated_with_quoted_decimal_commas():
    assert numbers(b'x,y\n1,"1,5"\n2,"3,25"\n') == ([1.5, 3.25], [], ",")


def test_decimal_comma_with_thousands_points():
    assert numbers(b"x;y\n1;1.092,5\n2;7,25\n3;12\n")[:2] == ([1092.5, 7.25, 12.0], [])


def test_utf8_bom_iso_8859_1_and_str_input():
    text = "Dato;Tæller;Nævner\n01-01-2024;5;10\n"
    with_bom = read_table(b"\xef\xbb\xbf" + text.encode("utf-8"))
    latin = read_table(text.encode("iso-8859-1"))
    plain = read_table(text)
    for table, encoding in ((with_bom, "utf-8-sig"), (latin, "iso-8859-1"), (plain, "utf-8")):
        assert table.encoding == encoding
        assert table.columns == ("Dato", "Tæller", "Nævner")
        assert table.text("Tæller") == ["5"]


def test_quotes_crlf_blank_lines_and_spaces():
    data = b'x,label,y\r\n1,"a, ""b""\r\nc",  3 \r\n\r\n2,plain,4\r\n'
    table = read_table(data)
    assert table.errors == [] and table.n_rows == 2
    assert table.text("label") == ['a, "b"\nc', "plain"]
    assert numbers(data)[0] == [3.0, 4.0]


def test_codes_in_order_of_first_appearance():
    table = read_table("s;y\nB;1\nB;2\nA;3\nB;4\nÆ;5\n")
    codes, labels = table.codes("s")
    assert codes.tolist() == [0, 0, 1, 0, 2] and labels == ["B", "A", "Æ"]


def test_numbers_are_read_exactly_like_float():
    rng = np.random.default_rng(5)
    texts = [f"{v:.{int(d)}f}" for v, d in zip(rng.uniform(-1e5, 1e5, 3000), rng.integers(0, 7, 3000))]
    texts += ["0.1", "-0", "+5", "5.", ".5", "1e-3", "2.5E4", "123456789012345.6", "0.30000000000000004"]
    values, bad, _ = numbers(("y\n" + "\n".join(texts) + "\n").encode(), mark=".")
    assert bad == []
    assert all(str(v) == str(float(t)) for v, t in zip(values, texts))


def test_missing_and_not_numbers():
    values, bad, _ = numbers(b"x,y\n1,\n2,NA\n3,abc\n4,1.2.3\n\n5,4\n", mark=".")
    assert bad == [2, 3] and values[4] == 4.0 and np.isnan(values[:2]).all()   # the empty line is skipped
    assert read_number("1,5", ".") is None and read_number("1,5", ",") == 1.5


def test_ambiguous_and_mixed_decimal_marks_are_refused():
    with pytest.raises(AmbiguousDecimal, match="row 2, column y .'1,5'. has a decimal comma but row 1"):
        decimal_mark(read_table(b"y\n1.5\n1,5\n"), ["y"])
    with pytest.raises(AmbiguousDecimal, match="'1.250'. could be a decimal or a whole number"):
        decimal_mark(read_table(b"y\n1.250\n2.500\n"), ["y"])
    assert decimal_mark(read_table(b"y\n1.250\n2.5\n"), ["y"]) == "."
    assert decimal_mark(read_table(b"y\n1\n2\n"), ["y"]) == "."


def test_rows_that_do_not_fit_the_header_are_errors_not_exceptions():
    table = read_table(b"x,y,n\n1,2,3\n2,3\n3,4,5,6\n")
    assert [(e.row, e.message) for e in table.errors] == [
        (2, "row 2 has 2 fields but the header has 3"),
        (3, "row 3 has 4 fields but the header has 3 (is a decimal comma unquoted? "
            "separate the fields with ';', or quote numbers such as \"1,5\")"),
    ]
    assert table.text("n") == ["3", "", "5"]   # the short row's missing field reads as empty


@pytest.mark.parametrize("data, message", [
    (b"", "the file is empty"),
    (b"\n\n", "the file is empty"),
    (b'x,y\n1,"2\n', "a quote (\") opened on line 2 is never closed"),
    ("x,y\n1,2\n".encode("utf-16"), "the file is UTF-16 text"),
])
def test_files_that_are_not_tables(data, message):
    with pytest.raises(ReadProblem, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_table(data)


# --- the command on each shape -------------------------------------------------------------------


def test_analyze_reads_a_danish_file(capsys, tmp_path):
    status, out, _ = run(capsys, tmp_path, danish(VALUES), "--chart", "i", "--x", "Uge", "--y", "Antal")
    result = json.loads(out)
    assert status == 0
    assert [p["y"] for p in result["points"]] == VALUES
    assert result["points"][0]["cl"] == pytest.approx(np.mean(VALUES))
    assert result["points"][0]["x"] == "1"


def test_analyze_iso_8859_1_with_bom_less_danish_names(capsys, tmp_path):
    content = "Måned;Tæller;Nævner\n" + "".join(f"{m};{k};{20 + k}\n" for m, k in
                                                 zip(["jan", "feb", "mar", "apr"], [3, 4, 2, 5]))
    status, out, _ = run(capsys, tmp_path, content.encode("iso-8859-1"), "--chart", "p",
                         "--x", "Måned", "--y", "Tæller", "--n", "Nævner")
    assert status == 0
    assert [p["x"] for p in json.loads(out)["points"]] == ["jan", "feb", "mar", "apr"]


def test_unquoted_decimal_comma_on_every_row_is_refused_naming_the_row(capsys, tmp_path):
    content = ("x,y\n" + "".join(f"{k},{str(v).replace('.', ',')}\n" for k, v in enumerate(VALUES, 1))).encode()
    assert refused(capsys, tmp_path, content, "--chart", "i") == (
        "error: row 1 has 3 fields but the header has 2 (is a decimal comma unquoted? separate the fields "
        "with ';', or quote numbers such as \"1,5\")")


def test_trailing_comma_on_every_row_is_refused_naming_the_row(capsys, tmp_path):
    content = ("x,y\n" + "".join(f"{k},{v},\n" for k, v in enumerate(VALUES, 1))).encode()
    assert refused(capsys, tmp_path, content, "--chart", "i") == (
        "error: row 1 has 3 fields but the header has 2 (the row ends with a ',')")


def test_trailing_comma_also_in_the_header_is_an_unnamed_empty_column(capsys, tmp_path):
    content = ("x,y,\n" + "".join(f"{k},{v},\n" for k, v in enumerate(VALUES, 1))).encode()
    status, out, _ = run(capsys, tmp_path, content, "--chart", "i")
    assert status == 0 and [p["y"] for p in json.loads(out)["points"]] == VALUES


def test_short_row_is_refused_naming_the_row(capsys, tmp_path):
    content = b"x,y,n\n1,3,20\n2,4\n3,5,20\n"
    assert refused(capsys, tmp_path, content, "--chart", "p") == "error: row 2 has 2 fields but the header has 3"


def test_ambiguous_decimal_is_refused_with_a_hint_and_decimal_option_settles_it(capsys, tmp_path):
    content = b"x;y\n1;1.250\n2;2.500\n3;1.750\n"
    assert refused(capsys, tmp_path, content, "--chart", "i") == (
        "error: the decimal mark is unclear: row 1, column y ('1.250') could be a decimal or a whole number "
        "with a thousands separator; pass --decimal , or --decimal .")
    status, out, _ = run(capsys, tmp_path, content, "--chart", "i", "--decimal", ",")
    assert status == 0 and [p["y"] for p in json.loads(out)["points"]] == [1250, 2500, 1750]
    status, out, _ = run(capsys, tmp_path, content, "--chart", "i", "--decimal", ".")
    assert status == 0 and [p["y"] for p in json.loads(out)["points"]] == [1.25, 2.5, 1.75]


def test_mixed_decimal_marks_are_refused(capsys, tmp_path):
    assert refused(capsys, tmp_path, b'x,y\n1,1.5\n2,"2,5"\n', "--chart", "i").startswith(
        "error: the decimal mark is unclear: row 2, column y ('2,5') has a decimal comma but row 1")


def test_bad_decimal_option(capsys, tmp_path):
    assert refused(capsys, tmp_path, b"x,y\n1,2\n", "--chart", "i", "--decimal", ";") == (
        "error: --decimal: ';' is not a decimal mark; pass --decimal , or --decimal .")


def test_column_named_twice(capsys, tmp_path):
    assert refused(capsys, tmp_path, b"x,y,y\n1,2,3\n", "--chart", "i") == (
        "error: the header names column 'y' 2 times")


def test_unreadable_file_shapes(capsys, tmp_path):
    assert refused(capsys, tmp_path, b"", "--chart", "i").endswith(": the file is empty")
    assert refused(capsys, tmp_path, b'x,y\n1,"2\n', "--chart", "i").endswith("is never closed")


def test_subprocess_every_bad_shape_exits_2_with_one_line(tmp_path):
    shapes = {
        "comma": ("x,y\n" + "".join(f"{k},{str(v).replace('.', ',')}\n" for k, v in enumerate(VALUES, 1))),
        "trailing": ("x,y\n" + "".join(f"{k},{v},\n" for k, v in enumerate(VALUES, 1))),
        "short": "x,y\n1,2\n2\n3,4\n",
    }
    for name, content in shapes.items():
        path = tmp_path / f"{name}.csv"
        path.write_text(content, encoding="utf-8")
        completed = subprocess.run([sys.executable, "-m", "pdsa", "analyze", str(path), "--chart", "i"],
                                   cwd=REPO, capture_output=True, text=True, timeout=60)
        assert completed.returncode == 2 and completed.stdout == "", name
        assert len(completed.stderr.splitlines()) == 1 and completed.stderr.startswith("error: row "), name


def test_x_texts_that_need_escaping_are_written_as_json(capsys, tmp_path):
    content = 'x;y\n"uge 1 ""A""";3\nuge 2\\1;4\nÆble, 3;5\n"tab\there";6\n'.encode("utf-8")
    status, out, _ = run(capsys, tmp_path, content, "--chart", "i")
    assert status == 0
    assert [p["x"] for p in json.loads(out)["points"]] == ['uge 1 "A"', "uge 2\\1", "Æble, 3", "tab\there"]


def test_plain_non_ascii_x_texts_are_written_unescaped(capsys, tmp_path):
    status, out, _ = run(capsys, tmp_path, "x;y\nuge 1 Æ;3\nuge 2 ø;4\n".encode("iso-8859-1"), "--chart", "i")
    assert status == 0 and '"x":"uge 1 Æ"' in out
    assert [p["x"] for p in json.loads(out)["points"]] == ["uge 1 Æ", "uge 2 ø"]


def test_codes_stay_exact_when_two_texts_share_a_hash(monkeypatch):
    import pdsa.spc.reader as reader

    monkeypatch.setattr(reader, "_hashes", lambda buffer, starts, ends: np.zeros(len(starts), dtype=np.uint64))
    codes, labels = read_table("s;y\nB;1\nB;2\nA;3\nB;4\nC;5\n").codes("s")
    assert codes.tolist() == [0, 0, 1, 0, 2] and labels == ["B", "A", "C"]
