"""The bench's baselines, each a process reading ``leads.incoming`` → ``leads.scored``::

    python -m bench.baselines passthrough [--no-txn] --max-events N --idle-exit S
    python -m bench.baselines naive --max-events N --idle-exit S

- ``passthrough``: the ceiling. Batch consume, produce each value unchanged, and commit
  outputs + offsets in one transaction per batch, with the scorer's own client configs and
  batch settings (:mod:`streams.kafka.io`), so only scoring differs. ``--no-txn``: the same
  without transactions (offsets stored after produce, auto-committed).
- ``naive``: a REST-style seed in a consumer: per lead, ``json.loads``, one
  ``pandas.DataFrame``, the model's own encoder, one ``booster.predict(DMatrix)``; one
  record out; at-least-once (offset stored after produce, auto-committed).

Settings come from ``LEADSTREAM_*`` like the scorer's. The last stdout line is JSON with the
process's own counters: events, seconds from first consume to last commit, rate.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

from confluent_kafka import Consumer, Message, Producer

from streams.kafka.io import consumer_config, producer_config
from streams.settings import Settings


class Counters:
    def __init__(self) -> None:
        self.events = 0
        self.first: float | None = None
        self.last = self.idle_since = time.monotonic()

    def got(self, n: int) -> None:
        now = time.monotonic()
        if n:
            self.first = self.first or now
            self.idle_since = now

    def done(self, n: int) -> None:
        self.events += n
        self.last = time.monotonic()

    def report(self) -> str:
        secs = self.last - self.first if self.first else 0.0
        return json.dumps({"events": self.events, "seconds": secs,
                           "rate": self.events / secs if secs > 0 else 0.0})


def _loop(consume: Callable[[], list[Message]], handle: Callable[[list[Message]], None],
          max_events: int, idle_exit_s: float) -> Counters:
    c = Counters()
    while c.events < max_events and time.monotonic() - c.idle_since < idle_exit_s:
        msgs = [m for m in consume() if m.error() is None]
        c.got(len(msgs))
        if msgs:
            handle(msgs)
            c.done(len(msgs))
    return c


def passthrough(s: Settings, txn: bool, max_events: int, idle_exit_s: float) -> Counters:
    pconf = producer_config(s)
    cconf = consumer_config(s)
    if not txn:
        pconf.pop("transactional.id")
        cconf.update({"enable.auto.commit": True, "isolation.level": "read_uncommitted"})
    consumer, producer = Consumer(cconf), Producer(pconf)
    if txn:
        producer.init_transactions(30)
    consumer.subscribe([s.topic_incoming])

    def handle(msgs: list[Message]) -> None:
        if txn:
            producer.begin_transaction()
        for m in msgs:
            _produce(producer, s.topic_scored, m.key(), m.value())
        if txn:
            positions = [tp for tp in consumer.position(consumer.assignment()) if tp.offset >= 0]
            producer.send_offsets_to_transaction(positions, consumer.consumer_group_metadata(), 30)
            producer.commit_transaction(30)
        else:
            for m in msgs:
                consumer.store_offsets(m)
            producer.poll(0)

    try:
        return _loop(lambda: consumer.consume(s.batch_size, s.batch_timeout_s), handle,
                     max_events, idle_exit_s)
    finally:
        producer.flush(30)
        consumer.close()


def naive(s: Settings, max_events: int, idle_exit_s: float) -> Counters:
    import pandas as pd
    import xgboost as xgb

    from scoring.registry import ModelRegistry

    model = ModelRegistry(s.tracking_uri, s.model_name, s.model_cache_dir,
                          s.artifact_root).load("champion")
    model.booster.set_param({"nthread": 1})  # all-core OpenMP per 1-row call costs ms here
    names = [f.name for f in model.spec.features]
    feature_names = list(model.encoder.feature_names)
    consumer = Consumer({**s.kafka_config(), "group.id": s.consumer_group,
                         "auto.offset.reset": "earliest", "enable.auto.offset.store": False})
    producer = Producer(s.kafka_config())
    consumer.subscribe([s.topic_incoming])

    def handle(msgs: list[Message]) -> None:
        (m,) = msgs
        frame = pd.DataFrame([json.loads(m.value())])
        columns = {n: frame[n].tolist() if n in frame else [None] for n in names}
        matrix = model.encoder.encode_columns(columns, 1).matrix
        dmatrix = xgb.DMatrix(matrix, feature_names=feature_names, nthread=1)
        score = float(model.booster.predict(dmatrix)[0])
        out = {"lead_id": frame.at[0, "lead_id"], "score": score,
               "model_version": model.version, "scored_at": time.time()}
        _produce(producer, s.topic_scored, m.key(), json.dumps(out).encode())
        consumer.store_offsets(m)
        producer.poll(0)

    try:
        return _loop(lambda: [m for m in [consumer.poll(0.1)] if m is not None], handle,
                     max_events, idle_exit_s)
    finally:
        producer.flush(30)
        consumer.close()


def _produce(producer: Producer, topic: str, key: bytes | None, value: bytes | None) -> None:
    while True:
        try:
            producer.produce(topic, value, key)
            return
        except BufferError:
            producer.poll(0.05)


def main() -> None:
    p = argparse.ArgumentParser(description="leadstream bench baselines")
    p.add_argument("kind", choices=["passthrough", "naive"])
    p.add_argument("--no-txn", action="store_true", help="passthrough without transactions")
    p.add_argument("--max-events", type=int, required=True)
    p.add_argument("--idle-exit", type=float, default=10.0)
    a = p.parse_args()
    s = Settings()
    if a.kind == "naive":
        counters = naive(s, a.max_events, a.idle_exit)
    else:
        counters = passthrough(s, not a.no_txn, a.max_events, a.idle_exit)
    print(counters.report(), flush=True)


if __name__ == "__main__":
    main()
