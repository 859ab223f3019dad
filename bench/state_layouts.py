"""Bytes per lead of Redis layouts of the per-lead state, on a throw-away ``redis-server``.

The earlier layout (three keys per lead: the ledger row, the history list, the hash of
event-id claims) against the one shipped (one string per lead: the ledger row, the history
entries and the claims with their time, as lines) and one hash per lead holding the same
(claims as fields, the row and the entries in fields ``l`` and ``h``), for a lead scored
once and one scored 20 times. Values are shaped like the scorer's (a bench lead id, a 132-byte
ledger row, 44-byte history entries, ``ev-<lead>-<n>`` claims). The keyspace's memory
(:func:`bench.state_bytes.keyspace_bytes`) before and after writing ``--leads`` leads,
divided by the leads (keys, values, TTLs and Redis's own per-key overhead: ~170 bytes per
key with a TTL at these key lengths).
Run: ``.venv/bin/python -m bench.state_layouts [--leads 5000]``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Callable

import redis

from bench.dedup_index import _free_port, _redis
from bench.state_bytes import keyspace_bytes
from streams.stores.lead_state import stamp

ROW = ('[2,"b7847d3eb724","1",0,null,0.12345678901234,1796650800123456,"ev-syn-3-00000001",'
       '["referral","software","emea",250,0.7312,12,5,31]]')
ENTRY = "0:123456:0.1234567890123456:B:1:1796651200:c"
TTL, DEDUP_TTL = 90 * 86_400, 7 * 86_400
Write = Callable[[redis.client.Pipeline, str, int], None]


def three_keys(scores: int) -> Write:
    def write(p: redis.client.Pipeline, lead: str, _: int) -> None:
        p.set(f"leadstream:ledger:{lead}", ROW, ex=TTL)
        p.rpush(f"leadstream:history:{lead}", *[ENTRY] * scores)
        p.expire(f"leadstream:history:{lead}", TTL)
        p.hset(f"leadstream:dedup-lead:{lead}",
               mapping={f"ev-{lead}-{t}": f"0:{123456 + t}" for t in range(scores)})
        p.expire(f"leadstream:dedup-lead:{lead}", DEDUP_TTL)
    return write


def one_key(scores: int) -> Write:
    """The layout shipped (:mod:`streams.stores.lead_state`): one string per lead, the
    ledger row, the history entries and the claims (with their time, base 36) as lines."""
    def write(p: redis.client.Pipeline, lead: str, _: int) -> None:
        claims = "".join(f"=ev-{lead}-{t}\t0:{123456 + t}:{stamp(1796651200 + t)}\n"
                         for t in range(scores))
        p.set(f"leadstream:lead:{lead}", "\n".join([ROW, *[ENTRY] * scores]) + "\n" + claims,
              ex=TTL)
    return write


def one_hash(scores: int) -> Write:
    """One hash per lead (not shipped: the ledger row and the history field are past
    ``hash-max-listpack-value``, 64 bytes, so Redis keeps it as a hash table), the
    ledger row in field ``l``, the history entries (newest first, one per line) in ``h``,
    each claim ``e<event id>`` → ``partition:offset:epoch_s``."""
    def write(p: redis.client.Pipeline, lead: str, _: int) -> None:
        fields = {"l": ROW, "h": "\n".join([ENTRY] * scores),
                  **{f"eev-{lead}-{t}": f"0:{123456 + t}:1796651200" for t in range(scores)}}
        p.hset(f"leadstream:lead:{lead}", mapping=fields)
        p.expire(f"leadstream:lead:{lead}", TTL)
    return write


def per_lead(client: redis.Redis, write: Write, leads: int) -> float:
    client.flushall()
    base = keyspace_bytes(client)
    pipe = client.pipeline(transaction=False)
    for i in range(leads):
        write(pipe, f"syn-3-{i:08d}", i)
        if i % 500 == 499:
            pipe.execute()
    pipe.execute()
    return (keyspace_bytes(client) - base) / leads


def run(leads: int) -> dict[str, float]:
    port = _free_port()
    with tempfile.TemporaryDirectory() as folder:
        proc = _redis(port, folder)
        try:
            client = redis.Redis(port=port)
            return {f"{name} x{n}": per_lead(client, layout(n), leads)
                    for name, layout in (("three keys", three_keys), ("one key", one_key),
                                         ("one hash", one_hash))
                    for n in (1, 20)}
        finally:
            proc.terminate()
            proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=5000)
    args = parser.parse_args()
    for name, b in run(args.leads).items():
        print(f"{name:16s} {b:8,.0f} B per lead")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
