"""Estimated (CBPE) performance against a brute-force computation over every pair of leads."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitors.estimated import (
    calibration_by_decile,
    estimate,
    estimate_binned,
    estimate_histograms,
    estimated_auc,
)


def brute_auc(scores: list[float]) -> float | None:
    """Every ordered pair (i, j), a lead with itself included: weight s_i (1 - s_j)."""
    num = den = 0.0
    for a, b in itertools.product(scores, repeat=2):
        w = a * (1 - b)
        den += w
        num += w * (1.0 if a > b else 0.5 if a == b else 0.0)
    return None if den == 0 else num / den


scores_st = st.lists(st.sampled_from([round(i / 40, 3) for i in range(41)]) | st.floats(0, 1),
                     min_size=1, max_size=40)


@settings(max_examples=200, deadline=None)
@given(scores_st)
def test_estimated_auc_is_the_brute_force_pair_count(scores: list[float]) -> None:
    expected = brute_auc(scores)
    got = estimated_auc(scores)
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(scores_st)
def test_binned_estimate_equals_the_raw_one_when_bins_hold_equal_scores(
        scores: list[float]) -> None:
    values, counts = np.unique(scores, return_counts=True)
    raw, binned = estimate(scores), estimate_binned(counts[::-1], values[::-1])
    assert binned.n == raw.n == len(scores)
    assert binned.expected_conversions == pytest.approx(sum(scores))
    if raw.auc is None:
        assert binned.auc is None
    else:
        assert binned.auc == pytest.approx(raw.auc, abs=1e-9)
    top = sorted(scores, reverse=True)[:max(1, -(-len(scores) // 10))]
    assert raw.precision_at_10 == pytest.approx(sum(top) / len(top))
    assert binned.precision_at_10 == pytest.approx(raw.precision_at_10)


def test_calibrated_scores_estimate_the_realized_auc() -> None:
    """Labels drawn with probability = score: the realized AUC lands near the estimate."""
    from sklearn.metrics import roc_auc_score
    rng = np.random.default_rng(7)
    s = rng.beta(2, 5, 20_000)
    y = rng.random(s.size) < s
    assert estimated_auc(s) == pytest.approx(roc_auc_score(y, s), abs=0.01)
    assert estimate(s).expected_conversions == pytest.approx(y.sum(), rel=0.03)


def test_perfectly_separating_and_empty_inputs() -> None:
    assert estimated_auc([0.0, 1.0]) == pytest.approx(1.0)
    assert estimated_auc([0.0, 0.0]) is None  # no expected positive
    assert estimate([]).auc is None and estimate_binned([0, 0], [0.1, 0.9]).n == 0


def test_calibration_by_decile_groups_by_score() -> None:
    s = np.arange(100) / 100
    y = (s >= 0.5).astype(int)
    rows = calibration_by_decile(s, y)
    assert [r["n"] for r in rows] == [10] * 10
    assert [r["realized_rate"] for r in rows] == [0.0] * 5 + [1.0] * 5
    assert rows[0]["mean_score"] == pytest.approx(0.045)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.integers(0, 50), min_size=5, max_size=5), min_size=1,
                max_size=8))
def test_many_histograms_at_once_equal_one_at_a_time(rows: list[list[int]]) -> None:
    means = [0.05, 0.2, 0.45, 0.7, 0.95]
    got = estimate_histograms(np.array(rows), means)
    for i, row in enumerate(rows):
        one = estimate_binned(row, means)
        assert got["n"][i] == one.n
        for key, value in (("auc", one.auc), ("precision_at_10", one.precision_at_10)):
            if value is None:
                assert np.isnan(got[key][i])
            else:
                assert got[key][i] == pytest.approx(value, abs=1e-9)
