"""A batch's bookkeeping outside Kafka: its state in Redis and its counts.

- Before the transaction's commit, the batch's score history entries are written
  (:meth:`BatchBook.before`, one round trip): a kill -9 after the commit cannot lose them.
  The loop sends them from the writer thread (:meth:`BatchBook.send_before`) while it
  produces the batch's records and sends its offsets, and waits for them
  (:meth:`BatchBook.landed`) just before the commit: the same order, without the loop
  waiting for Redis meanwhile.
- If the transaction aborts, or the producer is fenced (a zombie) or fails for good, those
  entries are taken back (:meth:`BatchBook.aborted`): an attempt that did not commit
  leaves none (the batch processed again writes its own).
- After the commit, the history entries once more, marked committed (a write before a
  commit never replaces a committed entry: a fenced zombie's late write cannot) and the ledger rows
  (:class:`~streams.stores.ledger.Ledger`, never before: an aborted attempt's row would
  replace the lead's last committed one), in **one** pipelined round trip
  (:meth:`BatchBook.record_later`), sent by a writer thread of its own (its own pooled
  Redis connection) while the loop consumes and scores the next batch. The rows ride
  in the history's script call (one value written per lead, :mod:`streams.stores.lead_state`).

The write after the commit is off the loop's critical path, and ordered: at most one is in
flight (one writer: the ledger rows of a lead land in batch order), and it is waited for
(:meth:`BatchBook.settle`) before the next batch's history is written
(:meth:`BatchBook.before`: its outcome is taken first, so a failure's gaps are marked before
a later entry of the lead closes them, and a kill -9 loses at most the write of the batch
before the one in hand), before an abort's take-back, when partitions are revoked (our
writes land before the next owner's) and on close. The next batch's state read may overlap
it: the previous scores it reads come from the entries written before the commit (the
committed mark only guards against a zombie's late write), and a lead whose entry could not
be written then is already marked as having a gap.

Best effort: a Redis failure is counted and reported (``ledger_missed``,
``history_missed``; the history's leads get a null trend next time), and scoring goes on.
The writer thread only sends; the outcome is taken (counted, logged) on the loop's thread
when the write is waited for.
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import redis
from redis import RedisError

from streams.scorer.batch_result import BatchResult
from streams.scorer.metrics import Progress, ScorerMetrics
from streams.scorer.trends import TrendSource
from streams.stores.history import HistoryRows
from streams.stores.ledger import Ledger
from streams.stores.scripts import Pipeline, execute


@dataclass(frozen=True)
class _Write:
    """A committed batch's write, decided on the loop's thread."""

    client: redis.Redis
    result: BatchResult
    history: bool  # its history entries are staged
    ledger: Ledger | None  # its ledger rows are staged (when not None)


class BatchBook:
    def __init__(self, metrics: ScorerMetrics, progress: Progress, ledger: Ledger | None,
                 trends: TrendSource | None = None):
        self._metrics = metrics
        self._progress = progress
        self._ledger = ledger
        self._trends = trends
        self._writer: ThreadPoolExecutor | None = None  # started at the first write
        self._pending: tuple[_Write, Future[list[object]]] | None = None
        self._before: tuple[HistoryRows, Future[Exception | None]] | None = None

    def before(self, result: BatchResult) -> None:
        """Write the batch's history entries before its transaction (one round trip), once
        the previous batch's write after its commit is done."""
        self.send_before(result)
        self.landed()

    def send_before(self, result: BatchResult) -> None:
        """Send the batch's history entries from the writer thread, once the previous
        batch's write after its commit is done; :meth:`landed` waits for them."""
        self.settle()
        trends = self._trends
        if trends is None or not trends.writable(result.history):
            return
        self._before = (result.history, self._thread().submit(trends.send, result.history))

    def landed(self) -> None:
        """Wait for the history entries sent before the commit, if any, and take their
        outcome (a failure: their leads have a gap)."""
        if self._before is None or self._trends is None:
            return
        rows, sent = self._before
        self._before = None
        self._trends.recorded(rows, sent.result())

    def _thread(self) -> ThreadPoolExecutor:
        if self._writer is None:
            self._writer = ThreadPoolExecutor(1, thread_name_prefix="batch-book")
        return self._writer

    def aborted(self, result: BatchResult) -> None:
        """The batch's transaction aborted: take its history entries back."""
        self.settle()
        if self._trends is not None:
            self._trends.take_back(result.history)

    def record(self, result: BatchResult) -> None:
        """Write the committed batch's history entries and ledger rows (one round trip) and
        wait for it."""
        self.record_later(result)
        self.settle()

    def record_later(self, result: BatchResult) -> None:
        """Send the committed batch's history entries and ledger rows (one round trip) from
        the writer thread; :meth:`settle` waits for it and takes its outcome."""
        self.settle()
        write = self._decide(result)
        if write is None:
            return
        self._pending = (write, self._thread().submit(_send, write, self._trends))

    def settle(self) -> None:
        """Wait for the writes in flight, if any (the history sent before the commit, the
        write after it), and count what they missed."""
        self.landed()
        if self._pending is None:
            return
        write, sent = self._pending
        self._pending = None
        self._outcome(write, sent.result())

    def close(self) -> None:
        """Wait for the write in flight and stop the writer thread."""
        try:
            self.settle()
        finally:
            if self._writer is not None:
                self._writer.shutdown()
                self._writer = None

    def _decide(self, result: BatchResult) -> _Write | None:
        ledger = self._ledger if self._ledger is not None and result.ledger else None
        client = (ledger.client if ledger is not None
                  else self._trends.client if self._trends is not None else None)
        if client is None:
            return None
        history = self._trends is not None and self._trends.writable(result.history)
        if not history and ledger is None:
            return None
        return _Write(client, result, history, ledger)

    def _outcome(self, write: _Write, replies: list[object]) -> None:
        result = write.result
        if write.history and self._trends is not None:
            first = replies[0]
            self._trends.recorded(result.history,
                                  first if isinstance(first, Exception) else None)
        if write.ledger is not None:
            # the history's reply is the rows' too when they rode with it
            written = write.ledger.outcome(result.ledger, replies)
            if written.missed:
                self._metrics.ledger_missed.inc(written.missed)

    def count(self, result: BatchResult, started: float) -> None:
        """Metrics and progress of a committed batch."""
        m = self._metrics
        if result.shadow_error:
            m.shadow_failures.inc()
        for role, n in result.reasons_failed.items():
            m.reasons_failed.labels(role).inc(n)
        for role, n in result.reasons_skipped.items():
            m.reasons_skipped.labels(role).inc(n)
        for grade, n in result.reasons_downgraded.items():
            m.reasons_downgraded.labels(grade).inc(n)
        for name, n in result.unknown_attributes.items():
            m.unknown_attributes.labels(name).inc(n)
        m.batches.inc()
        m.scored.inc(result.scored)
        m.trend_unknown.inc(result.trend_unknown)
        for reason, n in result.dead_letters.items():
            m.dead_lettered.labels(reason).inc(n)
        m.batch_seconds.observe(time.perf_counter() - started)
        m.model_seconds.observe(result.model_seconds)
        self._progress.committed()


def _send(write: _Write, trends: TrendSource | None) -> list[object]:
    """The write's commands in one round trip (on the writer thread): the ledger rows ride
    in the history's script call when there is one; a failed call gives its exception as
    the reply."""
    ledger = write.ledger
    rows = write.result.ledger if ledger is not None else None

    def stage(pipe: Pipeline) -> tuple:
        if write.history:
            trends.stage_committed(pipe, write.result.history, rows)  # type: ignore[union-attr]
            if ledger is not None:
                ledger.stage_rest(pipe, rows)  # type: ignore[arg-type]
        elif ledger is not None:
            ledger.stage(pipe, rows)  # type: ignore[arg-type]
        return ((trends.scripts if write.history else ())  # type: ignore[union-attr]
                + (ledger.scripts if ledger is not None else ()))

    try:
        return execute(write.client, stage)
    except RedisError as exc:
        return [exc]
