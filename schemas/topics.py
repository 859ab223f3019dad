"""The topic registry: every topic's default name, key, partitions, configs and contract."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from pydantic import BaseModel

from schemas.leads import DeadLetter, IncomingLead
from schemas.scored import ScoredLead

DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class TopicSpec:
    """One topic: its default name, what keys it, how it is laid out, and its contract."""

    name: str
    key: str
    partitions: int
    contract: type[BaseModel]
    config: dict[str, str] = field(default_factory=dict)
    description: str = ""


LEADS_INCOMING = TopicSpec(
    "leads.incoming", "lead_id", 6, IncomingLead,
    {"retention.ms": str(7 * DAY_MS)},
    "Lead events from the CRM (flat JSON; attributes per the feature spec).",
)
LEADS_SCORED = TopicSpec(
    "leads.scored", "lead_id", 6, ScoredLead,
    {"retention.ms": str(7 * DAY_MS)},
    "One score per accepted lead event (transactional: read with read_committed).",
)
LEADS_DEADLETTER = TopicSpec(
    "leads.deadletter", "lead_id", 3, DeadLetter,
    {"retention.ms": str(365 * DAY_MS)},
    "One record per rejected lead event, with reason and original bytes.",
)

REGISTRY: dict[str, TopicSpec] = {
    t.name: t for t in (LEADS_INCOMING, LEADS_SCORED, LEADS_DEADLETTER)
}


def register(topic: TopicSpec) -> TopicSpec:
    """Add a topic to the registry (used by the modules that define newer contracts)."""
    REGISTRY[topic.name] = topic
    return topic


CONTRACT_MODULES: tuple[str, ...] = (
    "schemas.leads", "schemas.control", "schemas.experiments", "schemas.monitor",
    "schemas.alerts",
    "schemas.retrain", "schemas.monitor_windows", "schemas.sink", "schemas.deadletters",
    "schemas.privacy",
)
"""Modules that register topics on import; :func:`all_topics` imports every one."""


def all_topics() -> dict[str, TopicSpec]:
    """Every topic of leadstream, whichever contract modules were imported so far."""
    for module in CONTRACT_MODULES:
        importlib.import_module(module)
    return dict(REGISTRY)
