"""The scorer loop: consume a batch, score it, publish it in one Kafka transaction, repeat.

The loop only moves messages: :mod:`streams.kafka.io` translates them,
:mod:`streams.scorer.batch` hands them to the transport-free core (:mod:`scoring.serving`),
:mod:`streams.kafka.transaction` commits outputs and offsets together, and
:mod:`streams.scorer.bookkeeping` keeps the batch's Redis state exact with that transaction
(history before it, taken back on an abort; history again and ledger after the commit,
sent by a writer thread while the next batch is consumed and scored, and waited for before
the next batch's history is written, on a revocation and on close).
After an abort the consumer is sought back to the batch's first offsets and the loop goes
on (:mod:`streams.scorer.offsets`): every reader of the outputs reads ``read_committed``,
so an aborted batch's records were never seen.

Rebalances: the callbacks run only inside ``consume`` (and ``close``), never while a
batch is processed. Events of a partition revoked during the ``consume`` that returned
them are dropped, and a transaction commits the offsets after the events it holds, not
the consumer's position, so a batch never holds an event twice nor commits past one.

Stopping: the consumer keeps its static membership (``group.instance.id``, so a scorer
restarted after a crash takes its partitions back at once), and on a clean stop it leaves
the group explicitly before closing, so its partitions move to the other scorers at once
instead of after the session timeout (a static member's ``close`` alone does not leave).

Between two batches, and only there, a new serving plan (configuration + loaded models,
:mod:`streams.scorer.serving`) replaces the current one.
"""

from __future__ import annotations

import logging
import threading
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from redis import RedisError

from monitors.event_time import SkewTolerance
from schemas.errors import FatalError
from scoring.model import ServingModel
from scoring.serving import ServingPlan
from streams.kafka.client_log import client_log
from streams.kafka.io import (
    Consumed,
    ConsumerErrorAction,
    classify_consumer_error,
    consumer_config,
    consumer_failed,
    producer_config,
    translate,
)
from streams.kafka.transaction import BatchAborted, BatchTransaction, StopRequested
from streams.scorer.batch import BatchStep, OutputTopics
from streams.scorer.bookkeeping import BatchBook
from streams.scorer.explain import Explanations
from streams.scorer.metrics import Progress, ScorerMetrics
from streams.scorer.offsets import Part, next_offsets, offsets_tag, rewind, without_revoked
from streams.scorer.run_bounds import RunLimits, take_batch
from streams.scorer.serving import ServingControl
from streams.scorer.trends import TrendSource
from streams.settings import Settings
from streams.stores.dedup import Deduplicator
from streams.stores.ledger import Ledger

log = logging.getLogger(__name__)

LEAVE_WAIT_S = 5.0
"""Longest wait, on a clean stop, for the revocation that precedes leaving the group."""


class Scorer:
    """One scorer process: one consumer, one transactional producer, one serving plan."""

    def __init__(self, settings: Settings, plan: ServingPlan, dedup: Deduplicator,
                 metrics: ScorerMetrics, limits: RunLimits, control: ServingControl,
                 ledger: Ledger | None, trends: TrendSource | None = None):
        self._settings = settings
        self._limits = limits
        self._stop = threading.Event()
        self._control = control
        self._revoked: set[Part] = set()  # revoked during the current consume
        self._full = False  # the last consume returned a full batch: there is a backlog
        self.metrics = metrics
        self.progress = Progress(self.metrics)
        self._trends = trends
        self._book = BatchBook(self.metrics, self.progress, ledger, trends)
        self._fatal: KafkaError | None = None
        self._clock = metrics.stages
        hooks = {**client_log(), "error_cb": self._client_error}  # benign retries at debug
        self._consumer = Consumer({**consumer_config(settings), **hooks})
        self._txn = BatchTransaction(
            lambda: Producer({**producer_config(settings), **hooks}),
            self._consumer, self._stop.is_set, settings.transaction_timeout_ms / 1000,
            lap=self._clock.lap)
        self._dedup, s = dedup, settings
        topics = OutputTopics(s.topic_scored, s.topic_deadletter, s.topic_scores_shadow,
                              s.topic_monitor_samples)
        self._step = BatchStep(plan, dedup, topics, s.grade_scale, s.max_payload_bytes,
                               s.transactional_id, s.deadletter_payload_max_bytes,
                               s.max_record_bytes,
                               SkewTolerance.from_seconds(s.event_time_future_s,
                                                          s.event_time_past_s),
                               deadletter_payload=s.deadletter_payload,
                               explanations=Explanations(s.reasons_k, s.grade_scale,
                                                         s.exact_grades, s.reasons_threads,
                                                         s.reasons_budget_ms),
                               trend_source=trends, trend_delta=s.trend_delta,
                               clock=self._clock)
        self.metrics.serving_plan(_models(plan))

    # --- the seam for serving changes ----------------------------------------------------
    def swap_plan(self, plan: ServingPlan) -> None:
        """Serve ``plan`` from the next batch on (thread-safe; never mid-batch)."""
        self._control.swap(plan)

    def _between_batches(self) -> None:
        plan = self._control.next_plan()
        if plan is not None:
            self._step.plan = plan
            self.metrics.serving_plan(_models(plan))
            self.metrics.plan_swaps.inc()
            log.info("now serving %s", plan.label)

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
            self._clock.start()
            self._consumer.subscribe([self._settings.topic_incoming],
                                     on_assign=self._on_assign, on_revoke=self._on_revoke)
            while not self._finished():
                self._between_batches()
                n = self._limits.batch_n(self._settings, self.progress)
                self._revoked = set()
                self._clock.begin()
                messages = take_batch(self._consumer, n, self._settings, self._full)
                self._clock.lap("consume_wait")
                self._full = len(messages) >= n
                self._handle(messages)
                self.metrics.lag.update(self._consumer, self._settings.consumer_group)
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
        if self._revoked and consumed.events:
            kept = without_revoked(self._consumer, consumed.events, self._revoked)
            if len(kept) < len(consumed.events):
                log.info("dropped %d event(s) of revoked partitions from the batch",
                         len(consumed.events) - len(kept))
            consumed = Consumed(kept, consumed.keys, [])
        if not consumed.events:
            return
        self.metrics.consumed.inc(len(consumed.events))
        started = time.perf_counter()
        result = self._step.run(consumed, offsets_tag(consumed.events))
        self._book.send_before(result)  # history entries a kill -9 after the commit cannot
        self._clock.lap("redis")  # lose: sent now, waited for just before the commit
        try:
            self._txn.publish(result.records, next_offsets(consumed.events),
                              before_commit=self._book.landed)
        except BatchAborted:
            self.metrics.aborted.inc()
            self._book.aborted(result)
            if not self._stop.is_set():
                n = rewind(self._consumer, consumed.events)
                log.info("sought %d partition(s) back to the aborted batch's first offsets", n)
            self._clock.end(len(consumed.events))
            return
        except FatalError:  # fenced (a zombie) or refused: the batch did not commit
            self._book.aborted(result)
            raise
        self._book.record_later(result)  # the ledger only once the batch committed
        self._clock.lap("redis")
        self._book.count(result, started)
        self.metrics.lag.consumed(consumed.events)
        self._clock.end(len(consumed.events))

    def _client_error(self, err: KafkaError) -> None:
        """librdkafka's instance-level errors (error_cb): fatal ones stop the loop."""
        if err.fatal():
            self._fatal = err
        else:
            self._consumer_error(err)

    def _consumer_error(self, err: KafkaError) -> None:
        action = classify_consumer_error(err)
        if action is not ConsumerErrorAction.IGNORE:
            self.metrics.consumer_errors.labels(err.name()).inc()
            if action is ConsumerErrorAction.FATAL:
                raise consumer_failed(err)
            self.progress.consumer_error(err)

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        log.info("assigned %s", _describe(partitions))
        self.progress.received(0)

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        log.info("revoked %s", _describe(partitions))
        self._revoked |= {(tp.topic, tp.partition) for tp in partitions}
        self._txn.abort()  # never open between batches; abort whatever a failure left open
        self._book.settle()  # our last write lands before the next owner's first

    def _leave_group(self) -> None:
        """Leave the consumer group now (a static member's ``close`` alone does not):
        unsubscribe, then serve the revocation (events still buffered are not processed:
        the next owner starts from the committed offsets)."""
        self._revoked = set()
        self._consumer.unsubscribe()
        deadline = time.monotonic() + LEAVE_WAIT_S
        while (self._consumer.assignment() and not self._revoked
               and time.monotonic() < deadline):
            self._consumer.poll(0.05)

    def _finished(self) -> bool:
        if self._fatal is not None:
            raise consumer_failed(self._fatal)
        return self._stop.is_set() or self._limits.reached(self.progress)

    def _close(self) -> None:
        """Close everything; a failure to close one client is logged, not raised over the
        error that may be stopping the scorer."""
        self._stop.set()  # no retry loop while closing
        steps = (("finish the producer", self._txn.close),
                 ("write the last batch's Redis state", self._book.close),
                 ("stop the state reader", self._step.close),
                 ("leave the consumer group", self._leave_group),
                 ("close the consumer", self._consumer.close),
                 ("close Redis", self._dedup.close),
                 ("close the score history", self._trends.close if self._trends else _none),
                 ("close the control-plane reader", self._control.close),
                 ("stop the stage clock", self._clock.close))
        for what, step in steps:
            try:
                step()
            except (KafkaException, FatalError, RedisError) as exc:
                log.error("could not %s while stopping: %s", what, exc)
        self.progress.log_summary(self._dedup.skipped_batches)


def _none() -> None:
    return None


def _models(plan: ServingPlan) -> list[ServingModel]:
    return [m for m in (plan.champion, plan.challenger) if m is not None]


def _describe(partitions: list[TopicPartition]) -> str:
    return ", ".join(f"{tp.topic}[{tp.partition}]" for tp in partitions) or "nothing"
