"""The local Apache Kafka broker: one KRaft node (broker + controller) from the Maven jars.

Files under ``<stack_dir>/kafka``: ``server.properties`` (0600: a secured broker's holds
its own password), ``data/`` (formatted on first start only), ``kafka.log`` (broker log),
``kafka.out`` (JVM stdout/stderr), ``kafka.pid``. A cluster (``kafka_brokers`` > 1, see
:mod:`streams.stack.kafka_nodes`) keeps node 1 there and node n under ``kafka-<n>``. A
stack secured by ``stack up --secure``
(credentials under ``<stack_dir>/secure``, see :mod:`streams.stack.kafka_security`) stays
secured on every later start, and is checked as its ``admin`` principal.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from schemas.errors import FatalError
from streams.kafka.client_log import client_log
from streams.settings import Settings
from streams.stack.certs import ensure_certs, write_private
from streams.stack.credentials import (
    ADMIN,
    StackCredentials,
    load_credentials,
    principal_settings,
    secure_dir,
)
from streams.stack.jars import classpath, require_tool
from streams.stack.kafka_nodes import (
    cluster_nodes,
    cluster_properties,
    formatted_brokers,
    kafka_dir,
    new_cluster_id,
    node_port,
    shared_cluster_id,
)
from streams.stack.kafka_security import scram_args, secure_properties
from streams.stack.process import (
    ServiceError,
    kill,
    port_open,
    read_pid,
    spawn,
    terminate,
    wait_ready,
)
from streams.stack.service import ServiceStatus

LOG4J = Path(__file__).with_name("log4j2.yaml")
STOP_TIMEOUT_S = 30.0


def log_file(settings: Settings, node: int = 1) -> Path:
    return kafka_dir(settings, node) / "kafka.log"


def local_bootstrap(settings: Settings) -> str:
    return ",".join(f"127.0.0.1:{node_port(settings, n)}" for n in cluster_nodes(settings))


def server_properties(settings: Settings, secure: dict[str, str] | None = None,
                      node: int = 1) -> str:
    """The broker's properties; ``secure`` (from :func:`secure_properties`) replaces the
    listeners and adds authentication and authorization; a cluster's node gets
    :func:`cluster_properties`."""
    port = node_port(settings, node)
    ctl = port + 1
    props = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.bootstrap.servers": f"127.0.0.1:{ctl}",
        "listeners": f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{ctl}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port}",
        "controller.listener.names": "CONTROLLER",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "inter.broker.listener.name": "PLAINTEXT",
        "log.dirs": str(kafka_dir(settings, node) / "data"),
        "num.partitions": "1",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "4",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "transaction.state.log.num.partitions": "4",
        # Abort a dead producer's expired transaction within 1 s of its timeout (default
        # 10 s): read_committed readers wait for it (settings.transaction_timeout_ms).
        "transaction.abort.timed.out.transaction.cleanup.interval.ms": "1000",
        "transaction.remove.expired.transaction.cleanup.interval.ms": "60000",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
        "auto.create.topics.enable": "false",
    }
    if settings.kafka_brokers > 1:
        del props["controller.quorum.bootstrap.servers"]
        props.update(cluster_properties(settings, node))
    props.update(secure or {})
    return "".join(f"{k}={v}\n" for k, v in props.items())


def _java(settings: Settings, main: str, *args: str, node: int = 1) -> list[str]:
    java = require_tool("java", "install a JDK 17+ (Debian: apt-get install openjdk-17-jre)")
    gc_log = kafka_dir(settings, node) / "gc.log"  # the broker's pauses, two 10 MB files
    return [java, f"-Xmx{settings.kafka_heap}",
            f"-Xlog:gc:file={gc_log}:uptime,level:filecount=2,filesize=10m",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={LOG4J}",
            f"-Dleadstream.kafka.log={log_file(settings, node)}",
            "-cp", classpath(settings.kafka_version), main, *args]


def _format_once(settings: Settings, props: Path, creds: StackCredentials | None,
                 node: int = 1) -> None:
    """Format the KRaft storage unless it already is (with every principal's SCRAM
    credential when secured; a cluster's nodes with one shared cluster id); refuse a port,
    security or node-count change afterwards."""
    folder = kafka_dir(settings, node)
    data, port_file = folder / "data", folder / "formatted-port"
    mode_file, brokers_file = folder / "formatted-security", folder / "formatted-brokers"
    mode = "secure" if creds else "plain"
    if (data / "meta.properties").is_file():
        formatted_mode = mode_file.read_text().strip() if mode_file.is_file() else "plain"
        if formatted_mode != mode:
            raise FatalError(
                f"Kafka storage in {data} was formatted {formatted_mode}, not {mode}: run "
                "`leadstream stack down --purge` to start afresh")
        formatted = port_file.read_text().strip() if port_file.is_file() else ""
        if formatted and formatted != str(node_port(settings, node)):
            raise FatalError(
                f"Kafka storage in {data} was formatted for port {formatted}, not "
                f"{node_port(settings, node)}: set LEADSTREAM_KAFKA_PORT={formatted} or run "
                "`leadstream stack down --purge` to start afresh")
        if formatted_brokers(settings) != settings.kafka_brokers:
            raise FatalError(
                f"Kafka storage in {data} was formatted for {formatted_brokers(settings)} "
                f"node(s), not {settings.kafka_brokers}: set LEADSTREAM_KAFKA_BROKERS or run "
                "`leadstream stack down --purge` to start afresh")
        return
    cluster_id = new_cluster_id() if settings.kafka_brokers == 1 else shared_cluster_id(settings)
    quorum = ["--standalone"] if settings.kafka_brokers == 1 else []
    cmd = _java(settings, "kafka.tools.StorageTool", "format", "-t", cluster_id,
                "-c", str(props), *quorum, *(scram_args(creds) if creds else []), node=node)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise ServiceError(f"formatting Kafka storage failed:\n{done.stdout}{done.stderr}")
    port_file.write_text(f"{node_port(settings, node)}\n")
    mode_file.write_text(f"{mode}\n")
    if settings.kafka_brokers > 1:
        brokers_file.write_text(f"{settings.kafka_brokers}\n")


def _pid_file(settings: Settings, node: int = 1) -> Path:
    return kafka_dir(settings, node) / "kafka.pid"


def _marker(settings: Settings, node: int = 1) -> str:
    return str(kafka_dir(settings, node) / "server.properties")


def kafka_pid(settings: Settings, node: int = 1) -> int | None:
    return read_pid(_pid_file(settings, node), _marker(settings, node))


def admin_config(settings: Settings) -> dict[str, str]:
    """Client config of the stack's own operations (health check, topics, ACLs): plain, or
    as the ``admin`` super user over SASL_SSL when the stack is secured."""
    creds = load_credentials(settings)
    if creds is None:
        return {"bootstrap.servers": local_bootstrap(settings)}
    return principal_settings(settings, creds, ADMIN).kafka_config()


def kafka_answers(settings: Settings, timeout_s: float = 2.0, node: int = 1) -> bool:
    """True if the broker serves metadata (list_topics) on its client port; a cluster's
    node only once every node of the cluster is registered."""
    port = node_port(settings, node)
    if not port_open(port):
        return False
    config, nodes = {**admin_config(settings), **client_log()}, len(cluster_nodes(settings))
    if nodes > 1:
        config["bootstrap.servers"] = f"127.0.0.1:{port}"
    admin = AdminClient(config)
    try:
        return len(admin.list_topics(timeout=timeout_s).brokers) >= nodes
    except KafkaException:
        return False


def spawn_kafka(settings: Settings, node: int = 1) -> int:
    """Write the node's properties, format its storage once and start it (no waiting)."""
    for port in (node_port(settings, node), node_port(settings, node) + 1):
        if port_open(port):
            raise FatalError(f"port {port} is taken by another process; "
                             "set LEADSTREAM_KAFKA_PORT to a free port (the controller uses +1"
                             ", a cluster's node n + 2(n-1))")
    folder = kafka_dir(settings, node)
    (folder / "data").mkdir(parents=True, exist_ok=True)
    props = folder / "server.properties"
    creds = load_credentials(settings)
    secure = secure_properties(settings, creds, ensure_certs(secure_dir(settings))) \
        if creds else None
    write_private(props, server_properties(settings, secure, node).encode())
    _format_once(settings, props, creds, node)
    return spawn(_java(settings, "kafka.Kafka", str(props), node=node), folder / "kafka.out",
                 _pid_file(settings, node), folder)


def wait_kafka(settings: Settings, pid: int, node: int = 1) -> ServiceStatus:
    """Wait until the started node answers."""
    logs = f"{log_file(settings, node)} (JVM output: {kafka_dir(settings, node) / 'kafka.out'})"
    waited = wait_ready("Kafka", lambda: kafka_answers(settings, node=node), pid, logs,
                        settings.stack_start_timeout_s)
    return status_kafka(settings, started=True, seconds=waited, node=node)


def start_kafka(settings: Settings, node: int = 1) -> ServiceStatus:
    """Start the broker unless it runs; wait until it answers. Idempotent."""
    if kafka_pid(settings, node) is not None:
        return status_kafka(settings, started=False, node=node)
    return wait_kafka(settings, spawn_kafka(settings, node), node)


def stop_kafka(settings: Settings, force: bool = False, node: int = 1) -> bool:
    """Stop the broker (SIGTERM, then SIGKILL after a deadline; ``force``: kill -9 at once).

    Returns True if a broker was running.
    """
    pid = kafka_pid(settings, node)
    if pid is None:
        return False
    if force:
        kill(pid)
    else:
        terminate(pid, STOP_TIMEOUT_S)
    _pid_file(settings, node).unlink(missing_ok=True)
    return True


def kafka_restart(settings: Settings, force: bool = False, node: int = 1) -> ServiceStatus:
    """Stop (gracefully, or kill -9 with ``force``) and start again on the same storage."""
    stop_kafka(settings, force=force, node=node)
    return start_kafka(settings, node)


def status_kafka(settings: Settings, started: bool = False, seconds: float = 0.0,
                 node: int = 1) -> ServiceStatus:
    pid = kafka_pid(settings, node)
    state = "stopped"
    if pid is not None:
        state = "running" if kafka_answers(settings, node=node) else "not answering"
    address = f"127.0.0.1:{node_port(settings, node)}"
    if load_credentials(settings) is not None:
        address = f"SASL_SSL://{address}"
    name = "kafka" if len(cluster_nodes(settings)) == 1 else f"kafka-{node}"
    return ServiceStatus(name, state, address, pid, log_file(settings, node),
                         started=started, seconds=seconds)
