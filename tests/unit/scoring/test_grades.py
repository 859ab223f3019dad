"""Grades: every score gets the grade whose range holds it, bounds belong to the higher
grade, and a malformed scale is refused with what is wrong."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.grades import DEFAULT_GRADES, GradeScale
from tests.strategies.grades import grade_scales


def test_default_grades_at_and_around_their_bounds() -> None:
    scores = np.array([0.0, 0.2999, 0.3, 0.4999, 0.5, 0.7999, 0.8, 1.0])
    assert GradeScale().assign(scores) == ["D", "D", "C", "C", "B", "B", "A", "A"]
    assert GradeScale.parse(DEFAULT_GRADES) == GradeScale()


def test_a_custom_scale_from_its_text() -> None:
    scale = GradeScale.parse(" Hot = 0.9 , Warm=0.6,Cold=0 ")
    assert scale.names == ("Hot", "Warm", "Cold") and scale.bounds == (0.9, 0.6, 0.0)
    assert scale.assign(np.array([0.95, 0.9, 0.89, 0.6, 0.1])) == [
        "Hot", "Hot", "Warm", "Warm", "Cold"]
    assert scale.top_bound == 0.9 and scale.text() == "Hot=0.9,Warm=0.6,Cold=0"
    assert GradeScale.parse("All=0").assign(np.array([0.0, 1.0])) == ["All", "All"]


@pytest.mark.parametrize(("text", "says"), [
    ("A=0.3,B=0.5,C=0", "strictly decreasing"),
    ("A=0.8,B=0.8,C=0", "strictly decreasing"),
    ("A=0.8,B=0.5,C=0.3", "must be 0"),
    ("A=0.8,A=0", "unique"),
    ("A=1.5,B=0", r"\[0, 1\]"),
    ("A=high,B=0", "'high' is not a number"),
    ("A0.8,B=0", "NAME=LOWER_BOUND"),
    ("=0.8,B=0", "NAME=LOWER_BOUND"),
])
def test_a_malformed_scale_is_refused_saying_why(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        GradeScale.parse(text)


@given(grade_scales(), st.lists(st.floats(0.0, 1.0), min_size=1, max_size=50))
def test_every_score_gets_the_grade_of_its_range(scale, scores) -> None:
    names, bounds = scale
    graded = GradeScale(tuple(names), tuple(bounds)).assign(np.array(scores))
    for score, grade in zip(scores, graded, strict=True):
        best = next(i for i, b in enumerate(bounds) if score >= b)  # first bound it reaches
        assert grade == names[best]


@pytest.mark.parametrize(("names", "bounds", "message"), [
    ((), (), "grades: give at least one NAME=LOWER_BOUND, one bound per name"),
    (("A", "B"), (0.0,), "grades: give at least one NAME=LOWER_BOUND, one bound per name"),
    (("A", "B", "A"), (0.8, 0.5, 0.0), "grades: names must be unique, got A, B, A"),
    (("A", "B", "C"), (0.8, 0.5, 0.3),
     "grades: the last (lowest) grade's bound must be 0 so every score has a grade; got 0.3"),
])
def test_a_malformed_scale_gets_the_whole_message(names, bounds, message) -> None:
    with pytest.raises(ValueError) as err:
        GradeScale(names, bounds)
    assert str(err.value) == message


def _oracle(names: list[str], bounds: list[float], score: float) -> str | None:
    """The grade of ``score`` read off the scale by hand: none for NaN or ±inf, else the
    best grade whose lower bound it reaches (the lowest grade below 0)."""
    if math.isnan(score) or math.isinf(score):
        return None
    for name, bound in zip(names, bounds, strict=True):
        if score >= bound:
            return name
    return names[-1]


@given(grade_scales(), st.lists(st.floats(allow_nan=True, allow_infinity=True),
                                min_size=1, max_size=50))
def test_any_float_gets_its_grade_and_a_non_finite_one_none_at_all(scale, scores) -> None:
    names, bounds = scale
    expected = [_oracle(names, bounds, s) for s in scores]
    grades = GradeScale(tuple(names), tuple(bounds))
    if None in expected:  # never a grade for a score that is not a number
        with pytest.raises(ValueError, match="not finite"):
            grades.assign(np.array(scores))
    else:
        assert grades.assign(np.array(scores)) == expected


@pytest.mark.parametrize("score", [math.nan, math.inf, -math.inf])
def test_a_nan_or_infinite_score_gets_no_grade(score) -> None:
    with pytest.raises(ValueError, match="1 of 3 scores are not finite"):
        GradeScale().assign(np.array([0.9, score, 0.1]))
