"""Every drift statistic against scipy / numpy on random data."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as ss

from monitors import stats
from monitors.binning import numeric_counts

SEEDS = range(5)


def _random_case(seed: int, bins: int = 10):
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(bins))
    counts = rng.multinomial(rng.integers(50, 5000), rng.dirichlet(np.ones(bins)))
    return counts, p


@pytest.mark.parametrize("seed", SEEDS)
def test_psi_by_hand(seed):
    counts, p = _random_case(seed)
    counts[0] = 0
    q = counts / counts.sum()
    expected = 0.0
    for qi, pi in zip(q, p, strict=True):
        qi, pi = max(qi, 1e-4), max(pi, 1e-4)
        expected += (qi - pi) * np.log(qi / pi)
    assert stats.psi(counts, p) == pytest.approx(expected, rel=1e-12)


def test_psi_is_zero_on_identical_shares():
    p = np.array([0.2, 0.3, 0.5])
    assert stats.psi(np.array([20, 30, 50]), p) == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("seed", SEEDS)
def test_chi_square_matches_scipy(seed):
    counts, p = _random_case(seed)
    stat, pv = stats.chi_square_gof(counts, p)
    ref = ss.chisquare(counts, counts.sum() * p)
    assert stat == pytest.approx(ref.statistic, rel=1e-10)
    assert pv == pytest.approx(ref.pvalue, rel=1e-8, abs=1e-300)


@pytest.mark.parametrize("seed", SEEDS)
def test_g_test_matches_scipy(seed):
    counts, p = _random_case(seed)
    stat, pv = stats.g_test_gof(counts, p)
    ref = ss.power_divergence(counts, counts.sum() * p, lambda_="log-likelihood")
    assert stat == pytest.approx(ref.statistic, rel=1e-10)
    assert pv == pytest.approx(ref.pvalue, rel=1e-8, abs=1e-300)


def test_gof_with_impossible_bin_is_certain_drift():
    assert stats.chi_square_gof(np.array([3, 1]), np.array([1.0, 0.0])) == (np.inf, 0.0)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("lam", ["pearson", "log-likelihood"])
def test_homogeneity_matches_chi2_contingency(seed, lam):
    counts, p = _random_case(seed)
    m = 20_000
    stat, pv = stats.homogeneity(counts, p, m, lam)
    ref = ss.chi2_contingency(np.vstack([counts, m * p]), correction=False, lambda_=lam)
    assert stat == pytest.approx(ref.statistic, rel=1e-9)
    assert pv == pytest.approx(ref.pvalue, rel=1e-6, abs=1e-300)


def test_homogeneity_tends_to_goodness_of_fit_for_a_huge_reference():
    rng = np.random.default_rng(7)
    p = rng.dirichlet(np.ones(8) * 5)
    counts = rng.multinomial(2000, p)
    gof = stats.chi_square_gof(counts, p)[0]
    assert stats.homogeneity(counts, p, 10**9)[0] == pytest.approx(gof, rel=1e-4)


@pytest.mark.parametrize("seed", SEEDS)
def test_binned_ks_equals_ks_2samp_when_bins_are_the_data(seed):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=300), rng.normal(0.15, 1.1, size=2000)
    edges = np.unique(np.concatenate([x, y]))[:-1]
    cx, cy = numeric_counts(edges, x), numeric_counts(edges, y)
    d, pv = stats.ks_binned(cx, cy / cy.sum(), y.size)
    ref = ss.ks_2samp(x, y, method="asymp")
    assert d == pytest.approx(ref.statistic, rel=1e-10)
    assert pv == pytest.approx(ref.pvalue, rel=1e-8)


def test_binned_ks_is_conservative_on_coarse_bins():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=500), rng.normal(0.2, size=5000)
    edges = np.quantile(y, np.linspace(0.1, 0.9, 9))
    cx, cy = numeric_counts(edges, x), numeric_counts(edges, y)
    d, pv = stats.ks_binned(cx, cy / cy.sum(), y.size)
    ref = ss.ks_2samp(x, y, method="asymp")
    assert d <= ref.statistic + 1e-12 and pv >= ref.pvalue


@pytest.mark.parametrize("seed", SEEDS)
def test_benjamini_hochberg_matches_scipy(seed):
    p = np.random.default_rng(seed).uniform(size=17) ** 3
    np.testing.assert_allclose(stats.benjamini_hochberg(p), ss.false_discovery_control(p))


@pytest.mark.parametrize("seed", SEEDS)
def test_holm_matches_manual_step_down(seed):
    p = np.random.default_rng(seed).uniform(size=11) ** 3
    m, order = p.size, np.argsort(p)
    manual, running = np.empty(m), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        manual[i] = running
    np.testing.assert_allclose(stats.holm(p), manual)
    alpha = 0.05
    rejected = stats.holm(p) < alpha
    for rank, i in enumerate(order):  # the textbook procedure: stop at the first failure
        if p[i] >= alpha / (m - rank):
            assert not rejected[order[rank:]].any()
            break
        assert rejected[i]


def test_pool_sparse_keeps_totals_and_expected_counts():
    o = np.array([5, 0, 1, 30, 2, 12])
    p = np.array([0.1, 0.0, 0.02, 0.6, 0.08, 0.2])
    po, pp = stats.pool_sparse(o, p, min_expected=5)
    assert po.sum() == o.sum() and pp.sum() == pytest.approx(1.0)
    assert (o.sum() * pp >= 5).all()


def test_pool_sparse_leaves_large_windows_alone():
    o, p = np.array([500, 300, 200]), np.array([0.5, 0.3, 0.2])
    po, pp = stats.pool_sparse(o, p)
    np.testing.assert_array_equal(po, o)
    np.testing.assert_array_equal(pp, p)
