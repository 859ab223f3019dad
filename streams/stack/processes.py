"""Which leadstream processes run against the stack, read from Kafka (``stack status``).

Every long-running leadstream process consumes in a consumer group: the scorers in
``consumer_group``, the agents in ``<consumer_group>-agents`` (faust), the sink in
``sink_group``. A group with members is a process running now, wherever it was started
(a terminal, the demo, another machine); its state and assigned partitions say whether it
works (``consuming``) or is between owners (``rebalancing``). Read-only: it lists and
describes groups, never joins one, as the stack's own admin (the super user of a secured
stack), like the rest of ``stack status``. The CLI's throw-away reader groups are left out;
a group Kafka refuses to describe is ``unknown``, never "not running".
"""

from __future__ import annotations

from dataclasses import dataclass

from confluent_kafka import ConsumerGroupState, KafkaException
from confluent_kafka.admin import AdminClient

from streams.kafka.auth import is_refusal
from streams.kafka.client_log import client_log
from streams.settings import Settings
from streams.stack.kafka import admin_config

UNKNOWN = object()
"""A group Kafka would not describe to us (ACLs)."""
THROWAWAY = ("leadstream-tail-", "leadstream-reader-")
"""Group prefixes of the CLI's one-off readers (``tail``, ``status``, the control client)."""


@dataclass(frozen=True)
class GroupProcess:
    """The processes of one consumer group (``members`` 0: none runs)."""

    role: str
    group: str
    state: str
    members: int
    """How many run (-1: unknown, Kafka refused to describe the group)."""
    partitions: int
    clients: tuple[str, ...] = ()

    @property
    def health(self) -> str:
        if self.members < 0:
            return "unknown: not authorized to describe the group"
        if self.members == 0:
            return "not running"
        if self.state != ConsumerGroupState.STABLE.name.lower():
            return self.state.replace("_", " ")
        return "consuming" if self.partitions else "running, no partition assigned"


def roles(settings: Settings) -> dict[str, str]:
    """The consumer group of each kind of leadstream process."""
    return {"scorer": settings.consumer_group, "agents": f"{settings.consumer_group}-agents",
            "sink": settings.sink_group}


def running_processes(settings: Settings, timeout_s: float = 5.0) -> list[GroupProcess]:
    """Scorer, agents and sink (each listed, running or not), then any other non-empty
    group on the cluster. Raises :class:`KafkaException` when Kafka cannot be asked."""
    admin = AdminClient({**admin_config(settings), **client_log()})
    listed = admin.list_consumer_groups(request_timeout=timeout_s).result(timeout_s)
    names = sorted(g.group_id for g in listed.valid if not g.group_id.startswith(THROWAWAY))
    described: dict[str, object] = {}
    if names:
        futures = admin.describe_consumer_groups(names, request_timeout=timeout_s)
        for name, future in futures.items():
            try:
                described[name] = future.result(timeout_s)
            except KafkaException as exc:
                if _refused(exc):
                    described[name] = UNKNOWN
    if any(_refused(e) for e in getattr(listed, "errors", [])):
        described = {**dict.fromkeys(roles(settings).values(), UNKNOWN), **described}
    known = roles(settings)
    out = [_process(role, group, described.get(group)) for role, group in known.items()]
    out += [_process("other", name, group) for name, group in described.items()
            if name not in known.values() and group is not UNKNOWN
            and group.members]  # type: ignore[attr-defined]
    return out


def _refused(error: object) -> bool:
    """A refusal by the broker's ACLs, as a KafkaException or the KafkaError it carries."""
    if isinstance(error, KafkaException) and error.args:
        error = error.args[0]
    return hasattr(error, "code") and is_refusal(error)  # type: ignore[arg-type]


def _process(role: str, name: str, group: object | None) -> GroupProcess:
    if group is None:
        return GroupProcess(role, name, "absent", 0, 0)
    if group is UNKNOWN:
        return GroupProcess(role, name, "unknown", -1, 0)
    members = list(group.members)  # type: ignore[attr-defined]
    state = group.state.name.lower()  # type: ignore[attr-defined]
    partitions = sum(len(m.assignment.topic_partitions) for m in members if m.assignment)
    clients = tuple(sorted({f"{m.client_id}@{m.host.lstrip('/')}" for m in members}))
    return GroupProcess(role, name, state, len(members), partitions, clients)
