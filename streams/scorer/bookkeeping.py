"""A batch's bookkeeping outside Kafka: what it records in Redis before its transaction,
and what it counts once the transaction committed.

Before publishing, the batch's ledger rows (:class:`~streams.stores.ledger.Ledger`) go to
Redis in one round trip, and its score history entries in another
(:mod:`streams.scorer.trends`). Best effort: a Redis failure is counted and reported
(``ledger_missed``, ``history_missed``), and scoring goes on.
"""

from __future__ import annotations

import time

from streams.scorer.batch import BatchResult
from streams.scorer.metrics import Progress, ScorerMetrics
from streams.scorer.trends import TrendSource
from streams.stores.ledger import Ledger


class BatchBook:
    def __init__(self, metrics: ScorerMetrics, progress: Progress, ledger: Ledger | None,
                 trends: TrendSource | None = None):
        self._metrics = metrics
        self._progress = progress
        self._ledger = ledger
        self._trends = trends

    def record(self, result: BatchResult) -> None:
        """Write the batch's history entries and ledger rows (a Redis round trip each)."""
        if self._trends is not None:
            self._trends.record(result.history)
        if self._ledger is None or not result.ledger:
            return
        written = self._ledger.write(result.ledger)
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
