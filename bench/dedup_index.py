"""Cost of the event-id claims, kept in one hash per lead (what ``leadstream forget``
deletes): batches of ``--batch`` fresh event ids (2 per lead) claimed on a throw-away
``redis-server`` on a free port; the median time per batch and per event, and the memory of
one lead's claims. (Until issue 16 claims were a key per event id plus a per-lead index,
and this bench measured the index's extra cost.)
Run: ``.venv/bin/python -m bench.dedup_index [--batches 40 --batch 1000]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
import uuid

import redis

from bench.bench_io import machine_line
from streams.stores.dedup import Claim, Deduplicator, lead_index_key


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis(port: int, folder: str) -> subprocess.Popen:
    proc = subprocess.Popen([shutil.which("redis-server") or "redis-server", "--port",
                             str(port), "--save", "", "--appendonly", "no", "--dir", folder],
                            stdout=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    for _ in range(100):  # readiness: PING answers
        try:
            client.ping()
            return proc
        except redis.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def _batch(n: int) -> list[Claim]:
    tag = uuid.uuid4().hex[:8]
    return [Claim(f"ev-{tag}-{i}", f"leads.incoming:0:{i}", f"lead-{tag}-{i % (n // 2)}")
            for i in range(n)]


def run(batches: int, size: int) -> dict[str, float]:
    port = _free_port()
    with tempfile.TemporaryDirectory() as folder:
        proc = _redis(port, folder)
        try:
            client = redis.Redis(port=port)
            dedup = Deduplicator(client, ttl_s=3600)
            times: list[float] = []
            for _ in range(batches):
                claims = _batch(size)
                t0 = time.perf_counter()
                dedup.duplicates(claims)
                times.append(time.perf_counter() - t0)
            lead = next(c.lead_id for c in _batch(size))
            dedup.duplicates([Claim(f"m{i}", f"x:0:{i}", lead) for i in range(2)])
            memory = client.memory_usage(lead_index_key(lead)) or 0
        finally:
            proc.terminate()
            proc.wait(10)
    median = statistics.median(times)
    return {"batch_ms": median * 1e3, "us_per_event": median / size * 1e6,
            "claims_bytes_per_lead_2_events": float(memory)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    load = os.getloadavg()
    out = run(args.batches, args.batch)
    print(f"dedup claim of {args.batch} events (2 per lead), median of {args.batches} batches:"
          f" {out['batch_ms']:.2f} ms, {out['us_per_event']:.2f} µs/event; "
          f"claims of a lead with 2 events: {out['claims_bytes_per_lead_2_events']:.0f} B")
    end = os.getloadavg()
    print(machine_line(load, end))


if __name__ == "__main__":
    main()
