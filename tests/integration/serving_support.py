"""Support of the scorer's serving tests: configurations, uncommitted records, warm-up."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from confluent_kafka import Consumer, TopicPartition

from schemas.control import ServingConfig, ServingMode
from streams.kafka.reader import produce_one
from streams.settings import Settings
from tests.integration.helpers import (
    Record,
    Sent,
    committed_events,
    produce,
    read_topic,
    wait_until,
)


def serving_settings(make_settings, tmp_path: Path, **extra) -> Settings:
    """Unique topics, group, transactional id, model name and an MLflow of the test."""
    return make_settings(home=tmp_path, mlflow_tracking_uri=f"sqlite:///{tmp_path}/mlflow.db",
                         model_name=f"lead-{uuid.uuid4().hex[:8]}", **extra)


def publish_config(settings: Settings, sequence: int, champion: str = "1",
                   challenger: str | None = None, mode: ServingMode = ServingMode.OFF,
                   share: float = 0.0, experiment_id: str | None = None) -> ServingConfig:
    """Write a serving configuration to ``models.control`` as the controller would."""
    split = mode in (ServingMode.CANARY, ServingMode.AB)
    config = ServingConfig(
        model_name=settings.model_name, champion_version=champion,
        challenger_version=challenger, mode=mode, treatment_share=share,
        experiment_id=(experiment_id or f"exp-{sequence}") if split else None,
        salt=f"salt-{sequence}" if split else None, sequence=sequence, actor="pytest",
        updated_at=datetime.now(UTC))
    produce_one(settings, settings.topic_models_control, settings.model_name,
                config.model_dump_json().encode())
    return config


def read_uncommitted(settings: Settings, topic: str, timeout_s: float = 30) -> list[Record]:
    """Every record of ``topic`` including those of aborted transactions."""
    consumer = Consumer({**settings.kafka_config(), "group.id": f"raw-{uuid.uuid4().hex}",
                         "isolation.level": "read_uncommitted", "enable.auto.commit": False,
                         "enable.partition.eof": True})
    try:
        meta = consumer.list_topics(topic, timeout=timeout_s).topics[topic]
        consumer.assign([TopicPartition(topic, p, 0) for p in meta.partitions])
        out: list[Record] = []
        eof: set[int] = set()
        deadline = time.monotonic() + timeout_s
        while len(eof) < len(meta.partitions):
            assert time.monotonic() < deadline, f"reading {topic} did not reach its end"
            for msg in consumer.consume(1000, 1.0):
                if msg.error() is not None:
                    eof.add(msg.partition())
                    continue
                out.append(Record(topic, msg.partition(), msg.offset(), msg.key(), msg.value()))
        return out
    finally:
        consumer.close()


def warm_up(settings: Settings, records: list[Sent]) -> dict[tuple[int, int], Sent]:
    """Produce a few events and wait until the running scorer committed them: it has its
    partitions and its first fetch behind it (startup delay is not serving latency)."""
    where = produce(settings, records)
    wait_until(lambda: committed_events(settings) >= len(records), 90, "scorer warmed up")
    return where


def outputs(settings: Settings) -> tuple[list[dict], list[dict]]:
    """Everything committed on ``leads.scored`` and ``leads.deadletter``, as dicts."""
    return ([r.json() for r in read_topic(settings, settings.topic_scored, 30)],
            [r.json() for r in read_topic(settings, settings.topic_deadletter, 30)])
