"""Trend of a score against the lead's previous one: expectations from exact fractions."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st

from schemas.scored import Trend
from scoring.trend import chain_previous, trend, trends

scores = st.floats(0.0, 1.0, allow_nan=False)
deltas = st.floats(0.0, 1.0, allow_nan=False)


def expected(previous: float | None, current: float, delta: float) -> Trend:
    """By exact rational arithmetic on the floats' values (no float subtraction)."""
    if previous is None:
        return Trend.NEW
    change = Fraction(current) - Fraction(previous)
    if abs(change) <= Fraction(delta):
        return Trend.STEADY
    return Trend.IMPROVING if change > 0 else Trend.DECLINING


def off_boundary(previous: float | None, current: float, delta: float) -> bool:
    """Away from |change| = delta by more than float rounding (the boundary is tested by
    hand below)."""
    return previous is None or abs(abs(Fraction(current) - Fraction(previous))
                                   - Fraction(delta)) > Fraction(1, 10**12)


@given(st.one_of(st.none(), scores), scores, deltas)
def test_one_score_matches_exact_arithmetic(previous, current, delta):
    assume(off_boundary(previous, current, delta))
    assert trend(previous, current, delta) is expected(previous, current, delta)


@given(st.lists(st.tuples(st.one_of(st.none(), scores), scores), max_size=50), deltas)
def test_the_vector_form_agrees_with_the_scalar_form(pairs, delta):
    assume(all(off_boundary(p, c, delta) for p, c in pairs))
    previous = np.array([np.nan if p is None else p for p, _ in pairs], dtype=np.float64)
    current = np.array([c for _, c in pairs], dtype=np.float64)
    assert trends(previous, current, delta) == [expected(p, c, delta) for p, c in pairs]


def test_hand_computed_cases_and_the_boundary_is_steady():
    assert trend(None, 0.9) is Trend.NEW
    assert trend(0.40, 0.46) is Trend.IMPROVING  # +0.06 > 0.05
    assert trend(0.40, 0.44) is Trend.STEADY  # +0.04
    assert trend(0.50, 0.40) is Trend.DECLINING  # -0.10
    assert trend(0.25, 0.5, delta=0.25) is Trend.STEADY  # exactly delta (exact in binary)
    assert trend(0.25, 0.5, delta=0.0) is Trend.IMPROVING
    assert trend(0.5, 0.5, delta=0.0) is Trend.STEADY


def test_the_same_lead_later_in_a_batch_compares_with_its_earlier_score():
    ids = ["A", "B", "A", "A", "C"]
    current = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
    previous, unknown = chain_previous(ids, [0.05, None, 0.05, 0.05, None], current,
                                       [True, False, True, True, False])
    np.testing.assert_array_equal(previous, [0.05, np.nan, 0.1, 0.3, np.nan])
    # A's first score has no known previous (Redis failed); its later ones compare in batch
    assert unknown.tolist() == [True, False, False, False, False]
