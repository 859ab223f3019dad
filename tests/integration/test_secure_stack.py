"""The secured stack refuses what it must and still scores end to end.

Kafka: SASL_SSL (SCRAM-SHA-512) with ACLs from ``streams/stack/acls.toml``; Redis: one ACL
user per principal (``streams/stack/redis_acls.toml``), default user off. Each refusal is
checked on the real broker or Redis, with its error text, and with a positive control (the
right principal can do the same thing).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from confluent_kafka import KafkaError, KafkaException
from pydantic import SecretStr

from schemas.control import ControlAction, ControlRequest
from schemas.errors import RetryableError
from streams.control.client import submit
from streams.kafka.auth import NotAuthorized
from streams.kafka.reader import Record, TopicReader, produce_one
from streams.redact import secret_values
from streams.settings import Settings
from streams.stack.acls import ANY, acl_bindings, apply_acls
from streams.stack.children import settings_env
from streams.stack.credentials import ADMIN, REDIS_USER
from streams.stack.kafka import log_file
from tests.integration.fate import check_fates
from tests.integration.helpers import (
    ScorerProcess,
    make_traffic,
    produce,
    train_champion,
    wait_until,
)
from tests.integration.secure_stack import SecureStack

REFUSE_S = 8.0
NEW_TOPIC_ERRORS = {KafkaError.NOT_LEADER_FOR_PARTITION, KafkaError.UNKNOWN_TOPIC_OR_PART,
                    KafkaError.LEADER_NOT_AVAILABLE}


def _records(stack: SecureStack, settings: Settings, topic: str) -> list[Record]:
    """Every record of ``topic``, read as the super user."""
    return _read(stack.as_(ADMIN, settings), topic)


def _read(settings: Settings, topic: str) -> list[Record]:
    """Every committed record of ``topic`` as ``settings``' principal (retried while a new
    topic's partitions are still getting their leader)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            with TopicReader(settings, topic) as reader:
                return list(reader.to_end())
        except KafkaException as exc:
            err = exc.args[0]
            if (not err.retriable() and err.code() not in NEW_TOPIC_ERRORS) \
                    or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _broker_says(stack: SecureStack, text: str) -> int:
    return log_file(stack.settings).read_text(errors="replace").count(text)


def test_a_client_without_credentials_is_refused(secure_stack, secure_settings):
    tls_only = secure_settings.model_copy(update={
        "security_protocol": "SSL", "ssl_ca_location": secure_stack.as_("crm").ssl_ca_location})
    why = "Unexpected Kafka request of type METADATA during SASL handshake"
    before = _broker_says(secure_stack, why)
    with pytest.raises(RetryableError, match="did not finish") as refused:
        produce_one(tls_only, tls_only.topic_incoming, "k", b"{}", timeout_s=REFUSE_S)
    print("no credentials:", refused.value)
    wait_until(lambda: _broker_says(secure_stack, why) > before, 10, f"the broker log: {why}")
    assert _records(secure_stack, secure_settings, secure_settings.topic_incoming) == []


def test_plaintext_to_the_sasl_ssl_port_is_refused(secure_stack, secure_settings):
    assert secure_settings.security_protocol == "PLAINTEXT"
    why = "Failed authentication with /127.0.0.1"
    before = _broker_says(secure_stack, why)
    with pytest.raises(RetryableError, match="did not finish") as refused:
        produce_one(secure_settings, secure_settings.topic_incoming, "k", b"{}",
                    timeout_s=REFUSE_S)
    print("plaintext:", refused.value)
    wait_until(lambda: _broker_says(secure_stack, why) > before, 10, f"the broker log: {why}")
    assert _records(secure_stack, secure_settings, secure_settings.topic_incoming) == []


def test_a_wrong_password_is_refused_with_the_reason(secure_stack, secure_settings):
    wrong = secure_stack.as_("crm", secure_settings).model_copy(
        update={"sasl_password": SecretStr("not-the-password")})
    with pytest.raises(NotAuthorized, match="invalid credentials") as refused:
        produce_one(wrong, wrong.topic_incoming, "k", b"{}", timeout_s=REFUSE_S)
    print("wrong password:", refused.value)
    assert "not-the-password" not in str(refused.value)
    crm = secure_stack.as_("crm", secure_settings)
    produce_one(crm, crm.topic_incoming, "k", b"{}")  # the right password gets in
    assert len(_records(secure_stack, secure_settings, secure_settings.topic_incoming)) == 1


@pytest.mark.parametrize("topic_field", ["topic_models_control_requests",
                                         "topic_models_control"])
def test_crm_cannot_write_the_control_plane(secure_stack, secure_settings, topic_field):
    crm = secure_stack.as_("crm", secure_settings)
    topic = getattr(secure_settings, topic_field)
    with pytest.raises(NotAuthorized, match="TOPIC_AUTHORIZATION_FAILED") as refused:
        produce_one(crm, topic, "lead-scoring", b'{"sequence": 4611686018427387904}')
    print(f"crm -> {topic}:", refused.value)
    assert f"writing {topic}" in str(refused.value) and "User:crm" in str(refused.value)
    assert _records(secure_stack, secure_settings, topic) == []  # nothing applied


def test_crm_cannot_submit_a_control_request(secure_stack, secure_settings):
    crm = secure_stack.as_("crm", secure_settings)
    request = ControlRequest(request_id=uuid.uuid4().hex, model_name=crm.model_name,
                             action=ControlAction.PROMOTE_VERSION, version="1", actor="mallory",
                             requested_at=datetime.now(UTC))
    with pytest.raises(NotAuthorized, match="TOPIC_AUTHORIZATION_FAILED"):
        submit(crm, request, timeout_s=5)
    assert _records(secure_stack, secure_settings,
                    secure_settings.topic_models_control_requests) == []


def test_the_granted_writers_of_the_control_plane_can_write(secure_stack, secure_settings):
    operator = secure_stack.as_("operator", secure_settings)
    agents = secure_stack.as_("agents", secure_settings)
    produce_one(operator, operator.topic_models_control_requests, "m", b"{}")
    produce_one(agents, agents.topic_models_control, "m", b"{}")
    with pytest.raises(NotAuthorized):
        produce_one(operator, operator.topic_models_control, "m", b"{}")
    assert len(_records(secure_stack, secure_settings,
                        secure_settings.topic_models_control_requests)) == 1
    assert len(_records(secure_stack, secure_settings, secure_settings.topic_models_control)) == 1


def test_redis_refuses_an_unauthenticated_client(secure_stack):
    port = secure_stack.settings.redis_port
    anonymous = redis.Redis(host="127.0.0.1", port=port, socket_timeout=5)
    with pytest.raises(redis.AuthenticationError) as refused:
        anonymous.ping()
    print("redis without auth:", refused.value)
    wrong = redis.Redis(host="127.0.0.1", port=port, username=REDIS_USER, password="nope",
                        socket_timeout=5)
    with pytest.raises(redis.AuthenticationError):
        wrong.ping()
    user = redis.Redis.from_url(secure_stack.as_("scorer").redis_url, socket_timeout=5)
    assert user.set("leadstream:dedup:probe", "1", ex=60)
    assert user.get("leadstream:dedup:probe") == b"1"
    with pytest.raises(redis.exceptions.NoPermissionError):
        user.set("elsewhere", "1")  # the ACL user is limited to leadstream:* keys
    with pytest.raises(redis.exceptions.NoPermissionError):
        user.get("leadstream:sink:delivered:probe")  # and to the scorer's own structures
    for client in (anonymous, wrong, user):
        client.close()


def test_scorer_end_to_end_on_the_secured_stack(secure_stack, secure_settings, tmp_path: Path):
    crm, scorer = secure_stack.as_("crm", secure_settings), secure_stack.as_("scorer",
                                                                             secure_settings)
    trained = train_champion(secure_settings)
    sent, frame = make_traffic(400, secure_settings, bad_share=0.1)
    where = produce(crm, sent)
    log = tmp_path / "scorer.log"
    with ScorerProcess(scorer, log, "--max-events", str(len(sent))) as proc:
        assert proc.wait(180) == 0, proc.tail()
    scored = _read(crm, crm.topic_scored)
    dead = _records(secure_stack, secure_settings, crm.topic_deadletter)
    sources = sorted((json.loads(r.value)["source_partition"], json.loads(r.value)["source_offset"])
                     for r in scored + dead)
    assert sources == sorted(where), "exactly one output per input"
    assert len(scored) == sum(1 for s in sent if s.reason is None)
    check_fates(secure_stack.as_(ADMIN, secure_settings), where, frame, {"1": trained})
    text = log.read_text()
    leaked = [s for s in secret_values(scorer) | {secure_stack.creds.redis,
                                                  *secure_stack.creds.redis_users.values()}
              if s in text]
    assert leaked == [], "a configured secret is in the scorer's log"


def test_a_scorer_with_the_wrong_principal_stops_with_the_refusal(
        secure_stack, secure_settings, tmp_path: Path):
    train_champion(secure_settings)
    as_crm = secure_stack.as_("crm", secure_settings)  # crm may not read leads.incoming
    log = tmp_path / "scorer.log"
    with ScorerProcess(as_crm, log, "--max-events", "1") as proc:
        code = proc.wait(120)
    text = log.read_text()
    print("scorer as crm:", text[-600:])
    assert code != 0
    assert "AUTHORIZATION_FAILED" in text and "acls.toml" in text


def test_the_acl_table_is_applied_idempotently(secure_stack, secure_settings):
    admin = secure_stack.admin(secure_settings)
    before = admin.describe_acls(ANY, request_timeout=30).result()
    assert apply_acls(admin, secure_settings) == len(set(acl_bindings(secure_settings)))
    after = admin.describe_acls(ANY, request_timeout=30).result()
    assert len(after) == len(before) and set(after) == set(before)


def test_no_password_in_the_stack_logs(secure_stack):
    """The broker's and Redis' own logs (after this session's refusals and runs)."""
    secrets = [*secure_stack.creds.kafka.values(), secure_stack.creds.redis,
               *secure_stack.creds.redis_users.values()]
    logs = [p for p in secure_stack.settings.stack_dir.rglob("*")
            if p.is_file() and p.suffix in (".log", ".out")]
    assert len(logs) >= 3  # kafka.log, kafka.out, redis.log
    for path in logs:
        text = path.read_text(errors="replace")
        assert not [s for s in secrets if s in text], path


def test_cli_on_the_secured_stack_prints_no_secret(secure_stack, secure_settings):
    """``stack status``, ``config`` and ``models show`` as the operator, run as processes."""
    operator = secure_stack.as_("operator", secure_settings)
    env = {**settings_env(operator), "COLUMNS": "250"}
    secrets = [*secure_stack.creds.kafka.values(), secure_stack.creds.redis,
               *secure_stack.creds.redis_users.values()]
    outputs = {}
    for args in (["stack", "status"], ["config"], ["models", "show"]):
        done = subprocess.run([sys.executable, "-m", "streams.cli", *args], env=env,
                              capture_output=True, text=True, timeout=120)
        outputs[" ".join(args)] = done.stdout + done.stderr
    assert "SASL_SSL://127.0.0.1" in outputs["stack status"]
    assert "running" in outputs["stack status"]  # checked as admin over SASL_SSL
    assert "redis://operator:***@127.0.0.1" in outputs["config"]  # its own Redis user
    for args, text in outputs.items():
        assert not [s for s in secrets if s in text], args


def test_every_file_holding_a_secret_is_private(secure_stack):
    stack = secure_stack.settings.stack_dir
    private = [stack / "secure" / "credentials.json", stack / "secure" / "ca-key.pem",
               stack / "secure" / "broker.pem", stack / "kafka" / "server.properties",
               stack / "redis" / "users.acl", *sorted((stack / "secure").glob("*.env"))]
    assert len(private) == 5 + 7  # admin and the six principals have an env file each
    modes = {p.name: oct(p.stat().st_mode & 0o777) for p in private}
    assert set(modes.values()) == {"0o600"}, modes
