"""The scorer's ``redis`` stage alone, per batch, against a real redis-server::

    python -m bench.scorer_redis [--batch 1000] [--batches 60] [--redis-port 46391]

Starts its own Redis (the stack's persistence: append-only, fsync every second) in a temp
home and replays what the scorer's Redis calls do with a drained batch of ``--batch`` new
leads, each event with an ``event_id``, using the scorer's own classes: ``read`` (the
event-id claims and the previous scores, :func:`streams.scorer.state_read.read_state`),
``before`` (the history entries before the transaction) and ``after`` (history marked
committed and ledger rows, :class:`streams.scorer.bookkeeping.BatchBook`). Prints per phase
the client's wall time (median, p95), the server's time (``INFO commandstats``: scripts and
commands) and the round trips, with the machine's load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import redis

from bench.bench_io import machine_line, throwaway_redis
from streams.scorer.batch_result import BatchResult
from streams.scorer.bookkeeping import BatchBook
from streams.scorer.metrics import Progress, ScorerMetrics
from streams.scorer.state_read import read_state
from streams.scorer.trends import TrendSource
from streams.settings import Settings
from streams.stores.dedup import Claim, Deduplicator
from streams.stores.history import History, HistoryRows, element
from streams.stores.ledger import Ledger
from streams.stores.ledger_rows import LedgerRows

PHASES = ("read", "before", "after")
_FEATURES = ",".join(f"{i * 1.37:.2f}" for i in range(24))


def batch_of(k: int, n: int) -> tuple[list[Claim], list[tuple[str, int, int]], BatchResult]:
    """Batch ``k`` of ``n`` new leads: claims, history asks, and the result to record."""
    leads = [f"lead-{k:05d}-{i:05d}" for i in range(n)]
    where = [(i % 6, k * n // 6 + i // 6) for i in range(n)]
    claims = [Claim(f"ev-{k}-{i}", f"leads.incoming:{p}:{o}", lead)
              for i, (lead, (p, o)) in enumerate(zip(leads, where, strict=True))]
    asks = [(lead, p, o) for lead, (p, o) in zip(leads, where, strict=True)]
    now = int(time.time())  # entries older than the history's TTL are dropped
    history = HistoryRows(leads, [element(p, o, f"{0.3 + (i % 40) / 100!r}", "C", "3",
                                          now) for i, (p, o) in enumerate(where)])
    rows = [f'["L1",3,"control",null,{0.4 + i / 1e5!r},1767225601000000,"ev-{k}-{i}",'
            f'{_FEATURES}]' for i in range(n)]
    ledger = LedgerRows(leads, rows, {}, {"L1": '["model",["f1","f2"]]'})
    return claims, asks, BatchResult(ledger=ledger, history=history)


NESTED = frozenset({"cmdstat_get", "cmdstat_set", "cmdstat_exists", "cmdstat_del",
                    "cmdstat_lrange", "cmdstat_hgetall"})
"""Commands the scripts call: Redis 7 counts a script's own calls again under their names
(inside the ``EVALSHA``'s time), so they are left out (the batch's one plain ``SET`` of a
ledger layout with them: a few microseconds)."""


def server_us(client: redis.Redis) -> float:
    """Redis's own time so far (µs): scripts counted once."""
    return sum(v["usec"] for k, v in client.info("commandstats").items() if k not in NESTED)


def trips(client: redis.Redis) -> int:
    return int(client.info("stats")["total_commands_processed"])


def measure(s: Settings, batch: int, batches: int) -> dict[str, dict[str, list[float]]]:
    client = redis.Redis.from_url(s.redis_url)
    dedup = Deduplicator(client, 86_400)
    trends = TrendSource(History(client, s.history_max_entries, 86_400))
    metrics = ScorerMetrics()
    book = BatchBook(metrics, Progress(metrics), Ledger(client, 86_400), trends)
    out = {p: {"wall_ms": [], "server_ms": []} for p in PHASES}
    for k in range(batches):
        claims, asks, result = batch_of(k, batch)
        steps = ((read_state, (dedup, trends, claims, asks)), (book.before, (result,)),
                 (book.record, (result,)))
        for phase, (step, args) in zip(PHASES, steps, strict=True):
            us0 = server_us(client)
            t0 = time.perf_counter()
            step(*args)
            wall = time.perf_counter() - t0
            out[phase]["wall_ms"].append(wall * 1000)
            out[phase]["server_ms"].append((server_us(client) - us0) / 1000)
    client.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--batches", type=int, default=60)
    ap.add_argument("--redis-port", type=int, default=46391)
    a = ap.parse_args()
    load = os.getloadavg()
    with throwaway_redis(a.redis_port, "leadstream-scorer-redis-") as s:
        r = measure(s, a.batch, a.batches)
    end = os.getloadavg()
    print(f"scorer redis stage, {a.batches} batches of {a.batch:,} new leads "
          f"(ms per batch; server = INFO commandstats, the INFO calls' own time included):")
    total = 0.0
    for phase in PHASES:
        w, sv = r[phase]["wall_ms"], r[phase]["server_ms"]
        total += statistics.mean(w)
        print(f"  {phase:<7} wall mean {statistics.mean(w):6.2f}  p50 {statistics.median(w):6.2f}"
              f"  p95 {statistics.quantiles(w, n=20)[18]:6.2f}   server mean "
              f"{statistics.mean(sv):6.2f}")
    print(f"  total   wall mean {total:6.2f}")
    print(machine_line(load, end))


if __name__ == "__main__":
    main()
