"""Adaptive batching: a batch closes when the consumer's queue is empty, never on a timer,
unless a backlog fills whole batches."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from streams.scorer.run_bounds import take_batch
from streams.settings import Settings

SETTINGS = Settings(_env_file=None, batch_timeout_s=0.05, batch_timeout_idle_s=0.005)


class QueueConsumer:
    """A consumer whose local queue holds ``queued`` messages; ``arriving`` more show up
    while a call blocks (as librdkafka's consume returns once it has ``num``)."""

    def __init__(self, queued: int, arriving: int = 0):
        self.queue = list(range(queued))
        self.arriving = list(range(1000, 1000 + arriving))
        self.calls: list[tuple[int, float]] = []
        self.waited_s = 0.0

    def consume(self, num: int, timeout: float) -> list[int]:
        self.calls.append((num, timeout))
        while len(self.queue) < num and timeout > 0 and self.arriving:
            self.queue.append(self.arriving.pop(0))  # returns as soon as it has num
        if len(self.queue) < num and timeout > 0:
            self.waited_s += timeout  # nothing more came: the whole timeout
        out, self.queue = self.queue[:num], self.queue[num:]
        return out


@given(st.integers(0, 3000), st.integers(1, 1000))
def test_without_a_backlog_a_batch_is_what_is_queued_and_never_waits_a_timer(queued, n):
    consumer = QueueConsumer(queued, arriving=5)
    got = take_batch(consumer, n, SETTINGS, backlog=False)
    if queued:
        assert got == list(range(min(queued, n))) and consumer.calls == [(n, 0)]
    else:  # the first arrival closes the batch with what queued meanwhile
        assert got == [1000]
        assert consumer.calls[:2] == [(n, 0), (1, SETTINGS.batch_timeout_idle_s)]
    assert consumer.waited_s == 0.0


def test_an_idle_consumer_waits_only_the_idle_wait():
    consumer = QueueConsumer(0)
    assert take_batch(consumer, 100, SETTINGS, backlog=False) == []
    assert consumer.waited_s == SETTINGS.batch_timeout_idle_s


def test_a_backlog_waits_for_a_full_batch():
    consumer = QueueConsumer(10, arriving=990)
    assert len(take_batch(consumer, 1000, SETTINGS, backlog=True)) == 1000
    assert consumer.calls == [(1000, SETTINGS.batch_timeout_s)]


def test_without_adaptive_batching_a_batch_waits_the_timer():
    consumer = QueueConsumer(3)
    timer = SETTINGS.model_copy(update={"adaptive_batching": False})
    assert take_batch(consumer, 100, timer, backlog=False) == [0, 1, 2]
    assert consumer.waited_s == SETTINGS.batch_timeout_idle_s
