"""docker-compose.yml stays consistent with the settings, the CLI and the local stack."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlparse

import click
import pytest
import yaml

from streams.cli import main
from streams.settings import Settings
from streams.stack.acls import PRINCIPALS
from streams.stack.kafka import server_properties

ROOT = Path(__file__).resolve().parents[3]
COMPOSE = ROOT / "docker-compose.yml"
DEFAULTS = Settings(_env_file=None)
# Address- and path-specific broker properties differ by design between compose and local.
LOCAL_ONLY = {"controller.quorum.bootstrap.servers", "listeners", "advertised.listeners",
              "listener.security.protocol.map", "inter.broker.listener.name", "log.dirs",
              "num.partitions", "transaction.abort.timed.out.transaction.cleanup.interval.ms",
              "transaction.remove.expired.transaction.cleanup.interval.ms"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _env(service: dict) -> dict[str, str]:
    return {k: str(v) for k, v in (service.get("environment") or {}).items()}


def _published(service: dict) -> dict[int, int]:
    """container port -> host port."""
    pairs = (str(p).split(":")[-2:] for p in service.get("ports", []))
    return {int(container): int(host) for host, container in pairs}


def test_services_exist(compose):
    assert {"kafka", "redis", "mlflow", "scorer", "topic-init"} <= set(compose["services"])
    build = compose["services"]["mlflow"]["build"]
    assert (ROOT / build["context"] / build["dockerfile"]).is_file()


def test_kafka_image_matches_local_version(compose):
    image = compose["services"]["kafka"]["image"]
    assert image == f"apache/kafka:{DEFAULTS.kafka_version}"


def test_leadstream_env_vars_are_settings(compose):
    for name, service in compose["services"].items():
        for var in _env(service):
            if var.startswith("LEADSTREAM_"):
                field = var.removeprefix("LEADSTREAM_").lower()
                assert field in Settings.model_fields, f"{name}: {var} is no Settings field"


def test_broker_properties_match_the_local_stack(compose):
    env = _env(compose["services"]["kafka"])
    local = dict(line.split("=", 1) for line in server_properties(DEFAULTS).splitlines())
    for key, value in local.items():
        if key not in LOCAL_ONLY:
            assert env.get("KAFKA_" + key.upper().replace(".", "_")) == value, key


def test_ports_are_consistent(compose):
    services = compose["services"]
    kafka_env, scorer_env = _env(services["kafka"]), _env(services["scorer"])
    assert _published(services["kafka"])[DEFAULTS.kafka_port] == DEFAULTS.kafka_port
    assert f"EXTERNAL://localhost:{DEFAULTS.kafka_port}" in kafka_env["KAFKA_ADVERTISED_LISTENERS"]
    host, port = scorer_env["LEADSTREAM_BOOTSTRAP_SERVERS"].split(":")
    assert f"INTERNAL://{host}:{port}" in kafka_env["KAFKA_ADVERTISED_LISTENERS"]
    assert f"INTERNAL://:{port}" in kafka_env["KAFKA_LISTENERS"]
    assert host == "kafka"
    redis_url = urlparse(scorer_env["LEADSTREAM_REDIS_URL"])
    assert (redis_url.hostname, redis_url.port) == ("redis", DEFAULTS.redis_port)
    assert _published(services["redis"])[DEFAULTS.redis_port] == DEFAULTS.redis_port
    mlflow_url = urlparse(scorer_env["LEADSTREAM_MLFLOW_TRACKING_URI"])
    command = services["mlflow"]["command"]
    assert mlflow_url.hostname == "mlflow"
    assert re.search(rf"--port {mlflow_url.port}\b", command)
    assert f"mlflow:{mlflow_url.port}" in command  # allowed Host header
    assert mlflow_url.port in _published(services["mlflow"])


def _command_options(path: list[str]) -> set[str]:
    ctx = click.Context(main)
    command: click.Command | None = main
    for name in path:
        assert isinstance(command, click.Group), path
        command = command.get_command(ctx, name)
        assert command is not None, f"no command {' '.join(path)}"
    return {opt for p in command.params for opt in getattr(p, "opts", [])}


@pytest.mark.parametrize("service", ["scorer", "topic-init"])
def test_commands_exist_in_the_cli(compose, service):
    argv = compose["services"][service]["command"]
    assert argv[0] == "leadstream"
    words = [a for a in argv[1:] if not a.startswith("-")]
    subcommands = words[: 2 if words[0] == "stack" else 1]
    options = {a for a in argv if a.startswith("--")}
    assert options <= _command_options(subcommands)


def test_published_ports_bind_to_localhost_by_default(compose):
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("${PUBLISH_HOST:-127.0.0.1}:"), (name, port)
    example = dict(line.split("=", 1) for line in _env_example_lines())
    assert example["PUBLISH_HOST"] == "127.0.0.1"


def _env_example_lines() -> list[str]:
    text = (ROOT / ".env.example").read_text()
    return [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


def test_secrets_come_from_the_git_ignored_env_file(compose):
    text = COMPOSE.read_text()
    used = set(re.findall(r"\$\{([A-Z_]+)", text))
    example = {line.split("=", 1)[0] for line in _env_example_lines()}
    assert used <= example, used - example
    assert ".env" in (ROOT / ".gitignore").read_text().splitlines()
    for name, service in compose["services"].items():
        for var, value in _env(service).items():
            if var.endswith(("PASSWORD", "_AUTH")):
                assert re.fullmatch(r"\$\{[A-Z_]+(:\?[^}]*)?\}", value), (name, var)
        url = _env(service).get("LEADSTREAM_REDIS_URL")
        if url:
            assert urlparse(url).password.startswith("${REDIS_PASSWORD"), name


def test_kafka_requires_sasl_and_acls(compose):
    env = _env(compose["services"]["kafka"])
    protocols = dict(p.split(":") for p in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    assert set(protocols.values()) == {"SASL_PLAINTEXT"}
    assert env["KAFKA_AUTHORIZER_CLASS_NAME"].endswith("StandardAuthorizer")
    assert env["KAFKA_SUPER_USERS"] == "User:admin"
    assert env["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"] == "false"
    jaas = env["KAFKA_LISTENER_NAME_EXTERNAL_PLAIN_SASL_JAAS_CONFIG"]
    assert set(re.findall(r"user_(\w+)=", jaas)) == {"admin", *PRINCIPALS}
    services = compose["services"]
    assert _env(services["scorer"])["LEADSTREAM_SASL_USERNAME"] == "scorer"
    assert _env(services["topic-init"])["LEADSTREAM_SASL_USERNAME"] == "admin"
    assert "--acls" in services["topic-init"]["command"]
    for name in ("scorer", "topic-init"):
        assert _env(services[name])["LEADSTREAM_SECURITY_PROTOCOL"] == "SASL_PLAINTEXT"


def test_docker_compose_config_accepts_the_file():
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("docker is not installed")
    probe = subprocess.run([docker, "compose", "version"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip("the docker compose plugin is not installed on this machine")
    done = subprocess.run([docker, "compose", "-f", str(COMPOSE), "config", "-q"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
