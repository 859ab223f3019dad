"""Alerts and metrics scraping: the local Prometheus and Alertmanager, and where leadstream
posts its own events (guardrail transitions, refusals, rollbacks, ...)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from streams.settings.part import SettingsPart


class AlertingSettings(SettingsPart):
    """Prometheus and Alertmanager of the local stack; the agents' Alertmanager client."""

    # --- local stack ---------------------------------------------------------------------
    stack_alerting: bool = True
    """``stack up`` starts Prometheus and Alertmanager too (false: Kafka, Redis and MLflow
    only, as the integration tests and benchmarks run it)."""
    prometheus_port: int = Field(9090, ge=1, le=65535)
    """Port of the local stack's Prometheus (Debian's ``prometheus``, on 127.0.0.1)."""
    alertmanager_port: int = Field(9193, ge=1, le=65535)
    """Port of the local stack's Alertmanager (Debian's ``prometheus-alertmanager``, on
    127.0.0.1; not its usual 9093, which is the local Kafka controller's port)."""
    prometheus_scrape_interval_s: float = Field(10.0, gt=0)
    """How often the local Prometheus scrapes each leadstream process and evaluates the
    shipped alert rules."""
    prometheus_retention_days: int = Field(15, ge=1)
    """How long the local Prometheus keeps samples."""
    alertmanager_config_path: Path | None = None
    """Alertmanager configuration (YAML) the local stack starts with; ``None``: one without
    receivers (alerts visible in its UI and API only). ``examples/alertmanager.yml`` is a
    routing example for Slack, e-mail and PagerDuty."""

    # --- the agents' Alertmanager client ---------------------------------------------------
    alertmanager_url: str = ""
    """Alertmanager the agents post leadstream's events to (``http://127.0.0.1:9193``); empty:
    off. Processes started by the stack or the demo get the local one's URL."""
    alert_resend_s: float = Field(60.0, gt=0)
    """How often firing guardrail alerts are posted again (Alertmanager resolves an alert
    that is not re-posted before its ``endsAt``: four times this)."""
    alert_event_ttl_s: float = Field(900.0, gt=0)
    """How long a one-off event's alert (rollback, refusal, retrain trigger, sink failure,
    erasure refused) stays firing before Alertmanager resolves it; older records are not
    posted (an agent reading a topic from its start does not replay history)."""
    alert_timeout_s: float = Field(5.0, gt=0)
    """Timeout of one request to Alertmanager (retried three times with backoff)."""
