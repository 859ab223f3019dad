"""Kafka and process plumbing of the benches: topics, input, output, a throw-away
redis-server.

Output topics are stamped by the broker (``LogAppendTime``): rates and latencies are read
off the records the same way for every variant, whatever the process reports of itself.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource

from scoring.synthetic import SyntheticCRM
from streams.settings import Settings
from streams.stack import ensure_topics, start_redis, stop_redis


def machine_line(start: tuple[float, float, float], end: tuple[float, float, float]) -> str:
    """The machine's CPUs and its load average (1/5/15 min) at a run's start and end."""
    def avg(load: tuple[float, float, float]) -> str:
        return "/".join(f"{x:.1f}" for x in load)
    return (f"machine: {os.cpu_count()} CPUs, load average {avg(start)} at the start, "
            f"{avg(end)} at the end")


@contextmanager
def throwaway_redis(port: int, prefix: str) -> Iterator[Settings]:
    """Settings of a redis-server started on ``port`` in a temporary home (the stack's
    persistence), stopped and deleted on exit."""
    home = Path(tempfile.mkdtemp(prefix=prefix))
    settings = Settings(_env_file=None, home=home, redis_port=port,
                        redis_url=f"redis://127.0.0.1:{port}/0")
    try:
        start_redis(settings)
        yield settings
    finally:
        stop_redis(settings)
        shutil.rmtree(home, ignore_errors=True)


def fresh_topics(base: Settings, tag: str, incoming: str | None = None) -> Settings:
    """Settings with unique topics (outputs stamped by the broker), group and txn id."""
    incoming = incoming or f"bench.{tag}.incoming"
    s = base.model_copy(update={
        "topics": {**base.topics, "leads.incoming": incoming,
                   "leads.scored": f"bench.{tag}.scored",
                   "leads.deadletter": f"bench.{tag}.deadletter"},
        "consumer_group": f"bench-{tag}",
        "transactional_id": f"bench-{tag}-{uuid.uuid4().hex[:6]}"})
    ensure_topics(s)
    admin = AdminClient(s.kafka_config())
    resources = [ConfigResource(ConfigResource.Type.TOPIC, t,
                                set_config={"message.timestamp.type": "LogAppendTime"})
                 for t in (s.topic_scored, s.topic_deadletter)]
    for future in admin.alter_configs(resources).values():
        future.result(30)
    return s


def lead_records(n: int, seed: int) -> list[tuple[bytes, bytes]]:
    """``n`` valid synthetic lead events (each with an ``event_id``) as (key, value)."""
    out: list[tuple[bytes, bytes]] = []
    crm = SyntheticCRM(seed)
    for start in range(0, n, 20_000):
        for event in crm.events(min(20_000, n - start)):
            event["event_id"] = f"ev-{event['lead_id']}"
            out.append((event["lead_id"].encode(), json.dumps(event).encode()))
    return out


def _producer(settings: Settings, linger_ms: int) -> Producer:
    return Producer({**settings.kafka_config(), "enable.idempotence": True,
                     "linger.ms": linger_ms})


def _send(producer: Producer, topic: str, key: bytes, value: bytes) -> None:
    while True:
        try:
            producer.produce(topic, value, key)
            return
        except BufferError:
            producer.poll(0.05)


def preload(settings: Settings, records: list[tuple[bytes, bytes]]) -> None:
    """Produce every record to ``topic_incoming`` as fast as possible and wait for acks."""
    producer = _producer(settings, linger_ms=20)
    for key, value in records:
        _send(producer, settings.topic_incoming, key, value)
        producer.poll(0)
    if producer.flush(60) != 0:
        raise RuntimeError("pre-loading the input topic did not finish in 60 s")


class PacedProducer(threading.Thread):
    """Produces ``records`` evenly at ``rate`` per second (a CRM under steady load)."""

    def __init__(self, settings: Settings, records: list[tuple[bytes, bytes]], rate: float):
        super().__init__(daemon=True, name="paced-producer")
        self.settings, self.records, self.rate = settings, records, rate
        self.sent = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            producer = _producer(self.settings, linger_ms=0)
            started = time.monotonic()
            for i, (key, value) in enumerate(self.records):
                ahead = i / self.rate - (time.monotonic() - started)
                if ahead > 0:
                    time.sleep(ahead)
                _send(producer, self.settings.topic_incoming, key, value)
                producer.poll(0)
                self.sent = i + 1
            producer.flush(30)
        except BaseException as exc:  # reported by the caller
            self.error = exc


@dataclass(frozen=True)
class Stamped:
    key: bytes | None
    timestamp_ms: int


def read_stamped(settings: Settings, topic: str, timeout_s: float = 60.0) -> list[Stamped]:
    """Every committed record of ``topic`` with its timestamp (read_committed, start → end)."""
    consumer = Consumer({**settings.kafka_config(), "group.id": f"bench-read-{uuid.uuid4().hex}",
                         "isolation.level": "read_committed", "enable.auto.commit": False,
                         "enable.partition.eof": True, "auto.offset.reset": "earliest"})
    try:
        meta = consumer.list_topics(topic, timeout=10).topics[topic]
        consumer.assign([TopicPartition(topic, p, 0) for p in meta.partitions])
        pending, out = set(meta.partitions), []
        deadline = time.monotonic() + timeout_s
        while pending and time.monotonic() < deadline:
            for msg in consumer.consume(5000, 0.5):
                if msg.error() is not None:
                    pending.discard(msg.partition())  # end of partition (or an error)
                    continue
                out.append(Stamped(msg.key(), msg.timestamp()[1]))
        if pending:
            raise RuntimeError(f"reading {topic} did not reach its end in {timeout_s:.0f} s")
        return out
    finally:
        consumer.close()


def output_ticker(s: Settings, total: int, say: Callable[[str], None], name: str,
                  every_s: float = 3.0) -> Callable[[], None]:
    """A callable that, every few seconds, says how far the output topic has got."""
    consumer = Consumer({**s.kafka_config(), "group.id": f"bench-watch-{uuid.uuid4().hex}"})
    parts = [TopicPartition(s.topic_scored, p) for p in range(s.incoming_partitions)]
    last = [time.monotonic()]

    def tick() -> None:
        if time.monotonic() - last[0] < every_s:
            return
        last[0] = time.monotonic()
        high = sum(consumer.get_watermark_offsets(tp, timeout=2)[1] for tp in parts)
        say(f"{name}: ~{min(high, total):,}/{total:,} records on {s.topic_scored}")

    return tick


class CommittedWatcher(threading.Thread):
    """Reads ``topic_scored`` live, ``read_committed``, from the start: the wall time (ms)
    each key became visible to a reader, i.e. after its transaction's commit marker."""

    def __init__(self, settings: Settings):
        super().__init__(daemon=True, name="committed-watcher")
        self.settings = settings
        self.seen: dict[bytes | None, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        s = self.settings
        consumer = Consumer({**s.kafka_config(), "group.id": f"bench-seen-{uuid.uuid4().hex}",
                             "isolation.level": "read_committed", "enable.auto.commit": False,
                             "auto.offset.reset": "earliest", "fetch.wait.max.ms": 5})
        try:
            consumer.assign([TopicPartition(s.topic_scored, p, 0)
                             for p in range(s.incoming_partitions)])
            while not self.stop.is_set():
                # what is there now, else the first record to come: ``consume(n, t)`` waits
                # for n records or t, and the stamp would take that wait (up to 50 ms at
                # 2,000/s: 14-36 ms of visible p50 until Run 23)
                msgs = consumer.consume(1000, 0) or consumer.consume(1, 0.05)
                now = time.time() * 1000.0
                for msg in msgs:
                    if msg.error() is None:
                        self.seen.setdefault(msg.key(), now)
        finally:
            consumer.close()
