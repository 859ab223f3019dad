"""The nodes of a local KRaft cluster (``kafka_brokers`` > 1): ports, folders, properties.

Node n (1-based) listens for clients on ``kafka_port + 2(n-1)`` and as a controller on the
next port; node 1 keeps the single node's folder ``<stack_dir>/kafka``, node n has
``kafka-<n>``. Every node is broker and controller (static ``controller.quorum.voters``),
all formatted with one cluster id kept in ``<stack_dir>/kafka-cluster-id``.
"""

from __future__ import annotations

import base64
import uuid
from pathlib import Path

from streams.settings import Settings


def kafka_dir(settings: Settings, node: int = 1) -> Path:
    return settings.stack_dir / ("kafka" if node == 1 else f"kafka-{node}")


def node_port(settings: Settings, node: int = 1) -> int:
    """Client port of a node (its controller listens on the next port)."""
    return settings.kafka_port + 2 * (node - 1)


def cluster_properties(settings: Settings, node: int) -> dict[str, str]:
    """A node of a ``kafka_brokers``-node KRaft cluster: static voters (every node is a
    controller), replication factor 3 and ``min.insync.replicas`` 2 for every topic, the
    offsets and the transaction state."""
    n = settings.kafka_brokers
    rf, isr = str(min(3, n)), str(min(2, n))
    voters = ",".join(f"{i}@127.0.0.1:{node_port(settings, i) + 1}" for i in range(1, n + 1))
    return {
        "node.id": str(node), "controller.quorum.voters": voters,
        "default.replication.factor": rf, "min.insync.replicas": isr,
        "offsets.topic.replication.factor": rf,
        "transaction.state.log.replication.factor": rf, "transaction.state.log.min.isr": isr,
        "share.coordinator.state.topic.replication.factor": rf,
        "share.coordinator.state.topic.min.isr": isr,
    }


def formatted_brokers(settings: Settings) -> int:
    """How many nodes node 1's storage was formatted for (1: single node, or unformatted)."""
    found = kafka_dir(settings) / "formatted-brokers"
    return int(found.read_text().strip()) if found.is_file() else 1


def shared_cluster_id(settings: Settings) -> str:
    """The one cluster id every node of a cluster is formatted with (drawn once)."""
    found = settings.stack_dir / "kafka-cluster-id"
    if not found.is_file():
        found.parent.mkdir(parents=True, exist_ok=True)
        found.write_text(f"{new_cluster_id()}\n")
    return found.read_text().strip()


def new_cluster_id() -> str:
    """A KRaft cluster id: 16 random bytes, URL-safe base64. One starting with '-' would
    read as an option to StorageTool's argument parser, so those are drawn again."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def cluster_nodes(settings: Settings) -> range:
    """Every node of the local Kafka: the configured ones, or as many as its storage was
    formatted for (so ``stack down`` and ``status`` find a cluster's nodes without
    ``--brokers``)."""
    return range(1, max(settings.kafka_brokers, formatted_brokers(settings)) + 1)
