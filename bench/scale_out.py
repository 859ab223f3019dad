"""Scale-out on a local 3-node KRaft cluster: 1, 2 and 3 scorer processes in one group::

    python -m bench.scale_out [--events 30000] [--rate 1000] [--latency-seconds 10]
                              [--warmup-seconds 2]
                              [--processes 1,2,3] [--kafka-port 29192] [--redis-port 26479]

Starts its own 3-node cluster (replication factor 3, ``min.insync.replicas`` 2, 384m heap
per node) and Redis in a temp home, trains a champion, pre-loads ``--events`` leads into a
12-partition ``leads.incoming``, then for each process count: drains that backlog with N
scorers in one group into fresh outputs (leads/s over the outputs' broker append times),
and offers ``--rate`` leads/s to N fresh scorers for the end-to-end latency (append time -
create time, after a ``--warmup-seconds`` warm-up). Redis is flushed between phases (the
de-duplication claims span the stack). Prints one line per count with the machine's load
average, writes ``bench/results/scale-out-<timestamp>.json`` and tears the cluster down.
Bounded: every child has a deadline and exits on its own when idle.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import redis

from bench import bench_io as io
from bench import report
from bench.bench_config import Say
from bench.children import Child, wait_assigned
from bench.drains import LEADSTREAM
from bench.shadow import train_version
from streams.settings import Settings
from streams.stack import stack_down, stack_up

RESULTS = Path(__file__).with_name("results")


@dataclass(frozen=True)
class ScaleConfig:
    events: int = 30_000
    rate: float = 1_000.0
    latency_s: float = 10.0
    warmup_s: float = 2.0
    processes: tuple[int, ...] = (1, 2, 3)
    partitions: int = 12
    seed: int = 5
    train_rows: int = 20_000
    child_timeout_s: float = 240.0


def _scorers(s: Settings, n: int, tag: str) -> list[Child]:
    """``n`` scorers in ``s.consumer_group``, each its own transactional id; each exits
    after 5 s without input."""
    return [Child([LEADSTREAM, "score", "--idle-exit", "5"],
                  s.model_copy(update={"transactional_id": f"{s.transactional_id}-{i}"}),
                  s.home / f"{tag}-{i}.log") for i in range(n)]


def _wait_all(children: list[Child], timeout_s: float, tick=lambda: None) -> None:
    deadline = time.monotonic() + timeout_s
    try:
        for child in children:
            rc = child.wait(max(1.0, deadline - time.monotonic()), tick)
            if rc != 0:
                raise RuntimeError(f"{child.log.name} exited {rc}:\n{child.tail()}")
    finally:
        for child in children:
            child.kill()


def drain(base: Settings, src: str, n: int, cfg: ScaleConfig, run_id: str, say: Say) -> dict:
    s = io.fresh_topics(base, f"drain{n}-{run_id}", incoming=src)
    children = _scorers(s, n, f"drain{n}")
    say(f"{n} scorer(s): draining {cfg.events:,} leads")
    _wait_all(children, cfg.child_timeout_s, io.output_ticker(s, cfg.events, say, f"drain{n}"))
    stamps = [r.timestamp_ms for r in io.read_stamped(s, s.topic_scored)]
    out = report.drain_stats(stamps, cfg.events, children[0])
    out["peak_rss_mb"] = max(c.peak_rss_mb for c in children)
    return out


def latency(base: Settings, n: int, cfg: ScaleConfig, run_id: str, say: Say) -> dict:
    s = io.fresh_topics(base, f"lat{n}-{run_id}")
    total = int(cfg.rate * (cfg.warmup_s + cfg.latency_s))
    records = io.lead_records(total, cfg.seed + 1)
    children = _scorers(s, n, f"lat{n}")
    for child in children:
        wait_assigned(s, child, cfg.child_timeout_s)
    say(f"{n} scorer(s): offering {cfg.rate:,.0f} leads/s for "
        f"{cfg.warmup_s:.0f}+{cfg.latency_s:.0f} s")
    producer = io.PacedProducer(s, records, cfg.rate)
    producer.start()
    producer.join(cfg.warmup_s + cfg.latency_s + cfg.child_timeout_s)
    if producer.error is not None:
        raise RuntimeError(f"paced producer failed: {producer.error!r}")
    _wait_all(children, cfg.child_timeout_s)
    created = {r.key: r.timestamp_ms for r in io.read_stamped(s, s.topic_incoming)}
    appended = {r.key: r.timestamp_ms for r in io.read_stamped(s, s.topic_scored)}
    measured = [k for k, _ in records[int(cfg.rate * cfg.warmup_s):]]
    out = report.latency_stats(created, appended, measured, producer, children[0])
    return out


def run(base: Settings, cfg: ScaleConfig, say: Say) -> dict:
    run_id = uuid.uuid4().hex[:6]
    base = base.model_copy(update={"model_name": f"scale-{run_id}",
                                   "incoming_partitions": cfg.partitions})
    say(f"training and registering a champion ({cfg.train_rows:,} synthetic leads)")
    train_version(base, cfg.seed, cfg.train_rows, alias="champion")
    src = io.fresh_topics(base, f"src-{run_id}")
    say(f"pre-loading {cfg.events:,} leads into {src.topic_incoming} ({cfg.partitions} "
        "partitions)")
    io.preload(src, io.lead_records(cfg.events, cfg.seed))
    client = redis.Redis.from_url(base.redis_url)
    rows = []
    for n in cfg.processes:
        client.flushdb()
        load_before = os.getloadavg()
        d = drain(base, src.topic_incoming, n, cfg, run_id, say)
        client.flushdb()
        lat = latency(base, n, cfg, run_id, say)
        row = {"processes": n, "leads_per_s": d["leads_per_s"], "drain_s": d["drain_s"],
               "p50_ms": lat["p50_ms"], "p99_ms": lat["p99_ms"], "max_ms": lat["max_ms"],
               "peak_rss_mb": d["peak_rss_mb"], "load_before": load_before,
               "load_after": os.getloadavg()}
        say(f"{n} scorer(s): {row['leads_per_s']:,.0f} leads/s, p50 {row['p50_ms']:.0f} ms, "
            f"p99 {row['p99_ms']:.0f} ms at {cfg.rate:,.0f}/s; load "
            f"{' '.join(f'{x:.2f}' for x in row['load_after'])} on {os.cpu_count()} cores")
        rows.append(row)
    client.close()
    return {"config": cfg.__dict__, "cores": os.cpu_count(), "rows": rows}


def with_cluster(cfg: ScaleConfig, kafka_port: int, redis_port: int, say: Say,
                 brokers: int = 3) -> dict:
    """Start a private ``brokers``-node stack (1: the single node, for comparison), run,
    always tear it down."""
    home = Path(tempfile.mkdtemp(prefix="leadstream-scale-"))
    bootstrap = ",".join(f"127.0.0.1:{kafka_port + 2 * i}" for i in range(brokers))
    settings = Settings(
        _env_file=None, home=home, bootstrap_servers=bootstrap, kafka_brokers=brokers,
        kafka_heap="384m", redis_url=f"redis://127.0.0.1:{redis_port}/0",
        kafka_port=kafka_port, redis_port=redis_port,
        mlflow_tracking_uri=f"sqlite:///{home}/mlflow.db", stack_alerting=False)
    try:
        say(f"starting a {brokers}-node Kafka :{kafka_port}-{kafka_port + 2 * brokers - 1}, Redis "
            f":{redis_port} in {home}")
        stack_up(settings)
        return run(settings, cfg, say)
    finally:
        say("tearing the cluster down")
        stack_down(settings)
        shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    d = ScaleConfig()
    p.add_argument("--events", type=int, default=d.events)
    p.add_argument("--rate", type=float, default=d.rate)
    p.add_argument("--latency-seconds", type=float, default=d.latency_s)
    p.add_argument("--warmup-seconds", type=float, default=d.warmup_s)
    p.add_argument("--processes", default=",".join(map(str, d.processes)))
    p.add_argument("--brokers", type=int, default=3, help="Kafka nodes (1: the single node)")
    p.add_argument("--kafka-port", type=int, default=29192)
    p.add_argument("--redis-port", type=int, default=26479)
    a = p.parse_args()
    cfg = ScaleConfig(events=a.events, rate=a.rate, latency_s=a.latency_seconds,
                      warmup_s=a.warmup_seconds,
                      processes=tuple(int(x) for x in a.processes.split(",")))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    say = Say()
    doc = {**with_cluster(cfg, a.kafka_port, a.redis_port, say, a.brokers), "brokers": a.brokers}
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"scale-out-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(doc, indent=2))
    say(f"results written to {path}")


if __name__ == "__main__":
    main()
