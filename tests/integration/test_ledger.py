"""The Redis ledger against the real Redis: batched writes with TTL, reads, assigned sets,
and a Redis outage reported as a gap instead of an error."""

from __future__ import annotations

from datetime import UTC, datetime

from schemas.ledger import LedgerEntry
from schemas.scored import Variant
from streams.stores import lead_state
from streams.stores.ledger import Ledger

NOW = datetime(2025, 3, 1, tzinfo=UTC)


def entries(n: int, experiment: str | None = "exp-1") -> list[LedgerEntry]:
    return [LedgerEntry(lead_id=f"lead-{i}", model_name="m", model_version="2" if i % 2 else "1",
                        variant=(Variant.TREATMENT if i % 2 else Variant.CONTROL)
                        if experiment else Variant.CHAMPION,
                        experiment_id=experiment, score=i / n,
                        features={"industry": "saas", "company_size": i + 1, "region": None},
                        scored_at=NOW, event_id=f"ev-{i}") for i in range(n)]


def test_write_read_ttl_and_assigned(fresh_settings, redis_client):
    ledger = Ledger.from_settings(fresh_settings)
    batch = entries(50)
    assert ledger.write(batch).written == 50
    assert ledger.write(batch[:10]).written == 10  # a rescored lead overwrites, counts once
    assert ledger.get("lead-3") == batch[3]
    assert ledger.get("nobody") is None
    assert ledger.get_many(["lead-0", "x"]) == [batch[0], None]
    ttl = redis_client.ttl(lead_state.key("lead-0"))
    assert 89 * 86400 < ttl <= 90 * 86400
    assert ledger.assigned("exp-1") == {Variant.CONTROL: 25, Variant.TREATMENT: 25}
    assert sorted(e.lead_id for e in ledger.scan(count=7)) == sorted(e.lead_id for e in batch)


def test_redis_down_reports_the_gap(fresh_settings, chaos):
    ledger = Ledger.from_settings(fresh_settings)
    assert ledger.write(entries(5, None)).missed == 0
    chaos.stop_redis()
    result = ledger.write(entries(20, None))
    assert (result.written, result.missed) == (0, 20) and result.error
    assert ledger.write(entries(3, None)).missed == 3
    assert ledger.missed_total == 23
    chaos.start_redis()
    assert ledger.write(entries(4, None)).written == 4


def test_a_row_past_the_ledgers_retention_is_absent_while_the_key_lives_on(redis_client):
    """The key lives 90 days (the history's retention), the ledger's is 1 day: a row
    scored 2 days ago reads as absent, one scored 12 hours ago as written."""
    day = 86_400
    now = NOW.timestamp()
    ledger = Ledger(redis_client, day, 90 * day, now=lambda: now)
    old, recent = entries(2, None)
    old = old.model_copy(update={"scored_at": datetime.fromtimestamp(now - 2 * day, UTC)})
    recent = recent.model_copy(update={"scored_at": datetime.fromtimestamp(now - day / 2, UTC)})
    assert ledger.write([old, recent]).written == 2
    assert redis_client.ttl(lead_state.key(old.lead_id)) > 89 * day  # the bytes stay
    assert ledger.get_many([old.lead_id, recent.lead_id]) == [None, recent]
    assert Ledger(redis_client, 90 * day, 90 * day, now=lambda: now).get(old.lead_id) == old
