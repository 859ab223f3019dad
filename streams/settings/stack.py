"""The local stack's settings (``leadstream stack up``): Kafka, Redis, Prometheus and
Alertmanager on this machine. Where clients find the services is
:mod:`~streams.settings.connection`'s."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from streams.settings.part import SettingsPart


class StackSettings(SettingsPart):
    """Versions, ports, heap and nodes of the local services; how long they may take."""

    # --- Kafka and Redis -----------------------------------------------------------------
    kafka_version: str = "4.1.1"
    """Apache Kafka version of the local broker (jars from Maven Central)."""
    kafka_port: int = 9092
    """Port of the local broker's client listener (the controller uses port + 1)."""
    kafka_heap: str = "768m"
    """JVM heap of the local broker (of each node of a cluster)."""
    kafka_brokers: int = Field(1, ge=1, le=9)
    """Nodes of the local Kafka (each broker + controller): 1, or a KRaft cluster whose node
    n listens on ``kafka_port + 2(n-1)`` (controller + 1), with replication factor 3 (or the
    node count) and ``min.insync.replicas`` 2 for every topic and internal topic."""
    redis_port: int = 6379
    """Port of the local redis-server."""
    stack_start_timeout_s: float = 90.0
    """How long ``stack up`` waits for each service to answer."""

    # --- Prometheus and Alertmanager -------------------------------------------------------
    stack_alerting: bool = True
    """``stack up`` starts Prometheus and Alertmanager too (false: Kafka, Redis and MLflow
    only, as the integration tests and benchmarks run it)."""
    prometheus_port: int = Field(9090, ge=1, le=65535)
    """Port of the local stack's Prometheus (Debian's ``prometheus``, on 127.0.0.1)."""
    alertmanager_port: int = Field(9193, ge=1, le=65535)
    """Port of the local stack's Alertmanager (Debian's ``prometheus-alertmanager``, on
    127.0.0.1; not its usual 9093, which is the local Kafka controller's port)."""
    prometheus_scrape_interval_s: float = Field(10.0, gt=0)
    """How often the local Prometheus scrapes each leadstream process and evaluates the
    shipped alert rules."""
    prometheus_retention_days: int = Field(15, ge=1)
    """How long the local Prometheus keeps samples."""
    alertmanager_config_path: Path | None = None
    """Alertmanager configuration (YAML) the local stack starts with; ``None``: one without
    receivers (alerts visible in its UI and API only). ``examples/alertmanager.yml`` is a
    routing example for Slack, e-mail and PagerDuty."""
