"""The sink's delivered-score store on the real Redis: older scores known, TTLs set."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import redis

from scoring.writeback.score import WritebackScore
from streams.stores.delivered import PREFIX, Delivered

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def ws(lead: str, seconds: int, offset: int) -> WritebackScore:
    return WritebackScore(lead, 0.5, "B", "m", "1", "champion",
                          T0 + timedelta(seconds=seconds), 0, offset)


def test_older_scores_are_known_after_a_newer_one_was_delivered(redis_client, stack_settings):
    redis_client.flushdb()
    store = Delivered(redis.Redis.from_url(stack_settings.redis_url), ttl_s=600)
    assert store.record([ws("A", 10, 5), ws("B", 10, 6)])
    candidates = [ws("A", 9, 99), ws("A", 10, 4), ws("A", 10, 5), ws("B", 11, 0), ws("C", 0, 0)]
    older = {(s.lead_id, s.offset) for s in candidates if s.lead_id in store.older([s])}
    assert older == {("A", 99), ("A", 4)}  # same score again, newer ones, unknown leads pass
    ttls = [redis_client.ttl(PREFIX + lead) for lead in ("A", "B")]
    assert all(0 < t <= 600 for t in ttls)


def test_redis_down_knows_nothing_and_says_so():
    store = Delivered(redis.Redis(port=1, socket_connect_timeout=0.2), ttl_s=600)
    assert store.older([ws("A", 1, 1)]) == set()
    assert store.record([ws("A", 1, 1)]) is False
