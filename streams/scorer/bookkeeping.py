"""A batch's bookkeeping outside Kafka: its state in Redis and its counts.

- Before the transaction, the batch's score history entries are written
  (:meth:`BatchBook.before`, one round trip): a kill -9 after the commit cannot lose them.
- If the transaction aborts, or the producer is fenced (a zombie) or fails for good, those
  entries are taken back (:meth:`BatchBook.aborted`): an attempt that did not commit
  leaves none (the batch processed again writes its own).
- After the commit, the history entries once more, marked committed (a write before a
  commit never replaces a committed entry: a fenced zombie's late write cannot) and the ledger rows
  (:class:`~streams.stores.ledger.Ledger`, never before: an aborted attempt's row would
  replace the lead's last committed one), in **one** pipelined round trip
  (:meth:`BatchBook.record`); the rows ride in the history's script call (one value
  written per lead, :mod:`streams.stores.lead_state`).

Best effort: a Redis failure is counted and reported (``ledger_missed``,
``history_missed``; the history's leads get a null trend next time), and scoring goes on.
"""

from __future__ import annotations

import time

from redis import RedisError

from streams.scorer.batch import BatchResult
from streams.scorer.metrics import Progress, ScorerMetrics
from streams.scorer.trends import TrendSource
from streams.stores.ledger import Ledger
from streams.stores.scripts import Pipeline, execute


class BatchBook:
    def __init__(self, metrics: ScorerMetrics, progress: Progress, ledger: Ledger | None,
                 trends: TrendSource | None = None):
        self._metrics = metrics
        self._progress = progress
        self._ledger = ledger
        self._trends = trends

    def before(self, result: BatchResult) -> None:
        """Write the batch's history entries before its transaction (one round trip)."""
        if self._trends is not None:
            self._trends.record(result.history)

    def aborted(self, result: BatchResult) -> None:
        """The batch's transaction aborted: take its history entries back."""
        if self._trends is not None:
            self._trends.take_back(result.history)

    def record(self, result: BatchResult) -> None:
        """Write the committed batch's history entries and ledger rows: one round trip."""
        ledger = self._ledger if self._ledger is not None and result.ledger else None
        client = (ledger.client if ledger is not None
                  else self._trends.client if self._trends is not None else None)
        if client is None:
            return
        trends, queued = self._trends, [False, 0]  # history staged, ledger commands

        def stage(pipe: Pipeline) -> tuple:
            rows = result.ledger if ledger is not None else None
            queued[0] = trends is not None and trends.stage(pipe, result.history, rows)
            if ledger is not None:  # the rows rode with the history's script, or go alone
                queued[1] = (ledger.stage_rest(pipe, result.ledger) if queued[0]
                             else ledger.stage(pipe, result.ledger))
            return ((trends.scripts if queued[0] else ())  # type: ignore[union-attr]
                    + (ledger.scripts if ledger is not None else ()))

        try:
            replies = execute(client, stage)  # nothing staged: nothing sent, no replies
        except RedisError as exc:
            replies = [exc] * (int(queued[0]) + int(queued[1]))
        history = bool(queued[0])
        if not history and not queued[1]:
            return
        if history and self._trends is not None:
            first = replies[0]
            self._trends.recorded(result.history,
                                  first if isinstance(first, Exception) else None)
        if ledger is not None:  # the history's reply is the rows' too when they rode with it
            written = ledger.outcome(result.ledger, replies)
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
