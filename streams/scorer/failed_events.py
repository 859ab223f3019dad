"""The events of a batch that fail on their own: each becomes one dead letter.

:func:`streams.scorer.isolation.bisect` narrows a failing batch down to single events; a
:class:`PartFailed` carries what a failed (sub-)batch raised and the event-id claims it
held. :class:`FailedEvents` collects the failed events as dead letters — ``scoring_failed``
when a serving model raised on them (counted per role and version for the monitors),
``internal_error`` otherwise — releases their claims (a CRM resend of one is scored, not
``duplicate_event``), and turns them into the batch's records.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from schemas.errors import RejectedEvent, RejectReason
from schemas.leads import DeadLetter
from scoring.intake import Intake, RawEvent, bare_dead_letter, internal_error
from scoring.serving import ModelFailed, ServingPlan
from streams.kafka.io import Consumed, OutRecord
from streams.kafka.sizes import check_sizes, dead_letter_record
from streams.scorer import records as outputs
from streams.stores.dedup import Claim, Deduplicator

log = logging.getLogger(__name__)


class PartFailed(Exception):
    """Handling a (sub-)batch raised ``cause``; ``claims`` are the event ids it claimed."""

    def __init__(self, cause: Exception, claims: list[Claim]):
        super().__init__(repr(cause))
        self.cause = cause
        self.claims = claims


@dataclass
class FailedEvents:
    """The events that failed on their own, as dead letters, and who failed on them."""

    letters: list[tuple[DeadLetter, bytes | None]] = field(default_factory=list)
    failed: dict[tuple[str, str], outputs.FailedRole] = field(default_factory=dict)
    first: Exception | None = None

    def add(self, consumed: Consumed, event: RawEvent, failed: Exception, now: datetime,
            intake: Intake, dedup: Deduplicator) -> None:
        """Dead-letter ``event``, which failed with ``failed``, and release its claims."""
        exc, claims = ((failed.cause, failed.claims) if isinstance(failed, PartFailed)
                       else (failed, []))
        if isinstance(exc, ModelFailed):
            error = RejectedEvent(RejectReason.SCORING_FAILED, str(exc)[:500])
            self._model_failed(exc)
        else:
            error = internal_error(exc, "score")
        self.first = self.first or exc
        dedup.release(claims)
        try:
            letter = intake.dead_letter(event, error, now)
        except Exception as exc2:  # even its dead letter fails: keep only its bytes
            log.exception("cannot build the dead letter of %s:%d:%d", event.topic,
                          event.partition, event.offset)
            letter = bare_dead_letter(event, f"{error.message}; then {type(exc2).__name__}",
                                      now, intake.deadletter_payload_max_bytes,
                                      intake.deadletter_payload)
        self.letters.append((letter, consumed.keys.get((event.partition, event.offset))))

    def records(self, deadletter: str, samples: str | None, plan: ServingPlan, now_s: float,
                tag: str, limit: int) -> tuple[list[OutRecord], Counter[str]]:
        """Their dead letters (and, with ``samples``, the champion's sample counting the
        internal errors and each failed model's); the count per reason. Every record is
        under ``limit`` (the producer's): a letter too large goes without the event's
        bytes, keyed by the first 1 KB of its key."""
        reasons = Counter(letter.reason.value for letter, _ in self.letters)
        log.error("dead-lettered %s of a batch of events that failed on their own; the "
                  "first: %s", dict(reasons), self.first, exc_info=self.first)
        out = [dead_letter_record(deadletter, letter, key, limit)
               for letter, key in self.letters]
        if samples:
            empty = outputs.BatchInput([], [], plan.champion.encoder.encode_leads([]), now_s)
            sampled = outputs.sample_records(
                samples, plan.champion.name, (), empty, reasons[RejectReason.INTERNAL_ERROR.value],
                list(self.failed.values()), f"{tag}/x", plan.champion)
            check_sizes(sampled, limit)
            out += sampled
        return out, reasons

    def _model_failed(self, exc: ModelFailed) -> None:
        key = (exc.role.value, exc.model.version)
        known = self.failed.get(key)
        self.failed[key] = outputs.FailedRole(exc.role, exc.model, known.n + 1 if known else 1)
