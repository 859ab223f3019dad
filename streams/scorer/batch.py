"""One consumed batch → the records of its transaction: validate, de-duplicate, serve, encode.

Every consumed event yields exactly one record: on ``leads.scored``, or on
``leads.deadletter`` (malformed, a resend of an event id already scored elsewhere, or an
event a serving model or the scorer itself failed on). With them, in the same
transaction: shadow comparisons (shadow mode) and one ``monitor.samples`` record per model
role and version; the batch's ledger and score-history entries are handed back for the
caller to write to Redis. Each scored lead's ``trend`` compares its score with the lead's
previous published one: earlier in this batch, else from the history
(:mod:`streams.scorer.trends`), read with the event-id claims in one pipelined Redis call
per handled part (:mod:`streams.scorer.state_read`), sent from the reader thread while the
part is predicted and explained: a resend found in the answer has its row dropped and the
rest scored again (rare), and a part whose scoring fails still waits for its claims, so the
isolation gives them back.

Per-event isolation (:mod:`streams.scorer.isolation`): if anything raises while a
(sub-)batch is handled (encoding, predicting, building records, a record over the
producer's size limit), the batch is split in halves and each half handled again, down to
the single events that fail. Those become dead letters (:mod:`streams.scorer.failed_events`)
and every other event is scored. Every record passes the one size check
(:mod:`streams.kafka.sizes`); a dead letter is keyed by the first 1 KB of the event's key
(which may be as large as the broker allows) and always fits. :meth:`BatchStep.run` never
raises for an event. CRM resends of an event id are split off first
(:mod:`streams.scorer.resends`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from monitors.event_time import DEFAULT_SKEW, SkewTolerance
from schemas.leads import DEADLETTER_PAYLOAD_MAX_BYTES
from schemas.payload import PayloadPolicy
from scoring.grades import GradeScale
from scoring.intake import Accepted, Intake, RawEvent
from scoring.serving import ServingPlan, serve
from scoring.trend import DEFAULT_DELTA
from scoring.unknown_attributes import UnknownAttributes
from streams.kafka.io import MAX_RECORD_BYTES, Consumed, letter_payload_limit
from streams.kafka.sizes import check_sizes, dead_letter_record
from streams.scorer import records as outputs
from streams.scorer.batch_result import BatchResult, Scored
from streams.scorer.explain import Explanations
from streams.scorer.failed_events import FailedEvents, PartFailed
from streams.scorer.isolation import bisect
from streams.scorer.reasons_text import LeadValues
from streams.scorer.resends import claims_of, drop_resends
from streams.scorer.state_read import Prefetched, StateReader
from streams.scorer.timings import NoClock, StageClock
from streams.scorer.trends import TrendSource, batch_trends
from streams.stores.dedup import Claim, Deduplicator

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutputTopics:
    scored: str
    deadletter: str
    shadow: str | None = None
    samples: str | None = None
    """``None``: no shadow records / no monitor samples are published."""


class BatchStep:
    """Turns consumed batches into output records under one serving plan at a time."""

    def __init__(self, plan: ServingPlan, dedup: Deduplicator, topics: OutputTopics,
                 grades: GradeScale | None = None,
                 max_payload_bytes: int = 64 * 1024, sample_prefix: str = "scorer",
                 deadletter_payload_max_bytes: int = DEADLETTER_PAYLOAD_MAX_BYTES,
                 max_record_bytes: int = MAX_RECORD_BYTES, skew: SkewTolerance = DEFAULT_SKEW,
                 deadletter_payload: PayloadPolicy = PayloadPolicy.ORIGINAL,
                 explanations: Explanations | None = None,
                 trend_source: TrendSource | None = None, trend_delta: float = DEFAULT_DELTA,
                 clock: StageClock | None = None):
        self.clock = clock or NoClock()
        self._skew = skew
        self._letter_policy = deadletter_payload
        self._trends = trend_source
        self._delta = trend_delta
        self._seen: dict[str, float] = {}  # leads scored by the parts of this batch so far
        self._stored: Prefetched | None = None  # the part's previous scores, read with claims
        self._dedup = dedup
        self._topics = topics
        self._grades = grades or GradeScale()
        self._explain = explanations or Explanations(0, self._grades, frozenset())
        self._max_payload = max_payload_bytes
        self._letter_payload = letter_payload_limit(deadletter_payload_max_bytes,
                                                   max_record_bytes)
        self._max_record = max_record_bytes
        self._prefix = sample_prefix
        self._unknown = UnknownAttributes()
        self._reader = StateReader()
        self.plan = plan

    @property
    def plan(self) -> ServingPlan:
        return self._plan

    @plan.setter
    def plan(self, plan: ServingPlan) -> None:
        self._plan = plan
        self._explain.use(plan)
        self._intake = Intake(plan.champion, self._max_payload, self._letter_payload,
                              self._letter_policy)

    def close(self) -> None:
        """Stop the state reader's thread (after the last batch)."""
        self._reader.close()

    def run(self, consumed: Consumed, ranges_tag: str = "") -> BatchResult:
        """The batch's records; one outcome per event, whatever the events hold."""
        now_s = time.time()
        result, culprits = BatchResult(), FailedEvents()
        self._seen = {}
        tag = f"{self._prefix}:{ranges_tag}"
        parts, failed = bisect(consumed.events,
                               lambda events, t: self._attempt(consumed, events, now_s, t), tag)
        for part in parts:
            result.add(part)
        for event, exc in failed:
            culprits.add(consumed, event, exc, _utc(now_s), self._intake, self._dedup)
        if culprits.letters:
            t = self._topics
            records, reasons = culprits.records(t.deadletter, t.samples, self._plan, now_s, tag,
                                                self._max_record)
            result.records += records
            result.dead_letters += reasons
        return result

    # --- the events that fail on their own -------------------------------------------
    def _attempt(self, consumed: Consumed, events: Sequence[RawEvent], now_s: float,
                 tag: str) -> BatchResult:
        claims: list[Claim] = []
        try:
            part = self._handle(consumed, events, now_s, tag, claims)
        except Exception as exc:  # anything at all: narrowed down to the events that cause it
            raise PartFailed(exc, claims) from exc
        self._seen.update(part.last_scores)
        return part

    # --- one (sub-)batch -------------------------------------------------------------
    def _handle(self, consumed: Consumed, events: Sequence[RawEvent], now_s: float,
                tag: str, claims: list[Claim]) -> BatchResult:
        now, lap = _utc(now_s), self.clock.lap
        accepted, rejected = self._intake.accept(events, now, lap)
        lap("encode")
        asks = [(lead.lead_id, ev.partition, ev.offset)
                for lead, ev in zip(accepted.leads, accepted.events, strict=True)
                if lead.lead_id not in self._seen]
        pending = self._reader.start(self._dedup, self._trends, claims_of(accepted), asks)
        try:  # scored while Redis answers; a failure waits for the claims it must give back
            scored, failure = self._score(accepted), None
        except Exception as exc:
            scored, failure = None, exc
        dupes, self._stored = pending.result()
        lap("redis")
        kept, resent = drop_resends(accepted, now, claims, self._dedup, self._intake, dupes)
        lap("claim")
        if failure is not None:
            raise failure
        if resent or scored is None:  # rare: the resends' rows go, the rest is scored again
            scored = self._score(kept)
        return self._records(consumed, kept, scored, rejected + resent, now_s, tag)

    def _score(self, accepted: Accepted) -> Scored:
        """Predictions and reasons of every accepted lead (served, and the shadow's)."""
        served = serve(self._plan, accepted.leads, accepted.batch)
        self.clock.lap("predict")
        shared = LeadValues(accepted.leads)  # the values of the reasons of every model
        why = self._explain.served(served.runs, accepted.leads, shared)
        self.clock.lap("reasons")
        shadow_why = None
        if self._topics.shadow and served.shadow is not None:
            shadow_why = self._explain.run(served.shadow, accepted.leads, why.failed,
                                           why.skipped, why.downgraded, shared)
            self.clock.lap("shadow_reasons")
        return Scored(served, why, shadow_why)

    def _records(self, consumed: Consumed, accepted: Accepted, scored: Scored, letters: list,
                 now_s: float, tag: str) -> BatchResult:
        name = self._plan.champion.name
        batch = outputs.BatchInput(accepted.events, accepted.leads, accepted.batch, now_s,
                                   skew=self._skew)
        result = BatchResult()
        result.unknown_attributes = self._unknown.seen(self._plan.champion.label,
                                                       self._intake.unknown(accepted.leads))
        served = scored.served
        runs = served.runs + ((served.shadow,) if served.shadow else ())
        self._served(result, scored, batch, name)
        for letter in letters:
            key = consumed.keys.get((letter.source_partition, letter.source_offset))
            result.records.append(dead_letter_record(self._topics.deadletter, letter, key,
                                                     self._max_record))
            result.dead_letters[letter.reason.value] += 1
        if self._topics.samples:
            result.records += outputs.sample_records(
                self._topics.samples, name, runs, batch, len(letters), (),
                tag, self._plan.champion, result.unknown_attributes)
        check_sizes(result.records, self._max_record)
        self.clock.lap("serialize")
        return result

    def _served(self, result: BatchResult, scored: Scored, batch: outputs.BatchInput,
                name: str) -> None:
        t, served, why = self._topics, scored.served, scored.why
        trends = self._trends_of(served, batch, result)
        self.clock.lap("grade_trend")
        texts = outputs.ScoreTexts.of(served, self._grades, batch)  # once, for every output
        scored_records = outputs.scored_records(t.scored, name, served, batch, self._grades,
                                                why, trends, texts)
        result.records += scored_records
        result.reasons_failed += why.failed
        result.reasons_skipped += why.skipped
        result.reasons_downgraded += why.downgraded
        if self._trends is not None and self._trends.enabled:
            result.history = outputs.history_rows(served, batch, self._grades, texts)
            result.last_scores = dict(zip(batch.lead_ids, served.scores.tolist(), strict=True))
        result.scored = len(served)
        result.model_seconds = sum(r.seconds for r in served.runs)
        result.shadow_error = served.shadow_error
        if scored.shadow_why is not None:
            self.clock.lap("serialize")
            shadow = outputs.shadow_records(t.shadow, name, served, batch, self._grades,
                                            scored.shadow_why, texts)
            result.records += shadow
            result.shadowed = len(shadow)
            self.clock.lap("shadow")
        result.ledger = outputs.ledger_for(name, served, batch)

    def _trends_of(self, served, batch: outputs.BatchInput,
                   result: BatchResult) -> outputs.Trends | None:
        if self._trends is None or not self._trends.enabled:
            return None
        out, result.trend_unknown = batch_trends(self._stored or self._trends, self._seen, batch,
                                                 served.scores, self._delta, self.clock.lap)
        return out


def _utc(now_s: float) -> datetime:
    return datetime.fromtimestamp(now_s, UTC)
