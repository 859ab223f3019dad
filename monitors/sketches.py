"""The window sample: every count a monitor needs, for one model role and version.

The scorer builds one per batch (``WindowSample.empty(...).update(binner, ...)``) and
publishes it on ``monitor.samples``; the monitor agents ``merge`` samples into windows and
read ``result()``. Every field is an integer count, a min or a max (scores are summed in
millionths), so ``merge`` is exact, associative and commutative: a window merged from any
split of its batches, in any order, across partitions and processes, is the same.

``unknown`` counts the scored events' attributes the spec does not know, per (sanitised)
name. It stays bounded under merging: the ``MAX_NAMES`` first names in sort order keep
their own count, the rest add to :data:`~scoring.unknown_attributes.OTHER`'s — a rule
that is itself associative and commutative (a name kept in the whole window is kept in
every part that holds it), so the counts stay exact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from monitors.binning import Binner, Column, as_float
from monitors.latency import LatencySketch
from schemas.monitor import (
    MAX_UNKNOWN_NAMES,
    UNKNOWN_OTHER,
    LatencySketchData,
    ModelRole,
    MonitorSample,
)
from schemas.profile import ReferenceProfile


@dataclass(frozen=True)
class SampleKey:
    model_name: str
    role: ModelRole
    model_version: str


@dataclass(frozen=True)
class WindowSummary:
    """What a closed window says without the reference: volumes, rates, latency."""

    n_scored: int
    n_rejected: int
    n_failed: int
    error_rate: float
    deadletter_rate: float
    score_mean: float | None
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    latency_p99_ms: float | None
    latency_max_ms: float | None
    event_time_min_ms: int | None
    event_time_max_ms: int | None
    missing: dict[str, int]
    n_clock_skewed: int = 0
    unknown_attributes: dict[str, int] = field(default_factory=dict)
    """Scored events carrying an attribute the spec does not know, per name."""


def _layout(s: WindowSample) -> tuple:
    return (
        sorted((k, v.shape) for k, v in s.numeric.items()),
        sorted((k, v.shape) for k, v in s.categorical.items()),
        s.score_counts.shape,
    )


def _capped(counts: dict[str, int]) -> dict[str, int]:
    """At most ``MAX_UNKNOWN_NAMES`` names (the first in sort order) and the others'
    total under ``UNKNOWN_OTHER``."""
    names = sorted(k for k in counts if k != UNKNOWN_OTHER)
    if len(names) <= MAX_UNKNOWN_NAMES:
        return counts
    kept = {k: counts[k] for k in names[:MAX_UNKNOWN_NAMES]}
    other = sum(counts.values()) - sum(kept.values())
    return {**kept, UNKNOWN_OTHER: other}


def _minmax(a: int | None, b: int | None, pick) -> int | None:
    return b if a is None else a if b is None else pick(a, b)


@dataclass(frozen=True, eq=False)
class WindowSample:
    """Immutable mergeable counts; arrays are never mutated after construction."""

    key: SampleKey
    numeric: dict[str, np.ndarray]
    categorical: dict[str, np.ndarray]
    score_counts: np.ndarray
    score_sum_micro: int = 0
    latency: LatencySketch = field(default_factory=LatencySketch)
    n_scored: int = 0
    n_rejected: int = 0
    n_failed: int = 0
    event_time_min_ms: int | None = None
    event_time_max_ms: int | None = None
    n_clock_skewed: int = 0
    """Scored events whose time was not trusted (left out of the event-time range)."""
    unknown: dict[str, int] = field(default_factory=dict)
    """Scored events carrying an attribute the spec does not know, per name (bounded)."""

    @classmethod
    def empty(cls, key: SampleKey, profile: ReferenceProfile) -> WindowSample:
        """The identity of ``merge``: zero counts laid out as the profile's bins."""
        return cls(
            key,
            {k: np.zeros(len(p.proportions), np.int64) for k, p in profile.numeric.items()},
            {k: np.zeros(len(p.proportions), np.int64) for k, p in profile.categorical.items()},
            np.zeros(len(profile.score.proportions), np.int64),
        )

    def update(
        self,
        binner: Binner,
        columns: Mapping[str, Column],
        scores: Column,
        latencies_ms: Column,
        event_times_ms: Column | None = None,
        n_rejected: int = 0,
        n_failed: int = 0,
        n_clock_skewed: int = 0,
        unknown: Mapping[str, int] | None = None,
    ) -> WindowSample:
        """This sample plus one scored batch (features and scores of the scored leads);
        NaN event times (untrusted) are left out of the event-time range; ``unknown``: the
        batch's counts of attribute names the spec does not know."""
        s = as_float(scores)
        times = as_float(event_times_ms if event_times_ms is not None else [])
        times = times[~np.isnan(times)]
        batch = WindowSample(
            self.key,
            binner.bin_numeric(columns, s.size),
            binner.bin_categorical(columns, s.size),
            binner.bin_scores(s),
            int(np.rint(s[~np.isnan(s)] * 1e6).astype(np.int64).sum()),
            LatencySketch(self.latency.alpha).update(latencies_ms),
            int(s.size),
            n_rejected,
            n_failed,
            int(times.min()) if times.size else None,
            int(times.max()) if times.size else None,
            n_clock_skewed,
            _capped({k: int(v) for k, v in (unknown or {}).items() if v}),
        )
        return self.merge(batch)

    def merge(self, other: WindowSample) -> WindowSample:
        """Exact sum of two samples of the same model role and version."""
        if other.key != self.key:
            raise ValueError(f"cannot merge samples of {self.key} and {other.key}")
        if _layout(self) != _layout(other):
            raise ValueError(f"samples of {self.key} have different bin layouts (profiles)")
        return replace(
            self,
            numeric={k: v + other.numeric[k] for k, v in self.numeric.items()},
            categorical={k: v + other.categorical[k] for k, v in self.categorical.items()},
            score_counts=self.score_counts + other.score_counts,
            score_sum_micro=self.score_sum_micro + other.score_sum_micro,
            latency=self.latency.merge(other.latency),
            n_scored=self.n_scored + other.n_scored,
            n_rejected=self.n_rejected + other.n_rejected,
            n_failed=self.n_failed + other.n_failed,
            event_time_min_ms=_minmax(self.event_time_min_ms, other.event_time_min_ms, min),
            event_time_max_ms=_minmax(self.event_time_max_ms, other.event_time_max_ms, max),
            n_clock_skewed=self.n_clock_skewed + other.n_clock_skewed,
            unknown=_capped({k: self.unknown.get(k, 0) + other.unknown.get(k, 0)
                             for k in self.unknown.keys() | other.unknown.keys()}),
        )

    def result(self) -> WindowSummary:
        seen = self.n_scored + self.n_rejected + self.n_failed
        attempted = self.n_scored + self.n_failed
        lat = self.latency
        missing = {k: int(v[-1]) for k, v in {**self.numeric, **self.categorical}.items()}
        return WindowSummary(
            self.n_scored, self.n_rejected, self.n_failed,
            self.n_failed / attempted if attempted else 0.0,
            self.n_rejected / seen if seen else 0.0,
            self.score_sum_micro / 1e6 / self.n_scored if self.n_scored else None,
            lat.quantile(0.5), lat.quantile(0.95), lat.quantile(0.99),
            lat.max if lat.count else None,
            self.event_time_min_ms, self.event_time_max_ms, missing, self.n_clock_skewed,
            dict(sorted(self.unknown.items())),
        )

    def to_contract(self, sample_id: str | None = None) -> MonitorSample:
        return MonitorSample(
            model_name=self.key.model_name, role=self.key.role,
            model_version=self.key.model_version, sample_id=sample_id,
            event_time_min_ms=self.event_time_min_ms, event_time_max_ms=self.event_time_max_ms,
            n_scored=self.n_scored, n_rejected=self.n_rejected, n_failed=self.n_failed,
            n_clock_skewed=self.n_clock_skewed,
            unknown_attributes=dict(sorted(self.unknown.items())),
            numeric={k: v.tolist() for k, v in self.numeric.items()},
            categorical={k: v.tolist() for k, v in self.categorical.items()},
            score_counts=self.score_counts.tolist(), score_sum_micro=self.score_sum_micro,
            latency=LatencySketchData(**self.latency.to_dict()),
        )

    @classmethod
    def from_contract(cls, m: MonitorSample) -> WindowSample:
        return cls(
            SampleKey(m.model_name, ModelRole(m.role), m.model_version),
            {k: np.asarray(v, np.int64) for k, v in m.numeric.items()},
            {k: np.asarray(v, np.int64) for k, v in m.categorical.items()},
            np.asarray(m.score_counts, np.int64), m.score_sum_micro,
            LatencySketch.from_dict(m.latency.model_dump()),
            m.n_scored, m.n_rejected, m.n_failed, m.event_time_min_ms, m.event_time_max_ms,
            m.n_clock_skewed, dict(m.unknown_attributes),
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WindowSample) and self.to_contract() == other.to_contract()

    __hash__ = None  # type: ignore[assignment]
