"""analyze_many against the R reference fixtures: every qicharts2 0.8.1 and
NHSRplotthedots 0.2.2 case is one series of ONE long table, analysed in one call."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pdsa.spc.many import SUMMARY_COLUMNS, analyze_many
from pdsa.spc.result import POINT_COLUMNS

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
QIC = json.loads((REFERENCE / "qicharts2" / "qicharts2_expected.json").read_text())["cases"]
PTD = json.loads((REFERENCE / "nhsrplotthedots" / "nhsrplotthedots_expected.json").read_text())["cases"]
TOL = 1e-9
NUMERIC = ("y", "n", "cl", "lcl", "ucl", "lcl_95", "ucl_95")
FLAGS = ("part", "baseline", "include", "sigma_signal", "runs_signal")
PART_FIELDS = ("n_obs", "n_useful", "longest_run", "longest_run_max", "n_crossings",
               "n_crossings_min", "runs_signal")


def _as_list(value):
    if value is None:
        return None
    return list(value) if isinstance(value, list) else [value]


def _qic_input(name: str, case: dict) -> tuple[pd.DataFrame, dict]:
    params = case["params"]
    table = pd.read_csv(REFERENCE / "qicharts2" / case["input_csv"])
    size = len(table)
    data = pd.DataFrame({
        "series": name,
        "x": np.arange(1, size + 1),  # positions: the fixtures' x types differ per case
        "y": table["y"].astype(float),
        "n": table["n"].astype(float) if "n" in table else np.nan,
        "exclude": np.isin(np.arange(1, size + 1), params.get("exclude", [])),
    })
    settings = {
        "series": name,
        "chart": params["chart"],
        "freeze": params.get("freeze"),
        "part": _as_list(params.get("part")),
        "screen_mr": params.get("screened_mr", True),
        "rules": "anhoej",
        "direction": "increase",
        "target": None,
    }
    return data, settings


def _ptd_input(name: str, case: dict) -> tuple[pd.DataFrame, dict]:
    options = case["options"]
    table = pd.read_csv(REFERENCE / "nhsrplotthedots" / case["input_csv"])
    groups = np.array([p["rebase_group"] for p in case["points"]])
    cuts = (np.flatnonzero(np.diff(groups)) + 1).tolist()  # rebase at a date = split after
    data = pd.DataFrame({
        "series": name,
        "x": np.arange(1, len(table) + 1),
        "y": table["y"].astype(float),
        "n": np.nan,
        "exclude": False,
    })
    settings = {
        "series": name,
        "chart": "i",
        "freeze": options["fix_after_n_points"],
        "part": cuts or None,
        "screen_mr": options["screen_outliers"],
        "rules": "mdc",
        "direction": options["improvement_direction"],
        "target": options["target"],
    }
    return data, settings


@pytest.fixture(scope="module")
def everything():
    """All 39 reference cases analysed together in one call."""
    inputs = [_qic_input(name, case) for name, case in QIC.items()]
    inputs += [_ptd_input(name, case) for name, case in PTD.items()]
    data = pd.concat([d for d, _ in inputs], ignore_index=True)
    settings = pd.DataFrame([s for _, s in inputs])
    # shuffle the rows: analyze_many must sort by (series, x) itself
    data = data.sample(frac=1.0, random_state=7).reset_index(drop=True)
    return analyze_many(data, settings)


def _series(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    return frame[frame["series"] == name].reset_index(drop=True)


def _assert_close(actual, expected, what):
    actual = np.asarray(actual, dtype=float)
    expected = np.array([np.nan if v is None else v for v in expected], dtype=float)
    same_missing = np.isnan(actual) == np.isnan(expected)
    assert same_missing.all(), f"{what}: missing values differ at i={np.flatnonzero(~same_missing) + 1}"
    close = np.isclose(actual, expected, rtol=TOL, atol=TOL) | np.isnan(expected)
    assert close.all(), (
        f"{what}: differs at i={np.flatnonzero(~close) + 1}: "
        f"{actual[~close][:3]} vs {expected[~close][:3]}")


def test_result_shape(everything):
    assert list(everything.points.columns) == ["series", *POINT_COLUMNS, "point_type"]
    assert list(everything.summary.columns) == list(SUMMARY_COLUMNS)
    assert len(everything.summary) == len(QIC) + len(PTD)
    assert everything.summary["series"].is_monotonic_increasing


@pytest.mark.parametrize("name", list(QIC))
def test_qicharts2_points(everything, name):
    case = QIC[name]
    expected = pd.DataFrame(case["points"])
    actual = _series(everything.points, name)
    assert len(actual) == len(expected)
    assert actual["i"].tolist() == expected["i"].tolist()
    assert actual["x"].tolist() == list(range(1, len(expected) + 1))
    for column in NUMERIC:
        _assert_close(actual[column], expected[column], f"{name}.{column}")
    for column in FLAGS:
        assert actual[column].tolist() == expected[column].tolist(), f"{name}.{column}"
    assert actual["point_type"].isna().all()


@pytest.mark.parametrize("name", list(QIC))
def test_qicharts2_parts(everything, name):
    actual = _series(everything.parts, name)
    expected = QIC[name]["parts"]
    assert actual["part"].tolist() == [p["part"] for p in expected]
    for field in PART_FIELDS:
        got = [None if pd.isna(v) else v for v in actual[field]]
        assert got == [p[field] for p in expected], f"{name}.{field}"


@pytest.mark.parametrize("name", list(QIC))
def test_qicharts2_summary(everything, name):
    row = _series(everything.summary, name).iloc[0]
    last = QIC[name]["parts"][-1]
    assert row["chart"] == QIC[name]["params"]["chart"]
    assert row["n_points"] == len(QIC[name]["points"])
    assert row["last_part"] == last["part"]
    assert bool(row["runs_signal"]) == last["runs_signal"]
    assert row["n_sigma_signal"] == last["n_sigma_signal"]
    assert row["last_sigma_signal"] == QIC[name]["points"][-1]["sigma_signal"]
    assert pd.isna(row["variation_icon"]) and pd.isna(row["assurance"])


@pytest.mark.parametrize("name", list(PTD))
def test_nhsrplotthedots_points(everything, name):
    expected = pd.DataFrame(PTD[name]["points"])
    actual = _series(everything.points, name)
    assert len(actual) == len(expected)
    _assert_close(actual["y"], expected["y"], f"{name}.y")
    _assert_close(actual["cl"], expected["mean"], f"{name}.mean")
    _assert_close(actual["lcl"], expected["lpl"], f"{name}.lpl")
    _assert_close(actual["ucl"], expected["upl"], f"{name}.upl")
    close_band = (expected["upl"] - expected["mean"]) * 2 / 3
    _assert_close(actual["ucl_95"], expected["mean"] + close_band, f"{name}.near upper")
    _assert_close(actual["lcl_95"], expected["mean"] - close_band, f"{name}.near lower")
    assert actual["sigma_signal"].tolist() == expected["outside_limits"].tolist()
    assert actual["part"].tolist() == (expected["rebase_group"] + 1).tolist()
    assert actual["point_type"].tolist() == expected["point_type"].tolist()


@pytest.mark.parametrize("name", list(PTD))
def test_nhsrplotthedots_summary(everything, name):
    case = PTD[name]
    row = _series(everything.summary, name).iloc[0]
    assert row["rules"] == "mdc"
    assert row["variation_icon"] == case["variation_icon_point_type"]
    if case["assurance_type"] is None:
        assert pd.isna(row["assurance"])
    else:
        assert row["assurance"] == case["assurance_type"]
    assert row["direction"] == case["options"]["improvement_direction"]
    parts = _series(everything.parts, name)
    assert parts["n_obs"].tolist() == [g["n"] for g in case["groups"]]
    assert row["n_sigma_signal"] == sum(
        p["outside_limits"] for p in case["points"] if p["rebase_group"] == case["groups"][-1]["rebase_group"])


def test_subgroups_are_aggregated_per_x():
    """xbar/s: rows sharing an x are one subgroup; other charts average them (qic.agg)."""
    data = pd.DataFrame({
        "series": ["a"] * 6 + ["b"] * 6,
        "x": [1, 1, 2, 2, 3, 3] * 2,
        "y": [1.0, 3.0, 2.0, 6.0, 5.0, 5.0] * 2,
    })
    settings = pd.DataFrame({"series": ["a", "b"], "chart": ["xbar", "s"]})
    result = analyze_many(data, settings)
    a = _series(result.points, "a")
    assert a["y"].tolist() == [2.0, 4.0, 5.0]
    assert a["n"].tolist() == [2.0, 2.0, 2.0]
    assert a["cl"].iloc[0] == pytest.approx(11 / 3)
    b = _series(result.points, "b")
    assert b["y"].tolist() == pytest.approx([np.sqrt(2), np.sqrt(8), 0.0])


def test_repeated_x_on_other_charts_is_aggregated_like_qic_agg():
    """run/i: mean of the rows; c: their total count; p: sum(y) / sum(n)."""
    data = pd.DataFrame({
        "series": ["run"] * 4 + ["c"] * 4 + ["p"] * 4,
        "x": [1, 1, 2, 3] * 3,
        "y": [1.0, 3.0, 5.0, 7.0] * 3,
        "n": [np.nan] * 8 + [10.0, 10.0, 10.0, 10.0],
    })
    settings = pd.DataFrame({"series": ["run", "c", "p"], "chart": ["run", "c", "p"]})
    result = analyze_many(data, settings)
    assert _series(result.points, "run")["y"].tolist() == [2.0, 5.0, 7.0]
    assert _series(result.points, "c")["y"].tolist() == [4.0, 5.0, 7.0]
    assert _series(result.points, "p")["y"].tolist() == [0.2, 0.5, 0.7]
    assert _series(result.points, "p")["n"].tolist() == [20.0, 10.0, 10.0]


def test_settings_default_to_run_chart():
    data = pd.DataFrame({"series": "only", "x": range(6), "y": [3, 4, 5, 6, 7, 8]})
    result = analyze_many(data)
    assert result.summary["chart"].tolist() == ["run"]
    assert result.points["cl"].tolist() == [5.5] * 6


@pytest.mark.parametrize("settings, message", [
    ({"chart": "p"}, "denominator"),
    ({"chart": "i", "rules": "mdc", "direction": "sideways"}, "direction"),
    ({"chart": "c", "rules": "mdc"}, "chart 'i'"),
    ({"chart": "zz"}, "chart type"),
    ({"chart": "i", "freeze": 0}, "freeze"),
    ({"chart": "i", "part": [2.5]}, "part"),
])
def test_invalid_settings_are_refused(settings, message):
    data = pd.DataFrame({"series": "s", "x": range(5), "y": [1.0, 2, 3, 4, 5]})
    with pytest.raises(ValueError, match=message):
        analyze_many(data, pd.DataFrame([{"series": "s", **settings}]))


def test_t_chart_refuses_non_positive_times():
    data = pd.DataFrame({"series": "s", "x": range(4), "y": [3.0, 0.0, 2.0, 5.0]})
    with pytest.raises(ValueError, match="above 0"):
        analyze_many(data, pd.DataFrame([{"series": "s", "chart": "t"}]))


def test_mdc_refuses_exclusions_and_xbar_refuses_n():
    data = pd.DataFrame({"series": "s", "x": range(5), "y": [1.0, 2, 3, 4, 5],
                         "n": [2.0] * 5, "exclude": [False, True, False, False, False]})
    with pytest.raises(ValueError, match="Making Data Count"):
        analyze_many(data.drop(columns="n"), pd.DataFrame([{"series": "s", "chart": "i", "rules": "mdc"}]))
    with pytest.raises(ValueError, match="no n"):
        analyze_many(data, pd.DataFrame([{"series": "s", "chart": "xbar"}]))


def test_positions_beyond_the_series_are_ignored_like_qicharts2():
    """A portfolio must not fail on one short series: part 50 of 10 points is no split,
    freeze 50 makes every point baseline (qicharts2's makeparts / xx <= freeze)."""
    data = pd.DataFrame({"series": ["a"] * 10 + ["b"] * 10, "x": list(range(10)) * 2,
                         "y": [float(v) for v in range(10)] * 2})
    settings = pd.DataFrame({"series": ["a", "b"], "chart": "i", "part": [[50], None], "freeze": [None, 50]})
    result = analyze_many(data, settings)
    assert result.points["part"].eq(1).all() and result.points["baseline"].all()
    assert result.points["cl"].eq(4.5).all()


def test_crossings_table_is_exact_qbinom():
    """qbinom(0.05, n - 1, 0.5) from the reference table, and far beyond it by a direct
    exact sum (the vectorised table walks m upwards; it must agree everywhere)."""
    from pdsa.spc.many_runs import crossings_min, longest_run_max

    table = pd.read_csv(REFERENCE / "anhoej_critical_values_n10_100.csv")
    assert crossings_min(table["n"].to_numpy() - 1).tolist() == table["n_crossings_min"].tolist()
    assert longest_run_max(table["n"].to_numpy()).tolist() == table["longest_run_max"].tolist()

    def direct(m):
        total, term, k = 0, 1, 0
        while True:
            total += term
            if 20 * total >= 2**m:
                return k
            term = term * (m - k) // (k + 1)
            k += 1

    trials = np.array([0, 1, 2, 150, 999, 2500, 4096])
    assert crossings_min(trials).tolist() == [direct(int(m)) for m in trials]


def test_dates_and_labels_are_kept():
    dates = pd.date_range("2024-01-01", periods=5, freq="MS")
    data = pd.DataFrame({"series": ["b"] * 5 + ["a"] * 5, "x": list(dates[::-1]) + list(dates),
                         "y": [1.0, 2, 3, 4, 5] * 2})
    result = analyze_many(data, pd.DataFrame({"series": ["a", "b", "not in data"], "chart": "i"}))
    assert result.summary["series"].tolist() == ["a", "b"]
    b = _series(result.points, "b")
    assert b["x"].tolist() == list(dates) and b["y"].tolist() == [5.0, 4, 3, 2, 1]
    assert pd.api.types.is_datetime64_any_dtype(result.points["x"])
