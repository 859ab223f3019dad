"""The ACL table says what issue 10 asks, and the secured broker has no anonymous door."""

from __future__ import annotations

from confluent_kafka.admin import (
    AclBinding,
    AclOperation,
    AclPermissionType,
    ResourcePatternType,
    ResourceType,
)

from streams.kafka.topics import load_registry
from streams.settings import Settings
from streams.stack.acls import (
    PRINCIPALS,
    acl_bindings,
    covers,
    grants,
    load_table,
    overlapping,
)
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


def _own_names(s: Settings) -> dict[str, dict[ResourceType, set[str]]]:
    """The consumer groups and transactional ids each principal runs with under ``s``
    (settings' default names), and the names its own prefix grants stand for; computed
    from the settings and the processes' code, not from the grants under test."""
    agents_group = f"{s.consumer_group}-agents"  # faust's app id (streams/agents/app.py)
    return {
        "scorer": {ResourceType.GROUP: {s.consumer_group},
                   ResourceType.TRANSACTIONAL_ID: {s.transactional_id,
                                                   f"{s.consumer_group}-1"}},
        "agents": {ResourceType.GROUP: {agents_group, f"{agents_group}-2"},
                   ResourceType.TOPIC: {f"{agents_group}-serving-configs-changelog"}},
        "sink": {ResourceType.GROUP: {s.sink_group, f"{s.sink_group}-replay"}},
        "crm": {ResourceType.GROUP: {"leadstream-crm", "leadstream-crm-hubspot"}},
        "dashboard": {ResourceType.GROUP: {"leadstream-dashboard"}},
        "operator": {},
    }


def _overlaps(s: Settings, table: dict | None = None) -> list[str]:
    owned = _own_names(s)
    found = []
    for grant in grants(s, table):
        for other, names in owned.items():
            if other == grant.principal:
                continue
            for resource, taken in names.items():
                found += [f"{grant.principal} {grant.pattern.name} {grant.name!r} covers "
                          f"{other}'s {resource.name} {name!r}"
                          for name in sorted(taken) if covers(grant, resource, name)]
    return found


def test_no_grant_of_one_principal_covers_another_principals_group_or_transactional_id():
    assert set(_own_names(S)) == set(PRINCIPALS)
    assert _overlaps(S) == []


def test_the_overlap_check_sees_a_prefix_that_covers_another_principal():
    """The check itself, on the table as it was: the scorer's group prefix
    `leadstream-scorer` let a scorer credential join the agents' group."""
    table = load_table()
    table["scorer"] = {**table["scorer"], "groups": ["{consumer_group}*"]}
    assert _overlaps(S, table) == [
        "scorer PREFIXED 'leadstream-scorer' covers agents's GROUP 'leadstream-scorer-agents'",
        "scorer PREFIXED 'leadstream-scorer' covers agents's GROUP 'leadstream-scorer-agents-2'"]


def test_each_principal_keeps_its_own_names():
    """The fix must not lock a principal out of its own group or transactional id."""
    mine = {p: {(r, n) for r, names in d.items() for n in names}
            for p, d in _own_names(S).items()}
    for principal, names in mine.items():
        for resource, name in names:
            assert any(g.principal == principal and covers(g, resource, name)
                       for g in grants(S)), (principal, resource.name, name)


def _binding(principal: str, resource: ResourceType, pattern: ResourcePatternType,
             name: str) -> AclBinding:
    return AclBinding(resource, name, pattern, f"User:{principal}", "*", AclOperation.READ,
                      AclPermissionType.ALLOW)


def test_a_stale_prefix_covering_another_principal_is_found_and_the_table_is_clean():
    """What ``apply_acls`` deletes on a stack an older table secured."""
    old = _binding("scorer", ResourceType.GROUP, ResourcePatternType.PREFIXED, S.consumer_group)
    old_tx = _binding("scorer", ResourceType.TRANSACTIONAL_ID, ResourcePatternType.PREFIXED,
                      S.consumer_group)
    fine = [_binding("agents", ResourceType.GROUP, ResourcePatternType.PREFIXED,
                     f"{S.consumer_group}-agents"),
            _binding("sink", ResourceType.GROUP, ResourcePatternType.PREFIXED, S.sink_group),
            _binding("scorer", ResourceType.GROUP, ResourcePatternType.LITERAL, S.consumer_group)]
    assert overlapping([old, old_tx, *fine], S) == [old]  # no one else's transactional id
    assert overlapping(acl_bindings(S), S) == []
    crm_wide = _binding("crm", ResourceType.GROUP, ResourcePatternType.PREFIXED, "leadstream-")
    assert overlapping([crm_wide], S) == [crm_wide]
