"""Two-sample statistics on binned counts: PSI, chi-square, G-test, binned KS, p-value corrections.

Every function takes a window's bin counts and the reference's bin shares (and, where the
test needs it, the reference's row count ``M``): windows never carry raw data.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

PSI_EPSILON = 1e-4
"""Floor for empty bins in PSI, on both sides. An empty bin would make ``ln(q/p)`` infinite;
with the floor, a bin that is new in the window adds ``q ln(q / 1e-4)`` (about 0.7 for
q = 1 %), large enough to show, finite enough to rank. It is far below ``1/n`` for any
window the monitors judge, so bins that do hold data are unchanged."""


def psi(counts: np.ndarray, proportions: np.ndarray, eps: float = PSI_EPSILON) -> float:
    """Population stability index ``sum((q - p) ln(q / p))`` of window shares ``q``."""
    counts = np.asarray(counts, dtype=float)
    q = np.maximum(counts / counts.sum(), eps)
    p = np.maximum(np.asarray(proportions, dtype=float), eps)
    return float(np.sum((q - p) * np.log(q / p)))


def chi_square_gof(counts: np.ndarray, proportions: np.ndarray) -> tuple[float, float]:
    """Pearson goodness of fit against fixed shares (``scipy.stats.chisquare``)."""
    o, e = _observed_expected(counts, proportions)
    if o is None:
        return float("inf"), 0.0
    stat = float(np.sum((o - e) ** 2 / e))
    return stat, _chi2_sf(stat, o.size - 1)


def g_test_gof(counts: np.ndarray, proportions: np.ndarray) -> tuple[float, float]:
    """Log-likelihood ratio (G) goodness of fit against fixed shares."""
    o, e = _observed_expected(counts, proportions)
    if o is None:
        return float("inf"), 0.0
    nz = o > 0
    stat = float(2 * np.sum(o[nz] * np.log(o[nz] / e[nz])))
    return stat, _chi2_sf(stat, o.size - 1)


def _observed_expected(counts, proportions):
    o = np.asarray(counts, dtype=float)
    p = np.asarray(proportions, dtype=float)
    if np.any((p <= 0) & (o > 0)):
        return None, None
    keep = p > 0
    return o[keep], o.sum() * p[keep] / p[keep].sum()


def _chi2_sf(stat: float, dof: int) -> float:
    return float(special.chdtrc(dof, stat)) if dof > 0 else 1.0


def homogeneity(
    counts: np.ndarray, proportions: np.ndarray, n_reference: int, lambda_: str = "pearson"
) -> tuple[float, float]:
    """Two-sample chi-square (or G, ``lambda_="log-likelihood"``) of window vs reference.

    The reference is a sample of ``n_reference`` rows, not the truth: under no drift the
    statistic's spread grows with ``1/n + 1/M`` (the PSI fact in the design). The 2 x B
    contingency test accounts for both samples, so the significance gate holds its level
    whatever ``M`` is. Matches ``scipy.stats.chi2_contingency(correction=False)``.
    """
    table = np.vstack([np.asarray(counts, float), n_reference * np.asarray(proportions, float)])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or table[0].sum() == 0:
        return 0.0, 1.0
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    if lambda_ == "pearson":
        stat = float(np.sum((table - expected) ** 2 / expected))
    elif lambda_ == "log-likelihood":
        nz = table > 0
        stat = float(2 * np.sum(table[nz] * np.log(table[nz] / expected[nz])))
    else:
        raise ValueError(f"unknown lambda_ {lambda_!r}")
    return stat, _chi2_sf(stat, table.shape[1] - 1)


def pool_sparse(
    counts: np.ndarray, proportions: np.ndarray, min_expected: float = 5.0
) -> tuple[np.ndarray, np.ndarray]:
    """Merge bins whose expected window count is below ``min_expected`` into one.

    Chi-square p-values are too small when many cells expect under five events (small
    windows, rare categories); pooling them keeps the significance gate at its level.
    The pooled bin joins the next-smallest bin until it too expects ``min_expected``.
    """
    o = np.asarray(counts, dtype=float)
    p = np.asarray(proportions, dtype=float)
    order = np.argsort(p, kind="stable")
    n = o.sum()
    pooled_o, pooled_p, i = 0.0, 0.0, 0
    while i < order.size:
        small = n * p[order[i]] < min_expected
        pool_short = i > 0 and n * pooled_p < min_expected
        if not (small or pool_short):
            break
        pooled_o, pooled_p, i = pooled_o + o[order[i]], pooled_p + p[order[i]], i + 1
    rest = np.sort(order[i:])
    if i == 0:
        return o, p
    return np.append(o[rest], pooled_o), np.append(p[rest], pooled_p)


def ks_binned(
    counts: np.ndarray, proportions: np.ndarray, n_reference: int
) -> tuple[float, float]:
    """KS distance between binned CDFs (missing bin excluded) and its asymptotic p-value.

    ``D`` is the largest CDF gap at the reference's bin edges, so it never exceeds the KS
    statistic of the raw data; the p-value uses Smirnov's two-sample approximation with
    ``n_e = n m / (n + m)`` (``kstwo.sf(D, round(n_e))``, as ``ks_2samp(method="asymp")``)
    and is therefore conservative on binned data. Both samples lose their missing rows.
    """
    o = np.asarray(counts, dtype=float)[:-1]
    p = np.asarray(proportions, dtype=float)[:-1]
    n, m = o.sum(), n_reference * p.sum()
    if n == 0 or m == 0:
        return 0.0, 1.0
    d = float(np.max(np.abs(np.cumsum(o) / n - np.cumsum(p) / p.sum())))
    en = max(round(n * m / (n + m)), 1)
    return d, float(stats.kstwo.sf(d, en))


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """BH adjusted p-values (flags at false discovery rate q where adjusted p < q)."""
    p = np.asarray(p_values, dtype=float)
    m = p.size
    if m == 0:
        return p
    order = np.argsort(p)
    scaled = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    out = np.empty(m)
    out[order] = adjusted
    return out


def holm(p_values: np.ndarray) -> np.ndarray:
    """Holm step-down adjusted p-values (family-wise error control for paging verdicts)."""
    p = np.asarray(p_values, dtype=float)
    m = p.size
    if m == 0:
        return p
    order = np.argsort(p)
    scaled = np.minimum(p[order] * (m - np.arange(m)), 1.0)
    out = np.empty(m)
    out[order] = np.maximum.accumulate(scaled)
    return out
