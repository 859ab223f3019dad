"""The sink's delivered-score store on the real Redis: older scores known by position on
``leads.scored`` (never by the scorer's clock), per partition, TTLs set."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import redis

from scoring.writeback.score import WritebackScore
from streams.stores.delivered import PREFIX, Delivered

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def ws(lead: str, seconds: int, offset: int, partition: int = 0) -> WritebackScore:
    return WritebackScore(lead, 0.5, "B", "m", "1", "champion",
                          T0 + timedelta(seconds=seconds), partition, offset)


def older(store: Delivered, candidates: list[WritebackScore]) -> set[tuple[str, int, int]]:
    return {(s.lead_id, s.partition, s.offset) for s in candidates
            if s.lead_id in store.older([s])}


def test_older_scores_are_known_by_offset_whatever_their_clock(redis_client, stack_settings):
    redis_client.flushdb()
    store = Delivered(redis.Redis.from_url(stack_settings.redis_url), ttl_s=600)
    assert store.record([ws("A", 10, 5), ws("B", 10, 6)])
    candidates = [ws("A", 70, 4),  # stamped a minute later, written before: older
                  ws("A", -50, 6),  # a scorer 60 s behind, written after: newer
                  ws("A", 10, 5),  # the same score again: sent again (idempotent)
                  ws("B", 0, 7), ws("C", 0, 0)]
    assert older(store, candidates) == {("A", 0, 4)}
    ttls = [redis_client.ttl(PREFIX + lead) for lead in ("A", "B")]
    assert all(0 < t <= 600 for t in ttls)


def test_each_partition_keeps_its_own_position(redis_client, stack_settings):
    redis_client.flushdb()
    store = Delivered(redis.Redis.from_url(stack_settings.redis_url), ttl_s=600)
    assert store.record([ws("A", 0, 900, partition=1)])
    # the partition count changed: A's scores now land on partition 4, at low offsets
    assert older(store, [ws("A", 0, 3, partition=4)]) == set()
    assert store.record([ws("A", 0, 3, partition=4)])
    # a replay of either partition: both know what was delivered from them
    replay = [ws("A", 0, 899, partition=1), ws("A", 0, 2, partition=4),
              ws("A", 0, 901, partition=1), ws("A", 0, 4, partition=4)]
    assert older(store, replay) == {("A", 1, 899), ("A", 4, 2)}
    assert store.record([ws("A", 0, 1, partition=4)])  # never moves back
    assert redis_client.hgetall(PREFIX + "A") == {b"1": b"900", b"4": b"3"}


def test_a_watermark_of_the_former_form_holds_nothing_back_and_is_replaced(redis_client,
                                                                          stack_settings):
    redis_client.flushdb()
    redis_client.set(PREFIX + "A", "1772366460000000:5", ex=600)  # <scored_at µs>:<offset>
    store = Delivered(redis.Redis.from_url(stack_settings.redis_url), ttl_s=600)
    assert older(store, [ws("A", 0, 1)]) == set()
    assert store.record([ws("A", 0, 1)])
    assert redis_client.hgetall(PREFIX + "A") == {b"0": b"1"}
    assert 0 < redis_client.ttl(PREFIX + "A") <= 600


def test_redis_down_knows_nothing_and_says_so():
    store = Delivered(redis.Redis(port=1, socket_connect_timeout=0.2), ttl_s=600)
    assert store.older([ws("A", 1, 1)]) == set()
    assert store.record([ws("A", 1, 1)]) is False
