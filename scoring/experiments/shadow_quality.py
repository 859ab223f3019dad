"""Champion and shadow challenger side by side on the same labelled leads.

Both models scored every lead (the challenger in the shadow), so one set of outcomes gives
both models' AUC, precision among the top 10 % of scores and expected calibration error,
and DeLong's paired test (:func:`scoring.delong.paired_delong`, the AUCs are correlated:
same leads) says whether the challenger ranks leads better, worse, or not significantly
differently at ``alpha``. Pure: arrays in, a frozen summary out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from scoring.delong import PairedAuc, paired_delong
from scoring.metrics import auc_roc, calibration_table, precision_at_top


class Ranking(StrEnum):
    BETTER = "challenger ranks better"
    WORSE = "challenger ranks worse"
    NO_DIFFERENCE = "no significant difference"
    TOO_FEW = "too few labels"


@dataclass(frozen=True)
class ModelQuality:
    version: str
    auc: float
    precision_at_10: float
    calibration_error: float
    """Expected calibration error: |mean score - conversion rate| over score deciles,
    weighted by their size."""


@dataclass(frozen=True)
class ShadowQuality:
    n_labels: int
    conversions: int
    champion: ModelQuality
    challenger: ModelQuality
    test: PairedAuc
    alpha: float
    ranking: Ranking


def expected_calibration_error(y: np.ndarray, p: np.ndarray) -> float:
    bins = calibration_table(y, p)
    return float(sum(b.n * abs(b.mean_predicted - b.observed_rate) for b in bins) / y.size)


def _quality(version: str, y: np.ndarray, p: np.ndarray) -> ModelQuality:
    if y.size == 0:
        return ModelQuality(version, math.nan, math.nan, math.nan)
    return ModelQuality(version, auc_roc(y, p), precision_at_top(y, p, 0.10),
                        expected_calibration_error(y, p))


def shadow_quality(labels, champion_scores, challenger_scores, versions: tuple[str, str],
                   alpha: float = 0.05, min_labels: int = 100) -> ShadowQuality:
    """Both models on the same leads (arrays aligned by lead); ``versions``: (champion,
    challenger). Below ``min_labels`` labels, or without both classes, no verdict."""
    y = np.asarray(labels, dtype=np.float64)
    a = np.asarray(champion_scores, dtype=np.float64)
    b = np.asarray(challenger_scores, dtype=np.float64)
    test = paired_delong(y.astype(np.int64), a, b)
    if y.size < min_labels or math.isnan(test.p_value):
        ranking = Ranking.TOO_FEW
    elif test.p_value >= alpha:
        ranking = Ranking.NO_DIFFERENCE
    else:
        ranking = Ranking.BETTER if test.difference > 0 else Ranking.WORSE
    return ShadowQuality(int(y.size), int(y.sum()), _quality(versions[0], y, a),
                         _quality(versions[1], y, b), test, alpha, ranking)
