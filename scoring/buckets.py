"""Score buckets: Hot / Warm / Cool / Cold from configurable thresholds."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from schemas.leads import Bucket

_ORDER = (Bucket.COLD, Bucket.COOL, Bucket.WARM, Bucket.HOT)


@dataclass(frozen=True)
class BucketThresholds:
    """Lower bounds of each bucket; a score equal to a bound belongs to the higher bucket."""

    hot: float = 0.8
    warm: float = 0.5
    cool: float = 0.3

    def __post_init__(self) -> None:
        if not 0.0 <= self.cool <= self.warm <= self.hot <= 1.0:
            raise ValueError(
                f"bucket thresholds must satisfy 0 <= cool <= warm <= hot <= 1, got "
                f"cool={self.cool}, warm={self.warm}, hot={self.hot}"
            )

    def assign(self, scores: np.ndarray) -> list[Bucket]:
        """Bucket of every score in a batch."""
        edges = np.array([self.cool, self.warm, self.hot])
        idx = np.searchsorted(edges, np.asarray(scores, dtype=np.float64), side="right")
        return [_ORDER[i] for i in idx]
