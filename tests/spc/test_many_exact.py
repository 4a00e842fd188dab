"""The vectorised engine decides ties exactly on every platform.

It computes in float64 only (numpy's longdouble is 80-bit on x86-64 Linux alone; on ARM
and Windows it is float64), and a float64 mean can be one unit in the last place away
from the correctly rounded mean R and the single-series engine give. The cases below are
such means: a point equals the exact mean, float64 puts the line just above it. Without
many_exact's settling the runs analysis (Anhøj) and the shift rule (Making Data Count)
come out differently; with it, they agree with the single-series engine, also when
numpy's longdouble is forced to be float64.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import pdsa.spc.many_engine as many_engine
from pdsa.spc import analyze
from pdsa.spc.many import analyze_many
from pdsa.spc.many_segments import segment_mean
from pdsa.spc.rstats import r_mean

from .test_many import PTD, QIC, _ptd_input, _qic_input

# mean exactly 55.16 (point 2); float64's mean is 55.160000000000004
I_TIE = [64.15, 55.16, 67.96, 95.71, 15.92, 56.59, 44.58, 36.43, 24.71, 6.17, 40.84, 82.78, 126.08]
# mean exactly 62.19 (point 4) between six points below it; float64's is 62.190000000000005
MDC_TIE = [54.08, 53.84, 33.82, 62.19, 22.49, 47.1, 14.62, 74.86, 92.03, 79.92, 92.43, 74.45, 106.64]


def many(y, **settings):
    rows = pd.DataFrame({"series": "a", "x": range(len(y)), "y": y})
    return analyze_many(rows, pd.DataFrame([{"series": "a", **settings}]))


def test_the_cases_are_float64_near_misses():
    for values, tie in ((I_TIE, 55.16), (MDC_TIE, 62.19)):
        assert r_mean(values) == tie
        mean = segment_mean(np.zeros(len(values), dtype=int), np.array(values), np.ones(len(values), bool), 1)[0]
        assert mean != tie and abs(mean - tie) <= 2 * np.spacing(tie)


def test_anhoej_tie_on_the_centre_line_is_settled_exactly(monkeypatch):
    single = analyze(I_TIE, chart="i").parts[0]
    result = many(I_TIE, chart="i")
    assert result.parts["n_useful"].tolist() == [single.n_useful] == [12]
    assert result.parts["n_crossings"].tolist() == [single.n_crossings]
    assert result.points["cl"].iloc[0] == 55.16

    monkeypatch.setattr(many_engine, "settle_anhoej_ties", lambda *args, **kwargs: None)
    unsettled = many(I_TIE, chart="i")
    assert unsettled.parts["n_useful"].tolist() == [13]   # what plain float64 would say


def test_mdc_tie_on_the_mean_breaks_the_run_as_in_the_single_engine(monkeypatch):
    single = analyze(MDC_TIE, chart="i", rules="mdc").points["point_type"].tolist()
    assert single == ["common_cause"] * 13
    assert many(MDC_TIE, chart="i", rules="mdc").points["point_type"].tolist() == single

    monkeypatch.setattr(many_engine, "settle_mdc_ties", lambda *args, **kwargs: None)
    unsettled = many(MDC_TIE, chart="i", rules="mdc").points["point_type"].tolist()
    assert unsettled[:7] == ["special_cause_concern"] * 7   # seven below a mean 1 ulp too high


@pytest.mark.parametrize("chart", ["i", "c", "mr", "xbar", "s", "p", "u", "pp", "up", "t", "g"])
def test_ties_in_every_mean_based_chart_agree_with_the_single_engine(chart):
    rng = np.random.default_rng(abs(hash(chart)) % 1000)
    for _ in range(20):
        size = int(rng.integers(8, 30))
        y = np.round(rng.integers(2, 9, size) + rng.choice([0, 0.1, 0.25, 0.3], size), 2)
        n = rng.integers(5, 12, size).astype(float) if chart in ("p", "pp", "u", "up") else None
        if chart in ("p", "pp"):
            y = np.minimum(np.floor(y), n)
        x = np.arange(size) // 2 if chart in ("xbar", "s") else np.arange(size)
        rows = pd.DataFrame({"series": "a", "x": x, "y": y, "n": n if n is not None else np.nan})
        mine = analyze_many(rows, pd.DataFrame([{"series": "a", "chart": chart}]))
        with np.errstate(all="ignore"):
            theirs = analyze(y.tolist(), None if n is None else n.tolist(), x.tolist(), chart=chart)
        assert mine.parts["n_useful"].fillna(0).tolist() == [p.n_useful for p in theirs.parts]
        assert mine.points["sigma_signal"].tolist() == theirs.points["sigma_signal"].tolist()


def _reference_portfolio():
    inputs = [_qic_input(name, case) for name, case in QIC.items()]
    inputs += [_ptd_input(name, case) for name, case in PTD.items()]
    data = pd.concat([d for d, _ in inputs], ignore_index=True)
    return analyze_many(data, pd.DataFrame([s for _, s in inputs]))


def test_forcing_longdouble_to_float64_changes_nothing(monkeypatch):
    """What an ARM or Windows machine would run: the same bits."""
    cases = [(I_TIE, {"chart": "i"}), (MDC_TIE, {"chart": "i", "rules": "mdc"})]
    before = [many(y, **s).points for y, s in cases] + [_reference_portfolio().points]
    monkeypatch.setattr(np, "longdouble", np.float64)
    after = [many(y, **s).points for y, s in cases] + [_reference_portfolio().points]
    for a, b in zip(before, after):
        pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_the_vectorised_engine_uses_no_extended_precision():
    folder = Path(many_engine.__file__).parent
    for path in sorted(folder.glob("many*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
        names |= {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        assert not names & {"longdouble", "longfloat", "float128", "float96"}, path
