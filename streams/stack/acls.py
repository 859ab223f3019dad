"""The ACLs of the secured stack, from the one declarative table ``acls.toml``.

:func:`acl_bindings` turns the table into Kafka ACL bindings under given settings (topic
names resolved through the topic registry, so renamed topics stay covered; a group or
transactional id is literal unless it ends in ``*``; :func:`covers` says whether a grant
applies to a name, as the broker decides);
:func:`apply_acls` creates them. CreateAcls is idempotent: applying the same table twice
changes nothing, so ``stack up --secure`` applies it on every start, and returns only once
the broker enforces every binding (a process started next is not refused by a lag). A
prefixed binding an older table made that covers another principal's group or transactional
id is deleted on the way (:func:`overlapping`).
"""

from __future__ import annotations

import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from confluent_kafka.admin import (
    AclBinding,
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    AdminClient,
    ResourcePatternType,
    ResourceType,
)

from streams.kafka.topics import load_registry, topic_name
from streams.settings import Settings
from streams.stack.process import ServiceError

TABLE = Path(__file__).with_name("acls.toml")
SHARED = "all"
"""The table's section granted to every principal."""
PREFIX_MARK = "*"
"""A group or transactional id ending in it is a prefix; any other is a literal name."""

ANY = AclBindingFilter(ResourceType.ANY, None, ResourcePatternType.ANY, None, None,
                       AclOperation.ANY, AclPermissionType.ANY)
_R, _W, _D = AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE
_OPS = {"read": (_R, _D), "write": (_W, _D), "groups": (_R, _D),
        "transactional_ids": (_W, _D), "topic_prefixes": (AclOperation.ALL,)}


@dataclass(frozen=True)
class Grant:
    """One line of the table: a principal may do ``ops`` on a resource."""

    principal: str
    resource: ResourceType
    pattern: ResourcePatternType
    name: str
    ops: tuple[AclOperation, ...]


def load_table(path: Path = TABLE) -> dict[str, dict[str, list[str]]]:
    return tomllib.loads(path.read_text())


PRINCIPALS: tuple[str, ...] = tuple(p for p in load_table() if p != SHARED)
"""The Kafka principals of leadstream (``User:<name>``), in table order."""


def _topic(settings: Settings, registry_name: str) -> str:
    spec = load_registry().get(registry_name)
    return topic_name(settings, spec) if spec is not None else registry_name


def grants(settings: Settings, table: dict[str, dict[str, list[str]]] | None = None
           ) -> list[Grant]:
    """Every grant of the table under ``settings``."""
    table = load_table() if table is None else table
    subst = {"consumer_group": settings.consumer_group, "sink_group": settings.sink_group}
    out: list[Grant] = []
    for principal, rules in table.items():
        if principal == SHARED:
            continue
        for kind in _OPS:
            for entry in [*table.get(SHARED, {}).get(kind, []), *rules.get(kind, [])]:
                out.append(_grant(settings, principal, kind, entry.format(**subst)))
    return out


def _grant(settings: Settings, principal: str, kind: str, name: str) -> Grant:
    ops = _OPS[kind]
    if kind in ("read", "write"):
        return Grant(principal, ResourceType.TOPIC, ResourcePatternType.LITERAL,
                     _topic(settings, name), ops)
    if kind == "topic_prefixes":
        return Grant(principal, ResourceType.TOPIC, ResourcePatternType.PREFIXED, name, ops)
    resource = ResourceType.GROUP if kind == "groups" else ResourceType.TRANSACTIONAL_ID
    if name.endswith(PREFIX_MARK):
        return Grant(principal, resource, ResourcePatternType.PREFIXED,
                     name.removesuffix(PREFIX_MARK), ops)
    return Grant(principal, resource, ResourcePatternType.LITERAL, name, ops)


def covers(grant: Grant, resource: ResourceType, name: str) -> bool:
    """True if ``grant`` applies to the resource ``name`` (as the broker matches it)."""
    if grant.resource != resource:
        return False
    if grant.pattern == ResourcePatternType.PREFIXED:
        return name.startswith(grant.name)
    return name == grant.name


def acl_bindings(settings: Settings) -> list[AclBinding]:
    return [AclBinding(g.resource, g.name, g.pattern, f"User:{g.principal}", "*", op,
                       AclPermissionType.ALLOW)
            for g in grants(settings) for op in g.ops]


def owned_names(settings: Settings) -> dict[ResourceType, dict[str, set[str]]]:
    """The consumer groups and transactional ids leadstream's processes use, by principal."""
    return {ResourceType.GROUP: {"scorer": {settings.consumer_group},
                                 "agents": {f"{settings.consumer_group}-agents"},  # faust
                                 "sink": {settings.sink_group}},
            ResourceType.TRANSACTIONAL_ID: {"scorer": {settings.transactional_id}}}


def overlapping(bindings: list[AclBinding], settings: Settings) -> list[AclBinding]:
    """Prefixed group or transactional-id bindings that cover another principal's name (an
    older table's scorer prefix ``leadstream-scorer`` covered the agents' group)."""
    owned, out = owned_names(settings), []
    for b in bindings:
        if b.resource_pattern_type != ResourcePatternType.PREFIXED or b.restype not in owned:
            continue
        mine = b.principal.removeprefix("User:")
        if any(n.startswith(b.name) for who, names in owned[b.restype].items() if who != mine
               for n in names):
            out.append(b)
    return out


def apply_acls(admin: AdminClient, settings: Settings, timeout_s: float = 30.0) -> int:
    """Create every ACL of the table (idempotent), delete bindings an older table left that
    let one principal use another's group or transactional id (:func:`overlapping`), and
    wait until the broker's authorizer enforces it all; returns how many bindings there are."""
    bindings = list(dict.fromkeys(acl_bindings(settings)))
    for future in admin.create_acls(bindings, request_timeout=timeout_s).values():
        future.result()
    stale = overlapping(admin.describe_acls(ANY, request_timeout=timeout_s).result(), settings)
    if stale:
        filters = [AclBindingFilter(b.restype, b.name, b.resource_pattern_type, b.principal,
                                    b.host, b.operation, b.permission_type) for b in stale]
        for future in admin.delete_acls(filters, request_timeout=timeout_s).values():
            future.result()
    deadline = time.monotonic() + timeout_s
    while True:
        found = set(admin.describe_acls(ANY, request_timeout=timeout_s).result())
        if set(bindings) <= found and not found & set(stale):
            return len(bindings)
        if time.monotonic() > deadline:
            raise ServiceError(f"the broker did not show the ACLs within {timeout_s:.0f}s")
        time.sleep(0.2)
