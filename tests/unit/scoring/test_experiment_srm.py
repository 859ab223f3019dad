"""Sample-ratio mismatch: matches scipy, flags skew, rarely flags a fair split."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from scoring.experiments import sample_ratio_mismatch
from scoring.experiments.srm import srm_chi2


@pytest.mark.parametrize(("nc", "nt", "share"), [(5000, 5100, 0.5), (9000, 950, 0.1),
                                                 (4800, 5200, 0.5), (70, 30, 0.25)])
def test_matches_scipy_chisquare(nc, nt, share):
    result = sample_ratio_mismatch(nc, nt, share)
    total = nc + nt
    ref = stats.chisquare([nc, nt], [total * (1 - share), total * share])
    assert result.chi2 == pytest.approx(ref.statistic, rel=1e-9)
    assert result.p_value == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-300)


def test_skewed_split_is_invalid():
    # configured 50/50, observed 49/51 on 40,000 leads: a broken assignment.
    result = sample_ratio_mismatch(19_600, 20_400, 0.5)
    assert not result.ok and result.p_value < 1e-4
    assert result.observed_share == pytest.approx(0.51)


def test_fair_splits_flag_at_about_the_nominal_rate():
    rng = np.random.default_rng(11)
    n, share, reps = 20_000, 0.2, 20_000
    nt = rng.binomial(n, share, size=reps)
    _, p = srm_chi2(n - nt, nt, share)
    assert p.mean() > 0.45  # p-values roughly uniform under a fair split
    assert (p < 0.001).mean() <= 0.003


def test_skewed_splits_are_detected_with_high_power():
    rng = np.random.default_rng(12)
    nt = rng.binomial(40_000, 0.52, size=2_000)  # configured 0.5
    _, p = srm_chi2(40_000 - nt, nt, 0.5)
    assert (p < 0.001).mean() > 0.95


def test_degenerate_shares_and_empty_arms():
    assert sample_ratio_mismatch(100, 0, 0.0).ok
    assert not sample_ratio_mismatch(100, 3, 0.0).ok
    empty = sample_ratio_mismatch(0, 0, 0.5)
    assert empty.ok and empty.observed_share is None
