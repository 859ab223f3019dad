"""The whole local stack at once: what ``leadstream stack up | down | status`` do.

Kafka, Redis and the MLflow store, then Prometheus (scraping leadstream's processes,
evaluating the shipped alert rules) and Alertmanager (receiving those alerts and the agents'
events).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from confluent_kafka.admin import AdminClient

from schemas.errors import FatalError
from streams.kafka.client_log import client_log
from streams.kafka.topics import ensure_topics
from streams.redact import redact_url
from streams.settings import Settings
from streams.stack.acls import apply_acls
from streams.stack.alertmanager import ALERTMANAGER
from streams.stack.certs import ensure_certs
from streams.stack.credentials import (
    ADMIN,
    ensure_credentials,
    load_credentials,
    principal_settings,
    secure_dir,
    write_env_files,
)
from streams.stack.jars import fetch_kafka
from streams.stack.kafka import kafka_dir, local_bootstrap
from streams.stack.kafka_cluster import start_nodes, status_nodes, stop_nodes
from streams.stack.mlflow_store import ensure_mlflow, status_mlflow
from streams.stack.prometheus import PROMETHEUS
from streams.stack.redis_server import start_redis, status_redis, stop_redis
from streams.stack.service import ServiceStatus
from streams.stack.signing_keys import ensure_signing_keys


@dataclass
class StackReport:
    services: list[ServiceStatus]
    topics: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    env_files: list[Path] = field(default_factory=list)
    """Secured stack: one ``<principal>.env`` per principal (0600; never printed)."""
    acls: int = 0
    """Secured stack: ACL bindings applied from the table."""


def config_warnings(settings: Settings) -> list[str]:
    """Settings that point the app somewhere else than the stack it starts."""
    notes = []
    local = local_bootstrap(settings).split(",")[0]
    if local not in settings.bootstrap_servers and \
            f"localhost:{settings.kafka_port}" not in settings.bootstrap_servers:
        notes.append(f"LEADSTREAM_BOOTSTRAP_SERVERS={settings.bootstrap_servers} does not "
                     f"include the local broker {local}")
    if f":{settings.redis_port}" not in settings.redis_url:
        notes.append(f"LEADSTREAM_REDIS_URL={redact_url(settings.redis_url)} is not the local "
                     f"Redis on port {settings.redis_port}")
    if settings.stack_alerting and not settings.alertmanager_url:
        notes.append(f"LEADSTREAM_ALERTMANAGER_URL is empty: agents you start yourself post "
                     f"no alerts (set it to {ALERTMANAGER.url(settings)}); the demo's do")
    if load_credentials(settings) is not None and settings.security_protocol != "SASL_SSL":
        notes.append(f"the stack is secured but LEADSTREAM_SECURITY_PROTOCOL="
                     f"{settings.security_protocol}: source a principal's env file from "
                     f"{secure_dir(settings)}")
    return notes


def _secure(settings: Settings) -> list[Path]:
    """Credentials, certificates and env files of a secured stack (made once)."""
    if load_credentials(settings) is None and (kafka_dir(settings) / "data" /
                                               "meta.properties").is_file():
        raise FatalError("this stack's Kafka storage was formatted without security: run "
                         "`leadstream stack down --purge` first, then `stack up --secure`")
    creds = ensure_credentials(settings)
    ensure_certs(secure_dir(settings))
    ensure_signing_keys(settings)
    return write_env_files(settings, creds)


def stack_up(settings: Settings, topics: bool = True, secure: bool = False) -> StackReport:
    """Start Redis and Kafka (one node, or ``kafka_brokers`` nodes; idempotent), create the
    topics, open the MLflow store, start Alertmanager and Prometheus.

    ``secure`` (or a stack secured before): SASL_SSL Kafka with ACLs from the table and a
    Redis ACL user; the topics and ACLs are made as the ``admin`` principal.
    """
    fetch_kafka(settings.kafka_version)
    env_files = _secure(settings) if secure or load_credentials(settings) else []
    services = [start_redis(settings), *start_nodes(settings)]
    creds = load_credentials(settings)
    admin = principal_settings(settings, creds, ADMIN) if creds else settings
    created = ensure_topics(admin) if topics else {}
    acls = (apply_acls(AdminClient({**admin.kafka_config(), **client_log()}), settings)
            if creds else 0)
    services.append(ensure_mlflow(settings))
    if settings.stack_alerting:
        services += [ALERTMANAGER.start(settings), PROMETHEUS.start(settings)]
    return StackReport(services, created, config_warnings(settings), env_files, acls)


def stack_down(settings: Settings, purge: bool = False) -> dict[str, bool]:
    """Stop Prometheus, Alertmanager, Kafka and Redis gracefully; ``purge`` also deletes
    their data and logs.

    Returns ``{service: was running}``.
    """
    stopped = {"prometheus": PROMETHEUS.stop(settings),
               "alertmanager": ALERTMANAGER.stop(settings),
               "kafka": stop_nodes(settings), "redis": stop_redis(settings)}
    if purge:
        shutil.rmtree(settings.stack_dir, ignore_errors=True)
    return stopped


def stack_status(settings: Settings) -> list[ServiceStatus]:
    return [*status_nodes(settings), status_redis(settings), status_mlflow(settings),
            ALERTMANAGER.status(settings), PROMETHEUS.status(settings)]
