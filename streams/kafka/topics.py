"""Topics of leadstream, created idempotently from the registry in ``schemas.topics``.

Every registered topic is created, whatever issue registered it. Names, partitions and
configs come from the registry, overridden by settings where a setting exists (the
retention of every topic holding lead data: :data:`RETENTION_SETTINGS`); a topic is
renamed by its entry in ``LEADSTREAM_TOPICS`` (:mod:`streams.settings.topics`). Existing
topics get their configs set again; their partition count is never changed (it would move
keys between partitions) but a shortfall is reported.
"""

from __future__ import annotations

import importlib
import pkgutil
import time
from collections.abc import Callable
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


def topic_name(settings: Settings, spec: TopicSpec) -> str:
    """The name in force: the registry's, unless ``LEADSTREAM_TOPICS`` maps it."""
    return settings.topic(spec)


def suffixed_topics(settings: Settings, suffix: str) -> dict[str, str]:
    """A ``topics`` map that renames every registered topic to its name in force plus
    ``.suffix`` (fresh topics for a test or a benchmark run)."""
    return {name: f"{topic_name(settings, spec)}.{suffix}"
            for name, spec in sorted(load_registry().items())}


def topic_partitions(settings: Settings, spec: TopicSpec) -> int:
    if spec.name in SAME_PARTITIONS_AS_INCOMING:
        return settings.incoming_partitions
    return spec.partitions


RETENTION_SETTINGS: dict[str, Callable[[Settings], int]] = {
    "leads.incoming": lambda s: s.lead_retention_days,
    "leads.scored": lambda s: s.lead_retention_days,
    "leads.deadletter": lambda s: s.deadletter_retention_days,
    "leads.outcomes.deadletter": lambda s: s.deadletter_retention_days,
    "scores.shadow": lambda s: s.shadow_retention_days,
    "leads.outcomes": lambda s: s.outcomes_retention_days,
    "sink.deadletter": lambda s: s.sink_deadletter_retention_days,
}
"""Topics holding lead data → the setting (days) of their ``retention.ms``."""


def topic_config(settings: Settings, spec: TopicSpec) -> dict[str, str]:
    config = dict(spec.config)
    if spec.name in RETENTION_SETTINGS:
        config["retention.ms"] = str(RETENTION_SETTINGS[spec.name](settings) * DAY_MS)
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
