"""DeLong's paired test at its edges, worked out by hand: two of each class (the least it
answers), the default level, ``z``, the refusal's words and what too few labels leave."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from scoring.delong import paired_delong

Z_975 = 1.959963984540054  # the normal quantile of a 95 % two-sided interval


def test_two_of_each_class_worked_out_by_hand_at_the_default_level() -> None:
    # positives 0.9, 0.4 and negatives 0.5, 0.1 under a: V10 = (1, 0.5), V01 = (0.5, 1),
    # AUC 0.75; b ranks both positives first: V10 = V01 = (1, 1), AUC 1. b's components are
    # constant, so Var(B - A) = s²(V10 of a)/2 + s²(V01 of a)/2 = 0.125/2 + 0.125/2.
    y = np.array([1, 1, 0, 0])
    r = paired_delong(y, np.array([0.9, 0.4, 0.5, 0.1]), np.array([0.9, 0.6, 0.5, 0.1]))
    se = math.sqrt(0.125)
    assert (r.auc_a, r.auc_b, r.difference) == (0.75, 1.0, 0.25)
    assert r.std_error == pytest.approx(se, abs=1e-15)
    assert r.z == pytest.approx(0.25 / se, abs=1e-12)  # 1/sqrt(2)
    assert r.p_value == pytest.approx(2 * norm.sf(1 / math.sqrt(2)), abs=1e-12)
    assert r.level == 0.95
    assert r.low == pytest.approx(0.25 - Z_975 * se, abs=1e-12)
    assert r.high == pytest.approx(0.25 + Z_975 * se, abs=1e-12)


def test_one_class_of_one_leaves_every_number_undefined_but_the_level() -> None:
    for y in (np.array([1, 0, 0, 0]), np.array([1, 1, 1, 0])):
        r = paired_delong(y, np.arange(4.0), np.arange(4.0)[::-1], level=0.8)
        numbers = (r.auc_a, r.auc_b, r.difference, r.std_error, r.z, r.p_value, r.low, r.high)
        assert all(isinstance(v, float) and math.isnan(v) for v in numbers)
        assert r.level == 0.8


def test_score_vectors_of_another_length_are_refused_in_these_words() -> None:
    y = np.array([0, 1, 0, 1])
    message = r"^labels and both score vectors must have the same length$"
    with pytest.raises(ValueError, match=message):
        paired_delong(y, np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match=message):
        paired_delong(y, np.ones(4), np.ones(5))
