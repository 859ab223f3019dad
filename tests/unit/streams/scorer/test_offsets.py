"""A batch's offsets: what it commits, where an abort seeks back to, what a rebalance drops."""

from __future__ import annotations

import pytest
from confluent_kafka import KafkaError, KafkaException, TopicPartition

from schemas.errors import FatalError
from scoring.intake import RawEvent
from streams.scorer.offsets import next_offsets, offsets_tag, rewind, without_revoked


def _events(partition: int, first: int, last: int) -> list[RawEvent]:
    return [RawEvent(b"{}", "in", partition, o) for o in range(first, last + 1)]


class _Consumer:
    def __init__(self, parts: list[int], unseekable: tuple[int, ...] = ()):
        self.parts = [TopicPartition("in", p) for p in parts]
        self.unseekable = unseekable
        self.seeks: list[tuple[int, int]] = []

    def assignment(self) -> list[TopicPartition]:
        return self.parts

    def seek(self, tp: TopicPartition) -> None:
        if tp.partition in self.unseekable:
            raise KafkaException(KafkaError(KafkaError._STATE, "not fetching yet"))
        self.seeks.append((tp.partition, tp.offset))


def test_commits_the_offset_after_each_partitions_last_event() -> None:
    events = _events(3, 7, 9) + _events(0, 100, 180) + _events(3, 10, 10)
    assert [(tp.partition, tp.offset) for tp in next_offsets(events)] == [(0, 181), (3, 11)]
    assert offsets_tag(events) == "0:100-180,3:7-10"


def test_abort_seeks_owned_partitions_back_to_the_batch_start() -> None:
    consumer = _Consumer([0, 1])  # partition 2 was revoked since
    n = rewind(consumer, _events(1, 5, 9) + _events(0, 40, 41) + _events(2, 3, 4))
    assert n == 2 and consumer.seeks == [(0, 40), (1, 5)]


def test_abort_seek_failure_is_fatal() -> None:
    with pytest.raises(FatalError, match="seek"):
        rewind(_Consumer([0], unseekable=(0,)), _events(0, 1, 2))


def test_events_of_revoked_partitions_are_dropped_and_a_returned_one_is_sought() -> None:
    # partition 1 revoked (gone), partition 2 revoked and assigned again in one consume
    events = _events(0, 10, 12) + _events(1, 5, 6) + _events(2, 30, 33) + _events(2, 30, 31)
    consumer = _Consumer([0, 2])
    kept = without_revoked(consumer, events, revoked={("in", 1), ("in", 2)})
    assert [(e.partition, e.offset) for e in kept] == [(0, 10), (0, 11), (0, 12)]
    assert consumer.seeks == [(2, 30)]  # nothing of it fetched twice, nothing skipped


def test_events_of_a_partition_no_longer_assigned_are_dropped() -> None:
    consumer = _Consumer([0])
    kept = without_revoked(consumer, _events(0, 1, 1) + _events(4, 8, 9), revoked={("in", 4)})
    assert [(e.partition, e.offset) for e in kept] == [(0, 1)] and consumer.seeks == []


def test_a_returned_partition_not_yet_fetching_is_left_to_its_committed_offset() -> None:
    consumer = _Consumer([0, 2], unseekable=(2,))
    kept = without_revoked(consumer, _events(2, 30, 31), revoked={("in", 2)})
    assert kept == [] and consumer.seeks == []
