"""Per-lead state in a changelog topic written in the scorer's transaction, vs Redis::

    python -m bench.changelog_state [--batches 60] [--rounds 2] [--restore 100000 600000]
                                    [--partitions 12] [--kafka-port 29592] [--redis-port 26879]

Starts its own Kafka and Redis in a temp home. Per round, on the same input (``--batches``
of 1,000 leads) and in reversed order every other round: (p) the transactional passthrough
of :mod:`bench.baselines` (consume → produce each record → ``send_offsets`` → commit);
(p+c) the same plus one state record per lead (:func:`bench.changelog_topic.state_value`,
a lead scored once) to a compacted topic of as many partitions, in the same transaction;
(p+c20) the same with every lead's state holding 20 scores (the record a lead's 20th score
writes); then (r) the scorer's Redis calls alone on the same Redis
(:func:`bench.scorer_redis.measure`: read before, history before, history + ledger after).
Every arm builds the batch's state records after the consume, as the scorer's serialize
stage would (the passthrough drops them): times are ms per batch from ``begin_transaction``
to the end of ``commit_transaction`` (the part the records add to); leads/s from the first
consume to the last commit (they include the building: ~15 ms a batch, ~105 in p+c20).
Then the restore on assignment (:func:`bench.changelog_topic.restore`) of changelogs of
``--restore`` leads scored once, and of the smallest count scored 20 times, each in a fresh
process.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from confluent_kafka import Consumer, Producer

from bench import bench_io as io
from bench import scorer_redis
from bench.changelog_topic import fill, log_bytes, new_compacted, restore, state_value
from streams.kafka.io import consumer_config, producer_config
from streams.settings import Settings
from streams.stack import start_kafka, start_redis, stop_kafka, stop_redis

ARMS = {"p": 0, "p+c": 1, "p+c20": 20}
"""The arms: scores held in each lead's state record (0: no changelog)."""


def drain(s: Settings, changelog: str | None, n: int, scores: int) -> dict:
    """The passthrough over ``n`` leads, plus a state record per lead when ``changelog``."""
    consumer, producer = Consumer(consumer_config(s)), Producer(producer_config(s))
    producer.init_transactions(30)
    consumer.subscribe([s.topic_incoming])
    batch_ms: list[float] = []
    done, raw, first, deadline = 0, 0, 0.0, time.monotonic() + 300
    while done < n and time.monotonic() < deadline:
        msgs = [m for m in consumer.consume(s.batch_size, s.batch_timeout_s) if not m.error()]
        if not msgs:
            continue
        first = first or time.perf_counter()
        states = [state_value(m.key().decode(), m.partition(), m.offset(), max(scores, 1))
                  for m in msgs]  # built in every arm: only the produce of them differs
        t0 = time.perf_counter()
        producer.begin_transaction()
        for m in msgs:
            io._send(producer, s.topic_scored, m.key(), m.value())
        for m, state in zip(msgs, states if changelog else [], strict=False):
            io._send(producer, changelog, m.key(), state)
        positions = [tp for tp in consumer.position(consumer.assignment()) if tp.offset >= 0]
        producer.send_offsets_to_transaction(positions, consumer.consumer_group_metadata(), 30)
        producer.commit_transaction(30)
        batch_ms.append((time.perf_counter() - t0) * 1000)
        done += len(msgs)
        raw += sum(len(m.key()) + len(state) for m, state in zip(msgs, states, strict=True))
    consumer.close()
    if done < n:
        raise RuntimeError(f"the drain got {done:,} of {n:,} leads in 300 s")
    return {"leads_per_s": done / (time.perf_counter() - first), "batch_ms": batch_ms,
            "raw_b": raw / done if changelog else 0, "batches": len(batch_ms)}


def _ms(xs: list[float]) -> str:
    p99 = statistics.quantiles(xs, n=100)[98] if len(xs) > 1 else xs[0]
    return f"{statistics.mean(xs):6.1f} / {statistics.median(xs):6.1f} / {p99:6.1f}"


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def writes(s: Settings, a: argparse.Namespace, tag: str) -> None:
    n = a.batches * 1000
    src = io.fresh_topics(s, f"cl-src-{tag}")
    io.preload(src, io.lead_records(n, 3))
    print(f"{n:,} leads, {a.partitions} partitions; ms per batch (mean / p50 / p99)", flush=True)
    for r in range(a.rounds):
        for arm in list(ARMS)[::-1 if r % 2 else 1]:
            name = f"cl-{arm.replace('+', '')}-{r}-{tag}"
            t = io.fresh_topics(s, name, src.topic_incoming)
            log = new_compacted(s, f"bench.{name}.state", a.partitions) if ARMS[arm] else None
            d = drain(t, log, n, ARMS[arm])
            print(f"  {r} {arm:<6} {d['leads_per_s']:7,.0f} leads/s  {_ms(d['batch_ms'])}  "
                  f"({d['batches']} batches) "
                  f"state {d['raw_b']:4.0f} B/lead, on the broker "
                  f"{log_bytes(s, log) / n if log else 0:4.0f}", flush=True)
        red = scorer_redis.measure(s, 1000, a.batches)
        total = [sum(x) for x in zip(*(red[p]["wall_ms"] for p in scorer_redis.PHASES),
                                     strict=True)]
        print(f"  {r} redis  read+before+after        {_ms(total)}  load {_load()}", flush=True)


def restores(s: Settings, a: argparse.Namespace, tag: str) -> None:
    spawn = multiprocessing.get_context("spawn")
    sizes = [(leads, 1) for leads in a.restore] + ([(min(a.restore), 20)] if a.restore else [])
    for leads, scores in sizes:
        topic = new_compacted(s, f"bench.cl-restore-{leads}-{scores}-{tag}", a.partitions)
        fill(s, topic, leads, scores)
        with spawn.Pool(1) as pool:
            got = pool.apply(restore, (s.bootstrap_servers, topic, a.partitions))
        print(f"  restore {got['leads']:,} leads scored {scores}x ({got['raw_b']:.0f} B each, "
              f"{log_bytes(s, topic) / got['leads']:.0f} on the broker): {got['seconds']:.2f} s,"
              f" RSS {got['rss_per_lead_b']:.0f} B/lead; a batch's dict reads + writes "
              f"{got['batch_us']:.0f} µs; load {_load()}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--restore", type=int, nargs="*", default=[100_000, 600_000])
    for name, default in (("--batches", 60), ("--rounds", 2), ("--partitions", 12),
                          ("--kafka-port", 29592), ("--redis-port", 26879)):
        ap.add_argument(name, type=int, default=default)
    a, home = ap.parse_args(), Path(tempfile.mkdtemp(prefix="leadstream-changelog-"))
    s = Settings(_env_file=None, home=home, bootstrap_servers=f"127.0.0.1:{a.kafka_port}",
                 kafka_port=a.kafka_port, redis_port=a.redis_port, incoming_partitions=a.partitions,
                 redis_url=f"redis://127.0.0.1:{a.redis_port}/0")
    print(f"{os.cpu_count()} CPUs, load average at the start {_load()}", flush=True)
    tag = uuid.uuid4().hex[:6]
    try:
        start_kafka(s)
        start_redis(s)
        writes(s, a, tag)
        restores(s, a, tag)
    finally:
        stop_redis(s)
        stop_kafka(s)
        shutil.rmtree(home, ignore_errors=True)
        print(f"load average at the end {_load()}")


if __name__ == "__main__":
    main()
