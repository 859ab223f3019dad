"""One consumed batch → the records of its transaction: score, de-duplicate, encode.

Every consumed event yields exactly one record: on ``leads.scored``, or on
``leads.deadletter`` (malformed, a resend of an event id already scored elsewhere, or part
of a batch the model failed on).
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from schemas.errors import FatalError, RejectedEvent, RejectReason, RetryableError
from schemas.leads import DeadLetter, ScoredLead
from scoring.scorer import BatchScorer, RawEvent, dead_letter
from streams.dedup import Claim, Deduplicator
from streams.kafka_io import Consumed, OutRecord, dead_letter_record, scored_record

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutputTopics:
    scored: str
    deadletter: str


@dataclass
class BatchResult:
    """The records of one batch's transaction and what they count."""

    records: list[OutRecord] = field(default_factory=list)
    scored: int = 0
    dead_letters: Counter[str] = field(default_factory=Counter)
    model_seconds: float = 0.0


class BatchStep:
    """Turns consumed batches into output records with one serving model at a time."""

    def __init__(self, scorer: BatchScorer, dedup: Deduplicator, topics: OutputTopics):
        self.scorer = scorer
        self._dedup = dedup
        self._topics = topics

    def run(self, consumed: Consumed) -> BatchResult:
        scored, sources, rejected, model_seconds = self._score(consumed.events)
        scored, resent = self._drop_resends(scored, sources)
        result = BatchResult(model_seconds=model_seconds, scored=len(scored))
        result.records = [scored_record(self._topics.scored, lead) for lead in scored]
        for letter in rejected + resent:
            key = consumed.keys.get((letter.source_partition, letter.source_offset))
            result.records.append(dead_letter_record(self._topics.deadletter, letter, key))
            result.dead_letters[letter.reason.value] += 1
        return result

    def _score(self, events: list[RawEvent]
               ) -> tuple[list[ScoredLead], list[RawEvent], list[DeadLetter], float]:
        try:
            out = self.scorer.score(events)
        except (RetryableError, FatalError):
            raise
        except Exception as exc:  # the model failed on this batch: dead-letter, don't loop
            log.exception("model %s failed on a batch of %d events; dead-lettering them as "
                          "scoring_failed", self.scorer.model.label, len(events))
            return [], [], self._failed(events, exc), 0.0
        return out.scored, out.accepted.events, out.rejected, out.model_seconds

    def _failed(self, events: list[RawEvent], exc: Exception) -> list[DeadLetter]:
        """Malformed events keep their own reason; the valid ones are ``scoring_failed``."""
        now = datetime.now(UTC)
        error = RejectedEvent(RejectReason.SCORING_FAILED,
                              f"model {self.scorer.model.label} failed: {exc!r}"[:500])
        try:
            accepted, rejected = self.scorer.accept(events, now)
            failing = accepted.events
        except Exception:  # validation itself failed: every event of the batch failed
            rejected, failing = [], events
        return rejected + [dead_letter(e, error, now) for e in failing]

    def _drop_resends(self, scored: list[ScoredLead], sources: list[RawEvent]
                      ) -> tuple[list[ScoredLead], list[DeadLetter]]:
        """Split off CRM resends of event ids first scored at another source position."""
        idx = [i for i, lead in enumerate(scored) if lead.event_id]
        claims = [Claim(scored[i].event_id, _where(sources[i])) for i in idx]
        dupes = self._dedup.duplicates(claims)
        if not dupes:
            return scored, []
        now = datetime.now(UTC)
        taken = {idx[j]: first for j, first in dupes.items()}
        letters = [
            dead_letter(sources[i], RejectedEvent(
                RejectReason.DUPLICATE_EVENT,
                f"event_id {scored[i].event_id!r} was already scored from {first}"), now)
            for i, first in taken.items()
        ]
        return [lead for i, lead in enumerate(scored) if i not in taken], letters


def _where(event: RawEvent) -> str:
    return f"{event.topic}:{event.partition}:{event.offset}"
