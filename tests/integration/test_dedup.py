"""Event-id de-duplication against the real Redis: the same source position again (a batch
processed again after an abort or a kill -9) is not a duplicate, the same event id at
another position (a CRM resend) is; claims expire; with Redis down, batches are scored
unchecked and counted."""

from __future__ import annotations

import uuid

import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streams.settings import Settings
from streams.stores.dedup import Claim, Deduplicator, held, lead_index_key

TTL_S = 600
LEAD = "lead-1"


def _ids(n: int) -> list[str]:
    tag = uuid.uuid4().hex
    return [f"ev-{tag}-{i}" for i in range(n)]


def _dedup(settings: Settings, **kwargs) -> Deduplicator:
    return Deduplicator.from_url(settings.redis_url, timeout_s=1.0, ttl_s=TTL_S, **kwargs)


def test_the_same_position_again_is_not_a_duplicate(stack_settings: Settings,
                                                    redis_client: redis.Redis) -> None:
    dedup = _dedup(stack_settings)
    ids = _ids(3)
    batch = [Claim(e, f"leads.incoming:0:{i}", LEAD) for i, e in enumerate(ids)]
    assert dedup.duplicates(batch) == {}
    assert dedup.duplicates(batch) == {}, "the batch again, after an abort, is no resend"
    assert dedup.duplicates(batch[1:2]) == {}, "nor a smaller batch re-formed from it"
    key = lead_index_key(LEAD)
    claims = held(redis_client, LEAD)  # event id -> partition:offset:epoch_s of the claim
    for i, claim in enumerate(batch):
        assert claims[claim.event_id].rsplit(":", 1)[0] == f"0:{i}"
    assert 0 < redis_client.ttl(key) <= TTL_S
    assert dedup.skipped_batches == 0
    dedup.close()


def test_the_same_event_id_elsewhere_is_a_duplicate(stack_settings: Settings,
                                                    redis_client: redis.Redis) -> None:
    dedup = _dedup(stack_settings)
    first, second, fresh = _ids(3)
    assert dedup.duplicates([Claim(first, "leads.incoming:0:5", "a"),
                             Claim(second, "leads.incoming:1:7", "b")]) == {}
    resends = [Claim(fresh, "leads.incoming:0:90", "a"), Claim(first, "leads.incoming:0:91", "a"),
               Claim(second, "leads.incoming:2:3", "b")]
    assert dedup.duplicates(resends) == {1: "leads.incoming:0:5", 2: "leads.incoming:1:7"}
    assert dedup.duplicates(resends) == {1: "leads.incoming:0:5", 2: "leads.incoming:1:7"}, \
        "a resend stays a resend when its batch is processed again"
    assert held(redis_client, "a")[first].startswith("0:5:"), "first claim kept"
    assert 0 < redis_client.ttl(lead_index_key("a")) <= TTL_S
    (twin,) = _ids(1)
    in_one_batch = [Claim(twin, "leads.incoming:3:1"), Claim(twin, "leads.incoming:3:2")]
    assert dedup.duplicates(in_one_batch) == {1: "leads.incoming:3:1"}
    dedup.close()


def test_redis_down_skips_and_counts_then_checks_again(stack_settings: Settings,
                                                       chaos) -> None:
    now = [0.0]
    outages: list[int] = []
    dedup = _dedup(stack_settings, retry_s=5.0, on_outage=lambda: outages.append(1),
                   clock=lambda: now[0])
    first, during = _ids(2)
    assert dedup.duplicates([Claim(first, "leads.incoming:0:1")]) == {}
    chaos.stop_redis()
    resend = [Claim(first, "leads.incoming:0:2"), Claim(during, "leads.incoming:0:3")]
    assert dedup.duplicates(resend) == {}, "Redis down: the batch goes on unchecked"
    now[0] = 1.0
    assert dedup.duplicates(resend) == {}, "not retried before retry_s"
    assert dedup.skipped_batches == 2 and len(outages) == 2
    chaos.start_redis()
    assert dedup.duplicates(resend) == {} and dedup.skipped_batches == 3, "still waiting"
    now[0] = 6.0
    # checked again once Redis is back; a clean stop kept its data (append-only file), so
    # the claim made before the outage still holds, and the unchecked one was never made
    back = [Claim(first, "leads.incoming:0:4"), Claim(during, "leads.incoming:0:6")]
    assert dedup.duplicates(back) == {0: "leads.incoming:0:1"}
    assert dedup.skipped_batches == 3 and len(outages) == 3
    dedup.close()


def test_a_claim_older_than_the_dedup_ttl_is_dropped_the_key_lives_longer(
        fresh_settings: Settings, redis_client: redis.Redis) -> None:
    clock = [1_000_000.0]
    dedup = Deduplicator(redis_client, 600, key_ttl_s=3600, now=lambda: clock[0])
    assert dedup.duplicates([Claim("old", "in:0:1", "A")]) == {}
    assert 600 < redis_client.ttl(lead_index_key("A")) <= 3600  # the lead key's TTL
    clock[0] += 600
    assert dedup.duplicates([Claim("new", "in:0:2", "A")]) == {}
    assert set(held(redis_client, "A")) == {"old", "new"}  # 600 s old: still held
    assert dedup.duplicates([Claim("old", "in:0:3", "A")]) == {0: "in:0:1"}
    clock[0] += 1
    assert dedup.duplicates([Claim("newer", "in:0:4", "A")]) == {}
    assert set(held(redis_client, "A")) == {"new", "newer"}  # past the TTL: dropped
    assert dedup.duplicates([Claim("old", "in:0:5", "A")]) == {}  # scored again


_ID_CHARS = st.sampled_from(["\n", "\t", "\\", "=", "n", "t", ":", "\n=", "\\n", " ", "é"])


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ids=st.lists(st.lists(_ID_CHARS, min_size=0, max_size=6).map("".join),
                    min_size=1, max_size=12))
def test_any_event_ids_in_one_leads_value_keep_their_claims_apart(
        stack_settings: Settings, ids: list[str]) -> None:
    """Event ids of any characters (the claim line's separators and escapes among them)
    share one lead's value: each is a resend exactly when a dict of first positions says so."""
    dedup = _dedup(stack_settings)
    lead = f"lead-{uuid.uuid4().hex}"
    first: dict[str, str] = {}
    try:
        for offset, event_id in enumerate(ids):
            claim = Claim(event_id, f"leads.incoming:0:{offset}", lead)
            expected = {0: first[event_id]} if event_id in first else {}
            first.setdefault(event_id, claim.source)
            assert dedup.duplicates([claim]) == expected
    finally:
        dedup.close()
