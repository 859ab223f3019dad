"""DeLong's AUC interval against brute force and against its promised coverage."""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

from scoring.delong import auc_interval, components
from scoring.metrics import auc_roc


def brute_components(y, p):
    pos, neg = p[y == 1], p[y == 0]
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    return psi.mean(axis=1), psi.mean(axis=0)


def test_components_equal_the_pairwise_definition_with_ties() -> None:
    rng = np.random.default_rng(1)
    for _ in range(20):
        n = int(rng.integers(5, 80))
        y = rng.integers(0, 2, n)
        y[:2] = [0, 1]
        p = rng.integers(0, 6, n) / 5.0  # many ties
        v10, v01 = components(y, p)
        b10, b01 = brute_components(y, p)
        np.testing.assert_allclose(v10, b10)
        np.testing.assert_allclose(v01, b01)
        m, k = int(y.sum()), int(n - y.sum())
        se = np.sqrt(b10.var(ddof=1) / m + b01.var(ddof=1) / k)
        ci = auc_interval(y, p)
        assert abs(ci.auc - auc_roc(y.astype(float), p)) < 1e-12
        assert abs(ci.std_error - se) < 1e-12


def test_95_percent_intervals_cover_the_true_auc_about_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(7)
    d = 1.0
    true_auc = norm.cdf(d / np.sqrt(2))  # binormal: positives N(d, 1), negatives N(0, 1)
    hits = 0
    runs = 400
    for _ in range(runs):
        y = (rng.random(300) < 0.3).astype(int)
        p = rng.normal(size=300) + d * y
        ci = auc_interval(y, p)
        hits += ci.low <= true_auc <= ci.high
    assert 0.91 <= hits / runs <= 0.98


def test_too_few_of_a_class_gives_no_interval() -> None:
    ci = auc_interval(np.array([1, 0, 0, 0]), np.array([0.9, 0.1, 0.2, 0.3]))
    assert np.isnan(ci.auc) and np.isnan(ci.low)


def test_two_of_each_class_worked_out_by_hand() -> None:
    # positives 0.9, 0.4; negatives 0.5, 0.1: V10 = (1, 0.5), V01 = (0.5, 1), AUC 0.75,
    # s² = 0.125 each, Var = 0.125/2 + 0.125/2, se = sqrt(0.125); the upper end is clipped
    ci = auc_interval(np.array([1, 1, 0, 0]), np.array([0.9, 0.4, 0.5, 0.1]), level=0.9)
    se = 0.125 ** 0.5
    assert ci.auc == 0.75 and abs(ci.std_error - se) < 1e-12 and ci.level == 0.9
    assert abs(ci.low - (0.75 - 1.6448536269514722 * se)) < 1e-9
    assert ci.high == 1.0


def test_too_few_keeps_the_level_and_nothing_else() -> None:
    ci = auc_interval(np.array([1, 1, 0]), np.array([0.9, 0.1, 0.2]), level=0.8)
    assert all(np.isnan(v) for v in (ci.auc, ci.low, ci.high, ci.std_error))
    assert ci.level == 0.8


# --- the paired test of two correlated AUCs (issue 18, deliverable 3) ------------------------

def brute_paired(y, a, b):
    """Var(AUC_b - AUC_a) straight from DeLong et al.'s definitions: pairwise ψ matrices,
    per-positive and per-negative means, their sample covariances (independent of ranks)."""
    pa, pb = brute_components(y, a), brute_components(y, b)
    m, n = int(y.sum()), int(y.size - y.sum())

    def cov(u, v):
        return float(((u - u.mean()) * (v - v.mean())).sum() / (u.size - 1))

    var = ((cov(pa[0], pa[0]) + cov(pb[0], pb[0]) - 2 * cov(pa[0], pb[0])) / m
           + (cov(pa[1], pa[1]) + cov(pb[1], pb[1]) - 2 * cov(pa[1], pb[1])) / n)
    return pa[0].mean(), pb[0].mean(), var


def test_paired_delong_equals_the_pairwise_definition_with_ties() -> None:
    from scoring.delong import paired_delong

    rng = np.random.default_rng(3)
    for _ in range(20):
        n = int(rng.integers(6, 90))
        y = rng.integers(0, 2, n)
        y[:2] = [0, 1]
        a = rng.integers(0, 5, n) / 4.0
        b = np.clip(a + rng.integers(-1, 2, n) / 4.0, 0, 1)  # correlated, with ties
        r = paired_delong(y, a, b)
        auc_a, auc_b, var = brute_paired(y, a, b)
        assert abs(r.auc_a - auc_a) < 1e-12 and abs(r.auc_b - auc_b) < 1e-12
        assert abs(r.std_error - np.sqrt(max(var, 0.0))) < 1e-12
        if r.std_error > 0:
            assert abs(r.p_value - 2 * norm.sf(abs(auc_b - auc_a) / np.sqrt(var))) < 1e-12


def test_paired_delong_variance_matches_a_paired_bootstrap() -> None:
    """An independent estimate: resample leads (both models' scores together) 2,000 times."""
    from scoring.delong import paired_delong

    rng = np.random.default_rng(11)
    y = (rng.random(600) < 0.3).astype(int)
    latent = rng.normal(size=600) + 1.0 * y
    a = latent + rng.normal(scale=2.0, size=600)
    b = latent + rng.normal(scale=0.3, size=600)
    r = paired_delong(y, a, b)
    diffs = []
    for _ in range(2000):
        i = rng.integers(0, 600, 600)
        diffs.append(auc_roc(y[i].astype(float), b[i]) - auc_roc(y[i].astype(float), a[i]))
    assert abs(np.std(diffs, ddof=1) / r.std_error - 1) < 0.1
    assert r.difference > 0 and r.p_value < 0.05  # b is the less noisy model


def test_paired_delong_holds_its_level_under_the_null() -> None:
    """Two equally good, correlated models: the 5 % test rejects about 5 % of the time."""
    from scoring.delong import paired_delong

    rng = np.random.default_rng(5)
    rejections, runs = 0, 600
    for _ in range(runs):
        y = (rng.random(300) < 0.3).astype(int)
        latent = rng.normal(size=300) + 1.0 * y
        a = latent + rng.normal(scale=0.8, size=300)
        b = latent + rng.normal(scale=0.8, size=300)
        rejections += paired_delong(y, a, b).p_value < 0.05
    assert 0.025 <= rejections / runs <= 0.08


def test_paired_delong_edges() -> None:
    import pytest

    from scoring.delong import paired_delong

    y = np.array([0, 1, 0, 1, 1, 0])
    same = paired_delong(y, y * 0.5, y * 0.5)
    assert same.difference == 0 and same.p_value == 1.0
    assert np.isnan(paired_delong(np.array([1, 1, 0]), np.ones(3), np.ones(3)).auc_a)
    with pytest.raises(ValueError):
        paired_delong(y, np.ones(5), np.ones(6))
