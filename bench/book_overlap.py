"""The write after a batch's commit, waited for or overlapped with the next batch, A/B::

    python -m bench.book_overlap [--batch 1000] [--batches 60] [--work-ms 40]

On a throw-away redis-server (the stack's persistence), each batch does what the scorer's
loop does around Redis, with the scorer's own classes (:mod:`bench.scorer_redis`): the
state read, ``--work-ms`` of CPU standing for decode/encode/predict/reasons/serialize, the
history before the transaction, then the write after the commit — ``sync``: sent and waited
for (:meth:`BatchBook.record`, as before), ``overlap``: sent by the writer thread and waited
for before the next batch's history (:meth:`BatchBook.record_later`). The two modes
alternate in blocks of five batches (same Redis, same load; a block's first batch is not
counted); per mode the loop's wall time per batch and its ``redis`` stage (state read,
history before, the write after the commit sent or waited for, and the wait for the
previous one).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import redis

from bench.bench_io import machine_line, throwaway_redis
from bench.scorer_redis import batch_of
from streams.scorer.bookkeeping import BatchBook
from streams.scorer.metrics import Progress, ScorerMetrics
from streams.scorer.state_read import read_state
from streams.scorer.trends import TrendSource
from streams.settings import Settings
from streams.stores.dedup import Deduplicator
from streams.stores.history import History
from streams.stores.ledger import Ledger

MODES = ("sync", "overlap")
BLOCK = 5
"""Batches per mode before switching (ABAB... in blocks)."""


def work(ms: float) -> None:
    """CPU on the loop's thread (holding the GIL, as most of the scorer's stages do)."""
    end = time.perf_counter() + ms / 1000
    n = 0
    while time.perf_counter() < end:
        n += 1


def measure(s: Settings, batch: int, batches: int, work_ms: float) -> dict[str, dict]:
    client = redis.Redis.from_url(s.redis_url)
    dedup = Deduplicator(client, 86_400)
    trends = TrendSource(History(client, s.history_max_entries, 86_400))
    metrics = ScorerMetrics()
    book = BatchBook(metrics, Progress(metrics), Ledger(client, 86_400), trends)
    out = {m: {"batch_ms": [], "redis_ms": []} for m in MODES}
    for k in range(batches):
        mode = MODES[k // BLOCK % 2]
        claims, asks, result = batch_of(k, batch)
        t0 = time.perf_counter()
        read_state(dedup, trends, claims, asks)
        t1 = time.perf_counter()
        work(work_ms)
        t2 = time.perf_counter()
        book.before(result)  # waits for the previous batch's write, if in flight
        (book.record if mode == "sync" else book.record_later)(result)
        t3 = time.perf_counter()
        if k % BLOCK:  # the first batch of a block waits for the other mode's last write
            out[mode]["batch_ms"].append((t3 - t0) * 1000)
            out[mode]["redis_ms"].append((t1 - t0 + t3 - t2) * 1000)
    book.close()
    client.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--batches", type=int, default=60)
    ap.add_argument("--work-ms", type=float, default=40.0)
    ap.add_argument("--redis-port", type=int, default=46392)
    a = ap.parse_args()
    if a.batches < 4 * BLOCK:  # each mode needs two blocks past their first batches
        ap.error(f"--batches must be at least {4 * BLOCK} (the modes alternate in blocks of "
                 f"{BLOCK})")
    load = os.getloadavg()
    with throwaway_redis(a.redis_port, "leadstream-book-overlap-") as s:
        r = measure(s, a.batch, a.batches, a.work_ms)
    end = os.getloadavg()
    print(f"write after the commit, {a.batches} batches of {a.batch:,} new leads, "
          f"{a.work_ms:.0f} ms of CPU per batch (ms per batch):")
    for mode in MODES:
        b, h = r[mode]["batch_ms"], r[mode]["redis_ms"]
        print(f"  {mode:<8} batch mean {statistics.mean(b):6.2f}  p95 "
              f"{statistics.quantiles(b, n=20)[18]:6.2f}   redis on the loop mean "
              f"{statistics.mean(h):6.2f}  p95 {statistics.quantiles(h, n=20)[18]:6.2f}")
    print(machine_line(load, end))


if __name__ == "__main__":
    main()
