"""Who may look at what on the secured stack: the read-only views work for ``operator`` and
``dashboard`` without write grants, a refusal is one line naming the action really
refused (never a traceback), and a scorer credential cannot join the agents' group."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime

import pytest
from confluent_kafka import Consumer, KafkaError
from confluent_kafka.admin import (
    AclBinding,
    AclOperation,
    AclPermissionType,
    ResourcePatternType,
    ResourceType,
)

from schemas.control import ServingConfig, ServingMode
from streams.control.keys import controller_signer
from streams.kafka.auth import NotAuthorized
from streams.kafka.reader import TopicReader, produce_one
from streams.settings import Settings
from streams.stack.acls import ANY, apply_acls
from streams.stack.children import settings_env
from streams.stack.credentials import ADMIN
from streams.stores.ledger import redis_client
from tests.integration.helpers import wait_until
from tests.integration.secure_stack import SecureStack


def _join(settings: Settings, group: str, topic: str, timeout_s: float = 30.0
          ) -> KafkaError | None:
    """None once ``group`` is joined (partitions assigned), else Kafka's refusal."""
    consumer = Consumer({**settings.kafka_config(), "group.id": group,
                         "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is not None and msg.error() is not None and \
                    msg.error().code() != KafkaError._PARTITION_EOF:
                return msg.error()
            if consumer.assignment():
                return None
        raise AssertionError(f"neither joined nor refused {group} in {timeout_s}s")
    finally:
        consumer.close()


def test_a_scorer_credential_cannot_join_the_agents_group(secure_stack, secure_settings):
    scorer, agents = (secure_stack.as_(p, secure_settings) for p in ("scorer", "agents"))
    agents_group = f"{secure_settings.consumer_group}-agents"  # faust's app id
    refused = _join(scorer, agents_group, secure_settings.topic_models_control)
    assert refused is not None and refused.code() == KafkaError.GROUP_AUTHORIZATION_FAILED
    assert _join(agents, agents_group, secure_settings.topic_models_control) is None
    assert _join(scorer, secure_settings.consumer_group, secure_settings.topic_incoming) is None


def test_apply_acls_deletes_an_older_tables_overlapping_prefix(secure_stack, secure_settings):
    """A stack secured by the old table kept the scorer's PREFIXED group grant: the scorer
    could join the agents' group until ``apply_acls`` (every ``stack up --secure``) ran."""
    admin = secure_stack.admin(secure_settings)
    group = secure_settings.consumer_group
    old = [AclBinding(ResourceType.GROUP, group, ResourcePatternType.PREFIXED, "User:scorer",
                      "*", op, AclPermissionType.ALLOW)
           for op in (AclOperation.READ, AclOperation.DESCRIBE)]
    for future in admin.create_acls(old, request_timeout=30).values():
        future.result()
    wait_until(lambda: set(old) <= set(admin.describe_acls(ANY, request_timeout=30).result()),
               30, "the old binding on the broker")
    scorer = secure_stack.as_("scorer", secure_settings)
    agents_group = f"{group}-agents"
    wait_until(lambda: _join(scorer, agents_group, secure_settings.topic_models_control) is None,
               60, "the old prefix to let the scorer into the agents' group")
    apply_acls(admin, secure_settings)
    assert not set(old) & set(admin.describe_acls(ANY, request_timeout=30).result())
    wait_until(lambda: _join(scorer, agents_group, secure_settings.topic_models_control)
               is not None, 60, "the scorer refused the agents' group again")


def _ab_config(stack: SecureStack, settings: Settings) -> ServingConfig:
    """An A/B configuration on models.control, signed by the controller's key."""
    agents = stack.as_("agents", settings)
    config = ServingConfig(model_name=settings.model_name, champion_version="1",
                           challenger_version="2", mode=ServingMode.AB, treatment_share=0.5,
                           experiment_id=f"exp-{uuid.uuid4().hex[:8]}", salt="s", sequence=1,
                           actor="operator", updated_at=datetime.now(UTC))
    topic, value = agents.topic_models_control, config.model_dump_json().encode()
    signer = controller_signer(agents)
    assert signer is not None
    produce_one(agents, topic, settings.model_name, value,
                headers=signer.headers(topic, settings.model_name.encode(), value))
    return config


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    env = {**settings_env(settings), "COLUMNS": "250"}
    return subprocess.run([sys.executable, "-m", "streams.cli", *args], env=env,
                          capture_output=True, text=True, timeout=180)


def _own_lines(stderr: str) -> list[str]:
    """stderr without librdkafka's own log lines (``%<level>|...``, another issue's)."""
    return [line for line in stderr.strip().splitlines() if not line.startswith("%")]


VIEWS = [("experiment", "report"), ("experiment", "report", "--json"),
         ("experiment", "shadow-summary"), ("status",), ("models", "history")]


@pytest.mark.parametrize("principal", ["operator", "dashboard"])
def test_read_only_views_work_without_write_grants(secure_stack, secure_settings, principal):
    config = _ab_config(secure_stack, secure_settings)
    who = secure_stack.as_(principal, secure_settings)
    for args in VIEWS:
        done = _cli(who, *args)
        print(principal, " ".join(args), "->", done.returncode, done.stdout[-300:],
              done.stderr[-300:])
        assert done.returncode == 0, (args, done.stderr)
        assert "Traceback" not in done.stderr and "refused" not in done.stdout + done.stderr
    report = _cli(who, "experiment", "report")
    assert config.experiment_id in report.stdout
    admin = secure_stack.as_(ADMIN, secure_settings)
    with TopicReader(admin, admin.topic_experiments_reports) as reader:
        assert list(reader.to_end()) == []  # a view publishes nothing
    client = redis_client(admin.redis_url, 5.0)
    assert client.get(f"leadstream:exp:{config.experiment_id}:report") is None
    client.close()


@pytest.mark.parametrize("principal", ["operator", "dashboard"])
def test_publishing_a_report_is_refused_in_one_line(secure_stack, secure_settings, principal):
    _ab_config(secure_stack, secure_settings)
    done = _cli(secure_stack.as_(principal, secure_settings), "experiment", "report",
                "--publish")
    print(principal, "report --publish:", done.stderr)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    lines = _own_lines(done.stderr)
    assert lines == [f"Error: NotAuthorized: Kafka refused writing "
                     f"{secure_settings.topic_experiments_reports} for User:{principal}"
                     + lines[0].split(f"User:{principal}", 1)[-1]], lines
    admin = secure_stack.as_(ADMIN, secure_settings)
    with TopicReader(admin, admin.topic_experiments_reports) as reader:
        assert list(reader.to_end()) == []


def test_agents_may_publish_a_report(secure_stack, secure_settings):
    config = _ab_config(secure_stack, secure_settings)
    agents = secure_stack.as_("agents", secure_settings)
    done = _cli(agents, "experiment", "report", "--publish", "--json")
    assert done.returncode == 0, done.stderr
    admin = secure_stack.as_(ADMIN, secure_settings)  # agents write reports, never read them
    with TopicReader(admin, admin.topic_experiments_reports) as reader:
        assert [r.key for r in reader.to_end()] == [config.experiment_id.encode()]


def test_a_principal_without_any_write_grant_is_refused_in_one_error(secure_stack,
                                                                     secure_settings):
    """An idempotent producer of a principal with no WRITE anywhere (``dashboard``) is
    refused the producer id (CLUSTER_AUTHORIZATION_FAILED): a NotAuthorized, nothing else."""
    dashboard = secure_stack.as_("dashboard", secure_settings)
    with pytest.raises(NotAuthorized, match="User:dashboard") as refused:
        produce_one(dashboard, dashboard.topic_experiments_reports, "k", b"{}")
    print("dashboard produce:", refused.value)


def test_a_crm_promote_names_the_write_it_was_refused(secure_stack, secure_settings):
    crm = secure_stack.as_("crm", secure_settings)
    done = _cli(crm, "models", "promote", "2")
    print("crm promote:", done.stderr)
    lines = _own_lines(done.stderr)
    assert done.returncode == 1 and len(lines) == 1, lines
    assert f"refused writing {secure_settings.topic_models_control_requests} for User:crm" \
        in lines[0]
