"""Consumer lag gauges: records = high watermark - position, seconds = age of the last
record taken while there is lag; computed here from the offsets and times alone."""

from __future__ import annotations

from confluent_kafka import TopicPartition
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from scoring.intake import RawEvent
from streams.kafka.lag import ConsumerLag, lag_seconds


@given(st.integers(-5, 10**6), st.one_of(st.none(), st.integers(1, 2**41)),
       st.integers(1, 2**41))
def test_lag_seconds(lag: int, last: int | None, now: int) -> None:
    got = lag_seconds(lag, last, now)
    if lag <= 0:
        assert got == 0.0
    elif last is None:
        assert got is None
    else:
        assert got == max(now - last, 0) / 1000


class OffsetsOnly:
    """The three calls ConsumerLag makes, answering from fixed offsets (a unit-test stand-in
    for librdkafka's cached state)."""

    def __init__(self, positions: dict[int, int], highs: dict[int, int]):
        self.positions, self.highs = positions, highs

    def assignment(self) -> list[TopicPartition]:
        return [TopicPartition("t", p) for p in self.positions]

    def position(self, parts: list[TopicPartition]) -> list[TopicPartition]:
        return [TopicPartition(tp.topic, tp.partition, self.positions[tp.partition])
                for tp in parts]

    def get_watermark_offsets(self, tp: TopicPartition, cached: bool = False):
        assert cached  # never a broker round-trip on the hot path
        return (0, self.highs[tp.partition])


def _value(registry: CollectorRegistry, name: str, partition: str) -> float | None:
    return registry.get_sample_value(name, {"group": "g", "topic": "t", "partition": partition})


def test_gauges_per_assigned_partition_and_removed_when_revoked() -> None:
    registry, clock = CollectorRegistry(), [1_000.0]
    lag = ConsumerLag(registry, every_s=1.0, clock=lambda: clock[0])
    lag.consumed([RawEvent(b"", "t", 0, 41, 990_000), RawEvent(b"", "t", 1, 7, 999_500)])
    lag.update(OffsetsOnly({0: 42, 1: 8, 2: -1001}, {0: 142, 1: 8, 2: 5}), "g")
    assert _value(registry, "leadstream_consumer_lag_records", "0") == 100
    assert _value(registry, "leadstream_consumer_lag_seconds", "0") == 10.0
    assert _value(registry, "leadstream_consumer_lag_records", "1") == 0
    assert _value(registry, "leadstream_consumer_lag_seconds", "1") == 0.0
    assert _value(registry, "leadstream_consumer_lag_records", "2") is None  # nothing fetched
    clock[0] += 0.5
    lag.update(OffsetsOnly({1: 8}, {1: 9}), "g")  # too soon: unchanged
    assert _value(registry, "leadstream_consumer_lag_records", "0") == 100
    clock[0] += 1
    lag.update(OffsetsOnly({1: 8}, {1: 9}), "g")
    assert _value(registry, "leadstream_consumer_lag_records", "0") is None  # revoked
    assert _value(registry, "leadstream_consumer_lag_records", "1") == 1
    assert _value(registry, "leadstream_consumer_lag_seconds", "1") == 2.0  # 1001.5 - 999.5
