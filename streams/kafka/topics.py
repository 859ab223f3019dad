"""Topics of leadstream, created idempotently from the registry in ``schemas.topics``.

Every registered topic is created, whatever issue registered it. Names, partitions and
configs come from the registry, overridden by settings where a setting exists (the
retention of every topic holding lead data: :data:`RETENTION_SETTINGS`): a topic
``a.b`` is renamed by the field ``topic_a_b`` or, failing that, ``topic_b`` (so
``leads.incoming`` ↔ ``topic_incoming``). Existing topics get their configs set again; their
partition count is never changed (it would move keys between partitions) but a shortfall is
reported.
"""

from __future__ import annotations

import importlib
import pkgutil
import time
from dataclasses import dataclass

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import (
    AdminClient,
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    NewTopic,
)

import schemas
from schemas.topics import DAY_MS, REGISTRY, TopicSpec
from streams.kafka.client_log import client_log
from streams.settings import Settings

SAME_PARTITIONS_AS_INCOMING = {"leads.incoming", "leads.scored"}


@dataclass(frozen=True)
class TopicPlan:
    """A topic as it should exist on the cluster."""

    registry_name: str
    name: str
    partitions: int
    config: dict[str, str]


def load_registry() -> dict[str, TopicSpec]:
    """Import every module of ``schemas`` so each ``register()`` call has run."""
    for mod in pkgutil.iter_modules(schemas.__path__):
        importlib.import_module(f"schemas.{mod.name}")
    return REGISTRY


def setting_field(spec: TopicSpec) -> str | None:
    """The Settings field that names this topic, if there is one."""
    slug = spec.name.replace(".", "_").replace("-", "_")
    last = spec.name.rsplit(".", 1)[-1].replace("-", "_")
    for field in (f"topic_{slug}", f"topic_{last}"):
        if field in Settings.model_fields:
            return field
    return None


def topic_name(settings: Settings, spec: TopicSpec) -> str:
    field = setting_field(spec)
    return str(getattr(settings, field)) if field else spec.name


def topic_partitions(settings: Settings, spec: TopicSpec) -> int:
    if spec.name in SAME_PARTITIONS_AS_INCOMING:
        return settings.incoming_partitions
    return spec.partitions


RETENTION_SETTINGS: dict[str, str] = {
    "leads.incoming": "lead_retention_days",
    "leads.scored": "lead_retention_days",
    "leads.deadletter": "deadletter_retention_days",
    "leads.outcomes.deadletter": "deadletter_retention_days",
    "scores.shadow": "shadow_retention_days",
    "leads.outcomes": "outcomes_retention_days",
    "sink.deadletter": "sink_deadletter_retention_days",
}
"""Topics holding lead data → the setting (days) of their ``retention.ms``."""


def topic_config(settings: Settings, spec: TopicSpec) -> dict[str, str]:
    config = dict(spec.config)
    if spec.name in RETENTION_SETTINGS:
        days = getattr(settings, RETENTION_SETTINGS[spec.name])
        config["retention.ms"] = str(days * DAY_MS)
    return config


def plan_topics(settings: Settings) -> list[TopicPlan]:
    """Every registered topic with its name, partitions and configs under these settings."""
    return [TopicPlan(spec.name, topic_name(settings, spec), topic_partitions(settings, spec),
                      topic_config(settings, spec))
            for spec in sorted(load_registry().values(), key=lambda s: s.name)]


def _create(admin: AdminClient, plans: list[TopicPlan], timeout_s: float) -> dict[str, str]:
    new = [NewTopic(p.name, num_partitions=p.partitions, config=p.config) for p in plans]
    futures = admin.create_topics(new, operation_timeout=timeout_s, request_timeout=timeout_s)
    outcome: dict[str, str] = {}
    for name, future in futures.items():
        try:
            future.result()
            outcome[name] = "created"
        except KafkaException as exc:
            err: KafkaError = exc.args[0]
            if err.code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise
            outcome[name] = "exists"
    return outcome


def _reconcile(admin: AdminClient, plans: list[TopicPlan], timeout_s: float) -> dict[str, str]:
    """Set configs again on existing topics; report any with fewer partitions than planned."""
    notes: dict[str, str] = {}
    meta = admin.list_topics(timeout=timeout_s).topics
    resources = []
    for p in plans:
        have = len(meta[p.name].partitions) if p.name in meta else 0
        if have < p.partitions:
            notes[p.name] = f"exists with {have} partitions (settings ask for {p.partitions})"
        entries = [ConfigEntry(k, v, incremental_operation=AlterConfigOpType.SET)
                   for k, v in p.config.items()]
        if entries:
            resources.append(ConfigResource(ConfigResource.Type.TOPIC, p.name,
                                            incremental_configs=entries))
    if resources:
        for future in admin.incremental_alter_configs(resources,
                                                      request_timeout=timeout_s).values():
            future.result()
    return notes


def ensure_topics(settings: Settings, timeout_s: float = 30.0) -> dict[str, str]:
    """Create every registered topic that is missing; return ``{name: what happened}``.

    Retries transient broker errors (a broker still starting) until ``timeout_s``.
    """
    plans = plan_topics(settings)
    admin = AdminClient({**settings.kafka_config(), **client_log()})
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            outcome = _create(admin, plans, timeout_s)
            existing = [p for p in plans if outcome[p.name] == "exists"]
            outcome.update(_reconcile(admin, existing, timeout_s) if existing else {})
            return outcome
        except KafkaException as exc:
            err: KafkaError = exc.args[0]
            if not err.retriable() or time.monotonic() > deadline:
                raise
            time.sleep(0.5)
