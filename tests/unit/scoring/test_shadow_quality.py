"""Champion and shadow challenger side by side, checked against direct computations."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.experiments.shadow_quality import Ranking, shadow_quality


def direct_auc(y, p):
    pos, neg = p[y == 1], p[y == 0]
    return float(((pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])).mean())


def direct_precision_at_10(y, p):
    k = int(np.ceil(0.1 * y.size))
    return float(y[np.argsort(-p, kind="stable")[:k]].mean())


def direct_ece(y, p):
    order = np.argsort(p, kind="stable")
    return float(sum(len(i) * abs(p[i].mean() - y[i].mean())
                     for i in np.array_split(order, 10) if len(i)) / y.size)


def leads(n: int, seed: int):
    """Leads whose true conversion probability the challenger sees more sharply."""
    rng = np.random.default_rng(seed)
    truth = 1 / (1 + np.exp(-(rng.normal(size=n) * 1.5 - 1.5)))
    y = (rng.random(n) < truth).astype(float)
    champion = np.clip(truth + rng.normal(scale=0.25, size=n), 0, 1)
    challenger = np.clip(truth + rng.normal(scale=0.03, size=n), 0, 1)
    return y, champion, challenger


def test_metrics_side_by_side_equal_direct_computations():
    y, a, b = leads(800, 1)
    q = shadow_quality(y, a, b, ("1", "2"))
    for model, p in ((q.champion, a), (q.challenger, b)):
        assert model.auc == pytest.approx(direct_auc(y, p), abs=1e-12)
        assert model.precision_at_10 == pytest.approx(direct_precision_at_10(y, p))
        assert model.calibration_error == pytest.approx(direct_ece(y, p))
    assert (q.champion.version, q.challenger.version) == ("1", "2")
    assert (q.n_labels, q.conversions) == (800, int(y.sum()))
    assert q.test.difference == pytest.approx(q.challenger.auc - q.champion.auc)


def test_the_verdict_says_which_ranks_better():
    y, a, b = leads(3000, 2)
    assert shadow_quality(y, a, b, ("1", "2")).ranking is Ranking.BETTER
    assert shadow_quality(y, b, a, ("2", "1")).ranking is Ranking.WORSE
    same = shadow_quality(y, a, a + 1e-9 * np.arange(a.size) % 1e-6, ("1", "1b"))
    assert same.ranking is Ranking.NO_DIFFERENCE
    assert shadow_quality(y[:50], a[:50], b[:50], ("1", "2")).ranking is Ranking.TOO_FEW
    assert shadow_quality(np.zeros(300), a[:300], b[:300], ("1", "2")).ranking is Ranking.TOO_FEW
