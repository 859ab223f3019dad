"""Where the score history's cost per batch goes, history on against off in one process::

    python -m bench.history_split [--batch 1000] [--batches 60] [--redis-port 46393]

On a throw-away redis-server (the stack's persistence), each batch of ``--batch`` new
leads (:func:`bench.scorer_redis.batch_of`) runs the scorer's Redis calls with its own
classes, the history on and off in alternating order batch by batch (same Redis, same
load): ``read`` (claims, and with the history the previous scores:
:func:`streams.scorer.state_read.read_state`), ``before`` (the history entries before the
transaction; off: nothing) and ``after`` (history marked committed with the ledger rows;
off: the ledger rows alone, :class:`streams.scorer.bookkeeping.BatchBook`). Per mode and
phase: the client's wall time, the client thread's CPU and Redis's own time (``INFO
commandstats``), ms per batch (mean), and the difference on - off.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import redis

from bench.bench_io import machine_line, throwaway_redis
from bench.scorer_redis import batch_of, server_us
from streams.scorer.bookkeeping import BatchBook
from streams.scorer.metrics import Progress, ScorerMetrics
from streams.scorer.state_read import read_state
from streams.scorer.trends import TrendSource
from streams.settings import Settings
from streams.stores.dedup import Deduplicator
from streams.stores.history import History
from streams.stores.ledger import Ledger

PHASES = ("read", "before", "after")
MODES = ("on", "off")
COLUMNS = ("wall", "cpu", "server")


def measure(s: Settings, batch: int, batches: int) -> dict[str, dict[str, list[float]]]:
    client = redis.Redis.from_url(s.redis_url)
    dedup = Deduplicator(client, 86_400)
    metrics = ScorerMetrics()
    sources = {"on": TrendSource(History(client, s.history_max_entries, 86_400)),
               "off": TrendSource(None)}
    books = {m: BatchBook(metrics, Progress(metrics), Ledger(client, 86_400), t)
             for m, t in sources.items()}
    out = {f"{m} {p} {c}": [] for m in MODES for p in PHASES for c in COLUMNS}
    for k in range(2 * batches):
        mode = MODES[(k + k // 2) % 2]  # on off off on on off ...: neither always first
        claims, asks, result = batch_of(k, batch)
        trends, book = sources[mode], books[mode]
        steps = ((read_state, (dedup, trends, claims, asks)), (book.before, (result,)),
                 (book.record, (result,)))
        for phase, (step, args) in zip(PHASES, steps, strict=True):
            us0 = server_us(client)
            t0, c0 = time.perf_counter(), time.thread_time()
            step(*args)
            wall, cpu = time.perf_counter() - t0, time.thread_time() - c0
            out[f"{mode} {phase} wall"].append(wall * 1000)
            out[f"{mode} {phase} cpu"].append(cpu * 1000)
            out[f"{mode} {phase} server"].append((server_us(client) - us0) / 1000)
    for book in books.values():
        book.close()
    client.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--batches", type=int, default=60)
    ap.add_argument("--redis-port", type=int, default=46393)
    a = ap.parse_args()
    load = os.getloadavg()
    with throwaway_redis(a.redis_port, "leadstream-history-split-") as s:
        r = measure(s, a.batch, a.batches)
    end = os.getloadavg()
    print(f"history on/off, {a.batches} batches of {a.batch:,} new leads each, alternated "
          f"(ms per batch, mean; cpu = the client thread's, incl. the bookkeeping writer's "
          f"pipeline when waited for; server = INFO commandstats):")
    print(f"{'phase':8s}" + "".join(f"{m + ' ' + c:>12s}" for c in COLUMNS for m in MODES)
          + "".join(f"{'diff ' + c:>13s}" for c in COLUMNS))
    totals = {f"{m} {c}": 0.0 for m in MODES for c in COLUMNS}
    for p in PHASES:
        means = {f"{m} {c}": statistics.mean(r[f"{m} {p} {c}"]) for m in MODES for c in COLUMNS}
        for name, v in means.items():
            totals[name] += v
        print(f"{p:8s}" + "".join(f"{means[f'{m} {c}']:12.2f}" for c in COLUMNS for m in MODES)
              + "".join(f"{means[f'on {c}'] - means[f'off {c}']:13.2f}" for c in COLUMNS))
    print(f"{'total':8s}" + "".join(f"{totals[f'{m} {c}']:12.2f}" for c in COLUMNS for m in MODES)
          + "".join(f"{totals[f'on {c}'] - totals[f'off {c}']:13.2f}" for c in COLUMNS))
    print(machine_line(load, end))


if __name__ == "__main__":
    main()
