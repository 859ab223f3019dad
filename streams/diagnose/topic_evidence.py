"""The evidence ``diagnose`` reads from Kafka: the newest input's age, the recent dead
letters, sink failures and controller alerts (the last ``RECENT_S``, at most
``LAST_RECORDS`` records per partition), the feature importance in the reasons of recent
scored leads, and each leadstream process's liveness and lag from its consumer group.
Each reader names what it could not read in ``unreadable``, never zero.
"""

from __future__ import annotations

from collections import Counter

from confluent_kafka import KafkaException

from monitors.evidence import ProcessEvidence
from schemas.alerts import MODELS_ALERTS
from schemas.experiments import LEADS_OUTCOMES
from schemas.topics import LEADS_INCOMING, LEADS_SCORED, TopicSpec
from streams.diagnose.readers import Unreadable, group_lag, newest_ms, recent, scored_importance
from streams.kafka.topics import topic_name
from streams.settings import Settings
from streams.stack.processes import running_processes

RECENT_S = 3600
"""Dead letters, sink failures and alerts count over this many seconds before now."""
LAST_RECORDS = 500
"""Records read back per partition of a dead-letter or alert topic."""


def freshness(settings: Settings, unreadable: list[str]) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for spec in (LEADS_INCOMING, LEADS_OUTCOMES):
        try:
            out[spec.name] = newest_ms(settings, topic_name(settings, spec))
        except Unreadable as exc:
            unreadable.append(str(exc))
    return out


def reasons(settings: Settings, spec: TopicSpec, now_ms: int, unreadable: list[str],
             status: bool = False) -> dict[str, int] | None:
    """Reasons (and with ``status`` the CRM's HTTP status) of the recent dead letters."""
    try:
        rows = recent(settings, topic_name(settings, spec), LAST_RECORDS,
                      now_ms - RECENT_S * 1000)
    except Unreadable as exc:
        unreadable.append(str(exc))
        return None
    counts = Counter(str(v.get("reason")) for _, _, v in rows)
    if status:
        counts.update(f"status_{v['status_code']}" for _, _, v in rows
                      if v.get("status_code") is not None)
    return dict(counts)


def importance(settings: Settings, model: str, version: str, now_ms: int,
                unreadable: list[str]) -> tuple[dict[str, float] | None, int]:
    try:
        return scored_importance(settings, topic_name(settings, LEADS_SCORED), model, version,
                                 LAST_RECORDS, now_ms - RECENT_S * 1000)
    except Unreadable as exc:
        unreadable.append(str(exc))
        return None, 0


def alerts(settings: Settings, model: str, now_ms: int,
            unreadable: list[str]) -> dict[str, int]:
    try:
        rows = recent(settings, topic_name(settings, MODELS_ALERTS), LAST_RECORDS,
                      now_ms - RECENT_S * 1000)
    except Unreadable as exc:
        unreadable.append(str(exc))
        return {}
    return dict(Counter(str(v.get("kind")) for _, key, v in rows if key == model.encode()))


def processes(settings: Settings, unreadable: list[str]
               ) -> tuple[ProcessEvidence, ...] | None:
    """Liveness and lag per leadstream process; None when Kafka did not answer (its
    topics are then not read either: each would wait for its own timeout)."""
    try:
        groups = running_processes(settings)
    except (KafkaException, TimeoutError) as exc:
        unreadable.append(f"Kafka: consumer groups and topics ({str(exc) or 'no answer'})")
        return None
    out = []
    for g in groups:
        if g.role == "other":
            continue
        lag = None
        if g.role == "scorer":
            try:
                lag = group_lag(settings, g.group, topic_name(settings, LEADS_INCOMING))
            except Unreadable as exc:
                unreadable.append(str(exc))
        out.append(ProcessEvidence(g.role, g.members, lag))
    return tuple(out)
