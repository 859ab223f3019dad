"""Per-lead state in a changelog topic written in the scorer's transaction, vs Redis::

    python -m bench.changelog_state [--batches 60] [--rounds 2] [--restore 100000 600000]

Own Kafka (29592) and Redis (26879) in a temp home. Per round (ABBA), the same input of
``--batches`` of 1,000 leads: (p) the transactional passthrough of :mod:`bench.baselines`,
(p+c) the same plus one :func:`state_value` per lead to a compacted topic of as many
partitions in the same transaction, (r) the scorer's Redis calls (:mod:`bench.scorer_redis`).
Then the restore on assignment: a changelog of N leads read into a dict in a fresh process.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from bench import bench_io as io
from bench import scorer_redis
from schemas.scored import Variant
from scoring.synthetic import MARGINALS
from streams.kafka.io import consumer_config, producer_config
from streams.settings import Settings
from streams.stack import start_kafka, start_redis, stop_kafka, stop_redis
from streams.stack.kafka_nodes import kafka_dir
from streams.stores.history import COMMITTED, element
from streams.stores.ledger_codec import row

_AT_S = 1_796_650_800


def state_value(lead: str, partition: int, offset: int, scores: int = 1) -> bytes:
    """A lead's state after ``scores`` scores (the newest at ``offset``): its ledger row,
    event-id claims ``id=p:o``, history entries; values drawn per lead (for compression)."""
    rng = random.Random(offset)
    features = ",".join(f'"{rng.choice(list(MARGINALS[c]))}"' for c in MARGINALS) + (
        f",{rng.randint(1, 5000)},{rng.random():.4f},{rng.randint(0, 40)},"
        f"{rng.randint(0, 20)},{rng.randint(0, 90)}")
    at = _AT_S + rng.randint(0, 86_400 * 90)
    ledger = row("b7847d3eb724", "3", Variant.CHAMPION, None, repr(rng.random()),
                 at * 1_000_000 + rng.randint(0, 999_999), f"ev-{lead}-0", features)
    offsets = [offset - rng.randint(1, 5000) * t for t in range(scores)]
    claims = ",".join(f"ev-{lead}-{t}={partition}:{o}" for t, o in enumerate(offsets))
    history = ",".join(element(partition, o, repr(rng.random()), rng.choice("ABCD"), "3",
                               at - 3600 * t) + COMMITTED for t, o in enumerate(offsets))
    return f"{ledger}\n{claims}\n{history}".encode()


def new_compacted(s: Settings, name: str, partitions: int) -> str:
    topic = NewTopic(name, partitions, 1, config={"cleanup.policy": "compact"})
    admin = AdminClient(s.kafka_config())  # kept alive until the topic is there
    admin.create_topics([topic])[name].result(30)
    return name


def log_bytes(s: Settings, topic: str) -> int:  # the topic's log segments on the broker
    return sum(f.stat().st_size for f in (kafka_dir(s) / "data").glob(f"{topic}-*/*.log"))


def drain(s: Settings, changelog: str | None, n: int) -> dict:
    """The passthrough over ``n`` leads, with a state record per lead when ``changelog``."""
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
        states = [state_value(m.key().decode(), m.partition(), m.offset()) for m in msgs]
        t0 = time.perf_counter()
        producer.begin_transaction()
        for m, state in zip(msgs, states, strict=True):
            io._send(producer, s.topic_scored, m.key(), m.value())
            if changelog:
                io._send(producer, changelog, m.key(), state)
        positions = [tp for tp in consumer.position(consumer.assignment()) if tp.offset >= 0]
        producer.send_offsets_to_transaction(positions, consumer.consumer_group_metadata(), 30)
        producer.commit_transaction(30)
        batch_ms.append((time.perf_counter() - t0) * 1000)
        done += len(msgs)
        raw += sum(len(m.key()) + len(state) for m, state in zip(msgs, states, strict=True))
    consumer.close()
    return {"leads_per_s": done / (time.perf_counter() - first), "batch_ms": batch_ms,
            "leads": done, "raw_b": raw / done if changelog else 0}


def _rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmRSS:")[1].split()[0]) / 1024


def restore(bootstrap: str, topic: str, partitions: int) -> dict:
    """A changelog read into a dict (in a fresh process): seconds, RSS delta per lead."""
    rss0, consumer = _rss_mb(), Consumer({
        "bootstrap.servers": bootstrap, "group.id": f"r-{uuid.uuid4().hex}",
        "enable.partition.eof": True, "isolation.level": "read_committed",
        "enable.auto.commit": False, "queued.max.messages.kbytes": 16384})
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
    store: dict[bytes, bytes] = {}
    raw, pending, t0 = 0, set(range(partitions)), time.perf_counter()
    while pending and time.perf_counter() - t0 < 600:
        for m in consumer.consume(10_000, 0.1):
            if m.error():
                pending.discard(m.partition())
            elif m.value() is None:
                store.pop(m.key(), None)  # a tombstone: the lead erased
            else:
                store[m.key()] = m.value()
                raw += len(m.key()) + len(m.value())
    secs = time.perf_counter() - t0
    consumer.close()  # librdkafka's buffers freed before the RSS is read
    keys, t1 = list(store)[:1000], time.perf_counter()
    for k in keys:  # a batch's state lookups and updates
        store[k] = store[k] + b","
    n = len(store)
    return {"leads": n, "seconds": secs, "raw_b": raw / n, "batch_us": (time.perf_counter() - t1)
            * 1e6, "rss_per_lead_b": (_rss_mb() - rss0) * 2**20 / n}


def fill(s: Settings, topic: str, leads: int, scores: int) -> None:
    """``leads`` states of ``scores`` scores each, one record per lead (compacted already)."""
    producer = Producer({**s.kafka_config(), "linger.ms": 20, "compression.type": "lz4"})
    for i in range(leads):
        lead = f"syn-3-{i:08d}"
        io._send(producer, topic, lead.encode(), state_value(lead, 0, 100_000 + i, scores))
        producer.poll(0)
    producer.flush(120)


def _ms(xs: list[float]) -> str:
    p99 = statistics.quantiles(xs, n=100)[98] if len(xs) > 1 else xs[0]
    return f"{statistics.mean(xs):6.1f} / {statistics.median(xs):6.1f} / {p99:6.1f}"


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def run(s: Settings, a: argparse.Namespace) -> None:
    n, tag = a.batches * 1000, uuid.uuid4().hex[:6]
    src = io.fresh_topics(s, f"cl-src-{tag}")
    io.preload(src, io.lead_records(n, 3))
    print(f"{n:,} leads, {a.partitions} partitions; ms per batch of 1,000 (mean / p50 / p99)")
    for r in range(a.rounds):
        for arm in ("p", "p+c")[::1 - 2 * (r % 2)]:
            t = io.fresh_topics(s, f"cl-{arm.replace('+', '')}-{r}-{tag}", src.topic_incoming)
            log = new_compacted(s, f"bench.cl-{r}-{tag}.state", a.partitions) if arm[1:] else None
            d = drain(t, log, n)
            b = log_bytes(s, log) / d["leads"] if log else 0
            print(f"  {r} {arm:<4} {d['leads_per_s']:8,.0f} leads/s  {_ms(d['batch_ms'])}  state"
                  f" {d['raw_b']:.0f} B/lead (on the broker {b:.0f}; leads.scored"
                  f" {log_bytes(s, t.topic_scored) / d['leads']:.0f})", flush=True)
        red = scorer_redis.measure(s, 1000, a.batches)
        total = [sum(x) for x in zip(*(red[p]["wall_ms"] for p in scorer_redis.PHASES),
                                     strict=True)]
        print(f"  {r} r    redis read+before+after {_ms(total)}  load {_load()}", flush=True)
    restores(s, a, tag)


def restores(s: Settings, a: argparse.Namespace, tag: str) -> None:
    """Fill a compacted changelog of N leads, read it back in a fresh process."""
    spawn, sizes = multiprocessing.get_context("spawn"), (
        [(leads, 1) for leads in a.restore] + [(min(a.restore), 20)] * bool(a.restore))
    for leads, scores in sizes:
        topic = new_compacted(s, f"bench.cl-restore-{leads}-{scores}-{tag}", a.partitions)
        fill(s, topic, leads, scores)
        with spawn.Pool(1) as pool:
            got = pool.apply(restore, (s.bootstrap_servers, topic, a.partitions))
        print(f"  restore {got['leads']:,} leads scored {scores}x ({got['raw_b']:.0f} B): "
              f"{got['seconds']:.2f} s, RSS {got['rss_per_lead_b']:.0f} B/lead, on the broker "
              f"{log_bytes(s, topic) / got['leads']:.0f} B/lead, a batch's dict reads+writes "
              f"{got['batch_us']:.0f} µs", flush=True)


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
    try:
        start_kafka(s)
        start_redis(s)
        run(s, a)
    finally:
        stop_redis(s)
        stop_kafka(s)
        shutil.rmtree(home, ignore_errors=True)
        print(f"load average at the end {_load()}")


if __name__ == "__main__":
    main()
