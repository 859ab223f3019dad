"""Consumer lag of a group's own assignment, exported as Prometheus gauges.

Per assigned partition, between two batches (at most every ``every_s``):

* ``leadstream_consumer_lag_records{group,topic,partition}``: the partition's high
  watermark minus the consumer's position (the records it has not yet fetched); the high
  watermark is librdkafka's, as of its last fetch (no broker round-trip on the hot path);
* ``leadstream_consumer_lag_seconds{group,topic,partition}``: 0 without lag; else the age of
  the last record the consumer took from the partition (now - its timestamp). The oldest
  record not yet consumed was written at or after that one, so this is an upper bound of
  its age, exact within the gap between two records; it grows one second per second while
  the consumer is stuck. Not exported before the first record of a partition is consumed.

Gauges of partitions no longer assigned are removed (another member reports them).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable

from confluent_kafka import Consumer
from prometheus_client import CollectorRegistry, Gauge

from scoring.intake import RawEvent

Part = tuple[str, int]
_LABELS = ["group", "topic", "partition"]


def lag_seconds(lag: int, last_timestamp_ms: int | None, now_ms: int) -> float | None:
    """The lag in seconds as defined above; ``None`` when it is unknown."""
    if lag <= 0:
        return 0.0
    if last_timestamp_ms is None or last_timestamp_ms <= 0:
        return None
    return max(now_ms - last_timestamp_ms, 0) / 1000


class ConsumerLag:
    def __init__(self, registry: CollectorRegistry, every_s: float = 1.0,
                 clock: Callable[[], float] = time.time):
        self.records = Gauge("leadstream_consumer_lag_records",
                             "Records of the partition the group has not consumed yet (high "
                             "watermark - position), per assigned partition.", _LABELS,
                             registry=registry)
        self.seconds = Gauge("leadstream_consumer_lag_seconds",
                             "Age of the last record consumed from the partition while it has "
                             "lag (an upper bound of the oldest waiting record's age); 0 "
                             "without lag.", _LABELS, registry=registry)
        self.every_s, self.clock = every_s, clock
        self._last_ts: dict[Part, int] = {}
        self._shown: set[Part] = set()
        self._updated = float("-inf")

    def consumed(self, events: Iterable[RawEvent]) -> None:
        """Remember each partition's newest consumed record time."""
        for e in events:
            self.took(e.topic, e.partition, e.timestamp_ms)

    def took(self, topic: str, partition: int, timestamp_ms: int | None) -> None:
        """One record consumed from ``topic``/``partition``, written at ``timestamp_ms``."""
        if timestamp_ms is not None and timestamp_ms > 0:
            self._last_ts[(topic, partition)] = timestamp_ms

    def update(self, consumer: Consumer, group: str) -> None:
        """Set the gauges of every assigned partition (at most every ``every_s``)."""
        if self.clock() - self._updated < self.every_s:
            return
        positions = consumer.position(consumer.assignment())
        rows = []
        for tp in positions:
            marks = consumer.get_watermark_offsets(tp, cached=True)
            rows.append((tp.topic, tp.partition, tp.offset, marks[1] if marks else None))
        self.observe(group, rows)

    def observe(self, group: str, rows: Iterable[tuple[str, int, int | None, int | None]]
                ) -> None:
        """Set the gauges from ``(topic, partition, position, high watermark)`` of every
        assigned partition (a client that is not librdkafka reports its own this way);
        a partition with an unknown position or watermark is left out."""
        now = self.clock()
        self._updated = now
        shown: set[Part] = set()
        for topic, partition, position, high in rows:
            if position is None or position < 0 or high is None or high < 0:
                continue  # nothing fetched yet: unknown
            lag = max(high - position, 0)
            labels = (group, topic, str(partition))
            self.records.labels(*labels).set(lag)
            seconds = lag_seconds(lag, self._last_ts.get((topic, partition)), int(now * 1000))
            if seconds is not None:
                self.seconds.labels(*labels).set(seconds)
            shown.add((topic, partition))
        for topic, partition in self._shown - shown:
            for gauge in (self.records, self.seconds):
                with contextlib.suppress(KeyError):  # never set: nothing to remove
                    gauge.remove(group, topic, str(partition))
        self._shown = shown
