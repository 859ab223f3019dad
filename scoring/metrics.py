"""Offline metrics of a binary lead-scoring model on held-out data.

AUC-ROC (Mann-Whitney, ties counted half) with its 95 % DeLong interval
(:mod:`scoring.delong`), precision among the top 10 % of scores, log-loss, Brier score and a
decile calibration table (mean predicted vs observed conversion).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy.stats import rankdata

from scoring.delong import auc_interval

_EPS = 1e-15


@dataclass(frozen=True)
class CalibrationBin:
    """One score decile: its size, mean predicted probability and observed rate."""

    decile: int
    n: int
    score_min: float
    score_max: float
    mean_predicted: float
    observed_rate: float


@dataclass(frozen=True)
class Metrics:
    auc: float
    precision_at_10pct: float
    log_loss: float
    brier: float
    positive_rate: float
    n: int
    calibration: tuple[CalibrationBin, ...]
    auc_low: float = math.nan
    """Lower end of the AUC's 95 % DeLong interval."""
    auc_high: float = math.nan
    """Upper end of the AUC's 95 % DeLong interval."""

    def scalars(self) -> dict[str, float]:
        """The numeric metrics (for MLflow ``log_metrics`` and tables)."""
        return {
            "auc": self.auc, "auc_low": self.auc_low, "auc_high": self.auc_high,
            "precision_at_10pct": self.precision_at_10pct,
            "log_loss": self.log_loss, "brier": self.brier,
            "positive_rate": self.positive_rate, "n": float(self.n),
        }

    def calibration_rows(self) -> list[dict]:
        return [asdict(b) for b in self.calibration]


def evaluate(labels: np.ndarray, scores: np.ndarray) -> Metrics:
    """All metrics for 0/1 ``labels`` and probabilities ``scores`` of the same rows."""
    y = np.asarray(labels, dtype=np.float64)
    p = np.asarray(scores, dtype=np.float64)
    if y.shape != p.shape or y.size == 0:
        raise ValueError(f"labels {y.shape} and scores {p.shape} must be non-empty and aligned")
    interval = auc_interval(y, p)
    return Metrics(
        auc=auc_roc(y, p), auc_low=interval.low, auc_high=interval.high,
        precision_at_10pct=precision_at_top(y, p, 0.10),
        log_loss=log_loss(y, p),
        brier=float(np.mean((p - y) ** 2)),
        positive_rate=float(y.mean()),
        n=int(y.size),
        calibration=calibration_table(y, p),
    )


def auc_roc(y: np.ndarray, p: np.ndarray) -> float:
    """Area under the ROC curve; NaN when only one class is present."""
    n_pos = int(y.sum())
    n_neg = y.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return math.nan
    ranks = rankdata(p)
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def precision_at_top(y: np.ndarray, p: np.ndarray, share: float) -> float:
    """Observed conversion among the ``share`` highest-scored rows (at least one row)."""
    k = max(1, math.ceil(share * y.size))
    top = np.argsort(-p, kind="stable")[:k]
    return float(y[top].mean())


def log_loss(y: np.ndarray, p: np.ndarray) -> float:
    q = np.clip(p, _EPS, 1 - _EPS)
    return float(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q)))


def calibration_table(y: np.ndarray, p: np.ndarray, bins: int = 10) -> tuple[CalibrationBin, ...]:
    """Rows sorted by score, cut into ``bins`` groups of (nearly) equal size."""
    order = np.argsort(p, kind="stable")
    out = []
    for i, idx in enumerate(np.array_split(order, bins)):
        if idx.size == 0:
            continue
        out.append(CalibrationBin(
            decile=i + 1, n=int(idx.size),
            score_min=float(p[idx].min()), score_max=float(p[idx].max()),
            mean_predicted=float(p[idx].mean()), observed_rate=float(y[idx].mean()),
        ))
    return tuple(out)
