"""Controller alerts (``models.alerts``): what the controller refused to change, and why.

A guardrail rollback with no version to go back to, one within the cooldown, one about a
version that no longer serves, an invalid CLI request or one naming a version the registry
cannot serve, a record that failed while applied: nothing changes on
``models.control``, and one :class:`ControlAlert` says so (the CLI waits for it too). An
erasure request the agents did not apply is alerted here too (key ``privacy``), and so is
an experiment the controller stopped for a sample-ratio mismatch (kind ``srm``).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from schemas.topics import DAY_MS, TopicSpec, register


class ControlAlert(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    model_name: str = Field(min_length=1, max_length=128)
    kind: str = Field(description="srm (an experiment stopped for a sample-ratio "
                                  "mismatch), auto_advance / auto_promote / auto_abort / "
                                  "auto_stop (a canary's policy acted), invalid_request, "
                                  "no_champion, cooldown, "
                                  "nothing_to_roll_back, rolled_back_target, stale_event, "
                                  "alias_sync_failed, unknown_version, apply_failed, "
                                  "invalid_config, signature_refused, forged_config; "
                                  "of an erasure request (source 'erasure', model_name "
                                  "'privacy'): signature_refused, invalid_request, "
                                  "apply_failed, persistence_not_rewritten")
    message: str
    request_id: str | None = Field(None, description="The request or rollback event id.")
    source: str = Field(description="'request', 'rollback', 'progression' (a canary's "
                                    "policy), 'control' (models.control) or 'erasure' "
                                    "(privacy.requests).")
    actor: str
    sequence: int | None = Field(None, description="Sequence of the config in force.")
    at: datetime


MODELS_ALERTS = register(TopicSpec(
    "models.alerts", "model_name", 1, ControlAlert,
    {"retention.ms": str(365 * DAY_MS)},
    "Changes the controller refused (nothing to roll back, cooldown, invalid requests), SRM stops.",
))
