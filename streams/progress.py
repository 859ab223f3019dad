"""Running totals of a scorer and its INFO progress line every few seconds."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from confluent_kafka import KafkaError

log = logging.getLogger("streams.scorer")

LOG_EVERY_S = 5.0
ERROR_LOG_EVERY_S = 5.0


@dataclass
class Progress:
    """What a scorer has committed so far (events, scored, dead letters, batches, aborts)."""

    clock: Callable[[], float] = time.monotonic
    events: int = 0
    scored: int = 0
    dead_lettered: int = 0
    batches: int = 0
    aborted: int = 0
    consumer_errors: int = 0
    ledger_missed: int = 0
    """Scored leads whose Redis ledger entry could not be written."""
    started: float = field(init=False)
    last_event: float = field(init=False)
    _last_log: float = field(init=False)
    first_event: float | None = None
    last_commit: float | None = None
    _last_log_events: int = 0
    _error_logged: dict[int, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.started = self.last_event = self._last_log = self.clock()

    def received(self, n: int) -> None:
        """``n`` events arrived (0: partitions were assigned, which restarts the idle clock)."""
        now = self.clock()
        if n and self.first_event is None:
            self.first_event = now
        self.last_event = now

    def committed(self, events: int, scored: int, dead_lettered: int) -> None:
        self.events += events
        self.scored += scored
        self.dead_lettered += dead_lettered
        self.batches += 1
        self.last_commit = self.clock()

    def idle_s(self) -> float:
        return self.clock() - self.last_event

    def consumer_error(self, err: KafkaError) -> None:
        """Log a transient consumer error, at most once per code every few seconds."""
        self.consumer_errors += 1
        now = self.clock()
        if now - self._error_logged.get(err.code(), -1e9) >= ERROR_LOG_EVERY_S:
            self._error_logged[err.code()] = now
            log.warning("Kafka consumer error (librdkafka retries): %s", err)

    def maybe_log(self, redis_skipped: int) -> None:
        now = self.clock()
        if now - self._last_log < LOG_EVERY_S:
            return
        rate = (self.events - self._last_log_events) / (now - self._last_log)
        self._last_log, self._last_log_events = now, self.events
        log.info("%d batches, %d events (%.0f/s): %d scored, %d dead-lettered; %d aborted, "
                 "%d without dedup, %d ledger entries missed", self.batches, self.events, rate,
                 self.scored, self.dead_lettered, self.aborted, redis_skipped,
                 self.ledger_missed)

    def rate(self) -> float:
        """Events per second from the first event received to the last batch committed."""
        if self.first_event is None or self.last_commit is None:
            return 0.0
        elapsed = self.last_commit - self.first_event
        return self.events / elapsed if elapsed > 0 else 0.0

    def log_summary(self, redis_skipped: int) -> None:
        log.info("stopped: %d events in %d batches (%.0f/s while busy): %d scored, "
                 "%d dead-lettered, %d transactions aborted, %d batches without dedup, "
                 "%d ledger entries missed", self.events, self.batches, self.rate(),
                 self.scored, self.dead_lettered, self.aborted, redis_skipped,
                 self.ledger_missed)
