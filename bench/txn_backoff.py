"""Transactions back to back: the wait in ``send_offsets`` per producer retry backoff::

    python -m bench.txn_backoff [--backoffs 100 20 5 2] [--batches 150] [--rounds 2]
                                [--size 50] [--kafka-port 29593]

Starts its own Kafka in a temp home. Per round and per ``retry.backoff.ms`` (in reversed
order every other round), a fresh transactional producer and a ``read_committed`` consumer
in a fresh group run ``--batches`` transactions the way the scorer does (consume up to
``--size`` records, begin, produce each, ``send_offsets``, commit), one right after the
other. It prints the milliseconds of ``send_offsets`` and of ``commit`` (median, p99,
max) and how many times the transaction coordinator answered ``CONCURRENT_TRANSACTIONS``
(librdkafka's ``eos`` debug log): it does while the previous commit's markers are being
written, and the producer waits its backoff before asking again.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from streams.settings import Settings
from streams.stack import start_kafka, stop_kafka

RECORD = b"x" * 200


class _Answers(logging.Handler):
    """Counts the coordinator's CONCURRENT_TRANSACTIONS answers in librdkafka's log."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.concurrent = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.concurrent += "CONCURRENT_TRANSACTIONS" in record.getMessage()


def _fill(s: Settings, topic: str, n: int) -> None:
    admin = AdminClient(s.kafka_config())
    for f in admin.create_topics([NewTopic(topic, 4, 1), NewTopic(f"{topic}.out", 4, 1)]
                                 ).values():
        f.result()
    producer = Producer(s.kafka_config())
    for i in range(n):
        producer.produce(topic, RECORD, key=str(i).encode())
    producer.flush(30)


def run(s: Settings, topic: str, backoff: int, batches: int, size: int) -> dict:
    answers = _Answers()
    logger = logging.getLogger(f"{__name__}.{uuid.uuid4().hex}")
    logger.addHandler(answers)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    consumer = Consumer({**s.kafka_config(), "group.id": uuid.uuid4().hex,
                         "auto.offset.reset": "earliest", "enable.auto.commit": False,
                         "isolation.level": "read_committed"})
    consumer.subscribe([topic])
    producer = Producer({**s.kafka_config(), "transactional.id": uuid.uuid4().hex,
                         "linger.ms": 0, "retry.backoff.ms": backoff, "debug": "eos",
                         "logger": logger})
    producer.init_transactions(30)
    offsets_ms, commit_ms = [], []
    try:
        joined_by = time.monotonic() + 30  # the group's first assignment
        while len(offsets_ms) < batches:
            msgs = [m for m in consumer.consume(size, 1.0) if m.error() is None]
            if not msgs and (offsets_ms or time.monotonic() > joined_by):
                break
            if not msgs:
                continue
            producer.begin_transaction()
            for m in msgs:
                producer.produce(f"{topic}.out", m.value(), key=m.key())
            ends = {(m.topic(), m.partition()): m.offset() + 1 for m in msgs}
            t0 = time.perf_counter()
            producer.send_offsets_to_transaction(
                [TopicPartition(t, p, o) for (t, p), o in ends.items()],
                consumer.consumer_group_metadata())
            t1 = time.perf_counter()
            producer.commit_transaction()
            offsets_ms.append((t1 - t0) * 1000)
            commit_ms.append((time.perf_counter() - t1) * 1000)
    finally:
        producer.flush(10)
        consumer.close()
    return {"backoff_ms": backoff, "batches": len(offsets_ms), "send_offsets": offsets_ms,
            "commit": commit_ms, "concurrent_transactions": answers.concurrent}


def _ms(xs: list[float]) -> str:
    if not xs:
        return "     - /      - /      -"
    p99 = statistics.quantiles(xs, n=100)[98] if len(xs) > 1 else xs[0]
    return f"{statistics.median(xs):6.1f} / {p99:6.1f} / {max(xs):6.1f}"


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backoffs", type=int, nargs="+", default=[100, 20, 5, 2])
    for name, default in (("--batches", 150), ("--rounds", 2), ("--size", 50),
                          ("--kafka-port", 29593)):
        ap.add_argument(name, type=int, default=default)
    a, home = ap.parse_args(), Path(tempfile.mkdtemp(prefix="leadstream-txn-backoff-"))
    s = Settings(_env_file=None, home=home, bootstrap_servers=f"127.0.0.1:{a.kafka_port}",
                 kafka_port=a.kafka_port)
    print(f"{os.cpu_count()} CPUs, load average at the start {_load()}", flush=True)
    try:
        start_kafka(s)
        topic = f"bench.txn-{uuid.uuid4().hex[:6]}"
        _fill(s, topic, a.batches * a.size)  # every arm reads it from the start
        print("retry.backoff.ms  batches  send_offsets ms p50 / p99 / max   "
              "commit ms p50 / p99 / max   CONCURRENT_TRANSACTIONS answers")
        for r in range(a.rounds):
            for backoff in a.backoffs if r % 2 == 0 else a.backoffs[::-1]:
                m = run(s, topic, backoff, a.batches, a.size)
                print(f"{backoff:>16}  {m['batches']:>7}  {_ms(m['send_offsets'])}"
                      f"        {_ms(m['commit'])}        {m['concurrent_transactions']:>5}",
                      flush=True)
    finally:
        stop_kafka(s)
        shutil.rmtree(home, ignore_errors=True)
        print(f"load average at the end {_load()}")


if __name__ == "__main__":
    main()
