"""Throughput cost of the score history and trend, drains interleaved against load swings::

    python -m bench.history_cost [--events 100000] [--pairs 3] [--ref REV]
                                 [--kafka-port 29092] [--redis-port 26379]

On a shared machine the load moves between two drains of ``bench.throughput``; here the
scorer drains one pre-loaded backlog ``--pairs`` times with the history on and as often
with it off (``LEADSTREAM_HISTORY_MAX_ENTRIES=0``), alternating, Redis flushed before each
drain so that every drain starts from the same state. Prints each drain with the load
average at its end, the medians and their ratio. Kafka 29092 / Redis 26379 as
``bench.throughput`` (do not run both at once) unless given. With ``--ref REV`` (a git
revision) a third drain per round, ``ref``, runs the history on with the scorer as it is at
``REV`` (its tree exported to a temp dir, first on the child's path): the cost before and
after a change in one run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import redis

from bench import bench_io as io
from bench.bench_config import BenchConfig, Say
from bench.drains import LEADSTREAM, drain
from bench.shadow import train_version
from bench.throughput import with_stack
from streams.settings import Settings


def tree_at(rev: str) -> Path:
    """The repository's tree at ``rev``, exported to a temp dir."""
    out = Path(tempfile.mkdtemp(prefix="history-cost-ref-"))
    archive = subprocess.run(["git", "archive", rev], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(out)], input=archive, check=True)
    return out


def scorer_at(tree: Path) -> list[str]:
    """The ``leadstream score`` command running the code of ``tree``."""
    return [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(tree)!r}); "
            "sys.argv[0] = 'leadstream'; from streams.cli import main; main()", "score"]


def run(base: Settings, cfg: BenchConfig, pairs: int, say: Say, ref: str | None = None
        ) -> dict[str, list[float]]:
    run_id = uuid.uuid4().hex[:6]
    base = base.model_copy(update={"model_name": f"bench-{run_id}"})
    train_version(base, cfg.seed, cfg.train_rows, alias="champion")
    src = io.fresh_topics(base, f"src-{run_id}")
    io.preload(src, io.lead_records(cfg.events, cfg.seed))
    modes = ["on", "off", *(["ref"] if ref else [])]
    ref_cmd = scorer_at(tree_at(ref)) if ref else []
    rates: dict[str, list[float]] = {m: [] for m in modes}
    redis_ms: dict[str, list[float]] = {m: [] for m in modes}
    for k in range(pairs):
        for mode in modes[k % len(modes):] + modes[:k % len(modes)]:
            redis.Redis.from_url(base.redis_url).flushdb()
            s = io.fresh_topics(base, f"h{mode}{k}-{run_id}", incoming=src.topic_incoming)
            if mode == "off":
                s = s.model_copy(update={"history_max_entries": 0})
            cmd = ref_cmd if mode == "ref" else [LEADSTREAM, "score"]
            r = drain(f"history_{mode}_{k}", cmd, s, cfg.events, cfg, say)
            rates[mode].append(r["leads_per_s"])
            stages = (r.get("stages") or {}).get("stages") or {}
            redis_ms[mode].append(stages.get("redis", {}).get("mean_ms", float("nan")))
            say(f"  load average {os.getloadavg()[0]:.1f} after history {mode} #{k}")
    return {**rates, **{f"{m} redis_ms": v for m, v in redis_ms.items()}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--ref", default=None, help="git revision: its scorer, history on")
    ap.add_argument("--kafka-port", type=int, default=29092)
    ap.add_argument("--redis-port", type=int, default=26379)
    a = ap.parse_args()
    cfg = BenchConfig(events=a.events)
    say = Say()
    start = os.getloadavg()
    rates = with_stack(cfg, a.kafka_port, a.redis_port,
                       lambda s: run(s, cfg, a.pairs, say, a.ref), say)
    end = os.getloadavg()
    medians = {m: statistics.median(v) for m, v in rates.items() if " " not in m}
    for mode, label in (("on", "history on "), ("off", "history off"),
                        ("ref", f"on at {a.ref}")):
        if mode in rates:
            print(f"{label}: {', '.join(f'{x:,.0f}' for x in rates[mode])} leads/s "
                  f"(median {medians[mode]:,.0f}); redis stage ms/batch "
                  f"{', '.join(f'{x:.1f}' for x in rates[f'{mode} redis_ms'])}")
    print(f"ratio on/off (medians): {medians['on'] / medians['off']:.2f}")
    if "ref" in medians:
        print(f"ratio on at {a.ref}/off (medians): {medians['ref'] / medians['off']:.2f}")
    print(f"machine: {os.cpu_count()} CPUs, load average {start[0]:.1f}/{start[1]:.1f}/"
          f"{start[2]:.1f} at the start, {end[0]:.1f}/{end[1]:.1f}/{end[2]:.1f} at the end")


if __name__ == "__main__":
    main()
