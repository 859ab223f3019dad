"""The scorer's progress line: logged only when something happened, with the rate over its
interval; the last line's "while busy" rate leaves idle stretches between bursts out."""

from __future__ import annotations

import logging

from streams.scorer.metrics import LOG_EVERY_S, Progress, ScorerMetrics


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def batch(progress: Progress, clock: Clock, n: int, seconds: float) -> None:
    """``n`` events received, scored and committed in ``seconds``."""
    progress.received(n)
    clock.now += seconds
    progress.metrics.scored.inc(n)
    progress.metrics.batches.inc()
    progress.committed()


def test_busy_rate_leaves_idle_time_out() -> None:
    clock = Clock()
    progress = Progress(ScorerMetrics(), clock)
    for _ in range(10):  # a burst: 10 batches of 1,000 back to back, 0.1 s each
        batch(progress, clock, 1000, 0.1)
    clock.now += 300.0  # five idle minutes
    batch(progress, clock, 1000, 0.1)  # one more batch
    # by hand: 11,000 events over 11 x 0.1 s busy = 10,000/s (not 11,000 / 301 s = 37/s)
    assert progress.events == 11_000
    assert abs(progress.rate() - 10_000) < 1e-6


def test_a_batch_right_after_a_commit_counts_the_wait_between_them() -> None:
    clock = Clock()
    progress = Progress(ScorerMetrics(), clock)
    batch(progress, clock, 500, 0.1)
    clock.now += 0.4  # the consumer waited 0.4 s for the next events: still busy
    batch(progress, clock, 500, 0.1)
    assert abs(progress.rate() - 1000 / 0.6) < 1e-6


def test_progress_is_logged_only_when_something_happened(caplog) -> None:
    caplog.set_level(logging.INFO, logger="streams.scorer.metrics")
    clock = Clock()
    progress = Progress(ScorerMetrics(), clock)
    for _ in range(5):  # 25 idle seconds
        clock.now += LOG_EVERY_S
        progress.maybe_log(0)
    assert caplog.records == []
    batch(progress, clock, 2000, 1.0)
    clock.now += LOG_EVERY_S - 1.0
    progress.maybe_log(0)
    assert len(caplog.records) == 1
    assert "2000 events" in caplog.records[0].getMessage()
    assert caplog.records[0].getMessage().endswith("(400/s)")  # 2,000 in the last 5 s
    for _ in range(3):
        clock.now += LOG_EVERY_S
        progress.maybe_log(0)
    assert len(caplog.records) == 1  # idle again: no more lines
