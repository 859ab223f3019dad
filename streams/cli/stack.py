"""``leadstream stack up | down | status | fetch``: the local Kafka, Redis and MLflow."""

from __future__ import annotations

import time

import click
from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient
from rich.table import Table

from streams.cli.common import console
from streams.kafka.client_log import client_log
from streams.kafka.topics import ensure_topics
from streams.settings import Settings
from streams.stack.acls import apply_acls
from streams.stack.jars import fetch_kafka, is_fetched, libs_dir
from streams.stack.processes import GroupProcess, running_processes
from streams.stack.service import ServiceStatus
from streams.stack.stack import stack_down, stack_status, stack_up


def _service_line(s: ServiceStatus) -> str:
    if s.name == "mlflow":
        what = "store created" if s.started else f"store {s.state}"
    elif s.started:
        what = f"started, answered after {s.seconds:.1f}s"
    else:
        what = "already running"
    pid = f"  pid {s.pid}" if s.pid else ""
    log = f"  log {s.log}" if s.log else ""
    return f"[bold]{s.name:<6}[/] {what}  {s.address}{pid}{log}"


def _status_table(services: list[ServiceStatus]) -> Table:
    table = Table(title="leadstream stack")
    for col in ("service", "state", "address", "pid", "log"):
        table.add_column(col, overflow="fold")
    for s in services:
        colour = "green" if s.ok else "red"
        table.add_row(s.name, f"[{colour}]{s.state}[/]", s.address, str(s.pid or "-"),
                      str(s.log or "-"))
    return table


@click.group("stack")
def stack() -> None:
    """Start, stop and inspect the local Kafka, Redis, MLflow store, Prometheus and
    Alertmanager."""


@stack.command()
@click.option("--no-topics", is_flag=True, help="Do not create the registered topics.")
@click.option("--secure", is_flag=True, help="SASL_SSL Kafka with per-principal ACLs and a "
              "Redis ACL user; passwords go to 0600 env files, one per principal.")
@click.option("--brokers", type=click.IntRange(1, 9), default=None,
              help="Kafka nodes: 3 runs a local KRaft cluster (replication factor 3, "
              "min.insync.replicas 2); default LEADSTREAM_KAFKA_BROKERS (1).")
def up(no_topics: bool, secure: bool, brokers: int | None) -> None:
    """Start Kafka and Redis (if not running), create topics, open the MLflow store, start
    Alertmanager and Prometheus."""
    started = time.monotonic()
    settings = Settings() if brokers is None else Settings(kafka_brokers=brokers)
    report = stack_up(settings, topics=not no_topics, secure=secure)
    for service in report.services:
        console().print(_service_line(service), soft_wrap=True)
    for name, outcome in report.topics.items():
        console().print(f"  topic {name}: {outcome}", soft_wrap=True)
    if report.env_files:
        console().print(f"secured: {report.acls} ACL bindings; each process connects as its "
                      "principal: `set -a; . <file>; set +a`", soft_wrap=True)
        for path in report.env_files:
            console().print(f"  {path.stem:<9} {path}", soft_wrap=True)
    for note in report.warnings:
        console().print(f"[yellow]warning:[/] {note}")
    console().print(f"stack up in {time.monotonic() - started:.1f}s")


@stack.command()
@click.option("--purge", is_flag=True, help="Also delete the services' data and logs.")
def down(purge: bool) -> None:
    """Stop Prometheus, Alertmanager, Kafka and Redis gracefully (SIGTERM, then SIGKILL
    after a deadline)."""
    for name, was_running in stack_down(Settings(), purge=purge).items():
        console().print(f"[bold]{name:<12}[/] {'stopped' if was_running else 'was not running'}")
    if purge:
        console().print("stack data deleted")


@stack.command()
def status() -> None:
    """Show each service's state, address, pid and log file, then the leadstream processes
    running against Kafka (scorer, agents, sink: their consumer groups) and their health."""
    settings = Settings()
    services = stack_status(settings)
    console().print(_status_table(services))
    if not services[0].ok:
        console().print("processes: unknown while Kafka is down")
        return
    try:
        found = running_processes(settings)
    except KafkaException as exc:
        console().print(f"processes: Kafka did not answer ({exc})")
        return
    console().print(_processes_table(found))


def _processes_table(found: list[GroupProcess]) -> Table:
    table = Table(title="leadstream processes (consumer groups on Kafka)")
    for col in ("process", "group", "health", "members", "partitions", "clients"):
        table.add_column(col, overflow="fold")
    for p in found:
        colour = {"consuming": "green", "not running": "dim"}.get(p.health, "yellow")
        table.add_row(p.role, p.group, f"[{colour}]{p.health}[/]",
                      str(p.members) if p.members >= 0 else "?",
                      str(p.partitions), ", ".join(p.clients) or "-")
    return table


@stack.command()
def fetch() -> None:
    """Resolve the Kafka jars from Maven Central into the cache (once)."""
    version = Settings().kafka_version
    cached = is_fetched(version)
    path = fetch_kafka(version)
    console().print(f"Kafka {version} jars {'already cached' if cached else 'fetched'} in {path}")
    if not cached:
        console().print(f"{sum(1 for _ in libs_dir(version).glob('*.jar'))} jars")


@stack.command()
@click.option("--timeout", default=60.0, show_default=True, help="Seconds to retry a broker "
              "that is still starting.")
@click.option("--acls", is_flag=True, help="Also create the ACLs of streams/stack/acls.toml "
              "(connect as a super user).")
def topics(timeout: float, acls: bool) -> None:
    """Create the registered topics on LEADSTREAM_BOOTSTRAP_SERVERS (any cluster)."""
    settings = Settings()
    for name, outcome in ensure_topics(settings, timeout_s=timeout).items():
        console().print(f"topic {name}: {outcome}", soft_wrap=True)
    if acls:
        count = apply_acls(AdminClient({**settings.kafka_config(), **client_log()}), settings,
                           timeout_s=timeout)
        console().print(f"{count} ACL bindings applied from the table")
