"""Drift statistics at their edges: one bin, empty windows, impossible bins, exact limits.

Expected values are worked out by hand (or with scipy for a p-value of a hand statistic).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as ss

from monitors import stats


def test_one_usable_bin_has_no_evidence():
    assert stats.chi_square_gof(np.array([7, 0]), np.array([1.0, 0.0])) == (0.0, 1.0)
    assert stats.g_test_gof(np.array([7]), np.array([1.0])) == (0.0, 1.0)


def test_two_bins_have_one_degree_of_freedom():
    # observed 30 / 70 against 50 / 50: chi2 = 2 * 20^2 / 50 = 16
    stat, p = stats.chi_square_gof(np.array([30, 70]), np.array([0.5, 0.5]))
    assert stat == pytest.approx(16.0) and p == pytest.approx(ss.chi2.sf(16.0, 1))
    g = 2 * (30 * np.log(30 / 50) + 70 * np.log(70 / 50))
    stat, p = stats.g_test_gof(np.array([30, 70]), np.array([0.5, 0.5]))
    assert stat == pytest.approx(g) and p == pytest.approx(ss.chi2.sf(g, 1))


def test_empty_reference_bins_are_dropped_when_the_window_is_empty_there_too():
    # bin 2 has p = 0 and no observations: it is left out, shares renormalised
    stat, p = stats.chi_square_gof(np.array([30, 70, 0]), np.array([0.25, 0.25, 0.5]) * [1, 1, 0])
    assert stat == pytest.approx(16.0) and p == pytest.approx(ss.chi2.sf(16.0, 1))
    assert stats.g_test_gof(np.array([3, 1]), np.array([1.0, 0.0])) == (float("inf"), 0.0)


def test_homogeneity_edges():
    assert stats.homogeneity(np.array([0, 0, 0]), np.array([0.2, 0.3, 0.5]), 1000) == (0.0, 1.0)
    assert stats.homogeneity(np.array([5, 0]), np.array([1.0, 0.0]), 1000) == (0.0, 1.0)
    # 2 x 2: window 30/70 vs reference 500/500 (M = 1000), chi2 by hand
    table = np.array([[30, 70], [500, 500]], float)
    expected = np.outer(table.sum(1), table.sum(0)) / table.sum()
    by_hand = float(((table - expected) ** 2 / expected).sum())
    stat, p = stats.homogeneity(np.array([30, 70]), np.array([0.5, 0.5]), 1000)
    assert stat == pytest.approx(by_hand) and p == pytest.approx(ss.chi2.sf(by_hand, 1))
    with pytest.raises(ValueError, match="unknown lambda_ 'cressie'"):
        stats.homogeneity(np.array([30, 70]), np.array([0.5, 0.5]), 1000, "cressie")


def test_binned_ks_edges():
    assert stats.ks_binned(np.array([0, 0, 9]), np.array([0.5, 0.5, 0.0]), 100) == (0.0, 1.0)
    assert stats.ks_binned(np.array([3, 2, 0]), np.array([0.0, 0.0, 1.0]), 100) == (0.0, 1.0)
    # window all in bin 0, reference half/half (missing bin last, excluded): D = 0.5
    d, p = stats.ks_binned(np.array([10, 0, 4]), np.array([0.4, 0.4, 0.2]), 80)
    assert d == pytest.approx(0.5)
    n_e = round(10 * 64 / (10 + 64))
    assert p == pytest.approx(ss.kstwo.sf(0.5, n_e))


def test_pool_sparse_boundary_is_five_expected_events():
    # n = 100: shares 0.05 expect exactly 5, which is enough: nothing is pooled
    o, p = np.array([5, 5, 90]), np.array([0.05, 0.05, 0.9])
    po, pp = stats.pool_sparse(o, p)
    np.testing.assert_array_equal(po, o)
    # 0.04 and 0.03 expect 4 and 3: pooled into one bin of 7 expected
    o, p = np.array([4, 3, 93]), np.array([0.04, 0.03, 0.93])
    po, pp = stats.pool_sparse(o, p)
    np.testing.assert_array_equal(po, [93, 7])
    np.testing.assert_allclose(pp, [0.93, 0.07])
    # one small bin joins the next smallest until the pool expects 5
    o, p = np.array([2, 30, 68]), np.array([0.02, 0.3, 0.68])
    po, pp = stats.pool_sparse(o, p)
    np.testing.assert_array_equal(po, [68, 32])


def test_corrections_of_a_single_and_of_no_p_value():
    assert stats.benjamini_hochberg(np.array([0.3])).tolist() == [0.3]
    assert stats.holm(np.array([0.3])).tolist() == [0.3]
    assert stats.benjamini_hochberg(np.array([])).size == 0 and stats.holm(np.array([])).size == 0
    assert stats.benjamini_hochberg(np.array([0.9, 0.8])).tolist() == [0.9, 0.9]
    assert stats.holm(np.array([0.6, 0.7])).tolist() == [1.0, 1.0]


def test_psi_floors_empty_bins_on_both_sides():
    counts, p = np.array([0, 100]), np.array([0.5, 0.5])
    q0, q1 = 1e-4, 1.0
    by_hand = (q0 - 0.5) * np.log(q0 / 0.5) + (q1 - 0.5) * np.log(q1 / 0.5)
    assert stats.psi(counts, p) == pytest.approx(by_hand, rel=1e-12)
    assert stats.psi(np.array([50, 50, 0]), np.array([0.5, 0.5, 0.0])) == pytest.approx(0.0)
