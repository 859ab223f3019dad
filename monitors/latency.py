"""A DDSketch-style latency sketch: log-spaced buckets, ~1 % relative error, exact merge.

A positive value ``x`` falls in bucket ``k = ceil(log_gamma(x))``, i.e. ``(gamma^(k-1),
gamma^k]`` with ``gamma = (1 + a) / (1 - a)``; the bucket is reported as ``2 gamma^k /
(gamma + 1)``, which is within ``a`` of every value in it (Masson et al., VLDB 2019).
Values at or below ``min_value`` (0 ms latencies, clock skew) share one zero bucket.

Counts are integers in sparse sorted arrays, so merging is exact, associative and
commutative, and the sketch serializes to JSON lists. Why not the ``ddsketch`` package: it
mutates in place, keeps float counts, serializes only through protobuf, and its bounded
stores collapse buckets (merges then depend on order); a 100-line pure sketch fits better.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

DEFAULT_ALPHA = 0.01
MIN_VALUE = 1e-6
"""Latencies at or below this many milliseconds count in the zero bucket."""

_EMPTY = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True, eq=False)
class LatencySketch:
    """Immutable sketch of a latency distribution (milliseconds); every method returns anew."""

    alpha: float = DEFAULT_ALPHA
    keys: np.ndarray = field(default_factory=lambda: _EMPTY)
    counts: np.ndarray = field(default_factory=lambda: _EMPTY)
    zero_count: int = 0
    max: float = 0.0

    @property
    def gamma(self) -> float:
        return (1 + self.alpha) / (1 - self.alpha)

    @property
    def count(self) -> int:
        return int(self.counts.sum()) + self.zero_count

    def update(self, values: np.ndarray | list[float]) -> LatencySketch:
        """The sketch with a batch of latencies added (NaN values are ignored)."""
        x = np.asarray(values, dtype=float).ravel()
        x = x[~np.isnan(x)]
        if x.size == 0:
            return self
        positive = x[x > MIN_VALUE]
        keys = np.ceil(np.log(positive) / math.log(self.gamma)).astype(np.int64)
        uniq, cnt = np.unique(keys, return_counts=True)
        batch = LatencySketch(
            self.alpha, uniq, cnt.astype(np.int64), int(x.size - positive.size), float(x.max())
        )
        return self.merge(batch)

    def merge(self, other: LatencySketch) -> LatencySketch:
        """Exact union of two sketches with the same relative accuracy."""
        if other.alpha != self.alpha:
            raise ValueError(f"cannot merge sketches with alpha {self.alpha} and {other.alpha}")
        keys = np.concatenate([self.keys, other.keys])
        counts = np.concatenate([self.counts, other.counts])
        uniq, inverse = np.unique(keys, return_inverse=True)
        summed = np.bincount(inverse, weights=counts, minlength=uniq.size)
        return LatencySketch(
            self.alpha,
            uniq.astype(np.int64),
            np.rint(summed).astype(np.int64),
            self.zero_count + other.zero_count,
            max(self.max, other.max),
        )

    def quantile(self, q: float) -> float | None:
        """The value at rank ``floor(q (count - 1))`` within relative error ``alpha``."""
        if not 0 <= q <= 1:
            raise ValueError(f"quantile must be in [0, 1], got {q}")
        n = self.count
        if n == 0:
            return None
        rank = math.floor(q * (n - 1))
        if rank < self.zero_count:
            return 0.0
        cumulative = np.cumsum(self.counts) + self.zero_count
        i = int(np.searchsorted(cumulative, rank, side="right"))
        estimate = 2 * self.gamma ** int(self.keys[i]) / (self.gamma + 1)
        return min(estimate, self.max)

    def to_dict(self) -> dict:
        return {
            "alpha": self.alpha,
            "keys": self.keys.tolist(),
            "counts": self.counts.tolist(),
            "zero_count": self.zero_count,
            "max": self.max,
        }

    @classmethod
    def from_dict(cls, data: dict) -> LatencySketch:
        return cls(
            float(data["alpha"]),
            np.asarray(data["keys"], dtype=np.int64),
            np.asarray(data["counts"], dtype=np.int64),
            int(data["zero_count"]),
            float(data["max"]),
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LatencySketch) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]
