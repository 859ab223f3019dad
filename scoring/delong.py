"""DeLong's variance of an AUC, and the confidence interval it gives (DeLong, DeLong &
Clarke-Pearson 1988), computed from midranks in O(n log n) (Sun & Xu 2014); and the paired
test of two correlated AUCs (two models scoring the same leads, :func:`paired_delong`).

For positives ``X`` and negatives ``Y`` the AUC is the mean of ψ(Xᵢ, Yⱼ) (1 if Xᵢ > Yⱼ, ½ on a
tie). Each positive's structural component V₁₀(Xᵢ) is its share of negatives beaten, each
negative's V₀₁(Yⱼ) the share of positives that beat it; Var(AUC) = s²(V₁₀)/m + s²(V₀₁)/n.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm, rankdata


@dataclass(frozen=True)
class AucInterval:
    auc: float
    low: float
    high: float
    std_error: float
    level: float


def components(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """V₁₀ of every positive and V₀₁ of every negative."""
    pos, neg = p[y == 1], p[y == 0]
    m, n = pos.size, neg.size
    every = rankdata(np.concatenate([pos, neg]))
    v10 = (every[:m] - rankdata(pos)) / n
    v01 = 1.0 - (every[m:] - rankdata(neg)) / m
    return v10, v01


def auc_interval(labels: np.ndarray, scores: np.ndarray, level: float = 0.95) -> AucInterval:
    """The AUC with its DeLong standard error and a normal ``level`` interval (clipped to
    [0, 1]); NaN throughout with fewer than two rows of either class."""
    y = np.asarray(labels, dtype=np.int64)
    p = np.asarray(scores, dtype=np.float64)
    m, n = int(y.sum()), int(y.size - y.sum())
    if m < 2 or n < 2:
        return AucInterval(math.nan, math.nan, math.nan, math.nan, level)
    v10, v01 = components(y, p)
    auc = float(v10.mean())
    se = math.sqrt(v10.var(ddof=1) / m + v01.var(ddof=1) / n)
    z = float(norm.ppf(0.5 + level / 2))
    return AucInterval(auc, max(0.0, auc - z * se), min(1.0, auc + z * se), se, level)


@dataclass(frozen=True)
class PairedAuc:
    """Two models' AUCs on the same labelled leads and DeLong's test of their difference."""

    auc_a: float
    auc_b: float
    difference: float
    """``auc_b - auc_a`` (b better when positive)."""
    std_error: float
    z: float
    p_value: float
    """Two-sided, H0: equal AUCs."""
    low: float
    high: float
    level: float


def paired_delong(labels: np.ndarray, scores_a: np.ndarray, scores_b: np.ndarray,
                  level: float = 0.95) -> PairedAuc:
    """DeLong's test for two correlated AUCs: Var(B - A) from the covariance of both
    models' structural components over the same positives and negatives. NaN throughout
    with fewer than two rows of either class; a zero variance (identical rankings) gives
    p = 1 when the AUCs are equal."""
    y = np.asarray(labels, dtype=np.int64)
    a, b = np.asarray(scores_a, dtype=np.float64), np.asarray(scores_b, dtype=np.float64)
    if a.shape != y.shape or b.shape != y.shape:
        raise ValueError("labels and both score vectors must have the same length")
    m, n = int(y.sum()), int(y.size - y.sum())
    if m < 2 or n < 2:
        nan = math.nan
        return PairedAuc(nan, nan, nan, nan, nan, nan, nan, nan, level)
    a10, a01 = components(y, a)
    b10, b01 = components(y, b)
    s10, s01 = np.cov(np.vstack([a10, b10])), np.cov(np.vstack([a01, b01]))
    var = ((s10[0, 0] + s10[1, 1] - 2 * s10[0, 1]) / m
           + (s01[0, 0] + s01[1, 1] - 2 * s01[0, 1]) / n)
    auc_a, auc_b = float(a10.mean()), float(b10.mean())
    diff = auc_b - auc_a
    se = math.sqrt(max(float(var), 0.0))
    flat = 0.0 if diff == 0.0 else math.copysign(math.inf, diff)  # identical rankings
    z = diff / se if se > 0.0 else flat
    p = float(2 * norm.sf(abs(z)))
    half = float(norm.ppf(0.5 + level / 2)) * se
    return PairedAuc(auc_a, auc_b, diff, se, z, p, diff - half, diff + half, level)

