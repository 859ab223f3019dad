"""Cost of the score history per scorer batch, against a real redis-server::

    python -m bench.history_store [--batch 1000] [--batches 50] [--redis-port 46389]

Starts its own Redis in a temp home. For batches of ``--batch`` leads, each lead already
holding a full history (``history_max_entries``, documents of ~400 bytes), it times
:meth:`History.previous` (before scoring) and :meth:`History.record` (before the
transaction) and counts the commands Redis received per batch (``INFO commandstats``): one
script call per direction is one round trip. Prints the percentiles and the machine load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import redis

from bench.bench_io import machine_line, throwaway_redis
from streams.stores.history import History, HistoryRows, element


def batch_rows(batch: int, offset: int) -> HistoryRows:
    leads = [f"lead-{i:07d}" for i in range(batch)]
    scores = [f"{0.3 + (i % 40) / 100!r}" for i in range(batch)]
    return HistoryRows(leads, [element(i % 6, offset, s, "C", "3", 1_767_225_601)
                               for i, s in enumerate(scores)])


def calls(client: redis.Redis) -> tuple[int, int]:
    """Script calls (each one round trip) and all commands, those run by scripts included."""
    stats = client.info("commandstats")
    scripts = sum(stats.get(f"cmdstat_{c}", {}).get("calls", 0) for c in ("eval", "evalsha"))
    return scripts, sum(v["calls"] for v in stats.values())


def measure(history: History, client: redis.Redis, batch: int, batches: int) -> dict:
    for offset in range(history.max_entries):  # every lead's history full
        history.record(batch_rows(batch, offset))
    read_ms, write_ms, trips, commands = [], [], [], []
    for k in range(batches):
        offset = history.max_entries + k
        rows = batch_rows(batch, offset)
        asks = [(lead, i % 6, offset) for i, lead in enumerate(rows.lead_ids)]
        before = calls(client)
        t0 = time.perf_counter()
        history.previous(asks)
        t1 = time.perf_counter()
        history.record(rows)
        t2 = time.perf_counter()
        after = calls(client)
        trips.append(after[0] - before[0])
        commands.append(after[1] - before[1] - 1)  # minus the INFO itself
        read_ms.append((t1 - t0) * 1000)
        write_ms.append((t2 - t1) * 1000)
    return {"read_ms": read_ms, "write_ms": write_ms, "trips": trips, "commands": commands}


def _p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--batches", type=int, default=50)
    ap.add_argument("--redis-port", type=int, default=46389)
    a = ap.parse_args()
    load = os.getloadavg()
    with throwaway_redis(a.redis_port, "leadstream-history-bench-") as settings:
        client = redis.Redis.from_url(settings.redis_url)
        history = History(client, settings.history_max_entries, 3600)
        r = measure(history, client, a.batch, a.batches)
        evalsha = client.info("commandstats").get("cmdstat_evalsha", {})
        r["server_ms_per_call"] = evalsha.get("usec_per_call", 0.0) / 1000
    print(f"history store, {a.batches} batches of {a.batch:,} leads, each with "
          f"{settings.history_max_entries} entries already:")
    for name in ("read_ms", "write_ms"):
        v = r[name]
        print(f"  {name[:-3]:<6} p50 {statistics.median(v):6.2f} ms  p95 {_p(v, 95):6.2f} ms  "
              f"({a.batch / statistics.median(v) * 1000:,.0f} leads/s)")
    print(f"  round trips (script calls) per batch, both directions: {sorted(set(r['trips']))}; "
          f"commands run inside them: {statistics.median(r['commands']):,.0f}")
    print(f"  Redis server time per script call (read and write averaged): "
          f"{r['server_ms_per_call']:.2f} ms")
    end = os.getloadavg()
    print(machine_line(load, end))


if __name__ == "__main__":
    main()
