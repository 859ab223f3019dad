"""Model-quality statistics against scikit-learn and hand computations on random data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from monitors.quality import (
    QualityRule,
    auc_roc,
    expected_calibration_error,
    precision_at_top,
    window_quality,
)


def _data(seed: int, n: int, ties: bool = False) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = rng.uniform(size=n)
    if ties:
        p = np.round(p, 1)
    y = (rng.uniform(size=n) < p).astype(int)
    return y, p


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("ties", [False, True])
def test_auc_matches_sklearn(seed: int, ties: bool) -> None:
    y, p = _data(seed, 500 + 37 * seed, ties)
    assert auc_roc(y, p) == pytest.approx(roc_auc_score(y, p), abs=1e-12)


def test_auc_needs_both_classes() -> None:
    assert auc_roc(np.ones(50), np.linspace(0, 1, 50)) is None
    assert auc_roc(np.zeros(50), np.linspace(0, 1, 50)) is None


@pytest.mark.parametrize("seed", range(5))
def test_precision_at_top_ten_percent_by_hand(seed: int) -> None:
    y, p = _data(seed, 1234)
    k = math.ceil(0.1 * y.size)
    threshold = np.sort(p)[::-1][k - 1]
    expected = y[p >= threshold].mean()  # continuous scores: no ties at the cut
    assert precision_at_top(y, p) == pytest.approx(expected)


@pytest.mark.parametrize("seed", range(5))
def test_ece_by_hand(seed: int) -> None:
    y, p = _data(seed + 10, 2000)
    y = np.where(np.random.default_rng(seed).uniform(size=y.size) < 0.1, 1 - y, y)
    total = 0.0
    for b in range(10):
        lo, hi = b / 10, (b + 1) / 10
        inside = (p >= lo) & ((p < hi) if b < 9 else (p <= hi))
        if inside.any():
            total += inside.sum() / y.size * abs(p[inside].mean() - y[inside].mean())
    assert expected_calibration_error(y, p) == pytest.approx(total, abs=1e-12)


def test_perfectly_calibrated_bins_have_zero_ece() -> None:
    p = np.repeat([0.05, 0.55], 20)
    y = np.array(([1] + [0] * 19) + ([1] * 11 + [0] * 9))
    assert expected_calibration_error(y, p) == pytest.approx(0.0)


def test_minimum_labels_rule() -> None:
    y, p = _data(1, 99)
    assert window_quality(y, p).auc is None and window_quality(y, p).n_labels == 99
    y, p = _data(1, 100)
    q = window_quality(y, p)
    assert q.n_labels == 100 and q.auc is not None and q.calibration_error is not None
    one_class = window_quality(np.zeros(200), np.linspace(0, 1, 200), QualityRule(100))
    assert one_class.auc is None and one_class.precision_at_10 == 0.0
    assert window_quality([], []).n_labels == 0


def test_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        auc_roc([0, 1, 2], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError):
        auc_roc([0, 1], [0.1])
