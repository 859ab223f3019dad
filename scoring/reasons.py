"""Reason codes: the features that pushed each lead's score up, and those that pulled it down.

XGBoost gives per-column contributions to the margin (log-odds) of every row
(``pred_contribs``): they plus the bias sum to the margin exactly. The columns of one
categorical feature (its one-hot levels) fold into the feature by summing, so a reason is
always a spec feature, with the lead's own value and the spec's readable label. The top
``k`` positive and top ``k`` negative features of each lead are its reasons.

Two methods, chosen per serving model (settings):
- ``approx`` (Saabas): the path of each row through each tree, about as fast as a
  prediction; not consistent in theory, so its agreement with exact is measured
  (``bench/reasons_agreement.py``);
- ``exact`` (TreeSHAP): consistent, about 25-100x a prediction.
Pure: a booster and an encoded batch in, numpy arrays and frozen dataclasses out.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from schemas.spec import MISSING, FeatureSpec
from scoring.booster import xgb
from scoring.features import EncodedBatch

Method = Literal["approx", "exact"]


@dataclass(frozen=True)
class Reason:
    feature: str
    value: float | str | None
    label: str
    direction: Literal["+", "-"]
    weight: float
    """Contribution to the log-odds of conversion (positive pushes the score up)."""


def contributions(booster: xgb.Booster, matrix: np.ndarray, feature_names: Sequence[str],
                  method: Method = "approx") -> np.ndarray:
    """``(n, n_columns + 1)`` contributions per encoded column, bias last. The DMatrix is
    built on one thread: OpenMP's all-core default costs ~20 ms per 1,000 rows on a busy
    machine, for 0.4 ms of work."""
    dm = xgb.DMatrix(matrix, feature_names=list(feature_names), nthread=1)
    return booster.predict(dm, pred_contribs=True, approx_contribs=method == "approx")


def fold_matrix(spec: FeatureSpec, feature_names: Sequence[str]) -> np.ndarray:
    """``(n_columns, n_features)`` 0/1 matrix: which spec feature owns each encoded column.

    A numeric feature's column is its name, a categorical's are ``<name>__<level>``; a name
    may itself hold ``__`` (the spec allows it), so the level is cut off at the last one."""
    index = {f.name: j for j, f in enumerate(spec.features)}
    fold = np.zeros((len(feature_names), len(spec.features)), dtype=np.float64)
    for i, column in enumerate(feature_names):
        fold[i, index[column if column in index else column.rsplit("__", 1)[0]]] = 1.0
    return fold


def top_reasons(folded: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the indices of the ``k`` largest positive and ``k`` most negative features
    (``-1`` where a row has fewer), strongest first."""
    n, m = folded.shape
    k = min(k, m)
    order = np.argsort(-folded, axis=1, kind="stable")
    ups = order[:, :k]
    downs = np.argsort(folded, axis=1, kind="stable")[:, :k]
    rows = np.arange(n)[:, None]
    ups = np.where(folded[rows, ups] > 0, ups, -1)
    downs = np.where(folded[rows, downs] < 0, downs, -1)
    return ups, downs


@dataclass(frozen=True)
class ChosenReasons:
    """A batch's reasons as arrays: per lead, the spec-feature index of each reason (its
    ``k`` ups then its ``k`` downs, strongest first, ``-1`` where it has fewer), their
    weights, and whether they are exact."""

    features: np.ndarray
    weights: np.ndarray
    exact: np.ndarray
    exact_s: float = 0.0
    """Seconds the exact contributions of the batch took (its rows where ``exact``)."""
    approx_s: float = 0.0
    """Seconds the approximate contributions took (the other rows)."""


class Explainer:
    """Reasons for one serving model's batches; build once per model.

    With ``threads``, it explains with its own copy of the booster on that many threads
    (a booster loaded from the registry runs on every core: OpenMP on a busy machine makes
    contributions several times slower); without, with ``booster`` as it is."""

    def __init__(self, booster: xgb.Booster, spec: FeatureSpec, feature_names: Sequence[str],
                 k: int, method: Method = "approx", threads: int | None = None):
        if threads is not None:
            booster = booster.copy()
            booster.set_param({"nthread": threads})
        self._booster, self._spec, self._names = booster, spec, list(feature_names)
        self._fold = fold_matrix(spec, feature_names)
        self.k, self.method = k, method
        self._labels = [f.label or f.name.replace("_", " ").capitalize() for f in spec.features]

    @property
    def spec(self) -> FeatureSpec:
        return self._spec

    @property
    def labels(self) -> list[str]:
        return list(self._labels)

    def folded(self, matrix: np.ndarray, method: Method | None = None) -> np.ndarray:
        """``(n, n_features)`` contributions per spec feature (bias left out)."""
        if matrix.shape[0] == 0:
            return np.zeros((0, len(self._spec.features)))
        contribs = contributions(self._booster, matrix, self._names, method or self.method)
        return contribs[:, :-1].astype(np.float64) @ self._fold

    def choose(self, matrix: np.ndarray, exact: np.ndarray) -> ChosenReasons:
        """The reasons of a batch: exact TreeSHAP for the rows where ``exact`` is true,
        approximate for the others; one contributions call per method."""
        folded = np.zeros((matrix.shape[0], len(self._spec.features)))
        seconds = {"exact": 0.0, "approx": 0.0}
        for method, rows in (("exact", exact), ("approx", ~exact)):
            if rows.any():
                started = time.perf_counter()
                folded[rows] = self.folded(matrix[rows], method)  # type: ignore[arg-type]
                seconds[method] = time.perf_counter() - started
        ups, downs = top_reasons(folded, self.k)
        features = np.concatenate([ups, downs], axis=1)
        weights = np.take_along_axis(folded, np.maximum(features, 0), axis=1)
        return ChosenReasons(features, np.where(features >= 0, weights, 0.0), exact.copy(),
                             seconds["exact"], seconds["approx"])

    def explain(self, batch: EncodedBatch) -> list[list[Reason]]:
        """Every lead's reasons: up to k positive, then up to k negative."""
        folded = self.folded(batch.matrix)
        ups, downs = top_reasons(folded, self.k)
        out = []
        for i in range(folded.shape[0]):
            reasons = [self._reason(batch, i, j, folded[i, j])
                       for j in (*ups[i], *downs[i]) if j >= 0]
            out.append(reasons)
        return out

    def _reason(self, batch: EncodedBatch, i: int, j: int, weight: float) -> Reason:
        f = self._spec.features[j]
        if f.name in batch.numeric:
            raw = float(batch.numeric[f.name][i])
            value: float | str | None = None if math.isnan(raw) else raw
        else:
            text = str(batch.categories[f.name][i])
            value = None if text == MISSING else text
        return Reason(f.name, value, self._labels[j], "+" if weight > 0 else "-",
                      round(float(weight), 4))
