"""The sentence under a chart: what the latest part shows, and when the rules are unreliable."""

import numpy as np

from pdsa.findings import finding_for_last_part
from pdsa.spc import analyze


def test_a_shift_down_is_improvement_when_lower_is_better():
    y = [20, 22, 19, 21, 20, 23, 21, 20, 22, 21, 19, 22, 12, 11, 13, 12, 10, 11, 12, 13, 11, 12, 10, 11]
    finding = finding_for_last_part(analyze(y, chart="i", freeze=12, direction="decrease"))
    assert finding.has_signal and finding.runs_signal
    assert "improvement" in finding.meanings and "concern" not in finding.meanings


def test_the_same_shift_is_concern_when_higher_is_better():
    y = [20, 22, 19, 21, 20, 23, 21, 20, 22, 21, 19, 22, 12, 11, 13, 12, 10, 11, 12, 13, 11, 12, 10, 11]
    finding = finding_for_last_part(analyze(y, chart="i", freeze=12, direction="increase"))
    assert "concern" in finding.meanings and "improvement" not in finding.meanings


def test_random_variation_has_no_signal():
    y = np.random.default_rng(3).normal(50, 5, 30).round(1)
    finding = finding_for_last_part(analyze(y, chart="run"))
    assert not finding.has_signal and finding.meanings == ()
    assert not finding.too_few_points and finding.short_parts == ()


def test_parts_with_fewer_than_12_useful_points_are_named():
    y = np.random.default_rng(8).normal(50, 5, 25).round(2)  # no ties on the median
    finding = finding_for_last_part(analyze(y, chart="run", part=[10]))
    assert finding.part == 2 and finding.n_useful >= 12 and not finding.too_few_points
    assert finding.short_parts == (1,)
