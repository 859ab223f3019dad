"""The local Kafka as a whole, one node or a cluster: start, stop, status, who leads what.

``stack up --brokers 3`` spawns every node before waiting on any (a node answers only once
the controller quorum has a majority and every broker registered); ``stack down`` and
``stack status`` cover every node the storage was formatted for
(:func:`streams.stack.kafka_nodes.cluster_nodes`).
"""

from __future__ import annotations

from confluent_kafka.admin import AdminClient

from schemas.errors import FatalError
from streams.kafka.client_log import client_log
from streams.settings import Settings
from streams.stack.credentials import load_credentials
from streams.stack.kafka import (
    admin_config,
    kafka_pid,
    spawn_kafka,
    start_kafka,
    status_kafka,
    stop_kafka,
    wait_kafka,
)
from streams.stack.kafka_nodes import cluster_nodes
from streams.stack.service import ServiceStatus


def start_nodes(settings: Settings) -> list[ServiceStatus]:
    """Start the single broker, or every node of the cluster not yet running; wait until
    each answers. Idempotent."""
    if settings.kafka_brokers == 1:
        return [start_kafka(settings)]
    if load_credentials(settings) is not None:
        raise FatalError("a secured stack runs a single Kafka node: set "
                         "LEADSTREAM_KAFKA_BROKERS=1 (or drop --secure)")
    pids = {n: kafka_pid(settings, n) for n in cluster_nodes(settings)}
    spawned = {n: spawn_kafka(settings, n) for n, pid in pids.items() if pid is None}
    return [wait_kafka(settings, spawned[n], n) if n in spawned
            else status_kafka(settings, node=n) for n in pids]


def stop_nodes(settings: Settings, force: bool = False) -> bool:
    """Stop every node (see :func:`stop_kafka`); True if any was running."""
    return any([stop_kafka(settings, force, n) for n in cluster_nodes(settings)])


def status_nodes(settings: Settings) -> list[ServiceStatus]:
    return [status_kafka(settings, node=n) for n in cluster_nodes(settings)]


def partition_leader(settings: Settings, topic: str, partition: int = 0,
                     timeout_s: float = 10.0) -> int:
    """The node id (= node number) leading ``topic``'s ``partition`` right now."""
    admin = AdminClient({**admin_config(settings), **client_log()})
    meta = admin.list_topics(topic, timeout=timeout_s)
    return meta.topics[topic].partitions[partition].leader
