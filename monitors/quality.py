"""Model quality over a rolling window of labelled scores: AUC, precision at top 10 %, ECE.

Pure: 0/1 labels and the scores the model served for the same leads in, numbers out.
No quality number is reported from too few labels (``QualityRule.min_labels``), and no
AUC unless both classes are present; those fields are then ``None``.

- AUC-ROC is the Mann-Whitney statistic on average ranks, so tied scores count one half.
- Precision at top 10 % is the conversion rate of the ``ceil(0.1 n)`` highest scores.
- Expected calibration error: ten equal-width score bins on [0, 1], the count-weighted
  mean of ``|mean score - conversion rate|`` over non-empty bins.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata


@dataclass(frozen=True)
class QualityRule:
    min_labels: int = 100
    """Fewer labels in the window: no quality numbers at all."""
    top_share: float = 0.10
    bins: int = 10


@dataclass(frozen=True)
class LabelQuality:
    n_labels: int
    auc: float | None = None
    precision_at_10: float | None = None
    calibration_error: float | None = None


def _arrays(labels, scores) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(labels, dtype=np.float64)
    p = np.asarray(scores, dtype=np.float64)
    if y.shape != p.shape or y.ndim != 1:
        raise ValueError(f"labels {y.shape} and scores {p.shape} must be aligned 1-d arrays")
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("labels must be 0 or 1")
    return y, p


def auc_roc(labels, scores) -> float | None:
    """Area under the ROC curve; ``None`` unless both classes are present."""
    y, p = _arrays(labels, scores)
    n_pos = int(y.sum())
    n_neg = y.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = rankdata(p)
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def precision_at_top(labels, scores, share: float = 0.10) -> float | None:
    """Conversion rate among the ``ceil(share * n)`` highest scores; ``None`` when empty."""
    y, p = _arrays(labels, scores)
    if y.size == 0:
        return None
    k = max(1, math.ceil(share * y.size))
    top = np.argsort(-p, kind="stable")[:k]
    return float(y[top].mean())


def expected_calibration_error(labels, scores, bins: int = 10) -> float | None:
    """Count-weighted mean gap between mean score and conversion rate per score bin."""
    y, p = _arrays(labels, scores)
    if y.size == 0:
        return None
    idx = np.clip((p * bins).astype(int), 0, bins - 1)
    n = np.bincount(idx, minlength=bins)
    score_sum = np.bincount(idx, weights=p, minlength=bins)
    label_sum = np.bincount(idx, weights=y, minlength=bins)
    used = n > 0
    gaps = np.abs(score_sum[used] - label_sum[used]) / n[used]
    return float((n[used] * gaps).sum() / y.size)


def calibration_by_decile(labels, scores, groups: int = 10) -> list[tuple[int, float, float]]:
    """The labelled leads in ``groups`` equal-count groups by score (deciles), lowest
    first: ``(leads, mean score, conversion rate)`` each; none with fewer leads than groups."""
    y, p = _arrays(labels, scores)
    if y.size < groups:
        return []
    parts = np.array_split(np.argsort(p, kind="stable"), groups)
    return [(int(part.size), float(p[part].mean()), float(y[part].mean())) for part in parts]


def conversion_by_grade(labels, grades: Sequence[str]) -> dict[str, tuple[int, int]]:
    """Per grade the labelled leads that converted and all labelled leads of that grade."""
    y = np.asarray(labels, dtype=np.float64)
    if len(grades) != y.size:
        raise ValueError(f"{y.size} labels but {len(grades)} grades")
    out: dict[str, tuple[int, int]] = {}
    for grade, label in zip(grades, y, strict=True):
        converted, n = out.get(grade, (0, 0))
        out[grade] = (converted + int(label == 1.0), n + 1)
    return out


def window_quality(labels, scores, rule: QualityRule = QualityRule()) -> LabelQuality:
    """Every quality number of one label window, under the minimum-labels rule."""
    y, p = _arrays(labels, scores)
    if y.size < rule.min_labels or y.size == 0:
        return LabelQuality(int(y.size))
    return LabelQuality(int(y.size), auc_roc(y, p), precision_at_top(y, p, rule.top_share),
                        expected_calibration_error(y, p, rule.bins))
