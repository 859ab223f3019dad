"""End-to-end throughput and latency of leadstream against its baselines, in one run::

    python -m bench.throughput [--events 200000] [--naive-events 5000] [--rate 2000]
                               [--latency-seconds 15] [--rounds 3] [--fast-repeat 5]

Starts its own Kafka (port 29092) and Redis (26379) in a temp home, trains and registers a
champion in a temp sqlite MLflow, pre-loads one input topic, then drains it ``--rounds``
times, interleaved, with each variant (:mod:`bench.drains`: the leadstream scorer with and
without reasons, history, shadow; a transactional and a plain passthrough; a naive
per-event scorer, :mod:`bench.baselines`), each into fresh output topics; then offers a
steady load to a fresh scorer for the latency percentiles. Prints a table (medians over the
rounds, unstable ratios flagged), writes ``bench/results/throughput-<timestamp>.json``
(every round kept) and tears the stack down. See ``bench/README.md`` for what each number
means and what limits it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from bench import bench_io as io
from bench import redis_events, report, state_bytes
from bench.bench_config import BenchConfig, Say
from bench.children import Child, wait_assigned
from bench.drains import FAST, LEADSTREAM, drain, drain_rounds, expected_seconds, variant_settings
from bench.redis_events import RedisEvents
from bench.shadow import train_version
from streams.settings import Settings
from streams.stack import stack_down, stack_up


def latency(base: Settings, run_id: str, cfg: BenchConfig, say: Say, tag: str = "",
            seed_offset: int = 0) -> dict:
    """A fresh scorer under a paced load; latency = output append time - input create time
    (and to the commit marker: the last record's offset of each partition + 1 readable)."""
    s = io.fresh_topics(base, f"lat-{run_id}-k{base.reasons_k}{tag}")
    total = int(cfg.rate * (cfg.warmup_s + cfg.latency_s))
    # other leads (event ids) per phase: the scorer's Redis de-duplication spans the stack
    records = io.lead_records(total, cfg.seed + 1 + (base.reasons_k == 0) + seed_offset)
    timings = s.home / f"latency-k{base.reasons_k}{tag}-timings.json"
    child = Child([LEADSTREAM, "score", "--idle-exit", "3", "--timings", str(timings)], s,
                  s.home / "latency.log")
    try:
        wait_assigned(s, child, cfg.child_timeout_s)
        say(f"latency: scorer assigned; offering {cfg.rate:,.0f} leads/s for "
            f"{cfg.warmup_s:.0f}+{cfg.latency_s:.0f} s")
        producer = io.PacedProducer(s, records, cfg.rate)
        watcher = io.CommittedWatcher(s)
        events = RedisEvents(s.redis_url)
        events.arm()
        watcher.start()
        producer.start()
        ticker = io.output_ticker(s, total, say, "latency")
        while producer.is_alive():
            child.sample_rss()
            ticker()
            producer.join(0.2)
        if producer.error is not None:
            raise RuntimeError(f"paced producer failed: {producer.error!r}")
        rc = child.wait(cfg.child_timeout_s)
        redis_found = events.read()
    finally:
        child.kill()
    watcher.stop.set()
    watcher.join(10)
    if rc != 0:
        raise RuntimeError(f"latency scorer exited {rc}:\n{child.tail()}")
    created = {r.key: r.timestamp_ms for r in io.read_stamped(s, s.topic_incoming)}
    appended = {r.key: r.timestamp_ms for r in io.read_stamped(s, s.topic_scored)}
    measured = [k for k, _ in records[int(cfg.rate * cfg.warmup_s):]]
    result = report.latency_stats(created, appended, measured, producer, child)
    result["visible"] = report.visible_stats(created, watcher.seen, measured)
    result["stages"] = report.read_timings(timings)
    result["redis"] = redis_found
    say(f"latency: p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms; "
        f"{redis_events.line(redis_found)}")
    return result


def run(base: Settings, cfg: BenchConfig, say: Say) -> dict:
    """Every measurement on a running stack (``base``); returns the results document."""
    run_id = uuid.uuid4().hex[:6]
    load_at_start = os.getloadavg()
    say(f"load average {load_at_start[0]:.1f} / {load_at_start[1]:.1f} / "
        f"{load_at_start[2]:.1f} (1/5/15 min); {cfg.rounds} round(s) of "
        f"{len(cfg.variants)} drain(s), expected ~{expected_seconds(cfg) / 60:.0f} min on a "
        "quiet 2-core machine")
    base = base.model_copy(update={"model_name": f"bench-{run_id}"})  # a registry of its own
    say(f"training and registering a champion ({cfg.train_rows:,} synthetic leads)")
    version = train_version(base, cfg.seed, cfg.train_rows, alias="champion")
    src = io.fresh_topics(base, f"src-{run_id}")
    say(f"pre-loading {cfg.events:,} leads into {src.topic_incoming}")
    records = io.lead_records(cfg.events, cfg.seed)
    io.preload(src, records)
    long_src = None
    if set(FAST) & set(cfg.variants) and cfg.fast_repeat > 1:
        long_src = io.fresh_topics(base, f"src-long-{run_id}")
        say(f"pre-loading the same leads {cfg.fast_repeat} times into "
            f"{long_src.topic_incoming} for (b) and (b')")
        io.preload(long_src, records * cfg.fast_repeat)
    drains, state = drain_rounds(base, run_id, version, src, long_src, records, cfg, say)
    if "leadstream" in cfg.variants and cfg.repeat_leads:
        state["x20"] = repeated(base, run_id, records, cfg, say)
    lat_off = (latency(variant_settings(base, "no_reasons"), run_id, cfg, say)
               if cfg.latency_s > 0 and "leadstream_no_reasons" in cfg.variants else None)
    batching = batching_rounds(base, run_id, cfg, say) if cfg.latency_s > 0 else []
    lat = batching[0]["adaptive"] if batching else None
    lat_timer = batching[0]["timer"] if batching else None
    doc = report.document({**asdict(cfg), "loadavg": load_at_start}, version, records, drains,
                          lat, lat_off)
    doc["state"] = state
    doc["latency_timer_batching"] = lat_timer
    doc["batching_rounds"] = batching
    return doc


def batching_rounds(base: Settings, run_id: str, cfg: BenchConfig, say: Say) -> list[dict]:
    """Timer vs adaptive batching at the paced rate, reasons on, in the order timer,
    adaptive, adaptive, timer (a load that drifts during the phases favours neither)."""
    timer = base.model_copy(update={"adaptive_batching": False})
    order = [("timer", timer), ("adaptive", base), ("adaptive", base), ("timer", timer)]
    out: list[dict] = [{}, {}]
    for i, (name, s) in enumerate(order):
        out[i // 2][name] = latency(s, run_id, cfg, say, f"{name}{i}", 2 + i)
    return out


def repeated(base: Settings, run_id: str, records: list, cfg: BenchConfig, say: Say) -> dict:
    """Redis state per lead for leads scored 20 times: a drain of its own, defaults."""
    s = io.fresh_topics(base, f"x20-{run_id}")
    sent = state_bytes.repeated_records(records, cfg.repeat_leads, 20)
    io.preload(s, sent)
    empty = state_bytes.flushed(s)
    drain("leadstream_x20", [LEADSTREAM, "score"], s, len(sent), cfg, say)
    out = state_bytes.per_lead(s, empty, state_bytes.lead_ids(sent))
    state_bytes.say_state(say, "scored 20 times", out)
    return out


def with_stack(cfg: BenchConfig, kafka_port: int, redis_port: int,
               body: Callable[[Settings], dict], say: Say) -> dict:
    """Start a private stack in a temp home, run ``body``, always tear it all down."""
    home = Path(tempfile.mkdtemp(prefix="leadstream-bench-"))
    settings = Settings(
        _env_file=None, home=home, bootstrap_servers=f"127.0.0.1:{kafka_port}",
        redis_url=f"redis://127.0.0.1:{redis_port}/0", kafka_port=kafka_port,
        redis_port=redis_port, mlflow_tracking_uri=f"sqlite:///{home}/mlflow.db",
        stack_alerting=False)
    try:
        say(f"starting Kafka :{kafka_port} and Redis :{redis_port} in {home}")
        stack_up(settings)
        return body(settings)
    finally:
        say("tearing the stack down")
        stack_down(settings)
        shutil.rmtree(home, ignore_errors=True)


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    d = BenchConfig()
    p.add_argument("--events", type=int, default=d.events)
    p.add_argument("--naive-events", type=int, default=d.naive_events)
    p.add_argument("--rate", type=float, default=d.rate)
    p.add_argument("--latency-seconds", type=float, default=d.latency_s)
    p.add_argument("--variants", nargs="+", default=list(d.variants), choices=d.variants,
                   help="drains to run (e.g. only 'leadstream' for the state per lead)")
    p.add_argument("--repeat-leads", type=int, default=d.repeat_leads,
                   help="leads scored 20 times each for the state per lead (0: skipped)")
    p.add_argument("--rounds", type=int, default=d.rounds,
                   help="drains of each variant, interleaved; medians reported")
    p.add_argument("--fast-repeat", type=int, default=d.fast_repeat,
                   help="(b) and (b') drain the input this many times over")
    p.add_argument("--kafka-port", type=int, default=29092)
    p.add_argument("--redis-port", type=int, default=26379)
    return p.parse_args()


def main() -> None:
    a = _args()
    cfg = BenchConfig(events=a.events, naive_events=a.naive_events, rate=a.rate,
                      latency_s=a.latency_seconds, variants=tuple(a.variants),
                      repeat_leads=a.repeat_leads, rounds=a.rounds,
                      fast_repeat=a.fast_repeat)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    say = Say()
    doc = with_stack(cfg, a.kafka_port, a.redis_port, lambda s: run(s, cfg, say), say)
    print(report.table(doc))
    say(f"results written to {report.write(doc)}")


if __name__ == "__main__":
    main()
