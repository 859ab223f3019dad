"""Champion and shadow challenger side by side on the same labelled leads.

Both models scored every lead (the challenger in the shadow), so one set of outcomes gives
both models' AUC, precision among the top 10 % of scores and expected calibration error,
and DeLong's paired test (:func:`scoring.delong.paired_delong`, the AUCs are correlated:
same leads) says whether the challenger ranks leads better, worse, or not significantly
differently at ``alpha`` (its interval of the difference at level 1 - ``alpha``);
:meth:`ShadowQuality.sentence` says so in plain words, and :meth:`ShadowQuality.as_dict` is
the JSON of ``experiment shadow-summary`` and ``experiment report``. Pure: arrays in, a
frozen summary out.
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
    min_labels: int = 100

    def sentence(self) -> str:
        """Which model ranks leads better, in one plain sentence (or why it cannot tell)."""
        a, b, t = self.champion, self.challenger, self.test
        if self.ranking is Ranking.TOO_FEW:
            have = (f"{self.n_labels} / {self.min_labels} labelled leads"
                    if self.n_labels < self.min_labels else
                    f"{self.n_labels} labelled leads, {self.conversions} converted: both "
                    "outcomes are needed (at least 2 of each)")
            return f"Cannot tell yet which model ranks leads better: {have}."
        facts = (f"AUC {b.auc:.3f} vs {a.auc:.3f} ({t.difference:+.3f}, {t.level:.0%} CI "
                 f"[{t.low:+.3f}, {t.high:+.3f}]), paired DeLong p{p_text(t.p_value)} on "
                 f"{self.n_labels} labelled leads")
        if self.ranking is Ranking.NO_DIFFERENCE:
            return (f"Neither model ranks leads significantly better at alpha {self.alpha:g}: "
                    f"challenger v{b.version} vs champion v{a.version}, {facts}.")
        word = "better" if self.ranking is Ranking.BETTER else "worse"
        return (f"The challenger v{b.version} ranks leads {word} than the champion "
                f"v{a.version}: {facts}.")

    def as_dict(self) -> dict:
        """JSON-ready (NaN as None): both models, the paired test, the verdict."""
        t = self.test
        return {"n_labels": self.n_labels, "conversions": self.conversions,
                "min_labels": self.min_labels, "alpha": self.alpha,
                "champion": _model_doc(self.champion), "challenger": _model_doc(self.challenger),
                "paired_delong": {"difference": _num(t.difference), "p_value": _num(t.p_value),
                                  "low": _num(t.low), "high": _num(t.high), "level": t.level},
                "ranking": self.ranking.value, "verdict": self.sentence()}


def p_text(p: float) -> str:
    """``=0.0123``, or ``<1e-300`` for a p-value below what a float holds."""
    return "<1e-300" if p == 0.0 else f"={p:.3g}"


def _num(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def _model_doc(m: ModelQuality) -> dict:
    return {"version": m.version, "auc": _num(m.auc), "precision_at_10": _num(m.precision_at_10),
            "calibration_error": _num(m.calibration_error)}


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
    test = paired_delong(y.astype(np.int64), a, b, level=1.0 - alpha)
    if y.size < min_labels or math.isnan(test.p_value):
        ranking = Ranking.TOO_FEW
    elif test.p_value >= alpha:
        ranking = Ranking.NO_DIFFERENCE
    else:
        ranking = Ranking.BETTER if test.difference > 0 else Ranking.WORSE
    return ShadowQuality(int(y.size), int(y.sum()), _quality(versions[0], y, a),
                         _quality(versions[1], y, b), test, alpha, ranking, min_labels)
