"""Batch scoring, transport-free: raw event values in, scored leads and dead letters out.

The Kafka loop in ``streams/`` hands a batch of :class:`RawEvent` here and publishes what
comes back; this module knows nothing of Kafka. Every input event yields exactly one
output: a :class:`~schemas.leads.ScoredLead` or a :class:`~schemas.leads.DeadLetter`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from schemas.errors import RejectedEvent
from schemas.leads import (
    DeadLetter,
    FieldError,
    IncomingLead,
    ScoredLead,
    incoming_model,
    parse_incoming,
)
from scoring.buckets import BucketThresholds
from scoring.features import EncodedBatch
from scoring.model import ServingModel


@dataclass(frozen=True)
class RawEvent:
    """One consumed record, as the transport hands it over."""

    value: bytes | None
    topic: str
    partition: int
    offset: int
    timestamp_ms: int | None = None


@dataclass(frozen=True)
class Accepted:
    """The valid events of a batch, in input order, with their features."""

    events: list[RawEvent]
    leads: list[IncomingLead]
    batch: EncodedBatch


@dataclass(frozen=True)
class ScoredBatch:
    """Outcome of one batch: every input is in exactly one of ``scored`` / ``rejected``."""

    scored: list[ScoredLead]
    rejected: list[DeadLetter]
    accepted: Accepted
    scores: np.ndarray
    model_seconds: float


def dead_letter(event: RawEvent, error: RejectedEvent, now: datetime) -> DeadLetter:
    """The dead-letter record for one rejected event, with its original bytes."""
    raw = event.value or b""
    return DeadLetter(
        reason=error.reason,
        message=error.message,
        errors=[FieldError(**e) for e in error.errors],
        lead_id=_best_effort_lead_id(raw),
        payload_b64=DeadLetter.encode_payload(raw),
        payload_size=len(raw),
        source_topic=event.topic,
        source_partition=event.partition,
        source_offset=event.offset,
        source_timestamp_ms=event.timestamp_ms,
        rejected_at=now,
    )


class BatchScorer:
    """Validates, encodes and scores a batch with one model; build one per serving model."""

    def __init__(
        self,
        model: ServingModel,
        thresholds: BucketThresholds,
        max_payload_bytes: int,
        clock: Callable[[], float] = time.time,
    ):
        self.model = model
        self.thresholds = thresholds
        self.max_payload_bytes = max_payload_bytes
        self._lead_model = incoming_model(model.spec)
        self._clock = clock

    def accept(
        self, events: Sequence[RawEvent], now: datetime
    ) -> tuple[Accepted, list[DeadLetter]]:
        """Split a batch into valid leads (encoded) and dead letters."""
        good_events, leads, rejected = [], [], []
        for event in events:
            try:
                leads.append(
                    parse_incoming(self._lead_model, event.value or b"", self.max_payload_bytes)
                )
                good_events.append(event)
            except RejectedEvent as err:
                rejected.append(dead_letter(event, err, now))
        return Accepted(good_events, leads, self.model.encoder.encode_leads(leads)), rejected

    def score(self, events: Sequence[RawEvent]) -> ScoredBatch:
        now_s = self._clock()
        now = datetime.fromtimestamp(now_s, UTC)
        accepted, rejected = self.accept(events, now)
        started = time.perf_counter()
        scores = self.model.predict(accepted.batch.matrix)
        model_seconds = time.perf_counter() - started
        scored = self.publishable(accepted, scores, now_s)
        return ScoredBatch(scored, rejected, accepted, scores, model_seconds)

    def publishable(self, accepted: Accepted, scores: np.ndarray, now_s: float) -> list[ScoredLead]:
        """The ``leads.scored`` records for accepted leads scored by this model."""
        now = datetime.fromtimestamp(now_s, UTC)
        buckets = self.thresholds.assign(scores)
        m = self.model
        return [
            ScoredLead.model_construct(
                lead_id=lead.lead_id,
                event_id=lead.event_id,
                score=float(s),
                bucket=b,
                model_name=m.name,
                model_version=m.version,
                model_alias=m.alias,
                variant="champion",
                experiment_id=None,
                occurred_at=lead.occurred_at,
                scored_at=now,
                latency_ms=_latency_ms(ev.timestamp_ms, now_s),
                source_partition=ev.partition,
                source_offset=ev.offset,
            )
            for ev, lead, s, b in zip(accepted.events, accepted.leads, scores, buckets, strict=True)
        ]


def _latency_ms(timestamp_ms: int | None, now_s: float) -> float:
    if timestamp_ms is None or timestamp_ms <= 0:
        return 0.0
    return max(0.0, now_s * 1000.0 - timestamp_ms)


def _best_effort_lead_id(raw: bytes) -> str | None:
    """The lead id of a rejected event when its JSON is readable enough to tell."""
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    lead_id = doc.get("lead_id") if isinstance(doc, dict) else None
    return str(lead_id)[:128] if isinstance(lead_id, str | int) and str(lead_id) else None
