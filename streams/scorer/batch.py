"""One consumed batch → the records of its transaction: validate, de-duplicate, serve, encode.

Every consumed event yields exactly one record: on ``leads.scored``, or on
``leads.deadletter`` (malformed, a resend of an event id already scored elsewhere, or an
event a serving model or the scorer itself failed on). With them, in the same
transaction: shadow comparisons (shadow mode) and one ``monitor.samples`` record per model
role and version; the batch's ledger and score-history entries are handed back for the
caller to write to Redis. Each scored lead's ``trend`` compares its score with the lead's
previous published one: earlier in this batch, else from the history
(:mod:`streams.scorer.trends`, one Redis read per handled part).

Per-event isolation (:mod:`streams.scorer.isolation`): if anything raises while a
(sub-)batch is handled (encoding, predicting, building records, a record over the
producer's size limit), the batch is split in halves and each half handled again, down to
the single events that fail. Those
become dead letters, ``scoring_failed`` when a serving model raised on them and
``internal_error`` otherwise, their event-id claims are released (a CRM resend of them is
scored, not ``duplicate_event``), and every other event is scored. :meth:`BatchStep.run`
never raises for an event.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from monitors.event_time import DEFAULT_SKEW, SkewTolerance
from schemas.errors import RejectedEvent, RejectReason
from schemas.leads import DEADLETTER_PAYLOAD_MAX_BYTES, DeadLetter
from schemas.payload import PayloadPolicy
from scoring.grades import GradeScale
from scoring.intake import Accepted, Intake, RawEvent, bare_dead_letter, internal_error
from scoring.serving import ModelFailed, ServingPlan, serve
from scoring.trend import DEFAULT_DELTA
from streams.kafka.io import (
    MAX_RECORD_BYTES,
    Consumed,
    OutRecord,
    dead_letter_record,
    letter_payload_limit,
)
from streams.scorer import records as outputs
from streams.scorer.explain import Explanations
from streams.scorer.isolation import bisect, check_sizes
from streams.scorer.trends import TrendSource, batch_trends
from streams.stores.dedup import Claim, Deduplicator
from streams.stores.history import HistoryRows
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
    """The records of one batch's transaction, its ledger and history entries, and what
    they count."""

    records: list[OutRecord] = field(default_factory=list)
    ledger: LedgerRows = field(default_factory=lambda: LedgerRows([], []))
    history: HistoryRows = field(default_factory=HistoryRows)
    last_scores: dict[str, float] = field(default_factory=dict)
    """Each scored lead's last score in this part (what a later part compares with)."""
    trend_unknown: int = 0
    scored: int = 0
    dead_letters: Counter[str] = field(default_factory=Counter)
    model_seconds: float = 0.0
    shadowed: int = 0
    shadow_error: str | None = None
    reasons_failed: Counter[str] = field(default_factory=Counter)
    """Model runs whose explainer failed (their scores went out without reasons), by role."""

    def add(self, part: BatchResult) -> None:
        """Append the result of a part of the batch (in input order)."""
        self.records += part.records
        self.ledger = self.ledger.extended(part.ledger)
        self.history = self.history.extended(part.history)
        self.last_scores.update(part.last_scores)
        self.trend_unknown += part.trend_unknown
        self.scored += part.scored
        self.dead_letters += part.dead_letters
        self.model_seconds += part.model_seconds
        self.shadowed += part.shadowed
        self.shadow_error = self.shadow_error or part.shadow_error
        self.reasons_failed += part.reasons_failed


class _PartFailed(Exception):
    """Handling a (sub-)batch raised ``cause``; ``claims`` are the event ids it claimed."""

    def __init__(self, cause: Exception, claims: list[Claim]):
        super().__init__(repr(cause))
        self.cause = cause
        self.claims = claims


@dataclass
class _Culprits:
    """The events that failed on their own, as dead letters, and who failed on them."""

    letters: list[tuple[DeadLetter, bytes | None]] = field(default_factory=list)
    failed: dict[tuple[str, str], outputs.FailedRole] = field(default_factory=dict)
    first: Exception | None = None

    def model_failed(self, exc: ModelFailed) -> None:
        key = (exc.role.value, exc.model.version)
        known = self.failed.get(key)
        self.failed[key] = outputs.FailedRole(exc.role, exc.model, known.n + 1 if known else 1)


class BatchStep:
    """Turns consumed batches into output records under one serving plan at a time."""

    def __init__(self, plan: ServingPlan, dedup: Deduplicator, topics: OutputTopics,
                 grades: GradeScale | None = None,
                 max_payload_bytes: int = 64 * 1024, sample_prefix: str = "scorer",
                 deadletter_payload_max_bytes: int = DEADLETTER_PAYLOAD_MAX_BYTES,
                 max_record_bytes: int = MAX_RECORD_BYTES, skew: SkewTolerance = DEFAULT_SKEW,
                 deadletter_payload: PayloadPolicy = PayloadPolicy.ORIGINAL,
                 explanations: Explanations | None = None,
                 trend_source: TrendSource | None = None, trend_delta: float = DEFAULT_DELTA):
        self._skew = skew
        self._letter_policy = deadletter_payload
        self._trends = trend_source
        self._delta = trend_delta
        self._seen: dict[str, float] = {}  # leads scored by the parts of this batch so far
        self._dedup = dedup
        self._topics = topics
        self._grades = grades or GradeScale()
        self._explain = explanations or Explanations(0, self._grades, frozenset())
        self._max_payload = max_payload_bytes
        self._letter_payload = letter_payload_limit(deadletter_payload_max_bytes,
                                                   max_record_bytes)
        self._max_record = max_record_bytes
        self._prefix = sample_prefix
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

    def run(self, consumed: Consumed, ranges_tag: str = "") -> BatchResult:
        """The batch's records; one outcome per event, whatever the events hold."""
        now_s = time.time()
        result, culprits = BatchResult(), _Culprits()
        self._seen = {}
        tag = f"{self._prefix}:{ranges_tag}"
        parts, failed = bisect(consumed.events,
                               lambda events, t: self._attempt(consumed, events, now_s, t), tag)
        for part in parts:
            result.add(part)
        for event, exc in failed:
            self._culprit(consumed, event, exc, now_s, culprits)
        if culprits.letters:
            self._add_culprits(result, culprits, now_s, tag)
        return result

    # --- the events that fail on their own -------------------------------------------
    def _attempt(self, consumed: Consumed, events: Sequence[RawEvent], now_s: float,
                 tag: str) -> BatchResult:
        claims: list[Claim] = []
        try:
            part = self._handle(consumed, events, now_s, tag, claims)
        except Exception as exc:  # anything at all: narrowed down to the events that cause it
            raise _PartFailed(exc, claims) from exc
        self._seen.update(part.last_scores)
        return part

    def _culprit(self, consumed: Consumed, event: RawEvent, failed: Exception,
                 now_s: float, culprits: _Culprits) -> None:
        exc, claims = ((failed.cause, failed.claims) if isinstance(failed, _PartFailed)
                       else (failed, []))
        if isinstance(exc, ModelFailed):
            error = RejectedEvent(RejectReason.SCORING_FAILED, str(exc)[:500])
            culprits.model_failed(exc)
        else:
            error = internal_error(exc, "score")
        culprits.first = culprits.first or exc
        self._dedup.release(claims)
        try:
            letter = self._intake.dead_letter(event, error, _utc(now_s))
        except Exception as exc2:  # even its dead letter fails: keep only its bytes
            log.exception("cannot build the dead letter of %s:%d:%d", event.topic,
                          event.partition, event.offset)
            letter = bare_dead_letter(event, f"{error.message}; then {type(exc2).__name__}",
                                      _utc(now_s), self._letter_payload, self._letter_policy)
        culprits.letters.append((letter, consumed.keys.get((event.partition, event.offset))))

    def _add_culprits(self, result: BatchResult, culprits: _Culprits, now_s: float,
                      tag: str) -> None:
        first = culprits.first
        reasons = Counter(letter.reason.value for letter, _ in culprits.letters)
        log.error("dead-lettered %s of a batch of events that failed on their own; the "
                  "first: %s", dict(reasons), first, exc_info=first)
        for letter, key in culprits.letters:
            result.records.append(dead_letter_record(self._topics.deadletter, letter, key))
        result.dead_letters += reasons
        if self._topics.samples:
            empty = outputs.BatchInput([], [], self._plan.champion.encoder.encode_leads([]),
                                       now_s)
            n_internal = reasons[RejectReason.INTERNAL_ERROR.value]
            result.records += outputs.sample_records(
                self._topics.samples, self._plan.champion.name, (), empty, n_internal,
                list(culprits.failed.values()), f"{tag}/x", self._plan.champion)

    # --- one (sub-)batch -------------------------------------------------------------
    def _handle(self, consumed: Consumed, events: Sequence[RawEvent], now_s: float,
                tag: str, claims: list[Claim]) -> BatchResult:
        now = _utc(now_s)
        accepted, rejected = self._intake.accept(events, now)
        accepted, resent = self._drop_resends(accepted, now, claims)
        name = self._plan.champion.name
        batch = outputs.BatchInput(accepted.events, accepted.leads, accepted.batch, now_s,
                                   skew=self._skew)
        result = BatchResult()
        served = serve(self._plan, accepted.leads, accepted.batch)
        runs = served.runs + ((served.shadow,) if served.shadow else ())
        self._served(result, served, batch, name)
        for letter in rejected + resent:
            key = consumed.keys.get((letter.source_partition, letter.source_offset))
            result.records.append(dead_letter_record(self._topics.deadletter, letter, key))
            result.dead_letters[letter.reason.value] += 1
        if self._topics.samples:
            result.records += outputs.sample_records(
                self._topics.samples, name, runs, batch, len(rejected) + len(resent), (),
                tag, self._plan.champion)
        check_sizes(result.records, self._max_record)
        return result

    def _served(self, result: BatchResult, served, batch: outputs.BatchInput,
                name: str) -> None:
        t = self._topics
        why = self._explain.served(served.runs, batch.leads)
        scored = outputs.scored_records(t.scored, name, served, batch, self._grades, why,
                                        self._trends_of(served, batch, result))
        result.records += scored
        result.reasons_failed += why.failed
        if self._trends is not None and self._trends.enabled:
            result.history = outputs.history_rows(scored, served, batch)
            result.last_scores = dict(zip([lead.lead_id for lead in batch.leads],
                                          served.scores.tolist(), strict=True))
        result.scored = len(served)
        result.model_seconds = sum(r.seconds for r in served.runs)
        result.shadow_error = served.shadow_error
        if t.shadow and served.shadow is not None:
            shadow_why = self._explain.run(served.shadow, batch.leads, result.reasons_failed)
            shadow = outputs.shadow_records(t.shadow, name, served, batch, self._grades,
                                            shadow_why)
            result.records += shadow
            result.shadowed = len(shadow)
        result.ledger = outputs.ledger_for(name, served, batch)

    def _trends_of(self, served, batch: outputs.BatchInput,
                   result: BatchResult) -> outputs.Trends | None:
        if self._trends is None or not self._trends.enabled:
            return None
        out, result.trend_unknown = batch_trends(self._trends, self._seen, batch,
                                                 served.scores, self._delta)
        return out

    def _drop_resends(self, accepted: Accepted, now: datetime, claims: list[Claim]
                      ) -> tuple[Accepted, list[DeadLetter]]:
        """Split off CRM resends of event ids first scored at another source position;
        ``claims`` receives the claims this batch now holds."""
        leads, events = accepted.leads, accepted.events
        idx = [i for i, lead in enumerate(leads) if lead.event_id]
        asked = [Claim(leads[i].event_id, _where(events[i]), leads[i].lead_id)  # type: ignore[arg-type]
                 for i in idx]
        dupes = self._dedup.duplicates(asked)
        claims += [c for j, c in enumerate(asked) if j not in dupes]
        if not dupes:
            return accepted, []
        taken = {idx[j]: first for j, first in dupes.items()}
        letters = [self._intake.dead_letter(events[i], RejectedEvent(
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


def _utc(now_s: float) -> datetime:
    return datetime.fromtimestamp(now_s, UTC)
