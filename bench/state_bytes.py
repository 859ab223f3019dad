"""Redis state per lead, measured on the bench's own Redis: bytes per lead scored once
(the (a) drain) and per lead scored 20 times (a phase of its own).

Redis is flushed before the measured drain, so the keyspace's memory after it
(:func:`keyspace_bytes`), minus the empty instance's, divided by the leads is what each lead
costs (keys, values, TTLs and Redis's own per-key overhead). ``MEMORY USAGE`` of each kind of
key of a sample of leads splits it.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import redis

from streams.settings import Settings

SAMPLE = 200
KINDS = {"lead key (ledger row, history, claims)": "leadstream:lead:{lead}"}


DICT_ENTRY = 24
"""Bytes of a key's entry in Redis 7.0's main table (key, value, next): ``MEMORY USAGE``
counts it and so does ``overhead.hashtable.main``."""


def keyspace_bytes(c: redis.Redis) -> int:
    """Bytes of the keyspace: ``MEMORY USAGE`` of every key (its value, key, object and
    main-table entry) plus the main table's buckets and the expires table (buckets and
    entries), from ``MEMORY STATS``.

    Not ``used_memory``: that also counts what comes and goes with traffic, not with keys.
    Clients' buffers (a pipeline's query buffer stays allocated until Redis trims it, or
    processes the client's close), the AOF buffer between writes, scripts' temporaries: read
    after the same writes it differed by up to ±250 bytes per lead over 2,000 leads, once
    by +1.7 KB. Over 200,000 leads both gave 399 bytes per lead (Runs 23 and 25).
    """
    keys, sizes = list(c.scan_iter(count=1000)), 0
    for i in range(0, len(keys), 1000):
        pipe = c.pipeline(transaction=False)
        for key in keys[i:i + 1000]:
            pipe.memory_usage(key, samples=0)
        sizes += sum(size or 0 for size in pipe.execute())
    tables = [v for k, v in c.memory_stats().items() if k.startswith("db.")]
    return (sizes - DICT_ENTRY * len(keys)
            + sum(t["overhead.hashtable.main"] + t["overhead.hashtable.expires"]
                  for t in tables))


def client(s: Settings) -> redis.Redis:
    return redis.Redis.from_url(s.redis_url)


def flushed(s: Settings) -> int:
    """Flush Redis; its keyspace's memory empty."""
    c = client(s)
    c.flushdb()
    return keyspace_bytes(c)


def per_lead(s: Settings, base: int, lead_ids: list[str]) -> dict:
    """Bytes per lead since ``flushed`` returned ``base``, and per kind of key (sampled)."""
    c = client(s)
    leads = list(dict.fromkeys(lead_ids))
    used = keyspace_bytes(c)
    kinds = {}
    sample = leads[:: max(1, len(leads) // SAMPLE)][:SAMPLE]
    for kind, pattern in KINDS.items():
        sizes = [c.memory_usage(pattern.format(lead=lead)) or 0 for lead in sample]
        kinds[kind] = sum(sizes) / len(sample) if sample else 0.0
    return {"leads": len(leads), "bytes_per_lead": (used - base) / max(1, len(leads)),
            "memory_usage_per_lead": kinds, "keys": int(c.dbsize())}


def repeated_records(records: list[tuple[bytes, bytes]], leads: int, times: int
                     ) -> list[tuple[bytes, bytes]]:
    """``leads`` leads, each sent ``times`` times (other features and event ids each time)."""
    out = []
    ids = [json.loads(v)["lead_id"] for _, v in records[:leads]]
    for t in range(times):
        for j, lead in enumerate(ids):
            _, value = records[(t * leads + j) % len(records)]
            event = {**json.loads(value), "lead_id": lead, "event_id": f"ev-{lead}-{t}"}
            out.append((lead.encode(), json.dumps(event).encode()))
    return out


def lead_ids(records: list[tuple[bytes, bytes]]) -> list[str]:
    return [k.decode() for k, _ in records]


def say_state(say: Callable[[str], None], what: str, r: dict) -> None:
    say(f"state per lead, {what}: {r['bytes_per_lead']:,.0f} B ({r['leads']:,} leads, "
        f"{r['keys']:,} keys; MEMORY USAGE " + ", ".join(
            f"{k} {v:,.0f}" for k, v in r["memory_usage_per_lead"].items()) + ")")
