"""Re-forming an aborted batch in the scorer: rewind, collect the same ranges, resume.

After an abort the consumer is sought back to the batch's first offsets and a
:class:`~streams.scorer.replay.Replay` collects exactly the batch's ranges again (across as many
consumes as needed); a batch recorded in flight by a previous process (kill -9) is
re-formed first at start. See :mod:`streams.scorer.replay` for why the ranges must not change.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from confluent_kafka import Consumer, KafkaException, TopicPartition

from schemas.errors import FatalError
from scoring.intake import RawEvent
from streams.kafka.io import Consumed
from streams.scorer.replay import BatchRanges, IntentStore, Part, Replay
from streams.scorer.stats import ScorerMetrics

log = logging.getLogger(__name__)


class Reformer:
    """The aborted batch being re-formed, if any, for one consumer."""

    def __init__(self, consumer: Consumer, intents: IntentStore, metrics: ScorerMetrics):
        self._consumer = consumer
        self._intents = intents
        self._metrics = metrics
        self._replay: Replay | None = None

    @property
    def active(self) -> bool:
        return self._replay is not None

    def resume_in_flight(self) -> None:
        """A batch recorded in flight by a previous run is re-formed first."""
        ranges = self._intents.load()
        if ranges is not None:
            log.info("re-forming the batch in flight at the last stop (%s) if uncommitted",
                     ranges.tag())
            self._replay = Replay(ranges)

    def aborted(self, events: Sequence[RawEvent], ranges: BatchRanges) -> None:
        """Rewind to the aborted batch and re-form it from the next consumes."""
        n = rewind(self._consumer, events)
        log.info("rewound %d partition(s) to re-process the aborted batch", n)
        self._replay = Replay(ranges)

    def feed(self, consumed: Consumed) -> Consumed:
        """The whole batch once re-formed; nothing until then."""
        assert self._replay is not None
        whole = reform(self._replay, self._consumer, consumed)
        if whole is None:
            return Consumed([], {}, [])
        self._replay = None
        self._metrics.replays.inc()
        return whole


def rewind(consumer: Consumer, events: Sequence[RawEvent]) -> int:
    """Seek each partition of an aborted batch back to its first offset in the batch;
    returns how many partitions were rewound."""
    first: dict[Part, int] = {}
    for ev in events:
        first.setdefault((ev.topic, ev.partition), ev.offset)
    for (topic, partition), offset in first.items():
        try:
            consumer.seek(TopicPartition(topic, partition, offset))
        except KafkaException as exc:
            raise FatalError(f"cannot rewind {topic}[{partition}] to {offset} after an "
                             f"abort ({exc.args[0]}); a restart resumes from the "
                             "committed offsets") from exc
    return len(first)


def reform(replay: Replay, consumer: Consumer, consumed: Consumed) -> Consumed | None:
    """Feed one consume's events to ``replay``; the whole batch once it is re-formed.

    Events outside the ranges are sought back to; partitions with nothing left to wait
    for are paused meanwhile (and all resumed when the batch is whole).
    """
    assigned = consumer.assignment()
    if not assigned:
        return None  # not (yet) a member: nothing to re-form from, nothing to give up
    replay.drop({(tp.topic, tp.partition) for tp in assigned})
    for (topic, partition), offset in replay.take(consumed.events, consumed.keys).items():
        consumer.seek(TopicPartition(topic, partition, offset))
    if not replay.complete():
        waiting = set(replay.pending())
        consumer.pause([tp for tp in assigned if (tp.topic, tp.partition) not in waiting])
        return None
    if replay.timed_out():
        log.warning("gave up re-forming the aborted batch after %.0fs (still waiting for %s); "
                    "its monitor samples may be counted twice", replay.deadline_s,
                    replay.pending())
    consumer.resume(assigned)
    events = sorted(replay.events, key=lambda e: (e.partition, e.offset))
    return Consumed(events, replay.keys, [])
