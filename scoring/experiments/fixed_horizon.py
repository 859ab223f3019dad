# ruff: noqa: RUF002  (math notation in docstrings is intended)
"""The seed's fixed-horizon test: Pearson chi-square on the 2×2 conversion table.

Valid only when read once, at a sample size fixed in advance. Re-reading it at every look
inflates false positives (about 25 % at 20 looks, α = 0.05); it is reported for reference
and for the simulation that shows why :mod:`scoring.experiments.sequential` is used.
Equals ``scipy.stats.chi2_contingency(table, correction=False)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.experiments.counts import ArmCounts


def chi2_2x2(conv_control, n_control, conv_treatment, n_treatment):
    """Vectorised statistic and p-value; NaN-free (degenerate tables give chi2 = 0, p = 1).

    For a 2×2 table Pearson's statistic is the squared two-proportion z with the pooled
    variance: ``(p_t - p_c)^2 / (p̄ (1 - p̄) (1/n_c + 1/n_t))``.
    """
    xc, nc = np.asarray(conv_control, float), np.asarray(n_control, float)
    xt, nt = np.asarray(conv_treatment, float), np.asarray(n_treatment, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (xc + xt) / (nc + nt)
        var = pooled * (1 - pooled) * (1 / nc + 1 / nt)
        chi2 = (xt / nt - xc / nc) ** 2 / var
    chi2 = np.where(np.isfinite(chi2) & (var > 0), chi2, 0.0)
    from scipy import stats  # on first use: the scorer imports this package, not scipy

    return chi2, stats.chi2.sf(chi2, df=1)


@dataclass(frozen=True)
class FixedHorizonResult:
    chi2: float
    p_value: float


def fixed_horizon_test(control: ArmCounts, treatment: ArmCounts) -> FixedHorizonResult:
    """Chi-square (no continuity correction) of control vs treatment conversions."""
    chi2, p = chi2_2x2(control.conversions, control.n, treatment.conversions, treatment.n)
    return FixedHorizonResult(float(chi2), float(p))
