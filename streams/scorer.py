"""The scorer loop: consume a batch, score it, publish it in one Kafka transaction, repeat.

The loop only moves messages: :mod:`streams.kafka_io` translates them, :mod:`streams.batch`
hands them to the transport-free core (:mod:`scoring.serving`) and
:mod:`streams.transaction` commits outputs and offsets together. An aborted transaction
rewinds the consumer to the batch's first offsets (= the committed ones: every committed
batch commits every position it moved) and the batch is processed again with exactly the
same offset ranges (:mod:`streams.replay`), so its monitor samples keep their ids.

Between two batches, and only there, a new serving plan (configuration + loaded models,
:mod:`streams.serving_control`) replaces the current one; never while an aborted batch is
being re-formed.
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
from scoring.scorer import RawEvent
from scoring.serving import ServingPlan
from streams.batch import BatchResult, BatchStep, OutputTopics
from streams.dedup import Deduplicator
from streams.kafka_io import (
    Consumed,
    ConsumerErrorAction,
    classify_consumer_error,
    consumer_config,
    producer_config,
    translate,
)
from streams.ledger import Ledger
from streams.metrics import ScorerMetrics
from streams.progress import Progress
from streams.replay import BatchRanges, IntentStore, Replay, reform
from streams.serving_control import ServingControl
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
    """One scorer process: one consumer, one transactional producer, one serving plan."""

    def __init__(self, settings: Settings, plan: ServingPlan | ServingModel,
                 dedup: Deduplicator, metrics: ScorerMetrics | None = None,
                 limits: RunLimits = RunLimits(), control: ServingControl | None = None,
                 ledger: Ledger | None = None, intents: IntentStore | None = None):
        self._settings = settings
        self._limits = limits
        self._stop = threading.Event()
        self._control = control or ServingControl()
        self._ledger = ledger
        self._intents = intents or IntentStore(None, settings.transactional_id, 0)
        self._replay: Replay | None = None
        self._full = False  # the last consume returned a full batch: there is a backlog
        self.metrics = metrics or ScorerMetrics()
        self.progress = Progress()
        self._fatal: KafkaError | None = None
        hooks = {"logger": logging.getLogger("librdkafka"), "error_cb": self._client_error}
        self._consumer = Consumer({**consumer_config(settings), **hooks})
        self._txn = BatchTransaction(
            lambda: Producer({**producer_config(settings), **hooks}),
            self._consumer, self._stop.is_set)
        self._dedup = dedup
        s = settings
        topics = OutputTopics(s.topic_scored, s.topic_deadletter, s.topic_scores_shadow,
                              s.topic_monitor_samples)
        thresholds = BucketThresholds(hot=s.bucket_hot, warm=s.bucket_warm, cool=s.bucket_cool)
        plan = plan if isinstance(plan, ServingPlan) else ServingPlan(plan)
        self._step = BatchStep(plan, dedup, topics, thresholds, s.max_payload_bytes,
                               s.transactional_id)
        self.metrics.serving_plan(_models(plan))

    # --- the seam for serving changes ----------------------------------------------------
    def swap_model(self, model: ServingModel) -> None:
        """Serve ``model`` alone from the next batch on (thread-safe; never mid-batch)."""
        self._control.swap(ServingPlan(model))

    def swap_plan(self, plan: ServingPlan) -> None:
        """Serve ``plan`` from the next batch on (thread-safe; never mid-batch)."""
        self._control.swap(plan)

    @property
    def plan(self) -> ServingPlan:
        return self._step.plan

    def _between_batches(self) -> None:
        if self._replay is not None:
            return  # an aborted batch is re-formed under the plan it was scored with
        plan = self._control.next_plan()
        if plan is not None:
            self._step.plan = plan
            self.metrics.serving_plan(_models(plan))
            self.metrics.plan_swaps.inc()
            log.info("now serving %s", plan.label)

    # --- running -----------------------------------------------------------------------------
    def stop(self) -> None:
        """Ask the loop to stop after the batch in hand (safe from a signal handler)."""
        self._stop.set()

    def run(self) -> Progress:
        """Score until stopped or a limit is reached; close the clients; return the totals."""
        log.info("scorer %s: %s → %s + %s, serving %s", self._settings.transactional_id,
                 self._settings.topic_incoming, self._settings.topic_scored,
                 self._settings.topic_deadletter, self._step.plan.label)
        try:
            self._txn.init()
            self._resume_in_flight()
            self._consumer.subscribe([self._settings.topic_incoming],
                                     on_assign=self._on_assign, on_revoke=self._on_revoke)
            while not self._finished():
                self._between_batches()
                n = self._batch_n()
                messages = self._consumer.consume(n, self._batch_timeout())
                self._full = len(messages) >= n
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
        if consumed.events:
            self.progress.received(len(consumed.events))
        if self._replay is not None:
            consumed = self._replaying(consumed)
        if not consumed.events:
            return
        self.metrics.consumed.inc(len(consumed.events))
        started = time.perf_counter()
        ranges = BatchRanges.of(consumed.events)
        result = self._step.run(consumed, ranges.tag())
        self._intents.save(ranges)
        self._write_ledger(result)
        try:
            self._txn.publish(result.records)
        except BatchAborted:
            self.metrics.aborted.inc()
            self.progress.aborted += 1
            if not self._stop.is_set():
                self._rewind(consumed.events)
                self._replay = Replay(ranges)
            return
        self._count(result, consumed, started)

    def _count(self, result: BatchResult, consumed: Consumed, started: float) -> None:
        if result.shadow_error:
            self.metrics.shadow_failures.inc()
        self.metrics.batches.inc()
        self.metrics.scored.inc(result.scored)
        for reason, n in result.dead_letters.items():
            self.metrics.dead_lettered.labels(reason).inc(n)
        self.metrics.batch_seconds.observe(time.perf_counter() - started)
        self.metrics.model_seconds.observe(result.model_seconds)
        self.progress.committed(len(consumed.events), result.scored,
                                sum(result.dead_letters.values()))

    def _write_ledger(self, result: BatchResult) -> None:
        if self._ledger is None or not result.ledger:
            return
        written = self._ledger.write(result.ledger)
        if written.missed:
            self.metrics.ledger_missed.inc(written.missed)
            self.progress.ledger_missed += written.missed

    # --- re-forming an aborted batch -------------------------------------------------------
    def _resume_in_flight(self) -> None:
        """A batch recorded in flight by a previous run is re-formed first."""
        ranges = self._intents.load()
        if ranges is not None:
            log.info("re-forming the batch in flight at the last stop (%s) if uncommitted",
                     ranges.tag())
            self._replay = Replay(ranges)

    def _replaying(self, consumed: Consumed) -> Consumed:
        assert self._replay is not None
        whole = reform(self._replay, self._consumer, consumed)
        if whole is None:
            return Consumed([], {}, [])
        self._replay = None
        self.metrics.replays.inc()
        return whole

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

    def _batch_timeout(self) -> float:
        """The long wait only while a backlog fills batches; a short one otherwise."""
        s = self._settings
        return s.batch_timeout_s if self._full else min(s.batch_timeout_s,
                                                         s.batch_timeout_idle_s)

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
                 ("close Redis", self._dedup.close),
                 ("close the control-plane reader", self._control.close))
        for what, step in steps:
            try:
                step()
            except (KafkaException, FatalError, RedisError) as exc:
                log.error("could not %s while stopping: %s", what, exc)
        self.progress.log_summary(self._dedup.skipped_batches)


def _models(plan: ServingPlan) -> list[ServingModel]:
    return [m for m in (plan.champion, plan.challenger) if m is not None]


def _describe(partitions: list[TopicPartition]) -> str:
    return ", ".join(f"{tp.topic}[{tp.partition}]" for tp in partitions) or "nothing"
