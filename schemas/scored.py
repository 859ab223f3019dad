"""The contract of ``leads.scored``: the score a CRM acts on, with its grade, reasons and
trend, and who served it (:class:`Variant`).

A record written before grades replaced buckets (``"bucket": "Warm"``) still validates,
with the grade of the same rank (:func:`legacy_grade`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

DEFAULT_GRADE_NAMES = ("A", "B", "C", "D")
LEGACY_BUCKETS = ("Hot", "Warm", "Cool", "Cold")
"""The buckets grades replaced, best first: a record on ``leads.scored`` written before
grades (``"bucket": "Warm"``) validates with the grade of the same rank."""


def legacy_grade(bucket: object, names: Sequence[str] = DEFAULT_GRADE_NAMES) -> str:
    """The grade of the same rank as a legacy bucket (Hot → the best grade, Cold → the
    fourth, or the lowest when there are fewer)."""
    if bucket not in LEGACY_BUCKETS:
        raise ValueError(f"bucket {bucket!r} is not one of {', '.join(LEGACY_BUCKETS)}")
    return names[min(LEGACY_BUCKETS.index(bucket), len(names) - 1)]  # type: ignore[arg-type]


class Reason(BaseModel):
    """One reason code: a spec feature that pushed the score up (``+``) or down (``-``)."""

    model_config = ConfigDict(frozen=True)

    feature: str
    value: int | float | str | None = Field(description="The lead's own value.")
    label: str = Field(description="Readable name from the spec (``label``).")
    direction: Literal["+", "-"]
    weight: float = Field(description="Contribution to the log-odds of conversion.")


class Trend(StrEnum):
    """How a lead's score moved since its previous published score (:mod:`scoring.trend`)."""

    IMPROVING = "improving"
    STEADY = "steady"
    DECLINING = "declining"
    NEW = "new"
    """The lead had no previous published score (within the history's TTL and bound)."""


class Variant(StrEnum):
    """Which arm of an experiment served the score published on ``leads.scored``."""

    CHAMPION = "champion"
    CONTROL = "control"
    TREATMENT = "treatment"


class ScoredLead(BaseModel):
    """One record on ``leads.scored``: the score the CRM should act on."""

    model_config = ConfigDict(frozen=True)

    lead_id: str
    event_id: str | None = None
    score: float = Field(ge=0.0, le=1.0, description="Probability of conversion.")
    grade: str = Field(min_length=1, max_length=32,
                       description="Grade of the score (``LEADSTREAM_GRADES``, A-D by default).")
    reasons: list[Reason] = Field(
        default_factory=list, description="Top-k features pushing the score up (strongest "
        "first), then top-k pulling it down; empty when reasons are off or failed.")
    reasons_method: Literal["approx", "exact"] | None = Field(
        None, description="``exact`` TreeSHAP or ``approx`` (Saabas); null: no reasons.")
    model_name: str
    model_version: str
    model_alias: str = Field(description="Registry alias the version was served under.")
    variant: Variant = Variant.CHAMPION
    experiment_id: str | None = None
    occurred_at: datetime | None = None
    scored_at: datetime
    latency_ms: float = Field(ge=0, description="From broker append time to scoring.")
    source_partition: int
    source_offset: int
    trend: Trend | None = Field(
        None, description="Score change since the lead's previous published score; null "
        "when the history could not be read (Redis down) or is off: unknown, never guessed.")
    previous_score: float | None = Field(
        None, ge=0.0, le=1.0, description="The lead's previous published score the trend "
        "compares with; null when the trend is new or unknown.")

    @model_validator(mode="before")
    @classmethod
    def _legacy_bucket(cls, data: Any, info: ValidationInfo) -> Any:
        """A record from before grades: its bucket → the grade of the same rank (the
        reader's grade names in the validation context ``{"grades": names}``)."""
        if isinstance(data, dict) and "grade" not in data and "bucket" in data:
            names = (info.context or {}).get("grades", DEFAULT_GRADE_NAMES)
            rest = {k: v for k, v in data.items() if k != "bucket"}
            return {**rest, "grade": legacy_grade(data["bucket"], names)}
        return data
