"""The ACL table says what issue 10 asks, and the secured broker has no anonymous door."""

from __future__ import annotations

from confluent_kafka.admin import AclOperation, ResourceType

from streams.kafka.topics import load_registry
from streams.settings import Settings
from streams.stack.acls import PRINCIPALS, grants, load_table
from streams.stack.certs import StackCerts
from streams.stack.credentials import ADMIN, StackCredentials
from streams.stack.kafka import server_properties
from streams.stack.kafka_security import secure_properties

S = Settings(_env_file=None)


def _topic_ops(principal: str) -> dict[str, set[AclOperation]]:
    out: dict[str, set[AclOperation]] = {}
    for g in grants(S):
        if g.principal == principal and g.resource == ResourceType.TOPIC:
            out.setdefault(g.name, set()).update(g.ops)
    return out


def _writers(topic: str) -> set[str]:
    return {p for p in PRINCIPALS
            if {AclOperation.WRITE, AclOperation.ALL} & _topic_ops(p).get(topic, set())}


def test_the_principals_are_those_of_the_issue():
    assert set(PRINCIPALS) == {"crm", "scorer", "agents", "operator", "sink", "dashboard"}


def test_crm_writes_only_lead_topics():
    crm = _topic_ops("crm")
    written = {t for t, ops in crm.items() if AclOperation.WRITE in ops}
    assert written == {"leads.incoming", "leads.outcomes"}
    assert AclOperation.READ in crm["leads.scored"]


def test_the_agents_are_the_only_writer_of_the_control_plane_records():
    for topic in ("models.control", "models.audit", "monitor.guardrails", "models.rollback"):
        assert _writers(topic) == {"agents"}, topic
    assert _writers("models.control.requests") == {"operator", "agents"}  # agents: auto-promote
    assert _writers("leads.scored") == {"scorer"}


def test_dashboard_only_reads():
    assert all(ops <= {AclOperation.READ, AclOperation.DESCRIBE}
               for ops in _topic_ops("dashboard").values())


def test_every_table_topic_is_registered_and_every_topic_has_a_writer():
    registered = set(load_registry())
    named = {t for rules in load_table().values() for k in ("read", "write")
             for t in rules.get(k, [])}
    assert named - registered == set()
    assert [t for t in sorted(registered) if not _writers(t)] == []


def test_secured_broker_properties(tmp_path):
    creds = StackCredentials({ADMIN: "a" * 48, **dict.fromkeys(PRINCIPALS, "b" * 48)}, "c" * 48)
    certs = StackCerts(tmp_path / "ca.pem", tmp_path / "ca-key.pem", tmp_path / "broker.pem")
    props = dict(line.split("=", 1) for line in
                 server_properties(S, secure_properties(S, creds, certs)).splitlines())
    assert props["super.users"] == "User:admin"
    assert props["allow.everyone.if.no.acl.found"] == "false"
    assert "PLAINTEXT" not in props["listener.security.protocol.map"].replace(
        "SASL_PLAINTEXT", "")
    assert props["listeners"].startswith(f"SASL_SSL://127.0.0.1:{S.kafka_port},")
    assert f"CONTROLLER://127.0.0.1:{S.kafka_port + 1}" in props["listeners"]
