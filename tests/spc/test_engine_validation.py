"""analyze() refuses bad arguments with a ValueError that says what is wrong."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from pdsa.spc import analyze
from pdsa.spc.series import ValueProblem

Y = [3.0, 5.0, 4.0, 6.0, 5.0, 7.0]
N = [10.0, 10.0, 10.0, 10.0, 10.0, 10.0]


@pytest.mark.parametrize("kwargs, message", [
    ({"chart": "np"}, "unknown chart 'np'"),
    ({"chart": "p"}, "chart 'p' needs denominators n"),
    ({"chart": "pp"}, "chart 'pp' needs denominators n"),
    ({"chart": "u"}, "chart 'u' needs denominators n"),
    ({"chart": "up"}, "chart 'up' needs denominators n"),
    ({"chart": "xbar", "n": N}, "chart 'xbar' takes no n"),
    ({"rules": "nelson"}, "unknown rules 'nelson'"),
    ({"rules": "mdc", "chart": "p", "n": N}, "individuals (XmR) charts only"),
    ({"rules": "mdc", "chart": "run"}, "individuals (XmR) charts only"),
    ({"rules": "mdc", "chart": "i", "exclude": [2]}, "exclude is not part of the Making Data Count rules"),
    ({"direction": "up"}, "unknown direction 'up'"),
    ({"target": "10"}, "target must be a finite number"),
    ({"target": math.inf}, "target must be a finite number"),
    ({"screen_mr": "yes"}, "screen_mr must be True or False"),
    ({"x": [1, 2, 3]}, "x has 3 values but y has 6"),
    ({"chart": "u", "n": [1.0, 2.0]}, "n has 2 values but y has 6"),
])
def test_bad_options(kwargs, message):
    with pytest.raises(ValueError, match=_escaped(message)):
        analyze(kwargs.pop("y", Y), **kwargs)


@pytest.mark.parametrize("kwargs, message", [
    ({"freeze": 0}, "freeze 0 is outside the data (1..6)"),
    ({"freeze": 7}, "freeze 7 is outside the data (1..6)"),
    ({"freeze": 2.5}, "freeze must be a whole number"),
    ({"part": [6]}, "part position 6 is outside the data (allowed: 1..5)"),
    ({"part": 0}, "part position 0 is outside the data"),
    ({"exclude": [7]}, "exclude position 7 is outside the data (allowed: 1..6)"),
    ({"exclude": ["a"]}, "exclude must be whole-number positions"),
    ({"rules": "mdc", "chart": "i", "part": [9]}, "part position 9 is outside the data"),
    ({"rules": "mdc", "chart": "i", "freeze": 9}, "freeze 9 is outside the data"),
])
def test_positions_outside_the_data(kwargs, message):
    with pytest.raises(ValueError, match=_escaped(message)):
        analyze(Y, **kwargs)


@pytest.mark.parametrize("chart, y, n, row, field, reason", [
    ("p", [1, 2, 3], [5, 0, 5], 2, "n", "denominator 0 must be above 0"),
    ("pp", [1, 2, 3], [5, -4, 5], 2, "n", "denominator -4 must be above 0"),
    ("p", [1, 6, 3], [5, 5, 5], 2, "n", "denominator 5 is below the numerator 6"),
    ("u", [1, 2, 3], [5, 5, 0], 3, "n", "denominator 0 must be above 0"),
    ("i", [1, 2, 3], [5, 0, 5], 2, "n", "denominator 0 must be above 0"),
    ("c", [1, -2, 3], None, 2, "y", "negative count -2"),
    ("u", [1, 2, -3], [5, 5, 5], 3, "y", "negative count -3"),
    ("up", [-1, 2, 3], [5, 5, 5], 1, "y", "negative count -1"),
    ("g", [1, 2, -0.5], None, 3, "y", "negative count -0.5"),
    ("p", [-1, 2, 3], [5, 5, 5], 1, "y", "negative count -1"),
    ("t", [1, 0, 3], None, 2, "y", "time between events 0 must be above 0"),
])
def test_values_the_chart_cannot_hold(chart, y, n, row, field, reason):
    with pytest.raises(ValueProblem, match=_escaped(reason)) as caught:
        analyze(y, n, chart=chart)
    assert (caught.value.row, caught.value.field) == (row, field)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("y, message", [
    ([1.0, "a", 3.0], "y at position 2: 'a' is not a number"),
    ([1.0, math.inf], "y at position 2: inf is not a finite number"),
    ([1.0, True], "y at position 2: True is not a number"),
    ("123", "y must be a sequence of numbers"),
    ([], "y is empty"),
])
def test_y_must_be_numbers(y, message):
    with pytest.raises(ValueError, match=_escaped(message)):
        analyze(y)


def test_missing_values_in_any_usual_form_are_accepted():
    y = [1.0, None, np.nan, pd.NA, 5, np.int64(6), np.float32(7.5)]
    points = analyze(y, chart="i").points
    assert points["y"].isna().tolist() == [False, True, True, True, False, False, False]
    assert points["y"].iloc[-1] == 7.5


def test_negative_values_are_fine_where_they_make_sense():
    analysis = analyze([-3.0, -1.0, 2.0, -4.0], chart="i")
    assert analysis.points["cl"].iloc[0] == -1.5


def _escaped(text: str) -> str:
    return re.escape(text)
