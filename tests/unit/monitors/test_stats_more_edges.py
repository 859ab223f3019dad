"""More statistic edges: single counts, tiny reference cells, tiny windows, exact pooling."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as ss

from monitors import stats
from monitors.binning import as_float
from monitors.quality import expected_calibration_error


def test_g_test_counts_bins_holding_a_single_lead():
    g = 2 * (1 * np.log(1 / 5) + 9 * np.log(9 / 5))
    assert stats.g_test_gof(np.array([1, 9]), np.array([0.5, 0.5]))[0] == pytest.approx(g)


def test_homogeneity_keeps_a_bin_with_a_fractional_reference_count():
    counts, p, m = np.array([0, 10, 10]), np.array([0.0005, 0.5, 0.4995]), 1000
    table = np.vstack([counts, m * p])
    for lam in ("pearson", "log-likelihood"):
        ref = ss.chi2_contingency(table, correction=False, lambda_=lam)
        stat, pv = stats.homogeneity(counts, p, m, lam)
        assert stat == pytest.approx(ref.statistic) and pv == pytest.approx(ref.pvalue)
    counts, p = np.array([1, 19]), np.array([0.5, 0.5])
    ref = ss.chi2_contingency(np.vstack([counts, 100 * p]), correction=False,
                              lambda_="log-likelihood")
    assert stats.homogeneity(counts, p, 100, "log-likelihood")[0] == pytest.approx(ref.statistic)


def test_binned_ks_of_a_one_lead_window():
    d, p = stats.ks_binned(np.array([1, 0, 0]), np.array([0.5, 0.5, 0.0]), 1)
    assert d == pytest.approx(0.5) and p == pytest.approx(ss.kstwo.sf(0.5, 1))


def test_pooling_stops_when_the_pool_expects_exactly_five():
    po, pp = stats.pool_sparse(np.array([2, 3, 5]), np.array([0.25, 0.25, 0.5]), 5.0)
    np.testing.assert_array_equal(po, [5, 5])
    np.testing.assert_array_equal(pp, [0.5, 0.5])


def test_values_that_are_not_numbers_become_missing():
    np.testing.assert_array_equal(as_float(["1.5", "x", None, 2]), [1.5, np.nan, np.nan, 2.0])


def test_a_score_of_one_shares_the_top_bin():
    # both in the last bin: mean score 0.975, rate 0.5 -> 0.475 (a bin of its own: 0.525)
    assert expected_calibration_error([0.0, 1.0], [1.0, 0.95]) == pytest.approx(0.475)
