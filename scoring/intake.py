"""Intake, transport-free: a batch of raw event values in, valid leads (encoded for the
model) and dead letters out.

The scorer in ``streams/scorer/`` hands a batch of :class:`RawEvent` here; this module knows
nothing of Kafka. Each value is decoded by :class:`~scoring.decode.LeadDecoder` (orjson and
compiled checks, the pydantic contract deciding what they are not sure of). Every input
event is either accepted or becomes exactly one :class:`~schemas.leads.DeadLetter` with its
reason; an unexpected exception while reading one event is that event's ``internal_error``
(:func:`internal_error`), never a crash.
A dead letter keeps the event's bytes up to ``payload_max_bytes``, beyond that a prefix,
the full size and the SHA-256, so its record stays under the producer's size limit; under
the ``hash`` payload policy only the size and the SHA-256 (:mod:`schemas.payload`).
The attributes of valid events that the spec does not know are counted by name
(:meth:`Intake.unknown`, :mod:`scoring.unknown_attributes`); their values are not read.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from schemas.errors import RejectedEvent, RejectReason
from schemas.leads import (
    DEADLETTER_PAYLOAD_MAX_BYTES,
    DeadLetter,
    FieldError,
)
from schemas.payload import PayloadPolicy, payload_fields
from scoring.decode import LeadDecoder
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
    leads: list[Any]
    """:func:`scoring.decode.lead_type` rows."""
    batch: EncodedBatch


def dead_letter(event: RawEvent, error: RejectedEvent, now: datetime,
                payload_max_bytes: int = DEADLETTER_PAYLOAD_MAX_BYTES,
                policy: PayloadPolicy = PayloadPolicy.ORIGINAL) -> DeadLetter:
    """The dead-letter record for one rejected event, with its original bytes (all of
    them up to ``payload_max_bytes``), or only their size and hash (``policy``)."""
    raw = event.value or b""
    return DeadLetter(
        reason=error.reason,
        message=_printable(error.message)[:MESSAGE_MAX_CHARS],
        errors=[FieldError(**{k: _printable(str(v)) for k, v in e.items()})
                for e in error.errors],
        lead_id=_best_effort_lead_id(raw),
        **payload_fields(raw, payload_max_bytes, policy),
        source_topic=event.topic,
        source_partition=event.partition,
        source_offset=event.offset,
        source_timestamp_ms=event.timestamp_ms,
        rejected_at=now,
    )


def bare_dead_letter(event: RawEvent, message: str, now: datetime,
                     payload_max_bytes: int = DEADLETTER_PAYLOAD_MAX_BYTES,
                     policy: PayloadPolicy = PayloadPolicy.ORIGINAL) -> DeadLetter:
    """An ``internal_error`` dead letter with nothing read from the event but its bytes:
    the last resort when even :func:`dead_letter` raised on it."""
    return DeadLetter(reason=RejectReason.INTERNAL_ERROR, message=_printable(message)[:200],
                      **payload_fields(event.value or b"", payload_max_bytes, policy),
                      source_topic=event.topic, source_partition=event.partition,
                      source_offset=event.offset, source_timestamp_ms=event.timestamp_ms,
                      rejected_at=now)


MESSAGE_MAX_CHARS = 500
_QUOTED = re.compile(r"""'[^']*'|"[^"]*"|\d{4,}""")


def internal_error(exc: Exception, stage: str) -> RejectedEvent:
    """An unexpected exception met while handling one event, as its dead-letter reason:
    the exception class and its message with quoted text and long numbers masked, so
    no lead value leaks into the message (the payload keeps the event's bytes)."""
    text = _QUOTED.sub("…", str(exc).split("\n", 1)[0])[:200]
    return RejectedEvent(RejectReason.INTERNAL_ERROR,
                         f"{stage}: {type(exc).__name__}" + (f": {text}" if text else ""))


def _no_lap(stage: str) -> None:
    return None


class Intake:
    """Validates and encodes a batch for one model; build one per serving model."""

    def __init__(self, model: ServingModel, max_payload_bytes: int,
                 deadletter_payload_max_bytes: int = DEADLETTER_PAYLOAD_MAX_BYTES,
                 deadletter_payload: PayloadPolicy = PayloadPolicy.ORIGINAL):
        self.model = model
        self.deadletter_payload = deadletter_payload
        self.max_payload_bytes = max_payload_bytes
        self.deadletter_payload_max_bytes = deadletter_payload_max_bytes
        self.decoder = LeadDecoder(model.spec, max_payload_bytes)

    def accept(
        self, events: Sequence[RawEvent], now: datetime,
        lap: Callable[[str], None] = _no_lap,
    ) -> tuple[Accepted, list[DeadLetter]]:
        """Split a batch into valid leads (encoded) and dead letters.

        The encoding is one call for the whole batch: if it raises, so does this (the
        caller narrows the batch down to the events that make it fail). ``lap`` is told
        when decoding ends ("decode"), before the encoding.
        """
        good_events, leads, rejected = [], [], []
        decode = self.decoder.decode
        for event in events:
            try:
                leads.append(decode(event.value or b""))
                good_events.append(event)
            except RejectedEvent as err:
                rejected.append(self.dead_letter(event, err, now))
            except Exception as exc:  # a bug met on this event: its dead letter, not a crash
                rejected.append(self.dead_letter(event, internal_error(exc, "validate"), now))
        lap("decode")
        return Accepted(good_events, leads, self.model.encoder.encode_leads(leads)), rejected

    def unknown(self, leads: Sequence[Any]) -> Counter[str]:
        """Per attribute name the spec does not know (raw, lead-controlled): the leads
        that sent it."""
        out: Counter[str] = Counter()
        for lead in leads:
            if lead._extra:
                out.update(lead._extra)
        return out

    def dead_letter(self, event: RawEvent, error: RejectedEvent, now: datetime) -> DeadLetter:
        return dead_letter(event, error, now, self.deadletter_payload_max_bytes,
                           self.deadletter_payload)


_LEAD_ID_SCAN_BYTES = 1 << 20


def _best_effort_lead_id(raw: bytes) -> str | None:
    """The lead id of a rejected event when its JSON is readable enough to tell.

    Never raises: deep nesting (``RecursionError``), digits beyond Python's int limit and
    text that is not UTF-8 all just mean "no lead id"; a lone surrogate is escaped.
    """
    if len(raw) > _LEAD_ID_SCAN_BYTES:
        return None
    try:
        doc = json.loads(raw)
        lead_id = doc.get("lead_id") if isinstance(doc, dict) else None
        text = str(lead_id) if isinstance(lead_id, str | int) and lead_id is not True else ""
    except (ValueError, UnicodeError, RecursionError):
        return None
    return _printable(text[:128]) or None


def _printable(text: str) -> str:
    """``text`` with anything UTF-8 cannot encode (lone surrogates) backslash-escaped."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode()
    return text
