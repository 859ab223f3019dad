"""Experiment contracts: ``scores.shadow``, ``leads.outcomes`` and ``experiments.reports``."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from schemas.control import ServingMode
from schemas.scored import Reason, Variant
from schemas.topics import DAY_MS, TopicSpec, register


class ShadowComparison(BaseModel):
    """Champion vs challenger on one lead (``scores.shadow``, key = lead_id)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lead_id: str = Field(min_length=1, max_length=128)
    event_id: str | None = None
    model_name: str
    champion_version: str
    challenger_version: str
    champion_score: float = Field(ge=0.0, le=1.0)
    challenger_score: float = Field(ge=0.0, le=1.0)
    champion_grade: str = Field(min_length=1, max_length=32)
    challenger_grade: str = Field(min_length=1, max_length=32)
    abs_diff: float = Field(ge=0.0, le=1.0, description="|challenger - champion| score.")
    champion_latency_ms: float = Field(ge=0.0)
    challenger_latency_ms: float = Field(ge=0.0)
    scored_at: datetime
    challenger_reasons: list[Reason] = Field(
        default_factory=list, description="The challenger's reasons for its score (as on "
        "``leads.scored``); empty when reasons are off or its explainer failed.")
    challenger_reasons_method: Literal["approx", "exact"] | None = None

    @model_validator(mode="after")
    def _diff_matches(self) -> ShadowComparison:
        expected = abs(self.challenger_score - self.champion_score)
        if not math.isclose(self.abs_diff, expected, abs_tol=1e-9):
            raise ValueError(f"abs_diff {self.abs_diff} != |difference| {expected}")
        return self

    @property
    def grades_agree(self) -> bool:
        return self.champion_grade == self.challenger_grade


OUTCOME_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
OUTCOME_LATEST = datetime(2200, 1, 1, tzinfo=UTC)


class Outcome(BaseModel):
    """A lead's outcome from the CRM (``leads.outcomes``, key = lead_id)."""

    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)

    lead_id: str = Field(min_length=1, max_length=128)
    converted: bool
    deal_value: float | None = Field(None, ge=0.0, allow_inf_nan=False)
    occurred_at: datetime = Field(description="When the outcome happened; without a time "
                                              "zone it is UTC; years 1970 to 2199.")
    event_id: str | None = Field(None, max_length=128, description="Idempotency key.")

    @field_validator("occurred_at")
    @classmethod
    def _sane_time(cls, v: datetime) -> datetime:
        aware = v if v.tzinfo is not None else v.replace(tzinfo=UTC)
        try:
            utc = aware.astimezone(UTC)
        except OverflowError as exc:
            raise ValueError("occurred_at is beyond the datetime range in UTC") from exc
        if not OUTCOME_EARLIEST <= utc < OUTCOME_LATEST:
            raise ValueError(f"occurred_at must be from {OUTCOME_EARLIEST.year} to "
                             f"{OUTCOME_LATEST.year - 1}")
        return aware


class Recommendation(StrEnum):
    PROMOTE = "promote"
    KEEP_CONTROL = "keep_control"
    CONTINUE = "continue"
    INVALID = "invalid"


class ArmSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    variant: Variant
    model_version: str | None = None
    assigned: int | None = Field(None, ge=0, description="Leads routed to the arm.")
    outcomes: int = Field(ge=0, description="Leads of the arm with a known outcome.")
    conversions: int = Field(ge=0)
    conversion_rate: float | None = Field(None, ge=0.0, le=1.0)


class Interval(BaseModel):
    model_config = ConfigDict(frozen=True)

    estimate: float | None
    lower: float | None
    upper: float | None
    method: str


class ExperimentReport(BaseModel):
    """A look at an experiment (``experiments.reports``, key = experiment_id).

    ``sequential_*`` fields (and ``information``) carry the always-valid state that the next
    look continues from: the running-minimum p-value and the intersected CI, whose
    ``method`` names the test (the horizon-bounded test or the mSPRT, Johari et al. 2017).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    experiment_id: str
    model_name: str
    mode: ServingMode
    treatment_share: float = Field(ge=0.0, le=1.0)
    control: ArmSummary
    treatment: ArmSummary
    srm_p_value: float = Field(ge=0.0, le=1.0)
    srm_ok: bool
    absolute_lift: Interval
    relative_lift: Interval
    fixed_horizon_p_value: float | None = Field(None, description="Reference only.")
    sequential_p_value: float = Field(ge=0.0, le=1.0, description="Always valid.")
    sequential_ci: Interval
    sequential_looks: int = Field(ge=0)
    information: float = Field(0.0, ge=0.0, description=(
        "Information time of a horizon-bounded test at this look (>= 1: its horizon is "
        "reached, no further look can reject); 0 for the open-ended mSPRT."))
    tau2: float = Field(gt=0.0, description="mSPRT mixing variance.")
    alpha: float = Field(gt=0.0, lt=1.0)
    min_outcomes_per_arm: int = Field(ge=0)
    treatment_worse: bool = Field(description="Treatment below control by the sequential test.")
    recommendation: Recommendation
    reasons: list[str] = Field(default_factory=list)
    generated_at: datetime


SCORES_SHADOW = register(TopicSpec(
    "scores.shadow", "lead_id", 6, ShadowComparison,
    {"retention.ms": str(30 * DAY_MS)},
    "Champion vs challenger score per lead in shadow mode.",
))
LEADS_OUTCOMES = register(TopicSpec(
    "leads.outcomes", "lead_id", 6, Outcome,
    {"retention.ms": str(365 * DAY_MS)},
    "Lead outcomes (conversions) from the CRM, joined with the ledger.",
))
EXPERIMENTS_REPORTS = register(TopicSpec(
    "experiments.reports", "experiment_id", 1, ExperimentReport,
    {"retention.ms": str(365 * DAY_MS)},
    "Experiment looks with statistics and a recommendation.",
))
