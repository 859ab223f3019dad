"""A 3-node local KRaft cluster for the cluster tests, on its own integration-test slot
(fixtures registered by tests/integration/conftest.py; started only when a test asks).

Node n of the slot's cluster listens on the slot's Kafka port + 2(n-1) (controller + 1),
so the six ports stay inside the slot's ten; Redis is the slot's. Heap 384m per node.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
import redis
from confluent_kafka.admin import AdminClient

from streams.kafka.topics import suffixed_topics
from streams.settings import Settings
from streams.stack import ensure_topics, stack_down, stack_up, start_nodes
from streams.stack.kafka_nodes import node_port
from streams.stack.process import port_open

BROKERS = 3


def cluster_settings_of(settings: Settings, brokers: int = BROKERS) -> Settings:
    """The slot's settings as a ``brokers``-node cluster (alerting ports moved past the
    nodes' ports)."""
    cluster = settings.model_copy(update={"kafka_brokers": brokers, "kafka_heap": "384m"})
    bootstrap = ",".join(f"127.0.0.1:{node_port(cluster, n)}" for n in range(1, brokers + 1))
    return cluster.model_copy(update={
        "bootstrap_servers": bootstrap, "prometheus_port": settings.kafka_port + 7,
        "alertmanager_port": settings.kafka_port + 8})


@pytest.fixture(scope="session")
def cluster_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    from tests.integration.conftest import _claim_slot  # conftest imports this module
    home = tmp_path_factory.mktemp("leadstream-cluster")
    slot, lock = _claim_slot(home)
    settings = cluster_settings_of(slot)
    taken = [p for p in range(settings.kafka_port + 2, settings.kafka_port + 2 * BROKERS)
             if port_open(p)]
    if taken:
        lock.close()
        pytest.skip(f"ports {taken} of the cluster's slot are taken")
    try:
        stack_up(settings)
        yield settings
    finally:
        stack_down(settings)
        lock.close()


@pytest.fixture(scope="session")
def kafka_cluster_admin(cluster_stack: Settings) -> AdminClient:
    return AdminClient(cluster_stack.kafka_config())


@pytest.fixture
def cluster_settings(cluster_stack: Settings, request: pytest.FixtureRequest) -> Settings:
    """Fresh topic names (12 partitions on ``leads.incoming``), group and transactional id
    on the cluster; Redis flushed; every node running (a test may have killed one)."""
    start_nodes(cluster_stack)
    client = redis.Redis.from_url(cluster_stack.redis_url)
    client.flushdb()
    client.close()
    tag = f"{re.sub(r'[^A-Za-z0-9_-]+', '_', request.node.name)[:30]}-{uuid.uuid4().hex[:6]}"
    fields: dict[str, object] = {"topics": suffixed_topics(cluster_stack, tag)}
    fields.update(consumer_group=f"{cluster_stack.consumer_group}-{tag}",
                  transactional_id=f"{cluster_stack.transactional_id}-{tag}",
                  incoming_partitions=12, model_name=f"m-{uuid.uuid4().hex[:8]}")
    settings = cluster_stack.model_copy(update=fields)
    ensure_topics(settings)
    return settings


def scorer_settings(settings: Settings, index: int) -> Settings:
    """The ``index``-th scorer process of the group: its own transactional id."""
    return settings.model_copy(update={"transactional_id": f"{settings.transactional_id}-{index}"})


__all__ = ["cluster_settings", "cluster_settings_of", "cluster_stack", "kafka_cluster_admin",
           "scorer_settings"]
