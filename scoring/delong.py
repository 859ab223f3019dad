"""DeLong's variance of an AUC, and the confidence interval it gives (DeLong, DeLong &
Clarke-Pearson 1988), computed from midranks in O(n log n) (Sun & Xu 2014).

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
