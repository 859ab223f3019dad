"""The whole local stack at once: what ``leadstream stack up | down | status`` do."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field

from streams.kafka.topics import ensure_topics
from streams.settings import Settings
from streams.stack.jars import fetch_kafka
from streams.stack.kafka import local_bootstrap, start_kafka, status_kafka, stop_kafka
from streams.stack.mlflow_store import ensure_mlflow, status_mlflow
from streams.stack.redis_server import start_redis, status_redis, stop_redis
from streams.stack.service import ServiceStatus


@dataclass
class StackReport:
    services: list[ServiceStatus]
    topics: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def config_warnings(settings: Settings) -> list[str]:
    """Settings that point the app somewhere else than the stack it starts."""
    notes = []
    local = local_bootstrap(settings)
    if local not in settings.bootstrap_servers and \
            f"localhost:{settings.kafka_port}" not in settings.bootstrap_servers:
        notes.append(f"LEADSTREAM_BOOTSTRAP_SERVERS={settings.bootstrap_servers} does not "
                     f"include the local broker {local}")
    if f":{settings.redis_port}" not in settings.redis_url:
        notes.append(f"LEADSTREAM_REDIS_URL={settings.redis_url} is not the local Redis "
                     f"on port {settings.redis_port}")
    return notes


def stack_up(settings: Settings, topics: bool = True) -> StackReport:
    """Start Redis and Kafka (idempotent), create the topics, open the MLflow store."""
    fetch_kafka(settings.kafka_version)
    services = [start_redis(settings), start_kafka(settings)]
    created = ensure_topics(settings) if topics else {}
    services.append(ensure_mlflow(settings))
    return StackReport(services, created, config_warnings(settings))


def stack_down(settings: Settings, purge: bool = False) -> dict[str, bool]:
    """Stop Kafka and Redis gracefully; ``purge`` also deletes their data and logs.

    Returns ``{service: was running}``.
    """
    stopped = {"kafka": stop_kafka(settings), "redis": stop_redis(settings)}
    if purge:
        shutil.rmtree(settings.stack_dir, ignore_errors=True)
    return stopped


def stack_status(settings: Settings) -> list[ServiceStatus]:
    return [status_kafka(settings), status_redis(settings), status_mlflow(settings)]
