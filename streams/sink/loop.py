"""The sink loop: ``leads.scored`` (read_committed) → the CRM → commit, one batch at a time.

Per batch: records that are not valid scores, or that the sink cannot read whatever their key and
value hold, are dead-lettered (``invalid_record``), and so are scores whose
``scored_at`` no scorer stamped (:func:`~scoring.writeback.clock.absurd`); the newest score
per lead is kept by position (:func:`~scoring.writeback.score.newest_per_lead`), minus any
behind what the CRM was given (:class:`~streams.stores.delivered.Delivered`); the rest go to
the CRM (:func:`~streams.sink.deliver.deliver`), minus the old records of forgotten leads
(:mod:`streams.sink.forgotten`); refusals and unreadable answers go to
``sink.deadletter``; then, and only then, the offsets are committed. While the CRM is down
the batch is tried again with backoff, never dropped or committed; a kill -9 re-reads it
from the last commit and writes the same newest scores again (idempotent).
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, Producer, TopicPartition
from pydantic import ValidationError

from schemas.errors import FatalError, RetryableError
from schemas.scored import ScoredLead
from schemas.sink import RESPONSE_CHARS, SinkDeadLetter, SinkRejectReason
from scoring.intake import internal_error
from scoring.writeback.clock import absurd, explain
from scoring.writeback.formats import CrmFormat
from scoring.writeback.score import WritebackScore, newest_per_lead
from streams.kafka.io import ConsumerErrorAction, classify_consumer_error
from streams.kafka.sizes import letter_record
from streams.settings import Settings
from streams.sink.deliver import Refusal, deliver
from streams.sink.forgotten import Forgotten
from streams.sink.http import CrmClient
from streams.sink.metrics import SinkMetrics
from streams.stores.delivered import Delivered

log = logging.getLogger(__name__)

LOST_GENERATION = (KafkaError.REBALANCE_IN_PROGRESS, KafkaError.ILLEGAL_GENERATION,
                   KafkaError.UNKNOWN_MEMBER_ID, KafkaError._NO_OFFSET)


class Sink:
    def __init__(self, settings: Settings, consumer: Consumer, producer: Producer,
                 client: CrmClient, fmt: CrmFormat, delivered: Delivered | None,
                 metrics: SinkMetrics, max_records: int | None = None,
                 idle_exit_s: float | None = None, forgotten: Forgotten | None = None):
        self._s = settings
        self._scale = settings.grade_scale  # parsed once, not per record
        self._grades = {"grades": self._scale.names}  # a legacy bucket → this grade
        self._consumer, self._producer, self._client = consumer, producer, client
        self._fmt, self._delivered, self.metrics = fmt, delivered, metrics
        self._max_records, self._idle_exit_s = max_records, idle_exit_s
        self._forgotten = forgotten
        self._stop = threading.Event()
        self.committed = 0

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        log.info("sink: %s → %s (%s), dead letters to %s", self._s.topic_scored,
                 self._fmt.name, "token set" if self._s.sink_token else "no token",
                 self._s.topic_sink_deadletter)
        self._consumer.subscribe([self._s.topic_scored])
        idle = 0.0
        try:
            while not self._stop.is_set() and not self._enough():
                messages = self._consumer.consume(self._s.sink_batch_size, 1.0)
                records = [m for m in messages if not self._consumer_error(m)]
                # idle only counts while partitions are ours: not while joining the group
                idle = 0.0 if records or not self._consumer.assignment() else idle + 1.0
                if self._idle_exit_s is not None and idle >= self._idle_exit_s:
                    break
                if records:
                    self._until_done(records)
                    for m in records:
                        self.metrics.lag.took(m.topic(), m.partition(), m.timestamp()[1])
                self.metrics.lag.update(self._consumer, self._s.sink_group)
        finally:
            self._close()

    def _enough(self) -> bool:
        return self._max_records is not None and self.committed >= self._max_records

    def _consumer_error(self, msg: Message) -> bool:
        err = msg.error()
        if err is None:
            return False
        if classify_consumer_error(err) is ConsumerErrorAction.FATAL:
            raise FatalError(f"the sink's Kafka consumer failed: {err}")
        if err.code() != KafkaError._PARTITION_EOF:
            log.warning("Kafka consumer error (librdkafka retries): %s", err)
        return True

    def _until_done(self, records: list[Message]) -> None:
        wait = self._s.sink_backoff_s
        while True:
            try:
                self._batch(records)
                return
            except RetryableError as exc:
                self.metrics.crm_unavailable.inc()
                log.warning("%s; batch of %d held back, trying again in %.1fs", exc,
                            len(records), wait)
                if self._stop.wait(wait):
                    return  # stopping: nothing committed, the batch is read again
                wait = min(wait * 2, self._s.sink_backoff_max_s)

    def _batch(self, records: list[Message]) -> None:
        self.metrics.consumed.inc(len(records))
        scores, letters = [], []
        now = datetime.now(UTC)
        for msg in records:
            read = self.read(msg, now)
            (letters if isinstance(read, SinkDeadLetter) else scores).append(read)
        if self._forgotten is not None:  # an erasure stays erased (sink/forgotten.py)
            scores = self._forgotten.keep(scores, records)
        newest = newest_per_lead(scores)
        older = self._delivered.older(newest) if self._delivered else set()
        to_send = [s for s in newest if s.lead_id not in older]
        self.metrics.superseded.inc(len(scores) - len(to_send))
        before = self._client.transient_failures
        delivery = deliver(to_send, self._fmt, self._client, self._s.sink_batch_size)
        self.metrics.crm_retries.inc(self._client.transient_failures - before)
        self.metrics.requests.inc(delivery.requests)
        letters += [self._refused(r) for r in delivery.refused]
        self._dead_letter(letters)
        if self._delivered and not self._delivered.record(delivery.delivered):
            self.metrics.redis_down.inc()
        self.metrics.delivered.inc(len(delivery.delivered))
        self._commit(records)

    def read(self, msg: Message, now: datetime) -> WritebackScore | SinkDeadLetter:
        """One record of ``leads.scored``: its score, or its dead letter. The whole record
        is input (key of any size or none, any value): never raises."""
        try:
            lead = ScoredLead.model_validate_json(msg.value() or b"", context=self._grades)
        except ValidationError as exc:
            where = "; ".join(f"{e['type']} at {'.'.join(map(str, e['loc']))}"
                              for e in exc.errors())
            return self._invalid(msg, f"{exc.error_count()} validation errors: {where}")
        try:
            if (reason := absurd(lead.scored_at, now, self._s.event_time_future_s)) is not None:
                return self._absurd(msg, lead, reason)
            return WritebackScore.of(lead, msg.partition(), msg.offset(), self._scale)
        except Exception as exc:  # a record the sink cannot read: its dead letter, not a crash
            return self._invalid(msg, internal_error(exc, "read").message)

    def _invalid(self, msg: Message, why: str) -> SinkDeadLetter:
        lead_id = (msg.key() or b"")[:512].decode("utf-8", "replace")[:128] or None
        return SinkDeadLetter(
            reason=SinkRejectReason.INVALID_RECORD, lead_id=lead_id, crm_format=self._fmt.name,
            response=why[:RESPONSE_CHARS], source_partition=msg.partition(),
            source_offset=msg.offset(), failed_at=datetime.now(UTC))

    def _absurd(self, msg: Message, lead: ScoredLead,
                reason: SinkRejectReason) -> SinkDeadLetter:
        return SinkDeadLetter(
            reason=reason, lead_id=lead.lead_id, crm_format=self._fmt.name,
            response=explain(lead.scored_at, reason, self._s.event_time_future_s),
            score=lead.score, model_version=lead.model_version, scored_at=lead.scored_at,
            source_partition=msg.partition(), source_offset=msg.offset(),
            failed_at=datetime.now(UTC))

    def _refused(self, r: Refusal) -> SinkDeadLetter:
        s = r.score
        return SinkDeadLetter(
            reason=r.reason, lead_id=s.lead_id, crm_format=self._fmt.name,
            status_code=r.status, response=r.response[:RESPONSE_CHARS], score=s.score,
            model_version=s.model_version, scored_at=s.scored_at, source_partition=s.partition,
            source_offset=s.offset, failed_at=datetime.now(UTC))

    def _dead_letter(self, letters: list[SinkDeadLetter]) -> None:
        if not letters:
            return
        failures: list[KafkaError] = []
        for letter in letters:
            record = letter_record(self._s.topic_sink_deadletter, letter,
                                   (letter.lead_id or "").encode() or None,
                                   self._s.max_record_bytes)
            self._producer.produce(
                record.topic, key=record.key, value=record.value,
                on_delivery=lambda err, _msg: failures.append(err) if err else None)
        left = self._producer.flush(30)
        if left or failures:
            raise RetryableError(f"could not write {left + len(failures)} sink dead letters: "
                                 f"{failures[0] if failures else 'timed out'}")
        for letter in letters:
            self.metrics.dead_lettered.labels(letter.reason.value).inc()

    def _commit(self, records: list[Message]) -> None:
        ends: dict[tuple[str, int], int] = {}
        for m in records:
            key = (m.topic(), m.partition())
            ends[key] = max(ends.get(key, -1), m.offset() + 1)
        offsets = [TopicPartition(t, p, o) for (t, p), o in ends.items()]
        try:
            self._consumer.commit(offsets=offsets, asynchronous=False)
        except KafkaException as exc:
            err = exc.args[0] if exc.args else None
            if isinstance(err, KafkaError) and err.code() in LOST_GENERATION:
                log.warning("partitions moved before the commit (%s): their new owner "
                            "writes the same newest scores again", err)
                return
            raise
        self.committed += len(records)

    def _close(self) -> None:
        for what, step in (("close the consumer", self._consumer.close),
                           ("flush the dead-letter producer", lambda: self._producer.flush(10)),
                           ("close the CRM client", self._client.close)):
            try:
                step()
            except (KafkaException, RuntimeError) as exc:
                log.error("could not %s while stopping: %s", what, exc)
        log.info("sink stopped: %d records committed", self.committed)
