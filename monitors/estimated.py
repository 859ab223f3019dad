"""Performance estimated from calibrated scores alone, before the outcomes arrive.

Confidence-based performance estimation (CBPE, as NannyML does in batch): **assume the
scores are calibrated**, i.e. a lead scored ``s`` converts with probability ``s``. Then each
lead is a fractional positive (weight ``s``) and a fractional negative (weight ``1 - s``),
and the expected ROC AUC is the weighted share of (positive, negative) pairs ordered right:

    AUC = Σ_i Σ_j s_i (1 - s_j) ([x_i > x_j] + ½ [x_i = x_j]) / (Σ_i s_i · Σ_j (1 - s_j))

over all pairs ``i, j`` (a lead paired with itself counts as a tie, as an expected ROC curve
does). Expected conversions are ``Σ s_i``; the expected precision at the top 10 % is the
mean score of the top 10 %. When the scores are not calibrated these numbers are wrong in
the direction of the miscalibration: that is why realized figures sit beside them.

Scores can be given raw or as a histogram (bin counts and the mean score of each bin, the
score lying at the bin mean: ties within a bin).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

ASSUMPTION = ("estimated from the scores alone, assuming they are calibrated "
              "(a lead scored s converts with probability s)")


@dataclass(frozen=True)
class Estimate:
    n: int
    expected_conversions: float
    expected_rate: float | None
    auc: float | None
    precision_at_10: float | None


def _auc_grouped(values: np.ndarray, weights: np.ndarray) -> float | None:
    """Expected AUC of score ``values`` (ascending, distinct) each carrying ``weights`` leads."""
    pos = values * weights
    neg = (1.0 - values) * weights
    total = pos.sum() * neg.sum()
    if total <= 0:
        return None
    below = np.cumsum(neg) - neg  # negatives strictly below each value
    return float((pos * (below + 0.5 * neg)).sum() / total)


def estimated_auc(scores: Sequence[float] | np.ndarray) -> float | None:
    """Expected AUC of raw calibrated scores (None without both kinds of expected outcome)."""
    s = np.asarray(scores, dtype=float)
    if s.size == 0:
        return None
    values, counts = np.unique(np.clip(s, 0.0, 1.0), return_counts=True)
    return _auc_grouped(values, counts.astype(float))


def estimate(scores: Sequence[float] | np.ndarray) -> Estimate:
    """Expected conversions, rate, AUC and precision at the top 10 % of raw scores."""
    s = np.clip(np.asarray(scores, dtype=float), 0.0, 1.0)
    if s.size == 0:
        return Estimate(0, 0.0, None, None, None)
    top = np.sort(s)[::-1][:max(1, int(np.ceil(0.1 * s.size)))]
    return Estimate(int(s.size), float(s.sum()), float(s.mean()), estimated_auc(s),
                    float(top.mean()))


def estimate_binned(counts: Sequence[int], means: Sequence[float]) -> Estimate:
    """The same from a score histogram: ``counts[b]`` leads scored ``means[b]`` on average
    (bins in ascending score order; empty bins are skipped)."""
    c = np.asarray(counts, dtype=float)
    m = np.clip(np.asarray(means, dtype=float), 0.0, 1.0)
    keep = c > 0
    c, m = c[keep], m[keep]
    n = int(c.sum())
    if n == 0:
        return Estimate(0, 0.0, None, None, None)
    order = np.argsort(m, kind="stable")
    c, m = c[order], m[order]
    values, inverse = np.unique(m, return_inverse=True)
    weights = np.bincount(inverse, weights=c)
    top_n = max(1.0, float(np.ceil(0.1 * n)))
    take = np.minimum(c[::-1], np.maximum(0.0, top_n - (np.cumsum(c[::-1]) - c[::-1])))
    return Estimate(n, float((c * m).sum()), float((c * m).sum() / n),
                    _auc_grouped(values, weights), float((take * m[::-1]).sum() / top_n))


def calibration_by_decile(scores: np.ndarray, labels: np.ndarray) -> list[dict]:
    """Per score decile (equal-count groups, lowest first): leads, mean score (the expected
    rate) and the realized conversion rate."""
    s = np.asarray(scores, dtype=float)
    y = np.asarray(labels, dtype=float)
    if s.size == 0:
        return []
    order = np.argsort(s, kind="stable")
    return [{"decile": i + 1, "n": int(part.size), "mean_score": float(s[part].mean()),
             "realized_rate": float(y[part].mean())}
            for i, part in enumerate(np.array_split(order, min(10, s.size)))]


def estimate_histograms(counts: np.ndarray, means: Sequence[float]) -> dict[str, np.ndarray]:
    """:func:`estimate_binned` for many histograms at once (rows of ``counts``, bins in
    ascending order of their distinct ``means``): arrays ``n``, ``auc`` and
    ``precision_at_10`` (NaN where undefined), one entry per row."""
    c = np.asarray(counts, dtype=float).reshape(-1, len(means))
    m = np.clip(np.asarray(means, dtype=float), 0.0, 1.0)
    pos, neg = c * m, c * (1.0 - m)
    below = np.cumsum(neg, axis=1) - neg
    total = pos.sum(axis=1) * neg.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = np.where(total > 0, (pos * (below + 0.5 * neg)).sum(axis=1) / total, np.nan)
    n = c.sum(axis=1)
    top_n = np.maximum(1.0, np.ceil(0.1 * n))[:, None]
    down = c[:, ::-1]
    before = np.cumsum(down, axis=1) - down
    take = np.minimum(down, np.maximum(0.0, top_n - before))
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(n > 0, (take * m[::-1]).sum(axis=1) / top_n[:, 0], np.nan)
    return {"n": n, "auc": auc, "precision_at_10": precision}
