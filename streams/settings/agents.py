"""The agents' own settings (``leadstream agents``): their metrics port, their group
session, the outcome join, erasure, and the Alertmanager client. Their monitors and
controller have parts of their own (:mod:`~streams.settings.monitors`,
:mod:`~streams.settings.control`)."""

from __future__ import annotations

from pydantic import Field

from streams.settings.part import SettingsPart


class AgentSettings(SettingsPart):
    """Outcomes waiting for their score, erasure requests, alerts posted, metrics served."""

    monitor_metrics_port: int = Field(0, ge=0)
    """Port of the agents' Prometheus ``/metrics`` (monitors, dead letters, lag; 0: not
    served)."""

    agents_session_timeout_s: float = Field(15.0, ge=6.0, le=300.0)
    """How long the group waits for a silent agents worker before it gives the worker's
    partitions to the others (or to its restarted self): a worker killed or frozen holds its
    partitions, and with them every control, monitor and outcome agent, this long (faust's
    default: 60 s). Heartbeats (every tenth of it) come from faust's consumer thread, not
    the agents' event loop; on a starved machine that thread can stall for seconds too, so
    keep it well above those stalls. Kafka's default floor is 6 s."""

    # --- the outcome join --------------------------------------------------------------------
    outcome_park_ttl_s: int = Field(7 * 24 * 3600, ge=1)
    """How long an outcome of a not-yet-scored lead waits for its score (then dead-lettered
    as ``never_scored``)."""
    outcome_park_max: int = Field(100_000, ge=1)
    """Most outcomes parked at once; beyond it the oldest are dead-lettered (``never_scored``)."""
    outcome_retry_s: float = Field(5.0, gt=0)
    """How often parked outcomes are joined again with the ledger."""

    # --- erasure (issue 10, item 5) -----------------------------------------------------------
    erasure_replay_days: int = Field(7, ge=2)
    """How long the agents remember an applied erasure request's id (a copy of that signed
    request is then refused as a replay); also the age limit of a signed erasure request, so
    a request read days after ``forget`` (the agents were down) is still applied. At least
    the one day ``privacy.requests`` keeps its records, plus one."""
    erasure_rewrite_persistence: bool = True
    """After each erasure, rewrite Redis's persistence files (BGREWRITEAOF when the
    append-only file is on, BGSAVE when snapshots are configured) so no file still holds the
    lead; a refusal or timeout raises an alert on ``models.alerts``."""
    erasure_rewrite_wait_s: float = Field(120.0, gt=0)
    """How long the erasure agent waits for Redis's rewrite of its persistence files."""

    # --- the Alertmanager client (its URL is shared) ------------------------------------------
    alert_resend_s: float = Field(60.0, gt=0)
    """How often firing guardrail alerts are posted again (Alertmanager resolves an alert
    that is not re-posted before its ``endsAt``: four times this)."""
    alert_event_ttl_s: float = Field(900.0, gt=0)
    """How long a one-off event's alert (rollback, refusal, retrain trigger, sink failure,
    erasure refused) stays firing before Alertmanager resolves it; older records are not
    posted (an agent reading a topic from its start does not replay history)."""
    alert_timeout_s: float = Field(5.0, gt=0)
    """Timeout of one request to Alertmanager (retried three times with backoff)."""
