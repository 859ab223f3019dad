"""One batch = one Kafka transaction: outputs and consumed offsets commit together.

:meth:`BatchTransaction.publish` either commits everything or raises :class:`BatchAborted`
after aborting (the caller seeks back to the batch's first offsets and goes on); a fenced
or otherwise fatal producer raises :class:`~schemas.errors.FatalError`. Retriable errors (a broker
restarting, a request timing out) are retried here with a capped back-off.

librdkafka's ``send_offsets_to_transaction`` can ignore its timeout and block for good
after the group coordinator went away (librdkafka issues #5456, #5511; seen here on a
broker restart). It therefore runs under a watchdog: if it hangs, the producer is replaced
by a fresh one with the same transactional id, whose ``init_transactions`` fences the stuck
one and aborts its transaction (which cannot have been committed: the commit comes after),
and the batch is processed again.

A transaction open longer than ``transaction.timeout.ms`` is aborted by the broker, which
bumps the producer's epoch: librdkafka then reports the producer *fenced*, or, when the
expiry lands while we abort, the abort in an *invalid state* (both fatal). When the
transaction in hand had outlived the timeout, that is taken for what it is (our own
transaction expired; nothing of it was committed) and handled like a stuck call: a fresh
producer with the same transactional id, and the batch processed again. (Seen when the
leader of an output partition is killed: its records time out with the transaction, the
abort waits on the moving coordinator, and the broker expires the transaction meanwhile.)
A fence seen in a younger transaction is another process with the same transactional id:
fatal, as before.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition

from schemas.errors import FatalError, RetryableError
from streams.kafka.auth import ACL_TABLE, is_refusal
from streams.kafka.io import TOO_LARGE, OutRecord, TxnAction, classify_txn_error

log = logging.getLogger(__name__)

CALL_TIMEOUT_S = 10.0
"""Longest single blocking transactional call; a timeout is retried."""
HANG_S = CALL_TIMEOUT_S + 5.0
"""A ``send_offsets_to_transaction`` still blocked after this is stuck."""
MAX_BACKOFF_S = 2.0
EXPIRY_CODES = frozenset({KafkaError._FENCED, KafkaError.PRODUCER_FENCED,
                          KafkaError.INVALID_PRODUCER_EPOCH, KafkaError.INVALID_TXN_STATE})
"""What a transaction expired by the broker looks like to the producer that held it."""

T = TypeVar("T")


class BatchAborted(RetryableError):
    """The batch's transaction was aborted: seek back to its first offsets and go on."""


class StopRequested(RetryableError):
    """Shutdown was asked for while a transactional call kept failing."""


class ProducerStuck(RetryableError):
    """A transactional call blocked past its timeout: the producer must be replaced."""


class TransactionExpired(RetryableError):
    """The broker aborted our transaction after ``transaction.timeout.ms`` (the producer
    was fenced by its own expiry): replace the producer, process the batch again."""


class BatchTransaction:
    """Publishes batches transactionally on behalf of one consumer; owns the producer."""

    def __init__(self, make_producer: Callable[[], Producer], consumer: Consumer,
                 stopping: Callable[[], bool], timeout_s: float = 60.0,
                 lap: Callable[[str], None] = lambda stage: None):
        self._lap = lap
        """Told when producing ("produce"), ``send_offsets`` and the commit end."""
        self._make_producer = make_producer
        self._timeout_s = timeout_s
        self._began = 0.0
        self._producer = make_producer()
        self._consumer = consumer
        self._stopping = stopping
        self._stuck: list[Producer] = []  # kept alive: a thread is still inside their call
        self._failed = False  # the producer hit a fatal error: no more calls on it
        self.open = False

    def init(self) -> None:
        """Register the transactional id; fences (and aborts) any previous instance of it."""
        try:
            self._call("init_transactions",
                       lambda: self._producer.init_transactions(CALL_TIMEOUT_S))
        except KafkaException as exc:
            raise FatalError(f"cannot initialise transactions: {exc.args[0]}") from exc

    def publish(self, records: Sequence[OutRecord], offsets: list[TopicPartition],
                before_commit: Callable[[], None] | None = None) -> None:
        """Produce ``records`` and commit ``offsets`` (the batch's next offsets) for the
        consumer's group, in one committed transaction; ``before_commit`` is called once
        they are sent, before the commit (the scorer waits there for the batch's history
        entries, sent to Redis meanwhile; its time is the ``redis`` stage's)."""
        try:
            try:
                self._transact(records, offsets, before_commit)
            except KafkaException as exc:
                self._abort_for(exc)
        except StopRequested as exc:
            self.abort()
            raise BatchAborted(str(exc)) from exc
        except ProducerStuck as exc:
            self._replace_producer(str(exc))
            raise BatchAborted(str(exc)) from exc
        except TransactionExpired as exc:
            self._replace_producer(str(exc), keep=False)
            raise BatchAborted(str(exc)) from exc

    def _transact(self, records: Sequence[OutRecord], offsets: list[TopicPartition],
                  before_commit: Callable[[], None] | None = None) -> None:
        self._producer.begin_transaction()
        self.open = True
        self._began = time.monotonic()
        for rec in records:
            self._produce(rec)
        self._lap("produce")
        meta = self._consumer.consumer_group_metadata()
        self._call("send_offsets_to_transaction",
                   lambda: _watched(self._producer.send_offsets_to_transaction,
                                    offsets, meta, CALL_TIMEOUT_S))
        self._lap("send_offsets")
        if before_commit is not None:
            before_commit()
            self._lap("redis")
        self._call("commit_transaction",
                   lambda: self._producer.commit_transaction(CALL_TIMEOUT_S))
        self._lap("commit")
        self.open = False

    def abort(self) -> None:
        """Abort the open transaction, if any (retrying while the broker is away)."""
        if not self.open or self._failed:
            return
        try:
            self._call("abort_transaction",
                       lambda: self._producer.abort_transaction(CALL_TIMEOUT_S))
        except StopRequested:
            log.warning("stopping with the transaction still open: the next start (or the "
                        "transaction timeout) aborts it")
        except TransactionExpired as exc:  # already aborted by the broker
            if self._stopping():
                self._failed = True
            else:
                self._replace_producer(str(exc), keep=False)
        except KafkaException as exc:
            raise FatalError(f"cannot abort the open transaction: {exc.args[0]}; a restart "
                             "aborts it and resumes from the committed offsets") from exc
        finally:
            self.open = False

    def poll(self) -> None:
        """Serve the producer's callbacks and logs."""
        self._producer.poll(0)

    def close(self, timeout_s: float = 5.0) -> None:
        self.abort()
        self._producer.flush(timeout_s)

    def _replace_producer(self, why: str, keep: bool = True) -> None:
        log.error("%s: replacing the producer; the new one fences it and aborts its "
                  "transaction", why)
        if keep:
            self._stuck.append(self._producer)
        self._producer = self._make_producer()
        self.open = False
        self._failed = False
        self.init()

    def _expired(self, exc: KafkaException) -> bool:
        """A fence caused by our own transaction outliving ``transaction.timeout.ms``."""
        err = exc.args[0] if exc.args and isinstance(exc.args[0], KafkaError) else None
        return (self.open and err is not None and err.code() in EXPIRY_CODES
                and time.monotonic() - self._began >= self._timeout_s)

    def _fatal(self, exc: KafkaException) -> Exception:
        if self._expired(exc):
            return TransactionExpired(
                f"the transaction was open {time.monotonic() - self._began:.1f}s, longer than "
                f"transaction.timeout.ms ({self._timeout_s:.0f}s), and the broker aborted it")
        self._failed = True
        return FatalError(_fatal_message(exc))

    def _abort_for(self, exc: KafkaException) -> None:
        if classify_txn_error(exc) is TxnAction.FATAL:
            raise self._fatal(exc) from exc
        log.warning("aborting the batch transaction: %s", exc.args[0])
        self.abort()
        raise BatchAborted(str(exc.args[0])) from exc

    def _produce(self, rec: OutRecord) -> None:
        while True:
            try:
                self._producer.produce(rec.topic, rec.value, rec.key)
                return
            except BufferError:
                self._producer.poll(0.05)  # local queue full: let deliveries drain

    def _call(self, what: str, op: Callable[[], T]) -> T:
        backoff = 0.1
        while True:
            try:
                return op()
            except KafkaException as exc:
                action = classify_txn_error(exc)
                if action is TxnAction.FATAL:
                    raise self._fatal(exc) from exc
                if action is TxnAction.ABORT:
                    raise
                if self._stopping():
                    raise StopRequested(f"{what} failed while stopping: {exc.args[0]}") from exc
                log.warning("%s failed, retrying in %.1fs: %s", what, backoff, exc.args[0])
                time.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_S)


def _watched(op: Callable[..., T], *args: object) -> T:
    """``op(*args)`` in a daemon thread; :class:`ProducerStuck` if it outlives ``HANG_S``."""
    outcome: list[T | BaseException] = []

    def run() -> None:
        try:
            outcome.append(op(*args))
        except BaseException as exc:  # handed to the caller's thread, re-raised there
            outcome.append(exc)

    worker = threading.Thread(target=run, name="txn-call", daemon=True)
    worker.start()
    worker.join(HANG_S)
    if not outcome:
        raise ProducerStuck(f"{getattr(op, '__name__', 'call')} blocked for {HANG_S:.0f}s")
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def _fatal_message(exc: KafkaException) -> str:
    err = exc.args[0] if exc.args else exc
    if isinstance(err, KafkaError) and is_refusal(err):
        return (f"Kafka refused the transactional producer ({err.name()}: {err.str()}); who "
                f"may do what is in {ACL_TABLE}")
    if isinstance(err, KafkaError) and err.code() in TOO_LARGE:
        return (f"a record was refused as too large ({err.str()}): the batch cannot commit "
                "on any retry; a topic's max.message.bytes is below the producer's "
                "message.max.bytes (1 MB, or LEADSTREAM_KAFKA_EXTRA): raise the topic's")
    return (f"the transactional producer cannot go on ({err}); if it was fenced, another "
            "scorer runs with the same transactional id (LEADSTREAM_TRANSACTIONAL_ID must be "
            "unique per process)")
