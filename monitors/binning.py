"""Fixed reference bins: cut a batch against a profile, and build the profile from training data.

The bin convention is the one of :mod:`schemas.profile`: numeric values go to
``searchsorted(edges, x, side="right")`` and NaN to the last (missing) bin; categorical
values to their vocabulary index, then ``__unseen__``, then ``__missing__``; scores to the
score histogram. Because the bins are fixed, counts from any batch add up exactly.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from schemas.profile import (
    SCORE_EDGES,
    CategoricalProfile,
    NumericProfile,
    ReferenceProfile,
    ScoreProfile,
)
from schemas.spec import MISSING, UNSEEN, CategoricalFeature, FeatureSpec

Column = np.ndarray | Sequence


def as_float(values: Column) -> np.ndarray:
    """A float array with None (and pandas NA) as NaN."""
    try:
        return np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        return np.array([_to_float(v) for v in values], dtype=float)


def _to_float(v: object) -> float:
    try:
        return float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")


def numeric_counts(edges: Sequence[float], values: Column) -> np.ndarray:
    """Counts per bin: ``len(edges) + 1`` value bins, then the missing bin."""
    x = as_float(values)
    missing = np.isnan(x)
    bins = np.searchsorted(np.asarray(edges, dtype=float), x[~missing], side="right")
    counts = np.bincount(bins, minlength=len(edges) + 2).astype(np.int64)
    counts[-1] = int(missing.sum())
    return counts


def score_counts(edges: Sequence[float], scores: Column) -> np.ndarray:
    """Histogram of scores on fixed edges (no missing bin: every scored lead has a score)."""
    s = as_float(scores)
    bins = np.searchsorted(np.asarray(edges, dtype=float), s[~np.isnan(s)], side="right")
    return np.bincount(bins, minlength=len(edges) + 1).astype(np.int64)


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def categorical_counts(
    feature: CategoricalFeature, vocabulary: Sequence[str], values: Column
) -> np.ndarray:
    """Counts per vocabulary entry, then ``__unseen__``, then ``__missing__``."""
    index = {c: i for i, c in enumerate(vocabulary)}
    unseen, missing = len(vocabulary), len(vocabulary) + 1
    counts = np.zeros(len(vocabulary) + 2, dtype=np.int64)
    for raw, n in Counter(values).items():  # normalize each distinct value once
        norm = MISSING if _is_missing(raw) else feature.normalize(str(raw))
        counts[missing if norm == MISSING else index.get(norm, unseen)] += n
    return counts


@dataclass(frozen=True)
class Binner:
    """Cuts batches against one reference profile; built once per model version."""

    profile: ReferenceProfile
    spec: FeatureSpec

    def vocabulary(self, name: str) -> tuple[str, ...]:
        """The vocabulary part of a categorical profile (without unseen and missing)."""
        return self.profile.categorical[name].categories[:-2]

    def bin_numeric(self, columns: Mapping[str, Column], n: int) -> dict[str, np.ndarray]:
        nan = np.full(n, np.nan)
        return {
            name: numeric_counts(p.edges, columns.get(name, nan))
            for name, p in self.profile.numeric.items()
        }

    def bin_categorical(self, columns: Mapping[str, Column], n: int) -> dict[str, np.ndarray]:
        feats = {f.name: f for f in self.spec.categorical}
        return {
            name: categorical_counts(
                feats[name], self.vocabulary(name), columns.get(name, [None] * n)
            )
            for name in self.profile.categorical
        }

    def bin_scores(self, scores: Column) -> np.ndarray:
        return score_counts(self.profile.score.edges, scores)


def decile_edges(x: np.ndarray) -> tuple[float, ...]:
    """Unique interior decile cut points, dropping any at the minimum (its bin would be empty)."""
    x = x[~np.isnan(x)]
    if x.size == 0:
        return ()
    cuts = np.unique(np.quantile(x, np.linspace(0.1, 0.9, 9), method="inverted_cdf"))
    return tuple(float(c) for c in cuts if c > x.min())


def top_grade_share(score_counts_: np.ndarray, edges: Sequence[float], threshold: float) -> float:
    """Share of scores at or above ``threshold``, which must be one of the histogram edges."""
    if threshold not in edges:
        raise ValueError(f"top grade bound {threshold} is not a score histogram edge")
    total = int(score_counts_.sum())
    first = list(edges).index(threshold) + 1
    return float(score_counts_[first:].sum() / total) if total else 0.0


def build_reference_profile(
    columns: Mapping[str, Column],
    scores: np.ndarray,
    spec: FeatureSpec,
    top_grade_bound: float = 0.8,
) -> ReferenceProfile:
    """The reference profile of training (or holdout) data scored by the model.

    Numeric features: unique interior deciles, bin shares (missing last), mean and std.
    Categorical features: shares over the spec's learned vocabulary, unseen, missing.
    Scores: the fixed histogram, mean, and the top grade's share: at or above
    ``top_grade_bound``.
    """
    if not spec.is_trained:
        raise ValueError("build_reference_profile needs a spec with learned vocabularies")
    s = as_float(scores)
    n = s.size
    numeric = {}
    for f in spec.numeric:
        x = as_float(columns[f.name])
        edges = decile_edges(x)
        observed = x[~np.isnan(x)]
        numeric[f.name] = NumericProfile(
            edges=edges,
            proportions=_shares(numeric_counts(edges, x)),
            mean=float(observed.mean()) if observed.size else None,
            std=float(observed.std()) if observed.size else None,
        )
    categorical = {
        f.name: CategoricalProfile(
            categories=(*f.vocabulary, UNSEEN, MISSING),
            proportions=_shares(categorical_counts(f, f.vocabulary, columns[f.name])),
        )
        for f in spec.categorical
    }
    hist = score_counts(SCORE_EDGES, s)
    score = ScoreProfile(
        edges=SCORE_EDGES,
        proportions=_shares(hist),
        mean=float(np.nanmean(s)),
        top_grade_share=float(np.mean(s[~np.isnan(s)] >= top_grade_bound)),
    )
    return ReferenceProfile(
        spec_fingerprint=spec.fingerprint(),
        n_rows=n,
        numeric=numeric,
        categorical=categorical,
        score=score,
    )


def _shares(counts: np.ndarray) -> tuple[float, ...]:
    total = counts.sum()
    return tuple(float(c / total) if total else 0.0 for c in counts)


__all__ = [
    "MISSING",
    "SCORE_EDGES",
    "UNSEEN",
    "Binner",
    "as_float",
    "build_reference_profile",
    "categorical_counts",
    "decile_edges",
    "numeric_counts",
    "score_counts",
    "top_grade_share",
]
