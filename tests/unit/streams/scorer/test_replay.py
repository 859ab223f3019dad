"""Re-forming an aborted batch: the same offset ranges, whatever consume returns."""

from __future__ import annotations

from confluent_kafka import TopicPartition

from scoring.intake import RawEvent
from streams.kafka.io import Consumed
from streams.scorer.reform import reform
from streams.scorer.replay import BatchRanges, Replay


def _events(partition: int, first: int, last: int) -> list[RawEvent]:
    return [RawEvent(b"{}", "in", partition, o) for o in range(first, last + 1)]


class _Consumer:
    def __init__(self, parts: list[int]):
        self.parts = [TopicPartition("in", p) for p in parts]
        self.seeks: list[tuple[int, int]] = []
        self.paused: list[int] = []

    def assignment(self) -> list[TopicPartition]:
        return self.parts

    def seek(self, tp: TopicPartition) -> None:
        self.seeks.append((tp.partition, tp.offset))

    def pause(self, tps: list[TopicPartition]) -> None:
        self.paused = [tp.partition for tp in tps]

    def resume(self, tps: list[TopicPartition]) -> None:
        self.paused = []


def _consumed(events: list[RawEvent]) -> Consumed:
    return Consumed(events, {(e.partition, e.offset): None for e in events}, [])


def test_ranges_round_trip_and_tag() -> None:
    ranges = BatchRanges.of(_events(3, 7, 9) + _events(0, 100, 180))
    assert ranges.tag() == "0:100-180,3:7-9"
    assert BatchRanges.from_json(ranges.to_json()) == ranges


def test_the_batch_is_re_formed_across_consumes_and_surplus_is_sought_back() -> None:
    replay = Replay(BatchRanges.of(_events(0, 10, 19) + _events(1, 5, 6)))
    consumer = _Consumer([0, 1, 2])
    first = _events(0, 10, 14) + _events(2, 0, 3)
    assert reform(replay, consumer, _consumed(first)) is None
    assert consumer.seeks == [(2, 0)] and consumer.paused == [2]
    second = _events(0, 15, 25) + _events(1, 5, 9)
    whole = reform(replay, consumer, _consumed(second))
    assert whole is not None and BatchRanges.of(whole.events) == replay.ranges
    assert (0, 20) in consumer.seeks and (1, 7) in consumer.seeks and consumer.paused == []


def test_nothing_is_given_up_before_partitions_are_assigned() -> None:
    replay = Replay(BatchRanges.of(_events(0, 10, 19)))
    assert reform(replay, _Consumer([]), _consumed([])) is None
    assert replay.pending() == [("in", 0)]


def test_a_range_already_committed_is_dropped() -> None:
    replay = Replay(BatchRanges.of(_events(0, 10, 19)))
    consumer = _Consumer([0])
    whole = reform(replay, consumer, _consumed(_events(0, 20, 30)))
    assert whole is not None and whole.events == [] and consumer.seeks == [(0, 20)]
