"""Sample-ratio mismatch: are the arm sizes what the configured split promises?

Pearson's chi-square goodness of fit of ``[n_control, n_treatment]`` against
``N·[1 - share, share]`` with one degree of freedom. A mismatch (p < 0.001, the
conventional SRM threshold, Fabijan et al. 2019) means assignment or logging is broken:
the experiment is invalid and its lift must not be read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SRM_ALPHA = 0.001


def srm_chi2(n_control, n_treatment, share) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised chi-square statistic and p-value (arrays broadcast); 0 < share < 1."""
    nc = np.asarray(n_control, dtype=float)
    nt = np.asarray(n_treatment, dtype=float)
    total = nc + nt
    exp_t = total * share
    exp_c = total - exp_t
    with np.errstate(divide="ignore", invalid="ignore"):
        chi2 = (nc - exp_c) ** 2 / exp_c + (nt - exp_t) ** 2 / exp_t
    chi2 = np.where(total > 0, chi2, 0.0)
    from scipy import stats  # on first use: the scorer imports this package, not scipy

    return chi2, stats.chi2.sf(chi2, df=1)


@dataclass(frozen=True)
class SrmResult:
    chi2: float
    p_value: float
    expected_share: float
    observed_share: float | None
    ok: bool


def sample_ratio_mismatch(
    n_control: int, n_treatment: int, treatment_share: float, alpha: float = SRM_ALPHA
) -> SrmResult:
    """Test the observed split against ``treatment_share``; ``ok`` is False on mismatch."""
    total = n_control + n_treatment
    observed = n_treatment / total if total else None
    if treatment_share in (0.0, 1.0):
        expected_empty = n_treatment if treatment_share == 0.0 else n_control
        p = 1.0 if expected_empty == 0 else 0.0
        return SrmResult(0.0 if p else float("inf"), p, treatment_share, observed, p >= alpha)
    chi2, p = srm_chi2(n_control, n_treatment, treatment_share)
    p_value = float(p)
    return SrmResult(float(chi2), p_value, treatment_share, observed, p_value >= alpha)
