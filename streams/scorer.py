"""The scorer loop: consume a batch, score it, publish it in one Kafka transaction, repeat.

The loop only moves messages: :mod:`streams.kafka_io` translates them, :mod:`streams.batch`
hands them to the transport-free core (:mod:`scoring.scorer`) and
:mod:`streams.transaction` commits outputs and offsets together. An aborted transaction
rewinds the consumer to the batch's first offsets (= the committed ones: every committed
batch commits every position it moved) and the batch is processed again.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from redis import RedisError

from schemas.errors import FatalError
from scoring.buckets import BucketThresholds
from scoring.model import ServingModel
from scoring.scorer import BatchScorer, RawEvent
from streams.batch import BatchStep, OutputTopics
from streams.dedup import Deduplicator
from streams.kafka_io import (
    ConsumerErrorAction,
    classify_consumer_error,
    consumer_config,
    producer_config,
    translate,
)
from streams.metrics import ScorerMetrics
from streams.progress import Progress
from streams.settings import Settings
from streams.transaction import BatchAborted, BatchTransaction, StopRequested

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunLimits:
    """Bounds for tests and benchmarks; unbounded by default."""

    max_events: int | None = None
    """Stop once this many events are committed."""
    idle_exit_s: float | None = None
    """Stop after this long without a consumed event."""


class Scorer:
    """One scorer process: one consumer, one transactional producer, one serving model."""

    def __init__(self, settings: Settings, model: ServingModel, dedup: Deduplicator,
                 metrics: ScorerMetrics | None = None, limits: RunLimits = RunLimits()):
        self._settings = settings
        self._limits = limits
        self._stop = threading.Event()
        self._pending: ServingModel | None = None
        self._lock = threading.Lock()
        self.metrics = metrics or ScorerMetrics()
        self.progress = Progress()
        self._fatal: KafkaError | None = None
        hooks = {"logger": logging.getLogger("librdkafka"), "error_cb": self._client_error}
        self._consumer = Consumer({**consumer_config(settings), **hooks})
        self._txn = BatchTransaction(
            lambda: Producer({**producer_config(settings), **hooks}),
            self._consumer, self._stop.is_set)
        self._dedup = dedup
        topics = OutputTopics(settings.topic_scored, settings.topic_deadletter)
        self._step = BatchStep(self._batch_scorer(model), dedup, topics)
        self.metrics.serving(model)

    # --- the seam for serving-model changes -------------------------------------------------
    def swap_model(self, model: ServingModel) -> None:
        """Serve ``model`` from the next batch on (thread-safe; never mid-batch)."""
        with self._lock:
            self._pending = model

    def _apply_pending_model(self) -> None:
        with self._lock:
            model, self._pending = self._pending, None
        if model is not None:
            self._step.scorer = self._batch_scorer(model)
            self.metrics.serving(model)
            log.info("now serving %s", model.label)

    def _batch_scorer(self, model: ServingModel) -> BatchScorer:
        s = self._settings
        thresholds = BucketThresholds(hot=s.bucket_hot, warm=s.bucket_warm, cool=s.bucket_cool)
        return BatchScorer(model, thresholds, s.max_payload_bytes)

    # --- running -----------------------------------------------------------------------------
    def stop(self) -> None:
        """Ask the loop to stop after the batch in hand (safe from a signal handler)."""
        self._stop.set()

    def run(self) -> Progress:
        """Score until stopped or a limit is reached; close the clients; return the totals."""
        log.info("scorer %s: %s → %s + %s, serving %s", self._settings.transactional_id,
                 self._settings.topic_incoming, self._settings.topic_scored,
                 self._settings.topic_deadletter, self._step.scorer.model.label)
        try:
            self._txn.init()
            self._consumer.subscribe([self._settings.topic_incoming],
                                     on_assign=self._on_assign, on_revoke=self._on_revoke)
            while not self._finished():
                self._apply_pending_model()
                messages = self._consumer.consume(self._batch_n(), self._settings.batch_timeout_s)
                self._handle(messages)
                self._txn.poll()
                self.progress.maybe_log(self._dedup.skipped_batches)
        except StopRequested as exc:
            log.warning("stopped while Kafka was unavailable: %s", exc)
        finally:
            self._close()
        return self.progress

    def _handle(self, messages: list) -> None:
        consumed = translate(messages)
        for err in consumed.errors:
            self._consumer_error(err)
        if not consumed.events:
            return
        self.progress.received(len(consumed.events))
        self.metrics.consumed.inc(len(consumed.events))
        started = time.perf_counter()
        result = self._step.run(consumed)
        try:
            self._txn.publish(result.records)
        except BatchAborted:
            self.metrics.aborted.inc()
            self.progress.aborted += 1
            if not self._stop.is_set():
                self._rewind(consumed.events)
            return
        self.metrics.batches.inc()
        self.metrics.scored.inc(result.scored)
        for reason, n in result.dead_letters.items():
            self.metrics.dead_lettered.labels(reason).inc(n)
        self.metrics.batch_seconds.observe(time.perf_counter() - started)
        self.metrics.model_seconds.observe(result.model_seconds)
        self.progress.committed(len(consumed.events), result.scored,
                                sum(result.dead_letters.values()))

    def _rewind(self, events: list[RawEvent]) -> None:
        """Seek each partition of the aborted batch back to its first offset in the batch."""
        first: dict[tuple[str, int], int] = {}
        for ev in events:
            first.setdefault((ev.topic, ev.partition), ev.offset)
        for (topic, partition), offset in first.items():
            try:
                self._consumer.seek(TopicPartition(topic, partition, offset))
            except KafkaException as exc:
                raise FatalError(f"cannot rewind {topic}[{partition}] to {offset} after an "
                                 f"abort ({exc.args[0]}); a restart resumes from the "
                                 "committed offsets") from exc
        log.info("rewound %d partition(s) to re-process the aborted batch", len(first))

    def _client_error(self, err: KafkaError) -> None:
        """librdkafka's instance-level errors (error_cb): fatal ones stop the loop."""
        if err.fatal():
            self._fatal = err
        else:
            self._consumer_error(err)

    def _consumer_error(self, err: KafkaError) -> None:
        action = classify_consumer_error(err)
        if action is ConsumerErrorAction.IGNORE:
            return
        self.metrics.consumer_errors.labels(err.name()).inc()
        if action is ConsumerErrorAction.FATAL:
            raise FatalError(f"the Kafka consumer failed: {err}; if it was fenced, another "
                             "scorer runs with the same transactional id (it is also the "
                             "consumer's group.instance.id)")
        self.progress.consumer_error(err)

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        log.info("assigned %s", _describe(partitions))
        self.progress.received(0)

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        log.info("revoked %s", _describe(partitions))
        self._txn.abort()  # never open between batches; abort whatever a failure left open

    def _batch_n(self) -> int:
        n = self._settings.batch_size
        if self._limits.max_events is not None:
            n = min(n, max(1, self._limits.max_events - self.progress.events))
        return n

    def _finished(self) -> bool:
        if self._fatal is not None:
            raise FatalError(f"the Kafka client failed: {self._fatal} (a fenced scorer: "
                             "another one runs with the same transactional id)")
        if self._stop.is_set():
            return True
        lim = self._limits
        if lim.max_events is not None and self.progress.events >= lim.max_events:
            log.info("reached --max-events %d", lim.max_events)
            return True
        if lim.idle_exit_s is not None and self.progress.idle_s() >= lim.idle_exit_s:
            log.info("no event for %.1fs (--idle-exit)", lim.idle_exit_s)
            return True
        return False

    def _close(self) -> None:
        """Close everything; a failure to close one client is logged, not raised over the
        error that may be stopping the scorer."""
        self._stop.set()  # no retry loop while closing
        steps = (("finish the producer", self._txn.close),
                 ("close the consumer", self._consumer.close),
                 ("close Redis", self._dedup.close))
        for what, step in steps:
            try:
                step()
            except (KafkaException, FatalError, RedisError) as exc:
                log.error("could not %s while stopping: %s", what, exc)
        self.progress.log_summary(self._dedup.skipped_batches)


def _describe(partitions: list[TopicPartition]) -> str:
    return ", ".join(f"{tp.topic}[{tp.partition}]" for tp in partitions) or "nothing"
