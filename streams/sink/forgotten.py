"""Forgotten leads stay forgotten: the sink never sends their scores still in Kafka.

``leadstream forget`` erases a lead from Redis; its records on ``leads.scored`` stay until
retention. :meth:`Forgotten.keep` drops, from one batch, every score of a lead the erasure
agent marked as forgotten (:class:`~streams.stores.erased.ErasedLeads`) whose record was
written at or before the erasure (its Kafka timestamp; a record without one counts as
before) — whatever the group, offset reset or replay — and counts them
(``leadstream_sink_forgotten_skipped_total``). A score written after the erasure (the lead
came back to the CRM) goes out as usual. When Redis cannot say, the batch is held back
(:class:`~schemas.errors.RetryableError`), never sent blind.
"""

from __future__ import annotations

import logging

import redis
from confluent_kafka import TIMESTAMP_NOT_AVAILABLE, Message
from prometheus_client import Counter

from schemas.errors import RetryableError
from scoring.writeback.score import WritebackScore
from streams.stores.erased import ErasedLeads

log = logging.getLogger(__name__)


class Forgotten:
    def __init__(self, erased: ErasedLeads, skipped: Counter):
        self._erased, self._skipped = erased, skipped

    def keep(self, scores: list[WritebackScore], records: list[Message]) -> list[WritebackScore]:
        """``scores`` (read from ``records``) minus those of forgotten leads' old records."""
        try:
            erased_at = self._erased.erased_at([s.lead_id for s in scores])
        except redis.RedisError as exc:
            raise RetryableError(f"forgotten leads unknown (Redis: {exc})") from exc
        if not erased_at:
            return scores
        written = {(m.partition(), m.offset()): m.timestamp() for m in records}
        kept = [s for s in scores if s.lead_id not in erased_at
                or _after(written.get((s.partition, s.offset)), erased_at[s.lead_id])]
        if len(kept) < len(scores):
            self._skipped.inc(len(scores) - len(kept))
            log.info("%d score(s) of forgotten leads skipped", len(scores) - len(kept))
        return kept


def _after(timestamp: tuple[int, int] | None, erased_ms: int) -> bool:
    if timestamp is None or timestamp[0] == TIMESTAMP_NOT_AVAILABLE:
        return False
    return timestamp[1] > erased_ms
