"""The local stack against the real services: topics, restarts, and the CLI's life cycle."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import redis
from confluent_kafka import Consumer, KafkaException, Producer
from confluent_kafka.admin import AdminClient, ConfigResource

from schemas.topics import DAY_MS, REGISTRY
from streams.kafka.topics import RETENTION_SETTINGS
from streams.settings import Settings
from streams.stack import ensure_topics, plan_topics, stack_status, topic_name
from streams.stack.process import is_alive
from tests.integration.helpers import wait_until

pytestmark = pytest.mark.integration
LEADSTREAM = Path(sys.executable).with_name("leadstream")


def _partitions(admin: AdminClient, topic: str) -> int:
    """The topic's partition count, once the metadata of a just-created topic lists any (the
    broker answers a metadata request for it with no partitions for a moment)."""
    found: list[int] = []

    def listed() -> bool:
        found.append(len(admin.list_topics(topic, timeout=10).topics[topic].partitions))
        return found[-1] > 0

    wait_until(listed, 30, f"the partitions of {topic} in the metadata")
    return found[-1]


def _config(admin: AdminClient, topic: str) -> dict[str, str]:
    resource = ConfigResource(ConfigResource.Type.TOPIC, topic)
    entries = admin.describe_configs([resource])[resource].result(timeout=10)
    return {k: e.value for k, e in entries.items()}


def test_every_registered_topic_exists_as_planned(stack_settings, kafka_admin):
    plans = plan_topics(stack_settings)
    assert {p.registry_name for p in plans} >= set(REGISTRY)
    for plan in plans:
        assert _partitions(kafka_admin, plan.name) == plan.partitions, plan.name
        config = _config(kafka_admin, plan.name)
        for key, value in plan.config.items():
            assert config[key] == value, (plan.name, key)
    assert _partitions(kafka_admin, stack_settings.topic_incoming) == 6
    deadletter = _config(kafka_admin, stack_settings.topic_deadletter)
    assert deadletter["retention.ms"] == str(365 * DAY_MS)


def test_ensure_topics_is_idempotent(stack_settings):
    outcome = ensure_topics(stack_settings)
    assert set(outcome.values()) == {"exists"}


def test_settings_choose_names_partitions_and_retention(make_settings, kafka_admin):
    settings = make_settings(incoming_partitions=3, deadletter_retention_days=30)
    assert settings.topic_incoming != "leads.incoming"
    assert topic_name(settings, REGISTRY["leads.incoming"]) == settings.topic_incoming
    assert _partitions(kafka_admin, settings.topic_incoming) == 3
    assert _partitions(kafka_admin, settings.topic_scored) == 3
    deadletter = _config(kafka_admin, settings.topic_deadletter)
    assert deadletter["retention.ms"] == str(30 * DAY_MS)


def test_status_reports_running(stack_settings):
    states = {s.name: s for s in stack_status(stack_settings)}
    assert states["kafka"].state == "running" and is_alive(states["kafka"].pid)
    assert states["redis"].state == "running" and is_alive(states["redis"].pid)
    assert states["mlflow"].state == "ready"


def test_redis_stop_and_start_keeps_data(chaos, redis_client: redis.Redis):
    key = f"stack-test-{uuid.uuid4().hex}"
    redis_client.set(key, b"kept")
    chaos.stop_redis()
    with pytest.raises(redis.ConnectionError):
        redis_client.ping()
    chaos.start_redis()
    assert redis_client.get(key) == b"kept"


def _roundtrip_after(settings: Settings, between: Callable[[], None]) -> list[bytes]:
    producer = Producer(settings.kafka_config())
    producer.produce(settings.topic_incoming, key=b"k", value=b"survives")
    assert producer.flush(10) == 0
    between()
    consumer = Consumer({**settings.kafka_config(), "group.id": settings.consumer_group,
                         "auto.offset.reset": "earliest", "isolation.level": "read_committed"})
    consumer.subscribe([settings.topic_incoming])
    try:
        got = consumer.consume(num_messages=1, timeout=30)
        return [m.value() for m in got if m.error() is None]
    finally:
        consumer.close()


def test_kafka_kill_and_restart_keeps_data(chaos, fresh_settings):
    assert _roundtrip_after(fresh_settings, lambda: chaos.restart_kafka(force=True)) == [
        b"survives"]


def _cli(settings: Settings, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LEADSTREAM_HOME": str(settings.home),
           "LEADSTREAM_KAFKA_PORT": str(settings.kafka_port),
           "LEADSTREAM_REDIS_PORT": str(settings.redis_port),
           "LEADSTREAM_BOOTSTRAP_SERVERS": settings.bootstrap_servers,
           "LEADSTREAM_REDIS_URL": settings.redis_url,
           "LEADSTREAM_MLFLOW_TRACKING_URI": settings.tracking_uri,
           "LEADSTREAM_PROMETHEUS_PORT": str(settings.prometheus_port),
           "LEADSTREAM_ALERTMANAGER_PORT": str(settings.alertmanager_port),
           "LEADSTREAM_STACK_ALERTING": "true",
           "COLUMNS": "250"}
    done = subprocess.run([str(LEADSTREAM), "stack", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_cli_up_twice_status_down(spare_stack, tmp_path):
    settings = spare_stack()
    first = _cli(settings, tmp_path, "up")
    assert "kafka  started" in first.stdout and "redis  started" in first.stdout
    assert f"topic {settings.topic_incoming}: created" in first.stdout
    assert str(settings.stack_dir / "kafka" / "kafka.log") in first.stdout
    assert "alertmanager started" in first.stdout and "prometheus started" in first.stdout
    second = _cli(settings, tmp_path, "up")
    assert second.stdout.count("already running") == 4
    assert f"topic {settings.topic_incoming}: exists" in second.stdout
    services = {s.name: s for s in stack_status(settings)}
    pids = [services[name].pid for name in ("kafka", "redis", "alertmanager", "prometheus")]
    assert all(pid and is_alive(pid) for pid in pids)  # they outlived the CLI
    status = _cli(settings, tmp_path, "status")
    assert status.stdout.count("│ running ") == 4 and str(pids[0]) in status.stdout
    for process in ("scorer", "agents", "sink"):  # none started against this stack
        assert re.search(rf"│ {process} +│ \S+ +│ not running +│ 0 ", status.stdout), status.stdout
    down = _cli(settings, tmp_path, "down")
    assert down.stdout.count("stopped") == 4
    assert not any(is_alive(pid) for pid in pids)
    assert _cli(settings, tmp_path, "status").stdout.count("stopped") == 4
    assert _cli(settings, tmp_path, "down").stdout.count("was not running") == 4


def test_lead_topic_retention_follows_the_settings_on_creation_and_on_ensure(make_settings,
                                                                              kafka_admin):
    days = {"lead_retention_days": 3, "shadow_retention_days": 4,
            "outcomes_retention_days": 5, "deadletter_retention_days": 6,
            "sink_deadletter_retention_days": 8}
    settings = make_settings(**days)
    expected = {"leads.incoming": 3, "leads.scored": 3, "scores.shadow": 4,
                "leads.outcomes": 5, "leads.deadletter": 6, "leads.outcomes.deadletter": 6,
                "sink.deadletter": 8}
    assert set(expected) == set(RETENTION_SETTINGS)
    names = {r: topic_name(settings, REGISTRY[r]) for r in expected}
    for name in names.values():  # a topic just created may not be describable yet
        wait_until(lambda n=name: _describable(kafka_admin, n), 30, f"{name} described")
    for registry_name, name in names.items():
        assert _config(kafka_admin, name)["retention.ms"] == str(expected[registry_name]
                                                                 * DAY_MS), name
    shorter = settings.model_copy(update={k: 1 for k in days})  # the same topics, existing
    assert {ensure_topics(shorter)[n] for n in names.values()} == {"exists"}
    for name in names.values():  # the broker applies altered configs from its metadata log
        wait_until(lambda n=name: _config(kafka_admin, n)["retention.ms"] == str(DAY_MS), 30,
                   f"{name} retention altered to one day")
    requests = _config(kafka_admin, topic_name(settings, REGISTRY["privacy.requests"]))
    assert requests["retention.ms"] == str(DAY_MS)  # it holds lead ids: one day, fixed


def _describable(admin: AdminClient, topic: str) -> bool:
    try:
        _config(admin, topic)
    except KafkaException:
        return False
    return True
