"""Throughput cost of the score history and trend, drains interleaved against load swings::

    python -m bench.history_cost [--events 100000] [--pairs 3]

On a shared machine the load moves between two drains of ``bench.throughput``; here the
scorer drains one pre-loaded backlog ``--pairs`` times with the history on and as often
with it off (``LEADSTREAM_HISTORY_MAX_ENTRIES=0``), alternating, Redis flushed before each
drain so that every drain starts from the same state. Prints each drain with the load
average at its end, the medians and their ratio. Kafka 29092 / Redis 26379 as
``bench.throughput`` (do not run both at once).
"""

from __future__ import annotations

import argparse
import os
import statistics
import uuid

import redis

from bench import bench_io as io
from bench.bench_config import BenchConfig, Say
from bench.drains import LEADSTREAM, drain
from bench.shadow import train_version
from bench.throughput import with_stack
from streams.settings import Settings


def run(base: Settings, cfg: BenchConfig, pairs: int, say: Say) -> dict[str, list[float]]:
    run_id = uuid.uuid4().hex[:6]
    base = base.model_copy(update={"model_name": f"bench-{run_id}"})
    train_version(base, cfg.seed, cfg.train_rows, alias="champion")
    src = io.fresh_topics(base, f"src-{run_id}")
    io.preload(src, io.lead_records(cfg.events, cfg.seed))
    rates: dict[str, list[float]] = {"on": [], "off": []}
    for k in range(pairs):
        for mode in ("on", "off") if k % 2 == 0 else ("off", "on"):
            redis.Redis.from_url(base.redis_url).flushdb()
            s = io.fresh_topics(base, f"h{mode}{k}-{run_id}", incoming=src.topic_incoming)
            if mode == "off":
                s = s.model_copy(update={"history_max_entries": 0})
            r = drain(f"history_{mode}_{k}", [LEADSTREAM, "score"], s, cfg.events, cfg, say)
            rates[mode].append(r["leads_per_s"])
            say(f"  load average {os.getloadavg()[0]:.1f} after history {mode} #{k}")
    return rates


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--pairs", type=int, default=3)
    a = ap.parse_args()
    cfg = BenchConfig(events=a.events)
    say = Say()
    start = os.getloadavg()
    rates = with_stack(cfg, 29092, 26379, lambda s: run(s, cfg, a.pairs, say), say)
    end = os.getloadavg()
    on, off = statistics.median(rates["on"]), statistics.median(rates["off"])
    print(f"history on : {', '.join(f'{x:,.0f}' for x in rates['on'])} leads/s "
          f"(median {on:,.0f})")
    print(f"history off: {', '.join(f'{x:,.0f}' for x in rates['off'])} leads/s "
          f"(median {off:,.0f})")
    print(f"ratio on/off (medians): {on / off:.2f}")
    print(f"machine: {os.cpu_count()} CPUs, load average {start[0]:.1f}/{start[1]:.1f}/"
          f"{start[2]:.1f} at the start, {end[0]:.1f}/{end[1]:.1f}/{end[2]:.1f} at the end")


if __name__ == "__main__":
    main()
