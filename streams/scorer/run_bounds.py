"""Bounds on a scorer run (tests, benchmarks) and the wait of each ``consume``.

A run stops once ``max_events`` are committed or after ``idle_exit_s`` without an event;
unbounded by default. The batch wait is the long one (``batch_timeout_s``) only while a
backlog fills whole batches; otherwise the short one (``batch_timeout_idle_s``) keeps
latency low at moderate load.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

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


def batch_timeout(settings: Settings, backlog: bool) -> float:
    """The long wait only while a backlog fills batches; a short one otherwise."""
    if backlog:
        return settings.batch_timeout_s
    return min(settings.batch_timeout_s, settings.batch_timeout_idle_s)
