"""`analyze --summary`: one line per series without the points, consistent with the full output."""

from __future__ import annotations

import json

import numpy as np
import pytest

from pdsa.spc.cli import main
from pdsa.spc.result import CHART_TYPES

from .test_cli_paths import PLAN, SEED, _random_file, _random_options, command

SUMMARY_KEYS = ["series", "chart", "rules", "n_points", "parts", "latest"]
LATEST_KEYS = ["part", "runs_signal", "n_sigma_signal", "last_sigma_signal", "signal"]


@pytest.mark.parametrize("chart, rules, count", PLAN, ids=[f"{c}-{r}" for c, r, _ in PLAN])
def test_summary_agrees_with_the_full_output(chart, rules, count, tmp_path, capsys):
    rng = np.random.default_rng([SEED, CHART_TYPES.index(chart), rules == "mdc"])
    path, shortest, with_n = _random_file(rng, tmp_path, chart, count, f"{chart}_{rules}")
    options = _random_options(rng, chart, shortest, rules, with_n)
    full = command(capsys, path, chart, **options)
    summary = command(capsys, path, chart, **options, summary="")
    assert len(summary) == len(full) == count
    for short, line in zip(summary, full):
        assert list(short) == SUMMARY_KEYS + (["variation_icon", "assurance"] if rules == "mdc" else [])
        assert [short[k] for k in ("series", "chart", "rules")] == [line[k] for k in ("series", "chart", "rules")]
        points = line["points"]
        assert short["n_points"] == len(points)
        for part, full_part in zip(short["parts"], line["parts"], strict=True):
            in_part = [p for p in points if p["part"] == part["part"]]
            assert {k: part[k] for k in full_part} == full_part
            assert [part["cl"], part["lcl"], part["ucl"]] == [in_part[-1][k] for k in ("cl", "lcl", "ucl")]
            assert part["n_sigma_signal"] == sum(p["sigma_signal"] for p in in_part)
        latest = short["latest"]
        assert list(latest) == LATEST_KEYS
        last_part = short["parts"][-1]
        assert latest["part"] == last_part["part"] == points[-1]["part"]
        assert latest["runs_signal"] == last_part["runs_signal"]
        assert latest["n_sigma_signal"] == last_part["n_sigma_signal"]
        assert latest["last_sigma_signal"] == points[-1]["sigma_signal"]
        if rules == "mdc":
            assert (short["variation_icon"], short["assurance"]) == (line["variation_icon"], line["assurance"])
            assert latest["signal"] == (line["variation_icon"] != "common_cause")
        else:
            assert latest["signal"] == bool(last_part["runs_signal"] or last_part["n_sigma_signal"])


def test_summary_of_one_series_has_no_series_key(tmp_path, capsys):
    path = tmp_path / "c.csv"
    path.write_text("x;y\n" + "".join(f"{k};{v}\n" for k, v in enumerate([3, 5, 4, 9, 2, 4, 3, 5], 1)))
    assert main(["analyze", str(path), "--chart", "c", "--summary"]) == 0
    line = json.loads(capsys.readouterr().out)
    assert list(line) == ["chart", "rules", "n_points", "parts", "latest"]
    assert line["parts"][0]["cl"] == 4.375 and line["latest"]["part"] == 1
