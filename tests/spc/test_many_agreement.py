"""analyze_many (vectorised, all series at once) must equal pdsa.spc.analyze (one series
at a time) on hundreds of random series: every chart type, freeze, parts, exclusions,
missing values, and integer data so that points fall exactly on the centre line."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pdsa.spc.many import analyze_many
from pdsa.spc.result import CHART_TYPES, POINT_COLUMNS

analyze = pytest.importorskip("pdsa.spc").analyze

SEED = 20240611
SERIES_PER_CHART = 30
MDC_SERIES = 60
TOL = 1e-9
PART_FIELDS = ("part", "n_obs", "n_useful", "longest_run", "longest_run_max", "n_crossings",
               "n_crossings_min", "runs_signal")


def _profile(rng: np.random.Generator, size: int) -> np.ndarray:
    """Relative level over time: flat, a step change or a trend, so that the runs and
    MDC rules have something to find."""
    kind = rng.choice(["flat", "step", "trend"], p=[0.4, 0.3, 0.3])
    t = np.arange(size)
    if kind == "step":
        return np.where(t >= rng.integers(0, size), rng.choice([0.5, 1.6]), 1.0)
    if kind == "trend":
        return 1 + rng.choice([-0.5, 0.8]) * t / max(size - 1, 1)
    return np.ones(size)


def _values(rng: np.random.Generator, chart: str, size: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Integer-valued data (ties with the centre line are common) fitting the chart."""
    profile = _profile(rng, size)
    level = rng.integers(2, 12) * profile
    if chart in ("p", "pp"):
        n = rng.integers(5, 40, size).astype(float)
        share = np.clip(rng.uniform(0.1, 0.6) * profile, 0.01, 0.99)
        return rng.binomial(n.astype(int), share).astype(float), n
    if chart in ("u", "up"):
        n = rng.integers(10, 200, size).astype(float)
        return rng.poisson(n * rng.uniform(0.02, 0.2) * profile).astype(float), n
    if chart == "t":
        return 1 + rng.poisson(rng.integers(1, 30) * profile).astype(float), None
    y = rng.poisson(level).astype(float)
    if chart in ("run", "i") and rng.random() < 0.3:  # some run/I charts of rates
        n = rng.integers(1, 5, size).astype(float)
        return y, n
    return y, None


def _positions(rng, size, how_many, low, high) -> list[int]:
    if high < low:
        return []
    return sorted(set(rng.integers(low, high + 1, how_many).tolist()))


def _case(rng: np.random.Generator, name: str, chart: str, rules: str) -> dict:
    """One random series: its rows for analyze_many, its settings, its analyze() call."""
    subgrouped = chart in ("xbar", "s")
    points = int(rng.choice([1, 2, 3, rng.integers(4, 12), rng.integers(12, 60)], p=[.04, .04, .04, .28, .6]))
    if subgrouped:
        sizes = rng.integers(1, 6, points) if rng.random() < 0.7 else np.full(points, rng.integers(2, 6))
        x = np.repeat(np.arange(1, points + 1), sizes)
        y = rng.poisson(rng.integers(3, 12) * _profile(rng, points)[x - 1]).astype(float)
        n = None
    else:
        x = np.arange(1, points + 1)
        y, n = _values(rng, chart, points)
    missing = rng.random(len(y)) < rng.choice([0.0, 0.05, 0.15])
    y[missing] = np.nan
    if n is not None and rng.random() < 0.3:
        n[rng.random(len(n)) < 0.05] = np.nan

    freeze = part = None
    choice = rng.random()
    if choice < 0.3 and points >= 2:
        freeze = int(rng.integers(1, points + 1))
    elif choice < 0.6 and points >= 2:
        part = _positions(rng, points, rng.integers(1, 3), 1, points - 1) or None
    elif choice < 0.7 and points >= 3:  # both: qicharts2 ignores the freeze, MDC freezes per part
        freeze = int(rng.integers(1, points))
        part = _positions(rng, points, 1, 1, points - 1) or None
    exclude = []
    if rules == "anhoej" and rng.random() < 0.35:
        exclude = _positions(rng, points, rng.integers(1, 4), 1, points)
    screen_mr = bool(rng.random() < 0.7)
    direction = str(rng.choice(["increase", "decrease", "neutral"]))
    target = float(rng.integers(0, 15)) if rng.random() < 0.6 else None

    rows = pd.DataFrame({"series": name, "x": x, "y": y,
                         "n": np.nan if n is None else n,
                         "exclude": np.isin(x, exclude)})
    settings = {"series": name, "chart": chart, "freeze": freeze, "part": part, "screen_mr": screen_mr,
                "rules": rules, "direction": direction, "target": target}
    call = dict(y=y.tolist(), n=None if n is None else n.tolist(), x=x.tolist(), chart=chart,
                freeze=freeze, part=part, exclude=exclude or None, screen_mr=screen_mr,
                rules=rules, direction=direction, target=target)
    return {"rows": rows, "settings": settings, "call": call}


@pytest.fixture(scope="module")
def cases() -> dict[str, dict]:
    rng = np.random.default_rng(SEED)
    plan = [(chart, "anhoej") for chart in CHART_TYPES for _ in range(SERIES_PER_CHART)]
    plan += [("i", "mdc")] * MDC_SERIES
    return {f"s{k:04d}_{chart}_{rules}": _case(rng, f"s{k:04d}_{chart}_{rules}", chart, rules)
            for k, (chart, rules) in enumerate(plan)}


@pytest.fixture(scope="module")
def many(cases):
    data = pd.concat([c["rows"] for c in cases.values()], ignore_index=True)
    settings = pd.DataFrame([c["settings"] for c in cases.values()])
    return analyze_many(data, settings)


@pytest.fixture(scope="module")
def single(cases):
    """The same series, one analyze() call each."""
    with np.errstate(all="ignore"):
        return {name: analyze(**case["call"]) for name, case in cases.items()}


def _same_numbers(a: pd.Series, b: pd.Series) -> np.ndarray:
    a, b = a.to_numpy(dtype=float), b.to_numpy(dtype=float)
    both_missing = np.isnan(a) & np.isnan(b)
    with np.errstate(invalid="ignore"):
        return both_missing | np.isclose(a, b, rtol=TOL, atol=TOL)


def _describe(name, case, column, where, mine, theirs):
    options = {k: v for k, v in case["call"].items() if k not in ("y", "x", "n")}
    return (f"{name} {column} differs at i={list(where[:5] + 1)}: many={list(mine[where][:5])} "
            f"single={list(theirs[where][:5])}; options={options}")


def test_generated_cases_cover_every_feature(cases):
    settings = pd.DataFrame([c["settings"] for c in cases.values()])
    assert set(settings["chart"]) == set(CHART_TYPES)
    assert settings["freeze"].notna().sum() > 50 and settings["part"].notna().sum() > 50
    rows = pd.concat([c["rows"] for c in cases.values()])
    assert rows["exclude"].sum() > 50 and rows["y"].isna().sum() > 50


def test_generated_cases_exercise_the_rules(many):
    """Enough ties, runs signals, sigma signals and MDC special causes to mean something."""
    parts, points = many.parts, many.points
    assert ((parts["n_obs"] - parts["n_useful"]) > 0).sum() > 100  # points on the centre line
    assert parts["runs_signal"].sum() > 40
    assert points["sigma_signal"].sum() > 50
    assert set(points["point_type"].dropna()) == {
        "common_cause", "special_cause_improvement", "special_cause_concern",
        "special_cause_neutral_high", "special_cause_neutral_low"}


def test_points_agree(cases, many, single):
    by_series = dict(tuple(many.points.groupby("series", sort=False)))
    problems = []
    for name, case in cases.items():
        mine = by_series[name].reset_index(drop=True)
        theirs = single[name].points
        if len(mine) != len(theirs):
            problems.append(f"{name}: {len(mine)} points vs {len(theirs)}")
            continue
        for column in POINT_COLUMNS:
            if column in ("y", "n", "cl", "lcl", "ucl", "lcl_95", "ucl_95"):
                same = _same_numbers(mine[column], theirs[column])
            else:
                same = (mine[column].to_numpy() == theirs[column].to_numpy())
            if not same.all():
                where = np.flatnonzero(~same)
                problems.append(_describe(name, case, column, where, mine[column].to_numpy(),
                                          theirs[column].to_numpy()))
        if case["settings"]["rules"] == "mdc":
            if mine["point_type"].tolist() != theirs["point_type"].tolist():
                problems.append(f"{name}: point_type differs")
    assert not problems, "\n".join(problems[:20]) + f"\n({len(problems)} differences)"


def test_parts_agree(cases, many, single):
    by_series = dict(tuple(many.parts.groupby("series", sort=False)))
    problems = []
    for name in single:
        mine = [tuple(None if pd.isna(v) else v for v in row)
                for row in by_series[name][list(PART_FIELDS)].itertuples(index=False)]
        theirs = [tuple(getattr(p, f) for f in PART_FIELDS) for p in single[name].parts]
        if mine != theirs:
            problems.append(f"{name}: many={mine} single={theirs}")
    assert not problems, "\n".join(problems[:20]) + f"\n({len(problems)} differences)"


def test_summary_agrees(cases, many, single):
    summary = many.summary.set_index("series")
    for name, result in single.items():
        case = cases[name]
        row = summary.loc[name]
        last = result.parts[-1]
        points = result.points
        in_last = points["part"] == last.part
        assert row["chart"] == case["settings"]["chart"]
        assert row["n_points"] == len(points)
        assert row["last_part"] == last.part
        assert (pd.isna(row["runs_signal"]) and last.runs_signal is None) or row["runs_signal"] == last.runs_signal
        assert row["n_sigma_signal"] == points.loc[in_last, "sigma_signal"].sum()
        assert row["last_sigma_signal"] == points["sigma_signal"].iloc[-1]
        for field in ("variation_icon", "assurance"):
            expected = getattr(result, field)
            assert (pd.isna(row[field]) and expected is None) or row[field] == expected, (name, field)


def _agree_on_one(call: dict) -> None:
    """analyze_many on one series equals analyze() on it, point by point and part by part."""
    rows = pd.DataFrame({"series": "one", "x": range(1, len(call["y"]) + 1), "y": call["y"],
                         "n": call.get("n") or np.nan,
                         "exclude": np.isin(range(1, len(call["y"]) + 1), call.get("exclude") or [])})
    settings = {k: call.get(k) for k in ("chart", "freeze", "part", "rules", "direction", "target")}
    mine = analyze_many(rows, pd.DataFrame([{"series": "one", **settings}]))
    with np.errstate(all="ignore"):
        theirs = analyze(**call)
    for column in ("y", "cl", "lcl", "ucl", "lcl_95", "ucl_95"):
        assert _same_numbers(mine.points[column], theirs.points[column]).all(), column
    assert mine.points["sigma_signal"].tolist() == theirs.points["sigma_signal"].tolist()
    if call.get("rules") == "mdc":
        assert mine.points["point_type"].tolist() == theirs.points["point_type"].tolist()
    assert len(mine.parts) == len(theirs.parts)


@pytest.mark.parametrize("chart", ["xbar", "p", "pp", "u", "up", "c", "i", "t", "g", "run"])
def test_part_without_usable_baseline_has_no_limits(chart):
    """Every point of part 1 excluded: R's 0/0 is NaN, qicharts2 draws no limits there."""
    n = [20.0, 25.0, 30.0, 20.0, 25.0] if chart in ("p", "pp", "u", "up") else None
    call = dict(y=[3.0, 4.0, 5.0, 2.0, 6.0], n=n, chart=chart, part=[2], exclude=[1, 2])
    if chart == "xbar":
        call = dict(call, y=[3.0, 4.0, 5.0, 2.0, 6.0], x=[1, 1, 2, 2, 3], part=[1], exclude=[1])
        rows = pd.DataFrame({"series": "one", "x": call["x"], "y": call["y"],
                             "exclude": [True, True, False, False, False]})
        mine = analyze_many(rows, pd.DataFrame([{"series": "one", "chart": "xbar", "part": [1]}]))
        with np.errstate(all="ignore"):
            theirs = analyze(**call)
        assert mine.points["cl"].isna().tolist() == [True, False, False]
        assert _same_numbers(mine.points["cl"], theirs.points["cl"]).all()
        return
    _agree_on_one(call)


def test_mdc_group_without_a_mean_has_no_special_cause():
    """All fixed points missing: NHSRplotthedots' mean is NaN, relative_to_mean is NA for
    every point and no rule fires (R: case_when skips NA), so all points are common cause."""
    call = dict(y=[np.nan, np.nan, 5.0, 3, 5, 3, 5, 3, 5, 3], chart="i", rules="mdc", freeze=2)
    _agree_on_one(call)
    rows = pd.DataFrame({"series": "a", "x": range(10), "y": call["y"]})
    result = analyze_many(rows, pd.DataFrame([{"series": "a", "chart": "i", "rules": "mdc", "freeze": 2}]))
    assert result.points["point_type"].eq("common_cause").all()
