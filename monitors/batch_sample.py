"""The scorer's side of the monitors: one scored batch → one ``monitor.samples`` record.

The scorer calls :func:`batch_sample` once per batch and model role/version, inside its
transaction, and produces :func:`encode_sample`'s key and value to ``monitor.samples``::

    sample = batch_sample(
        model_name=model.name, role="champion", model_version=model.version,
        profile=model.profile, spec=model.spec,
        numeric=batch.numeric, categories=batch.categories,   # scoring.features.EncodedBatch
        scores=scores, latencies_ms=latencies_ms,
        n_rejected=len(rejected), n_failed=n_failed, event_times_ms=event_times_ms,
        sample_id=f"{transactional_id}:{partition}:{first_offset}-{last_offset}",
    )
    key, value = encode_sample(sample)

``sample_id`` must be stable when the same batch is processed again (an aborted
transaction, a restart): the window agent counts each ``sample_id`` once per window.
Without a reference profile (an unprofiled model version) only the score histogram, the
latency sketch and the counts are filled: drift then reads ``insufficient_data``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from monitors.binning import Binner, Column, score_counts
from monitors.sketches import SampleKey, WindowSample
from schemas.monitor import ModelRole, MonitorSample
from schemas.profile import SCORE_EDGES, ReferenceProfile
from schemas.spec import FeatureSpec


def empty_sample(key: SampleKey, profile: ReferenceProfile | None) -> WindowSample:
    """The zero sample of a model version, laid out as its profile's bins (if any)."""
    if profile is not None:
        return WindowSample.empty(key, profile)
    return WindowSample(key, {}, {}, np.zeros(len(SCORE_EDGES) + 1, np.int64))


def batch_sample(
    *,
    model_name: str,
    role: ModelRole | str,
    model_version: str,
    profile: ReferenceProfile | None,
    spec: FeatureSpec,
    numeric: Mapping[str, Column],
    categories: Mapping[str, Column],
    scores: Column,
    latencies_ms: Column,
    n_rejected: int = 0,
    n_failed: int = 0,
    event_times_ms: Column | None = None,
    sample_id: str | None = None,
    n_clock_skewed: int = 0,
    unknown_attributes: Mapping[str, int] | None = None,
) -> MonitorSample:
    """The sample of one batch: the scored leads' features and scores, plus the counts of
    rejected (dead-lettered) and failed events; ``event_times_ms`` per scored lead (NaN
    for an untrusted time, counted in ``n_clock_skewed``); ``unknown_attributes``: per
    sanitised name, the scored events carrying an attribute the spec does not know."""
    key = SampleKey(model_name, ModelRole(role), str(model_version))
    binner = Binner(profile, spec) if profile is not None else _NoFeatures()
    sample = empty_sample(key, profile).update(
        binner, {**numeric, **categories}, scores, latencies_ms, event_times_ms,
        n_rejected, n_failed, n_clock_skewed, unknown_attributes)  # type: ignore[arg-type]
    return sample.to_contract(sample_id)


class _NoFeatures:
    """A binner for a version without a profile: no feature bins, scores on fixed edges."""

    def bin_numeric(self, columns: Mapping[str, Column], n: int) -> dict[str, np.ndarray]:
        return {}

    def bin_categorical(self, columns: Mapping[str, Column], n: int) -> dict[str, np.ndarray]:
        return {}

    def bin_scores(self, scores: Column) -> np.ndarray:
        return score_counts(SCORE_EDGES, scores)


def encode_sample(sample: MonitorSample) -> tuple[bytes, bytes]:
    """Key (model name) and JSON value of the ``monitor.samples`` record."""
    return sample.model_name.encode(), sample.model_dump_json().encode()
