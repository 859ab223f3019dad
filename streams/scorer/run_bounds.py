"""Bounds on a scorer run (tests, benchmarks) and how a batch is taken from the consumer.

A run stops once ``max_events`` are committed or after ``idle_exit_s`` without an event;
unbounded by default.

Adaptive batching (:func:`take_batch`): while a backlog fills whole batches, a batch waits
up to ``batch_timeout_s`` to fill (throughput: fewer, larger transactions). Otherwise a
batch closes when the consumer's local queue is empty, not when a timer expires: it takes
what is queued, or waits (up to ``batch_timeout_idle_s``, then the loop checks its limits
and asks again) for the first event and takes it with whatever queued meanwhile. At
moderate load each batch is what arrived during the previous batch's commit, and no event
waits for a timer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from confluent_kafka import Consumer

from streams.scorer.metrics import Progress
from streams.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunLimits:
    """Bounds for tests and benchmarks; unbounded by default."""

    max_events: int | None = None
    """Stop once this many events are committed."""
    idle_exit_s: float | None = None
    """Stop after this long without a consumed event."""

    def reached(self, progress: Progress) -> bool:
        if self.max_events is not None and progress.events >= self.max_events:
            log.info("reached --max-events %d", self.max_events)
            return True
        if self.idle_exit_s is not None and progress.idle_s() >= self.idle_exit_s:
            log.info("no event for %.1fs (--idle-exit)", self.idle_exit_s)
            return True
        return False

    def batch_n(self, settings: Settings, progress: Progress) -> int:
        """Events to ask the next ``consume`` for."""
        n = settings.batch_size
        if self.max_events is not None:
            n = min(n, max(1, self.max_events - progress.events))
        return n


def take_batch(consumer: Consumer, n: int, settings: Settings, backlog: bool) -> list:
    """Up to ``n`` messages (events and consumer errors): the whole wait while a backlog
    fills batches; otherwise what is queued, closed as soon as the queue is empty."""
    if backlog:
        return consumer.consume(n, settings.batch_timeout_s)
    if not settings.adaptive_batching:  # the timer: wait for n or the idle timeout
        return consumer.consume(n, min(settings.batch_timeout_s, settings.batch_timeout_idle_s))
    queued = consumer.consume(n, 0)
    if queued:
        return queued
    first = consumer.consume(1, settings.batch_timeout_idle_s)
    if not first or n == 1:
        return first
    return first + consumer.consume(n - 1, 0)
