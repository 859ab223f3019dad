"""The CRM write-back sink's settings (``leadstream sink``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from streams.settings.part import SettingsPart


class SinkSettings(SettingsPart):
    """Where and how the sink writes scores to the CRM."""

    # --- CRM write-back sink (leadstream sink) --------------------------------------------
    sink_format: Literal["webhook", "dynamics", "hubspot", "salesforce"] = "webhook"
    """Payload the sink writes: a JSON webhook, Dynamics 365 ``msdyn_predictivescores``,
    HubSpot contact properties or Salesforce Lead fields."""
    sink_url: str | None = None
    """Base URL of the CRM (``https://org.crm.dynamics.com``, ``https://api.hubapi.com``, a
    Salesforce instance URL, or the webhook's own URL)."""
    sink_token: SecretStr | None = None
    """Bearer token sent to the CRM (never logged or printed)."""
    sink_group: str = "leadstream-sink"
    """Consumer group of the sink on ``leads.scored``."""
    sink_batch_size: int = Field(100, ge=1, le=10_000)
    """Scores per CRM request at most (also capped by the CRM's own limit)."""
    sink_timeout_s: float = Field(10.0, gt=0)
    """Timeout of one CRM request."""
    sink_max_attempts: int = Field(6, ge=1)
    """Tries of one request on 429, 5xx and timeouts before the batch is retried from
    scratch (nothing is committed or dropped meanwhile)."""
    sink_backoff_s: float = Field(0.5, gt=0)
    """First wait between tries; doubles with jitter up to ``sink_backoff_max_s``. A 429's
    ``Retry-After`` is honoured instead."""
    sink_backoff_max_s: float = Field(30.0, gt=0)
    """Longest wait between two tries."""
    sink_delivered_ttl_days: int = Field(30, ge=1)
    """How long the sink remembers the newest score it delivered per lead (in Redis), so an
    older score re-read after a rewind never overwrites it."""
