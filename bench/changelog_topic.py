"""A per-lead state changelog: its records, its topic, and its restore into a process.

Used by :mod:`bench.changelog_state`. A record is keyed by the lead id; its value is the
lead's compact state as the Redis layout keeps it (:func:`state_value`): the ledger row
(:mod:`streams.stores.ledger_codec`), the event-id claims (``event_id=partition:offset``)
and the history entries (:func:`streams.stores.history.element`, committed), one section a
line. :func:`restore` is what an owner does on assignment: read every partition from the
start to its end into a dict (a tombstone erases the lead); it runs in a fresh process so
that its RSS delta is the store's.
"""

from __future__ import annotations

import random
import time
import uuid
from pathlib import Path

from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from bench.bench_io import _send
from schemas.scored import Variant
from scoring.synthetic import MARGINALS
from streams.settings import Settings
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


def log_bytes(s: Settings, topic: str) -> int:
    """The bytes of the topic's log segments on the (single) local broker."""
    return sum(f.stat().st_size for f in (kafka_dir(s) / "data").glob(f"{topic}-*/*.log"))


def fill(s: Settings, topic: str, leads: int, scores: int) -> None:
    """``leads`` states of ``scores`` scores each, one record per lead (compacted already)."""
    producer = Producer({**s.kafka_config(), "linger.ms": 20, "compression.type": "lz4"})
    for i in range(leads):
        lead = f"syn-3-{i:08d}"
        _send(producer, topic, lead.encode(), state_value(lead, 0, 100_000 + i, scores))
        producer.poll(0)
    if producer.flush(120) != 0:
        raise RuntimeError(f"filling {topic} did not finish in 120 s")


def _rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmRSS:")[1].split()[0]) / 1024


def restore(bootstrap: str, topic: str, partitions: int) -> dict:
    """The changelog read into a dict: leads, seconds, bytes read and RSS delta per lead,
    and the µs of a batch's 1,000 reads + writes of the dict."""
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
                pending.discard(m.partition())  # its end (or an error: the count shows it)
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
