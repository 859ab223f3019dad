"""Helpers of the scorer's integration tests: a test model, CRM traffic with malformed
events, reading topics to the end with read_committed, and the scorer as a subprocess."""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import os
import socket
import threading
import time
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

from schemas.errors import RejectReason
from schemas.spec import load_spec
from scoring.malformed import MALFORMED as CATALOGUE
from scoring.malformed import oversized
from scoring.registry import ModelRegistry
from scoring.synthetic import SyntheticCRM
from scoring.training import TrainConfig, TrainedModel, train_model
from streams.settings import Settings
from streams.stack.children import LeadstreamProcess

TIMING_MARGIN = 3.0
"""Timing asserts allow this many times their target, so that a loaded (shared, 2-core)
machine does not fail them; each test prints the figure it measured against the target."""


def wait_until(cond: Callable[[], bool], timeout_s: float, what: str, poll_s: float = 0.2) -> None:
    deadline = time.monotonic() + timeout_s
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
        time.sleep(poll_s)


def registry(settings: Settings) -> ModelRegistry:
    return ModelRegistry(settings.tracking_uri, settings.model_name, settings.model_cache_dir,
                         settings.artifact_root)


def train_champion(settings: Settings, seed: int = 7) -> TrainedModel:
    """A small, fast model registered as ``champion`` in the test's MLflow."""
    frame = SyntheticCRM(seed).leads(3000)
    config = TrainConfig(seed=seed, num_boost_round=40, early_stopping_rounds=10, nthread=1)
    trained = train_model(frame, load_spec(), config)
    registry(settings).register(trained, None, alias="champion")
    return trained


# --- CRM traffic ----------------------------------------------------------------------------
MALFORMED = list(CATALOGUE)


@dataclass(frozen=True)
class Sent:
    """One produced record and what the scorer should make of it."""

    key: bytes | None
    value: bytes | None
    reason: RejectReason | None
    """Expected dead-letter reason; None = should be scored."""
    lead_id: str | None = None
    row: int | None = None
    """Row of the synthetic frame this valid event (or the event it resends) came from."""


def make_traffic(n: int, settings: Settings, bad_share: float = 0.1, seed: int = 11,
                 resend_share: float = 0.0) -> tuple[list[Sent], object]:
    """``n`` records: valid synthetic leads (some with event ids), ~``bad_share`` malformed,
    ~``resend_share`` resends of an earlier event id. Returns them and the leads frame."""
    n_bad = int(n * bad_share)
    n_resend = int(n * resend_share)
    n_good = n - n_bad - n_resend
    frame = SyntheticCRM(seed).leads(n_good)
    sent: list[Sent] = []
    for row, event in enumerate(SyntheticCRM(seed).events(n_good)):
        if row % 2 == 0:
            event["event_id"] = f"ev-{uuid.uuid4().hex}"
        sent.append(Sent(event["lead_id"].encode(), json.dumps(event).encode(), None,
                         event["lead_id"], row))
    bad = [*MALFORMED, (oversized(settings.max_payload_bytes), RejectReason.PAYLOAD_TOO_LARGE)]
    stride = max(1, n_good // max(1, n_bad + n_resend))
    for i in range(n_bad):
        value, reason = bad[i % len(bad)]
        sent.insert(i * (stride + 1) + 1, Sent(f"bad-{i}".encode(), value, reason))
    with_ids = [s for s in sent if s.value and b'"event_id"' in s.value]
    for i in range(n_resend):
        first = with_ids[i % len(with_ids)]
        sent.append(Sent(first.key, first.value, RejectReason.DUPLICATE_EVENT, first.lead_id,
                         first.row))
    return sent, frame


def pooled(sent: list[Sent], n_leads: int) -> list[Sent]:
    """The same events, their lead ids mapped onto ``n_leads`` ids (so that each lead is
    scored several times, some on each side of a kill); resends keep matching their
    originals."""
    out = []
    for s in sent:
        if s.lead_id is None or s.value is None:
            out.append(s)
            continue
        lead = f"pool-{zlib.crc32(s.lead_id.encode()) % n_leads}"
        event = {**json.loads(s.value), "lead_id": lead}
        out.append(dataclasses.replace(s, key=lead.encode(), value=json.dumps(event).encode(),
                                       lead_id=lead))
    return out


def produce(settings: Settings, records: list[Sent]) -> dict[tuple[int, int], Sent]:
    """Produce to ``leads.incoming``; returns (partition, offset) → record."""
    producer = Producer({**settings.kafka_config(), "linger.ms": 20, "enable.idempotence": True})
    where: dict[tuple[int, int], Sent] = {}
    failures: list[str] = []

    def delivered(rec: Sent) -> Callable:
        def cb(err, msg) -> None:
            if err is not None:
                failures.append(str(err))
            else:
                where[(msg.partition(), msg.offset())] = rec
        return cb

    for rec in records:
        while True:
            try:
                producer.produce(settings.topic_incoming, rec.value, rec.key,
                                 on_delivery=delivered(rec))
                break
            except BufferError:
                producer.poll(0.1)
        producer.poll(0)
    assert producer.flush(60) == 0, "produce did not finish"
    assert not failures, failures[:3]
    return where


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes

    def json(self) -> dict:
        return json.loads(self.value)


def read_topic(settings: Settings, topic: str, timeout_s: float = 10.0) -> list[Record]:
    """Every committed record of ``topic`` (read_committed, from the start to the end)."""
    consumer = Consumer({**settings.kafka_config(), "group.id": f"reader-{uuid.uuid4().hex}",
                         "isolation.level": "read_committed", "enable.auto.commit": False})
    try:
        meta = consumer.list_topics(topic, timeout=timeout_s).topics[topic]
        parts = [TopicPartition(topic, p, 0) for p in meta.partitions]
        ends = {tp.partition: consumer.get_watermark_offsets(tp, timeout=timeout_s)[1]
                for tp in parts}
        consumer.assign(parts)
        out: list[Record] = []
        deadline = time.monotonic() + timeout_s * 6
        while any(consumer.position([TopicPartition(topic, p)])[0].offset < end
                  for p, end in ends.items() if end > 0):
            assert time.monotonic() < deadline, f"reading {topic} did not reach its end"
            for msg in consumer.consume(1000, 0.5):
                assert msg.error() is None, msg.error()
                out.append(Record(topic, msg.partition(), msg.offset(), msg.key(), msg.value()))
        return out
    finally:
        consumer.close()


def committed_events(settings: Settings) -> int:
    """How many incoming events the scorer group has committed (sum of offsets); -1 while
    the broker cannot tell (coordinator moving, broker restarting)."""
    consumer = Consumer({**settings.kafka_config(), "group.id": settings.consumer_group})
    try:
        meta = consumer.list_topics(settings.topic_incoming, timeout=10)
        parts = [TopicPartition(settings.topic_incoming, p)
                 for p in meta.topics[settings.topic_incoming].partitions]
        return sum(max(0, tp.offset) for tp in consumer.committed(parts, timeout=10))
    except KafkaException:
        return -1
    finally:
        consumer.close()


# --- the scorer as a process ---------------------------------------------------------------
class ScorerProcess(LeadstreamProcess):
    """``leadstream score ARGS`` as a child process with its own log; kill -9 is real."""

    def __init__(self, settings: Settings, log: Path, *args: str, **env: object):
        super().__init__(["score", *args], settings, log, **env)


def produce_paced(settings: Settings, records: list[Sent], chunks: int, pause_s: float
                  ) -> tuple[threading.Thread, dict[tuple[int, int], Sent]]:
    """Produce in ``chunks`` from a background thread, pausing between them: live traffic."""
    where: dict[tuple[int, int], Sent] = {}
    size = -(-len(records) // chunks)

    def run() -> None:
        for i in range(0, len(records), size):
            where.update(produce(settings, records[i:i + size]))
            time.sleep(pause_s)

    thread = threading.Thread(target=run, name="crm", daemon=True)
    thread.start()
    return thread, where


def closed_port() -> int:
    """A local TCP port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(pid: int) -> list[str]:
    """``host:port`` of every TCP socket process ``pid`` listens on (IPv4 and IPv6), read
    from ``/proc``: its socket inodes matched against the kernel's LISTEN rows."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = []
    for table, width in (("tcp", 8), ("tcp6", 32)):
        for row in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            cols = row.split()
            if cols[3] != "0A" or cols[9] not in inodes:  # 0A: LISTEN
                continue
            hexaddr, hexport = cols[1].split(":")
            found.append(f"{_address(hexaddr, width)}:{int(hexport, 16)}")
    return found


def _address(hexaddr: str, width: int) -> str:
    raw = bytes.fromhex(hexaddr)
    if width == 8:
        return ".".join(str(b) for b in reversed(raw))
    words = [raw[i:i + 4][::-1] for i in range(0, 16, 4)]  # four little-endian words
    return "[" + ipaddress.IPv6Address(b"".join(words)).compressed + "]"
