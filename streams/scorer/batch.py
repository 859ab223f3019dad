"""One consumed batch → the records of its transaction: validate, de-duplicate, serve, encode.

Every consumed event yields exactly one record: on ``leads.scored``, or on
``leads.deadletter`` (malformed, a resend of an event id already scored elsewhere, or part
of a batch a serving model failed on). With them, in the same transaction: shadow
comparisons (shadow mode) and one ``monitor.samples`` record per model role and version;
the batch's ledger entries are handed back for the caller to write to Redis.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from schemas.errors import RejectedEvent, RejectReason
from schemas.leads import DeadLetter
from scoring.buckets import BucketThresholds
from scoring.intake import Accepted, Intake, RawEvent, dead_letter
from scoring.serving import ModelFailed, ServingPlan, serve
from streams.kafka.io import Consumed, OutRecord, dead_letter_record
from streams.scorer import records as outputs
from streams.stores.dedup import Claim, Deduplicator
from streams.stores.ledger_rows import LedgerRows

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutputTopics:
    scored: str
    deadletter: str
    shadow: str | None = None
    samples: str | None = None
    """``None``: no shadow records / no monitor samples are published."""


@dataclass
class BatchResult:
    """The records of one batch's transaction, its ledger entries, and what they count."""

    records: list[OutRecord] = field(default_factory=list)
    ledger: LedgerRows = field(default_factory=lambda: LedgerRows([], []))
    scored: int = 0
    dead_letters: Counter[str] = field(default_factory=Counter)
    model_seconds: float = 0.0
    shadowed: int = 0
    shadow_error: str | None = None


class BatchStep:
    """Turns consumed batches into output records under one serving plan at a time."""

    def __init__(self, plan: ServingPlan, dedup: Deduplicator, topics: OutputTopics,
                 thresholds: BucketThresholds | None = None,
                 max_payload_bytes: int = 64 * 1024, sample_prefix: str = "scorer"):
        self._dedup = dedup
        self._topics = topics
        self._thresholds = thresholds or BucketThresholds()
        self._max_payload = max_payload_bytes
        self._prefix = sample_prefix
        self.plan = plan

    @property
    def plan(self) -> ServingPlan:
        return self._plan

    @plan.setter
    def plan(self, plan: ServingPlan) -> None:
        self._plan = plan
        self._intake = Intake(plan.champion, self._max_payload)

    def run(self, consumed: Consumed, ranges_tag: str = "") -> BatchResult:
        now_s = time.time()
        now = datetime.fromtimestamp(now_s, UTC)
        accepted, rejected = self._intake.accept(consumed.events, now)
        accepted, resent = self._drop_resends(accepted, now)
        name = self._plan.champion.name
        batch = outputs.BatchInput(accepted.events, accepted.leads, accepted.batch, now_s)
        result = BatchResult()
        failed: outputs.FailedRole | None = None
        runs: tuple = ()
        try:
            served = serve(self._plan, accepted.leads, accepted.batch)
        except ModelFailed as exc:
            log.error("%s on a batch of %d leads; dead-lettering them as scoring_failed",
                      exc, len(accepted.events))
            failed = outputs.FailedRole(exc.role, exc.model, len(accepted.events))
            error = RejectedEvent(RejectReason.SCORING_FAILED, str(exc)[:500])
            rejected += [dead_letter(e, error, now) for e in accepted.events]
        else:
            runs = served.runs + ((served.shadow,) if served.shadow else ())
            self._served(result, served, batch, name)
        for letter in rejected + resent:
            key = consumed.keys.get((letter.source_partition, letter.source_offset))
            result.records.append(dead_letter_record(self._topics.deadletter, letter, key))
            result.dead_letters[letter.reason.value] += 1
        if self._topics.samples:
            n_bad = len(rejected) + len(resent) - (failed.n if failed else 0)
            result.records += outputs.sample_records(
                self._topics.samples, name, runs, batch, n_bad, failed,
                f"{self._prefix}:{ranges_tag}", self._plan.champion)
        return result

    def _served(self, result: BatchResult, served, batch: outputs.BatchInput,
                name: str) -> None:
        t = self._topics
        result.records += outputs.scored_records(t.scored, name, served, batch,
                                                 self._thresholds)
        result.scored = len(served)
        result.model_seconds = sum(r.seconds for r in served.runs)
        result.shadow_error = served.shadow_error
        if t.shadow and served.shadow is not None:
            shadow = outputs.shadow_records(t.shadow, name, served, batch, self._thresholds)
            result.records += shadow
            result.shadowed = len(shadow)
        result.ledger = outputs.ledger_for(name, served, batch)

    def _drop_resends(self, accepted: Accepted, now: datetime
                      ) -> tuple[Accepted, list[DeadLetter]]:
        """Split off CRM resends of event ids first scored at another source position."""
        leads, events = accepted.leads, accepted.events
        idx = [i for i, lead in enumerate(leads) if lead.event_id]
        claims = [Claim(leads[i].event_id, _where(events[i])) for i in idx]  # type: ignore[arg-type]
        dupes = self._dedup.duplicates(claims)
        if not dupes:
            return accepted, []
        taken = {idx[j]: first for j, first in dupes.items()}
        letters = [dead_letter(events[i], RejectedEvent(
            RejectReason.DUPLICATE_EVENT,
            f"event_id {leads[i].event_id!r} was already scored from {first}"), now)
            for i, first in taken.items()]
        keep = np.array([i for i in range(len(leads)) if i not in taken], dtype=np.int64)
        return _subset(accepted, keep), letters


def _subset(accepted: Accepted, keep: np.ndarray) -> Accepted:
    b = accepted.batch
    encoded = type(b)(b.matrix[keep], {k: v[keep] for k, v in b.numeric.items()},
                      {k: v[keep] for k, v in b.categories.items()})
    rows = keep.tolist()
    return Accepted([accepted.events[i] for i in rows], [accepted.leads[i] for i in rows],
                    encoded)


def _where(event: RawEvent) -> str:
    return f"{event.topic}:{event.partition}:{event.offset}"

