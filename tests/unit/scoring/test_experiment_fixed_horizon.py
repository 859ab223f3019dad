"""The fixed-horizon chi-square equals scipy's chi2_contingency without correction."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from scoring.experiments import ArmCounts, fixed_horizon_test
from scoring.experiments.fixed_horizon import chi2_2x2


@pytest.mark.parametrize(("xc", "nc", "xt", "nt"), [(100, 1000, 130, 1000), (5, 80, 12, 95),
                                                    (480, 5000, 470, 5100)])
def test_matches_scipy(xc, nc, xt, nt):
    result = fixed_horizon_test(ArmCounts(nc, xc), ArmCounts(nt, xt))
    table = [[xc, nc - xc], [xt, nt - xt]]
    chi2, p, _, _ = stats.chi2_contingency(table, correction=False)
    assert result.chi2 == pytest.approx(chi2, rel=1e-9)
    assert result.p_value == pytest.approx(p, rel=1e-9)


def test_vectorised_matches_scipy_on_random_tables():
    rng = np.random.default_rng(3)
    nc, nt = rng.integers(50, 2000, 50), rng.integers(50, 2000, 50)
    xc, xt = rng.binomial(nc, 0.2), rng.binomial(nt, 0.25)
    chi2, p = chi2_2x2(xc, nc, xt, nt)
    for i in range(50):
        ref = stats.chi2_contingency([[xc[i], nc[i] - xc[i]], [xt[i], nt[i] - xt[i]]],
                                     correction=False)
        assert chi2[i] == pytest.approx(ref[0], rel=1e-9)
        assert p[i] == pytest.approx(ref[1], rel=1e-9)


def test_degenerate_table_is_not_significant():
    result = fixed_horizon_test(ArmCounts(100, 0), ArmCounts(100, 0))
    assert result.chi2 == 0.0 and result.p_value == 1.0
