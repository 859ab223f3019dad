"""Deliver 3's byte target as a test: a lead's state (ledger row, score history, event-id
claims) costs at most 400 bytes of Redis memory scored once and 2 KB scored 20 times,
written by the real store classes (their real scripts) on the real redis-server.

The keyspace's bytes after, less before, over the leads (keys, values, TTLs and Redis's own
per-key overhead: :func:`bench.state_bytes.keyspace_bytes`), as ``make bench`` measures it.
Not ``used_memory``: clients' buffers come and go in it (3.7 KB per lead once in CI).

Values shaped like the scorer's: a bench-length lead id, a ledger row of 8 features, event
ids ``ev-<lead>-<n>``, the bench's offsets (12 partitions, 4-digit offsets: a lead's value
grows by 40 bytes per more digit of its 20 positions — a value past 1,792 bytes takes
jemalloc's next size class, 2,048).
"""

from __future__ import annotations

from datetime import UTC, datetime

import redis

from bench.state_bytes import keyspace_bytes
from schemas.ledger import LedgerEntry
from schemas.scored import Variant
from streams.stores.dedup import Claim, Deduplicator
from streams.stores.history import History, HistoryRows, element
from streams.stores.ledger import Ledger
from streams.stores.ledger_rows import LedgerRows
from streams.stores.scripts import execute

LEADS = 2000
TTL_S = 90 * 86_400
NOW = datetime(2026, 3, 1, tzinfo=UTC)
FEATURES = {"source": "referral", "industry": "software", "region": "emea", "employees": 250,
            "engagement": 0.7312, "visits": 12, "pages": 5, "days_since": 31}


def _score(client: redis.Redis, leads: list[str], t: int) -> None:
    """What the scorer writes for a batch scoring each lead once more (the ``t``-th time)."""
    at = int(NOW.timestamp()) + t
    dedup = Deduplicator(client, 7 * 86_400, key_ttl_s=TTL_S, now=lambda: at)
    history = History(client, 20, TTL_S, now=lambda: at)
    ledger = Ledger(client, TTL_S)
    where = [(i % 12, (i // 12) * 20 + t) for i in range(len(leads))]  # 12 partitions
    claims = [Claim(f"ev-{lead}-{t}", f"leads.incoming:{p}:{o}", lead)
              for lead, (p, o) in zip(leads, where, strict=True)]
    assert dedup.duplicates(claims) == {}
    assert history.previous([(lead, p, o) for lead, (p, o) in zip(leads, where, strict=True)])
    rows = HistoryRows(leads, [element(p, o, "0.1234567890123456", "B", "1", at)
                               for p, o in where])
    history.record(rows)
    entries = LedgerRows.of_entries([LedgerEntry(
        lead_id=lead, model_name="leads", model_version="1", variant=Variant.CHAMPION,
        score=0.12345678901234, features=FEATURES, scored_at=NOW, event_id=f"ev-{lead}-{t}")
        for lead in leads])

    def stage(pipe):
        history.stage(pipe, rows)
        ledger.stage(pipe, entries)
        return history.scripts + ledger.scripts

    assert not any(isinstance(r, Exception) for r in execute(client, stage))


def _bytes_per_lead(client: redis.Redis, times: int, tag: str) -> float:
    leads = [f"syn-{tag}-{i:08d}" for i in range(LEADS)]
    base = keyspace_bytes(client)
    for t in range(times):
        _score(client, leads, t)
    assert client.dbsize() <= LEADS + 1  # one key per lead (and the ledger's layout)
    return (keyspace_bytes(client) - base) / LEADS


def test_a_lead_scored_once_costs_at_most_400_bytes(fresh_settings, redis_client):
    assert _bytes_per_lead(redis_client, 1, "1") <= 400


def test_a_lead_scored_20_times_costs_at_most_2_kb(fresh_settings, redis_client):
    per_lead = _bytes_per_lead(redis_client, 20, "20")
    assert per_lead <= 2048
    lead = redis_client.get("leadstream:lead:syn-20-00000007").decode().split("\n")
    assert sum(line[:1].isdigit() for line in lead) == 20  # every score kept, and
    assert sum(line.startswith("=") for line in lead) == 20  # every claim
