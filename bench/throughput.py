"""End-to-end throughput and latency of leadstream against its baselines, in one run::

    python -m bench.throughput [--events 200000] [--naive-events 5000] [--rate 2000]
                               [--latency-seconds 15]

Starts its own Kafka (port 29092) and Redis (26379) in a temp home, trains and registers a
champion in a temp sqlite MLflow, pre-loads one input topic, then drains it with (a0) the
leadstream scorer with reasons off (``LEADSTREAM_REASONS_K=0``), (a) the same with reasons
on (the default), (b) a transactional passthrough and (b') a plain one, (c) a naive
per-event scorer (:mod:`bench.baselines`), each into fresh output topics;
then offers a steady load to a fresh scorer for the latency percentiles (reasons off, then
on). Prints a table,
writes ``bench/results/throughput-<timestamp>.json`` and tears the stack down. See
``bench/README.md`` for what each number means and what limits it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from bench import bench_io as io
from bench import report, state_bytes
from bench.children import Child, wait_assigned
from bench.shadow import start_shadow, train_version
from streams.settings import Settings
from streams.stack import stack_down, stack_up

LEADSTREAM = str(Path(sys.executable).with_name("leadstream"))


@dataclass(frozen=True)
class BenchConfig:
    events: int = 200_000
    naive_events: int = 5_000
    rate: float = 2_000.0
    latency_s: float = 15.0
    warmup_s: float = 2.0
    seed: int = 3
    repeat_leads: int = 1_000
    """Leads scored 20 times each for the state-per-lead measurement (0: skipped)."""
    train_rows: int = 20_000
    child_timeout_s: float = 120.0
    variants: tuple[str, ...] = ("leadstream_bare", "leadstream_no_reasons", "leadstream",
                                 "leadstream_no_history", "passthrough_txn",
                                 "passthrough_plain", "naive", "leadstream_shadow")
    """Drain variants to run (the smoke test runs a subset); 0 ``latency_s`` skips latency."""


class Say:
    """Progress lines with the time since the bench started."""

    def __init__(self) -> None:
        self.t0 = time.monotonic()

    def __call__(self, text: str) -> None:
        print(f"[{time.monotonic() - self.t0:6.1f}s] {text}", flush=True)


def drain(name: str, cmd: list[str], s: Settings, n: int, cfg: BenchConfig, say: Say) -> dict:
    """Run one variant over the pre-loaded backlog; rates from the output's broker stamps."""
    timings = s.home / f"{name}-timings.json"
    extra = ["--timings", str(timings)] if cmd[0] == LEADSTREAM else []
    child = Child([*cmd, "--max-events", str(n), "--idle-exit", "30", *extra], s,
                  s.home / f"{name}.log")
    say(f"{name}: draining {n:,} leads (pid {child.proc.pid})")
    try:
        rc = child.wait(cfg.child_timeout_s, tick=io.output_ticker(s, n, say, name))
    finally:
        child.kill()
    if rc != 0:
        raise RuntimeError(f"{name} exited {rc}:\n{child.tail()}")
    stamps = [r.timestamp_ms for r in io.read_stamped(s, s.topic_scored)]
    result = report.drain_stats(stamps, n, child)
    if extra:
        result["stages"] = report.read_timings(timings)
    say(f"{name}: {result['leads_per_s']:,.0f} leads/s, peak RSS {child.peak_rss_mb:.0f} MB")
    return result


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
    say(f"latency: p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms")
    return result


def run(base: Settings, cfg: BenchConfig, say: Say) -> dict:
    """Every measurement on a running stack (``base``); returns the results document."""
    run_id = uuid.uuid4().hex[:6]
    load_at_start = os.getloadavg()
    base = base.model_copy(update={"model_name": f"bench-{run_id}"})  # a registry of its own
    say(f"training and registering a champion ({cfg.train_rows:,} synthetic leads)")
    version = train_version(base, cfg.seed, cfg.train_rows, alias="champion")
    src = io.fresh_topics(base, f"src-{run_id}")
    say(f"pre-loading {cfg.events:,} leads into {src.topic_incoming}")
    records = io.lead_records(cfg.events, cfg.seed)
    io.preload(src, records)
    variants: list[tuple[str, list[str], int]] = [
        ("leadstream_bare", [LEADSTREAM, "score"], cfg.events),
        ("leadstream_no_reasons", [LEADSTREAM, "score"], cfg.events),
        ("leadstream", [LEADSTREAM, "score"], cfg.events),
        ("leadstream_no_history", [LEADSTREAM, "score"], cfg.events),
        ("passthrough_txn", [sys.executable, "-m", "bench.baselines", "passthrough"],
         cfg.events),
        ("passthrough_plain", [sys.executable, "-m", "bench.baselines", "passthrough",
                               "--no-txn"], cfg.events),
        ("naive", [sys.executable, "-m", "bench.baselines", "naive"], cfg.naive_events),
    ]
    drains, state = {}, {}
    for name, cmd, n in (v for v in variants if v[0] in cfg.variants):
        s = io.fresh_topics(_variant(base, name), f"{name.replace('_', '-')}-{run_id}",
                            incoming=src.topic_incoming)
        empty = state_bytes.flushed(s) if name == "leadstream" else 0
        drains[name] = drain(name, cmd, s, n, cfg, say)
        if name == "leadstream":
            state["once"] = state_bytes.per_lead(s, empty, state_bytes.lead_ids(records))
            state_bytes.say_state(say, "scored once", state["once"])
    if "leadstream" in cfg.variants and cfg.repeat_leads:
        state["x20"] = repeated(base, run_id, records, cfg, say)
    lat_off = (latency(_variant(base, "no_reasons"), run_id, cfg, say)
               if cfg.latency_s > 0 and "leadstream_no_reasons" in cfg.variants else None)
    rounds = batching_rounds(base, run_id, cfg, say) if cfg.latency_s > 0 else []
    lat = rounds[0]["adaptive"] if rounds else None
    lat_timer = rounds[0]["timer"] if rounds else None
    if "leadstream_shadow" in cfg.variants:  # last: the latency phase serves the champion
        say("training a challenger; serving it in shadow mode")
        challenger = train_version(base, cfg.seed + 100, cfg.train_rows, alias="challenger")
        start_shadow(base, version, challenger)
        s = io.fresh_topics(base, f"shadow-{run_id}", incoming=src.topic_incoming)
        drains["leadstream_shadow"] = drain("leadstream_shadow", [LEADSTREAM, "score"], s,
                                            cfg.events, cfg, say)
    doc = report.document({**asdict(cfg), "loadavg": load_at_start}, version, records, drains,
                          lat, lat_off)
    doc["state"] = state
    doc["latency_timer_batching"] = lat_timer
    doc["batching_rounds"] = rounds
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


def _variant(s: Settings, variant: str) -> Settings:
    """The settings of a variant: ``*no_reasons`` turns reasons off (``reasons_k=0``),
    ``*no_history`` the score history and trend (``history_max_entries=0``), ``*bare``
    both (the scorer before issue 9's sales features)."""
    bare = variant.endswith("bare")
    update: dict[str, int] = {}
    if bare or variant.endswith("no_reasons"):
        update["reasons_k"] = 0
    if bare or variant.endswith("no_history"):
        update["history_max_entries"] = 0
    return s.model_copy(update=update) if update else s


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
    p.add_argument("--kafka-port", type=int, default=29092)
    p.add_argument("--redis-port", type=int, default=26379)
    return p.parse_args()


def main() -> None:
    a = _args()
    cfg = BenchConfig(events=a.events, naive_events=a.naive_events, rate=a.rate,
                      latency_s=a.latency_seconds, variants=tuple(a.variants),
                      repeat_leads=a.repeat_leads)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    say = Say()
    doc = with_stack(cfg, a.kafka_port, a.redis_port, lambda s: run(s, cfg, say), say)
    print(report.table(doc))
    say(f"results written to {report.write(doc)}")


if __name__ == "__main__":
    main()
