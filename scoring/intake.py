"""Intake, transport-free: a batch of raw event values in, valid leads (encoded for the
model) and dead letters out.

The scorer in ``streams/scorer/`` hands a batch of :class:`RawEvent` here; this module knows
nothing of Kafka. Every input event is either accepted or becomes exactly one
:class:`~schemas.leads.DeadLetter` with its reason.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from schemas.errors import RejectedEvent
from schemas.leads import (
    DeadLetter,
    FieldError,
    IncomingLead,
    incoming_model,
    parse_incoming,
)
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


class Intake:
    """Validates and encodes a batch for one model; build one per serving model."""

    def __init__(self, model: ServingModel, max_payload_bytes: int):
        self.model = model
        self.max_payload_bytes = max_payload_bytes
        self._lead_model = incoming_model(model.spec)

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


def _best_effort_lead_id(raw: bytes) -> str | None:
    """The lead id of a rejected event when its JSON is readable enough to tell."""
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    lead_id = doc.get("lead_id") if isinstance(doc, dict) else None
    return str(lead_id)[:128] if isinstance(lead_id, str | int) and str(lead_id) else None
