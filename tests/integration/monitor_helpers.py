"""Helpers of the monitor agents' integration tests: a profiled model, crafted samples,
the monitor worker as a subprocess, and reading report topics."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from confluent_kafka import Producer

from monitors.batch_sample import batch_sample, encode_sample
from monitors.binning import build_reference_profile
from schemas.monitor import MONITOR_SAMPLES
from schemas.profile import ReferenceProfile
from schemas.spec import load_spec
from scoring.features import FeatureEncoder
from scoring.importance import with_importance
from scoring.synthetic import SyntheticCRM
from scoring.training import TrainConfig, TrainedModel, train_model
from streams.kafka.topics import topic_name
from streams.settings import Settings
from streams.stack.children import REPO, settings_env
from tests.integration.helpers import listening, read_topic, registry, wait_until


@dataclass(frozen=True)
class Kit:
    trained: TrainedModel
    profile: ReferenceProfile

    def register(self, settings: Settings) -> str:
        return registry(settings).register(self.trained, self.profile)


def make_kit(seed: int = 3) -> Kit:
    config = TrainConfig(seed=seed, num_boost_round=30, early_stopping_rounds=10, nthread=1)
    trained = train_model(SyntheticCRM(seed).leads(3000), load_spec(), config)
    return Kit(trained, with_importance(build_reference_profile(
        trained.holdout_columns, trained.holdout_scores, trained.spec), trained))


def craft(kit: Kit, settings: Settings, version: str, n: int, t0_ms: int, span_ms: int,
          sample_id: str, seed: int = 0, shift: dict | None = None,
          constant: float | None = None, role: str = "champion",
          unknown: dict[str, int] | None = None, empty: tuple[str, ...] = ()):
    """A ``monitor.samples`` record of ``n`` synthetic leads scored by the kit's model
    (``unknown``: its counts of attributes the spec does not know, per name; ``empty``:
    numeric features that arrived without a value)."""
    frame = SyntheticCRM(seed).leads(n, shift)
    for name in empty:
        frame[name] = np.nan
    spec = kit.trained.spec
    batch = FeatureEncoder(spec).encode_columns({f.name: frame[f.name].tolist()
                                                 for f in spec.features}, n)
    scores = kit.trained.booster.inplace_predict(batch.matrix)
    if constant is not None:
        scores = np.full(n, constant)
    return batch_sample(
        model_name=settings.model_name, role=role, model_version=version,
        profile=kit.profile, spec=spec, numeric=batch.numeric, categories=batch.categories,
        scores=scores, latencies_ms=np.full(n, 4.0), n_rejected=2, n_failed=0,
        event_times_ms=np.linspace(t0_ms, t0_ms + span_ms, n), sample_id=sample_id,
        unknown_attributes=unknown)


def publish(settings: Settings, samples: list, partitions: list[int] | None = None) -> None:
    producer = Producer(settings.kafka_config())
    topic = topic_name(settings, MONITOR_SAMPLES)
    for i, sample in enumerate(samples):
        key, value = encode_sample(sample)
        extra = {} if partitions is None else {"partition": partitions[i % len(partitions)]}
        producer.produce(topic, value, key, **extra)
    assert producer.flush(30) == 0


def publish_in_transaction(settings: Settings, samples: list, commit: bool,
                           partition: int = 0) -> None:
    """Publish ``samples`` in one Kafka transaction, as a scorer does, and commit or abort
    it (an aborted batch)."""
    producer = Producer({**settings.kafka_config(),
                         "transactional.id": f"test-samples-{time.time_ns()}"})
    producer.init_transactions(30)
    producer.begin_transaction()
    topic = topic_name(settings, MONITOR_SAMPLES)
    for sample in samples:
        key, value = encode_sample(sample)
        producer.produce(topic, value, key, partition=partition)
    assert producer.flush(30) == 0
    if commit:
        producer.commit_transaction(30)
    else:
        producer.abort_transaction(30)


def reports(settings: Settings, topic: str) -> list[dict]:
    return [r.json() for r in read_topic(settings, topic)
            if r.key == settings.model_name.encode()]


def wait_reports(settings: Settings, topic: str, done, timeout_s: float = 30) -> list[dict]:
    found: list[dict] = []

    def ready() -> bool:
        found[:] = reports(settings, topic)
        return done(found)

    wait_until(ready, timeout_s, f"reports on {topic}", poll_s=0.1)
    return found


class MonitorWorker:
    """``python -m streams.agents.monitor worker``: only the monitor agents."""

    def __init__(self, settings: Settings, log: Path):
        self.log = log
        self._out = log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streams.agents.monitor", "worker", "-l", "info"],
            cwd=REPO, env=settings_env(settings),
            stdout=self._out, stderr=subprocess.STDOUT)
        wait_until(lambda: "Ready" in self.text() or self.proc.poll() is not None, 60,
                   "monitor worker ready")
        assert self.proc.poll() is None, self.text()[-3000:]
        exposed = [a for a in listening(self.proc.pid) if not a.startswith("127.0.0.1:")]
        assert not exposed, f"the monitor worker listens beyond loopback: {exposed}"

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, timeout_s: float = 30) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError(f"worker did not stop:\n{self.text()[-3000:]}") from None
        finally:
            self._out.close()

    def __enter__(self) -> MonitorWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        if not self._out.closed:
            self._out.close()


def now_ms() -> int:
    return int(time.time() * 1000)


def processed(settings: Settings, timeout_s: float = 30) -> None:
    """Wait until the monitor agents have committed every sample published so far and
    every record those samples were routed to (a barrier, not a sleep)."""
    from confluent_kafka import Consumer, TopicPartition

    from schemas.monitor_windows import MONITOR_WINDOWS

    group = f"{settings.consumer_group}-agents"
    consumer = Consumer({**settings.kafka_config(), "group.id": group})
    try:
        for spec in (MONITOR_SAMPLES, MONITOR_WINDOWS):
            topic = topic_name(settings, spec)
            meta = consumer.list_topics(topic, timeout=10).topics[topic]
            parts = [TopicPartition(topic, p) for p in meta.partitions]
            ends = {tp.partition: consumer.get_watermark_offsets(tp, timeout=10)[1]
                    for tp in parts}

            def caught_up(parts=parts, ends=ends) -> bool:
                done = consumer.committed(parts, timeout=10)
                return all(max(tp.offset, 0) >= ends[tp.partition] for tp in done)

            wait_until(caught_up, timeout_s, f"agents caught up on {topic}", poll_s=0.1)
    finally:
        consumer.close()
