"""The local stack: Apache Kafka (KRaft), Redis, the MLflow store, Prometheus and
Alertmanager, started by the project.

Python API for code and tests (the CLI is :mod:`streams.cli.stack`)::

    start_kafka(settings) / stop_kafka(settings, force=False) / kafka_restart(settings)
        (``node=n``: one node of a cluster; ``kafka``)
    start_nodes / stop_nodes / status_nodes(settings), partition_leader(settings, topic):
        every node, one or a ``kafka_brokers`` cluster (``kafka_cluster``, ``kafka_nodes``)
    start_redis(settings) / stop_redis(settings, force=False)
    ensure_topics(settings) / topic_name(settings, spec)
    stack_up(settings) / stack_down(settings) / stack_status(settings)
    running_processes(settings)   scorer, agents, sink: running against Kafka, and health
    PROMETHEUS / ALERTMANAGER (.start / .stop / .status / .url(settings)): Debian's
        daemons (``prometheus``, ``alertmanager``, ``http_service``, ``debian``)
"""

from streams.kafka.topics import ensure_topics, plan_topics, topic_name
from streams.stack.jars import fetch_kafka, libs_dir
from streams.stack.kafka import (
    kafka_answers,
    kafka_restart,
    local_bootstrap,
    start_kafka,
    status_kafka,
    stop_kafka,
)
from streams.stack.kafka_cluster import partition_leader, start_nodes, status_nodes, stop_nodes
from streams.stack.mlflow_store import ensure_mlflow, status_mlflow
from streams.stack.process import ServiceError
from streams.stack.processes import GroupProcess, running_processes
from streams.stack.redis_server import redis_answers, start_redis, status_redis, stop_redis
from streams.stack.service import ServiceStatus
from streams.stack.stack import StackReport, stack_down, stack_status, stack_up

__all__ = [
    "GroupProcess",
    "ServiceError",
    "ServiceStatus",
    "StackReport",
    "ensure_mlflow",
    "ensure_topics",
    "fetch_kafka",
    "kafka_answers",
    "kafka_restart",
    "libs_dir",
    "local_bootstrap",
    "partition_leader",
    "plan_topics",
    "redis_answers",
    "running_processes",
    "stack_down",
    "stack_status",
    "stack_up",
    "start_kafka",
    "start_nodes",
    "start_redis",
    "status_kafka",
    "status_mlflow",
    "status_nodes",
    "status_redis",
    "stop_kafka",
    "stop_nodes",
    "stop_redis",
    "topic_name",
]
