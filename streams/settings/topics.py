"""Topic names, partitions and retention: shared by every process.

A topic's name is its name in the registry (:mod:`schemas.topics`, e.g. ``leads.incoming``)
unless ``LEADSTREAM_TOPICS`` maps it to another one:
``LEADSTREAM_TOPICS='{"leads.incoming": "crm.leads"}'``. Code reads a name as
``settings.topic(SPEC)`` or by its attribute (``settings.topic_incoming``), each attribute
declared below with the registry name it stands for. The per-topic variables of 0.1
(``LEADSTREAM_TOPIC_INCOMING``, ...) are refused with the map entry that replaces them.
"""

from __future__ import annotations

import json
import os
from typing import Any

from pydantic import Field, field_validator, model_validator

from schemas.topics import TopicSpec, all_topics
from streams.settings.part import SettingsPart


class TopicName(property):
    """A read-only attribute for one registered topic: its name in force."""

    def __init__(self, registry_name: str):
        if registry_name not in all_topics():
            raise LookupError(f"{registry_name!r} is not a registered topic")
        self.registry_name = registry_name
        super().__init__(lambda settings: settings.topic(registry_name),
                         doc=f"The name of ``{registry_name}`` in force.")


class TopicSettings(SettingsPart):
    """Every topic's name (one override map), partitions of the lead topics, retention."""

    topics: dict[str, str] = Field(default_factory=dict)
    """Topics renamed from their registry name, as JSON: ``{"leads.incoming": "crm.leads"}``
    (the registry names: ``docs/reference/topics.md``; unlisted topics keep theirs)."""
    incoming_partitions: int = Field(6, ge=1)
    """Partitions of ``leads.incoming`` (and of ``leads.scored``) when created."""
    lead_retention_days: int = Field(7, ge=1)
    """Kafka retention of ``leads.incoming`` and ``leads.scored``, in days."""
    shadow_retention_days: int = Field(30, ge=1)
    """Kafka retention of ``scores.shadow`` (champion vs challenger score per lead)."""
    outcomes_retention_days: int = Field(365, ge=1)
    """Kafka retention of ``leads.outcomes`` (conversions per lead from the CRM)."""
    deadletter_retention_days: int = Field(365, ge=1)
    """Kafka retention of the dead-letter topics of lead data (``leads.deadletter``,
    ``leads.outcomes.deadletter``), in days."""
    sink_deadletter_retention_days: int = Field(30, ge=1)
    """Kafka retention of ``sink.deadletter`` (scores the CRM refused)."""

    def topic(self, spec: TopicSpec | str) -> str:
        """The name in force of a registered topic (its spec or registry name)."""
        name = spec if isinstance(spec, str) else spec.name
        return self.topics.get(name, name)

    @field_validator("topics")
    @classmethod
    def _registered(cls, topics: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(topics) - set(all_topics()))
        if unknown:
            raise ValueError(f"LEADSTREAM_TOPICS names {', '.join(unknown)}: not a topic of "
                             f"leadstream (the registry: {', '.join(sorted(all_topics()))})")
        return topics

    @model_validator(mode="before")
    @classmethod
    def _no_per_topic_names(cls, data: Any) -> Any:
        """0.1's per-topic settings are gone: say which map entry replaces each."""
        given = {f"LEADSTREAM_{k.upper()}": v for k, v in dict(data).items()
                 if isinstance(k, str) and k.lower() in TOPIC_ATTRIBUTES}
        given.update({k.upper(): v for k, v in os.environ.items()
                      if k.upper().removeprefix("LEADSTREAM_").lower() in TOPIC_ATTRIBUTES
                      and k.upper().startswith("LEADSTREAM_")})
        if given:
            wanted = {TOPIC_ATTRIBUTES[k.removeprefix("LEADSTREAM_").lower()]: str(v)
                      for k, v in sorted(given.items())}
            raise ValueError(f"{', '.join(sorted(given))}: topic names are one map now; set "
                             f"LEADSTREAM_TOPICS='{json.dumps(wanted)}' instead")
        return data

    # --- the name in force of each topic, by attribute --------------------------------------
    topic_incoming = TopicName("leads.incoming")
    topic_scored = TopicName("leads.scored")
    topic_deadletter = TopicName("leads.deadletter")
    topic_leads_outcomes = TopicName("leads.outcomes")
    topic_leads_outcomes_deadletter = TopicName("leads.outcomes.deadletter")
    topic_scores_shadow = TopicName("scores.shadow")
    topic_experiments_reports = TopicName("experiments.reports")
    topic_models_control = TopicName("models.control")
    topic_models_control_requests = TopicName("models.control.requests")
    topic_models_control_requests_deadletter = TopicName("models.control.requests.deadletter")
    topic_models_audit = TopicName("models.audit")
    topic_models_rollback = TopicName("models.rollback")
    topic_models_rollback_deadletter = TopicName("models.rollback.deadletter")
    topic_models_progression = TopicName("models.progression")
    topic_models_alerts = TopicName("models.alerts")
    topic_models_retrain = TopicName("models.retrain")
    topic_monitor_samples = TopicName("monitor.samples")
    topic_monitor_samples_deadletter = TopicName("monitor.samples.deadletter")
    topic_monitor_drift = TopicName("monitor.drift")
    topic_monitor_performance = TopicName("monitor.performance")
    topic_monitor_guardrails = TopicName("monitor.guardrails")
    topic_monitor_windows = TopicName("monitor.windows")
    topic_privacy_requests = TopicName("privacy.requests")
    topic_privacy_requests_deadletter = TopicName("privacy.requests.deadletter")
    topic_sink_deadletter = TopicName("sink.deadletter")


TOPIC_ATTRIBUTES: dict[str, str] = {
    attr: value.registry_name for attr, value in vars(TopicSettings).items()
    if isinstance(value, TopicName)
}
"""Attribute (and 0.1 setting) → registry name, e.g. ``topic_incoming`` → ``leads.incoming``."""
