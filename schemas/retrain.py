"""Contract of ``models.retrain``: the monitors' demand for a new model version.

The monitor agents emit one :class:`RetrainTrigger` when a champion's windows show
sustained drift, a degraded AUC, enough new labelled outcomes, or when the schedule is due;
``leadstream retrain`` (or any automation reading the topic) acts on it. Keyed by model name.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from schemas.topics import DAY_MS, TopicSpec, register


class RetrainReason(StrEnum):
    DRIFT = "drift"
    AUC = "auc"
    LABELS = "labels"
    SCHEDULE = "schedule"


class RetrainTrigger(BaseModel):
    """One record on ``models.retrain``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    trigger_id: str = Field(min_length=1, max_length=160, description="Idempotency key.")
    model_name: str = Field(min_length=1, max_length=128)
    model_version: str = Field(min_length=1, description="The champion version judged.")
    reasons: list[RetrainReason] = Field(min_length=1)
    evidence: dict[str, float] = Field(default_factory=dict)
    window_start_ms: int
    window_end_ms: int
    emitted_at: datetime


MODELS_RETRAIN = register(TopicSpec(
    "models.retrain", "model_name", 1, RetrainTrigger,
    {"retention.ms": str(90 * DAY_MS)},
    "Retrain triggers from the monitors (drift, AUC, new labels, schedule).",
))
