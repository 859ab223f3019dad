"""Feature encoding: raw lead attributes → the numeric matrix the model was trained on.

One encoder serves training (a DataFrame) and scoring (a batch of validated events), so the
two can never disagree. Numeric features pass through (NaN for missing, or the spec's
imputed value); categorical features are one-hot encoded over the vocabulary learned at
training time. A category outside the vocabulary (unseen, or merged as rare) encodes as all
zeros, which the model saw in training for the rare categories it merged.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from schemas.errors import SpecError
from schemas.leads import IncomingLead
from schemas.spec import (
    MISSING,
    UNSEEN,
    CategoricalFeature,
    FeatureSpec,
    MissingPolicy,
    NumericFeature,
)


@dataclass(frozen=True)
class EncodedBatch:
    """A batch after encoding: the model matrix plus the values the monitors watch."""

    matrix: np.ndarray
    """``(n, n_features)`` float32, columns in :attr:`FeatureEncoder.feature_names` order."""
    numeric: dict[str, np.ndarray]
    """Per numeric feature, float64 values before imputation (NaN = missing)."""
    categories: dict[str, np.ndarray]
    """Per categorical feature, normalized values (``__missing__`` for absent)."""

    def __len__(self) -> int:
        return self.matrix.shape[0]


class FeatureEncoder:
    """Encodes columns of raw values for one trained spec. Build once per model."""

    def __init__(self, spec: FeatureSpec):
        if not spec.is_trained:
            raise SpecError(f"spec {spec.name!r} has no learned vocabularies; train first")
        self.spec = spec
        self._codes = {f.name: {v: i for i, v in enumerate(f.vocabulary)} for f in spec.categorical}
        names = [f.name for f in spec.numeric]
        for f in spec.categorical:
            names.extend(f"{f.name}__{i}" for i in range(len(f.vocabulary)))
        self.feature_names: tuple[str, ...] = tuple(names)
        self._offsets = {}
        offset = len(spec.numeric)
        for f in spec.categorical:
            self._offsets[f.name] = offset
            offset += len(f.vocabulary)

    def encode_leads(self, leads: Sequence[IncomingLead]) -> EncodedBatch:
        """Encode validated lead events (attributes read straight off the models)."""
        columns = {f.name: [getattr(lead, f.name) for lead in leads] for f in self.spec.features}
        return self.encode_columns(columns, len(leads))

    def encode_columns(self, columns: Mapping[str, Sequence], n: int | None = None) -> EncodedBatch:
        """Encode raw values per feature (``None``/NaN = missing); all columns of length n."""
        if n is None:
            n = len(next(iter(columns.values())))
        matrix = np.zeros((n, len(self.feature_names)), dtype=np.float32)
        numeric: dict[str, np.ndarray] = {}
        for j, f in enumerate(self.spec.numeric):
            values = _as_float(columns[f.name])
            numeric[f.name] = values
            matrix[:, j] = _impute(values, f)
        categories: dict[str, np.ndarray] = {}
        for f in self.spec.categorical:
            normalized = np.array([f.normalize(_as_str(v)) for v in columns[f.name]], dtype=object)
            categories[f.name] = normalized
            self._one_hot(matrix, f.name, normalized)
        return EncodedBatch(matrix, numeric, categories)

    def reencode(self, batch: EncodedBatch, source: FeatureSpec) -> EncodedBatch | None:
        """``batch`` (encoded for ``source``) encoded for this spec without reading the
        leads again, when the two differ only in their learned vocabularies (a model
        trained on other leads: a challenger): the numeric columns as they are, each
        category's one-hot from the normalized values the batch carries. ``None`` when the
        specs differ otherwise (then encode the leads)."""
        if _unlearned(source) != _unlearned(self.spec):
            return None
        n, k = len(batch), len(self.spec.numeric)
        matrix = np.zeros((n, len(self.feature_names)), dtype=np.float32)
        matrix[:, :k] = batch.matrix[:, :k]
        for f in self.spec.categorical:
            self._one_hot(matrix, f.name, batch.categories[f.name])
        return EncodedBatch(matrix, batch.numeric, batch.categories)

    def _one_hot(self, matrix: np.ndarray, name: str, normalized: np.ndarray) -> None:
        """Set one categorical feature's columns from its normalized values."""
        codes, n = self._codes[name], matrix.shape[0]
        idx = np.fromiter((codes.get(v, -1) for v in normalized), dtype=np.int64, count=n)
        known = idx >= 0
        matrix[np.arange(n)[known], self._offsets[name] + idx[known]] = 1.0


def learn_vocabularies(
    spec: FeatureSpec, columns: Mapping[str, Iterable]
) -> dict[str, tuple[str, ...]]:
    """Each categorical feature's vocabulary: frequent normalized values, most frequent first.

    Values rarer than ``min_frequency`` (or beyond ``max_categories``) are left out, so at
    scoring time they encode like an unseen category. The reserved ``__unseen__`` label is
    never learned, so the monitors' unseen bucket stays unambiguous.
    """
    vocabularies = {}
    for f in spec.categorical:
        counts = Counter(f.normalize(_as_str(v)) for v in columns[f.name])
        total = sum(counts.values())
        if total == 0:
            raise SpecError(f"no training values for categorical feature {f.name!r}")
        frequent = [
            v
            for v, c in counts.most_common()
            if c / total >= f.min_frequency and v != UNSEEN and (v != MISSING or _keeps_missing(f))
        ]
        vocabularies[f.name] = tuple(frequent[: f.max_categories]) or (MISSING,)
    return vocabularies


def _unlearned(spec: FeatureSpec) -> tuple:
    """The spec's features without their learned vocabularies."""
    return tuple(f.model_copy(update={"vocabulary": ()}) if isinstance(f, CategoricalFeature)
                 else f for f in spec.features)


def _keeps_missing(f: CategoricalFeature) -> bool:
    return f.missing is MissingPolicy.CATEGORY


def _as_float(values: Sequence) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def _as_str(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return value if isinstance(value, str) else str(value)


def _impute(values: np.ndarray, f: NumericFeature) -> np.ndarray:
    if f.missing is MissingPolicy.IMPUTE:
        return np.where(np.isnan(values), f.impute, values)
    return values
