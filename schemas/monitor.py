"""Contracts of the monitor topics: samples in, drift / performance / guardrail reports out.

``monitor.samples`` carries pre-aggregated, exactly mergeable counts (one record per batch
and model role/version); the three report topics carry one record per closed window.
All are keyed by model name. Importing this module registers the four topics.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from schemas.control import ModelRole
from schemas.names import ModelName, ModelVersion
from schemas.topics import DAY_MS, TopicSpec, register


class Severity(StrEnum):
    """A drift verdict; ordered ``ok < warn < critical``; ``insufficient_data`` stands apart."""

    INSUFFICIENT_DATA = "insufficient_data"
    OK = "ok"
    WARN = "warn"
    CRITICAL = "critical"


class GuardrailLevel(StrEnum):
    HEALTHY = "HEALTHY"
    WARNING = "WARNING"
    CRITICAL = "CRITICAL"


MAX_UNKNOWN_NAMES = 100
"""Attribute names a sample or window counts on its own; the rest add to ``__other__``."""
UNKNOWN_OTHER = "__other__"
MAX_COUNT = 2**40
"""Largest count one sample may carry: windows merge many samples in int64 without overflow."""
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
EventTimeMs = Annotated[int, Field(ge=-(2**53), le=2**53)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LatencySketchData(_Frozen):
    alpha: float = Field(gt=0, lt=1, description="Relative accuracy of the log buckets.")
    keys: list[Annotated[int, Field(ge=-(2**31), le=2**31)]] = Field(
        description="Bucket indices k: (gamma^(k-1), gamma^k], ascending.")
    counts: list[Count] = Field(description="Latencies per bucket, aligned with keys.")
    zero_count: Count = Field(description="Latencies at or below 1e-6 ms.")
    max: float = Field(ge=0, description="Largest latency seen, in milliseconds.")


class MonitorSample(_Frozen):
    """One record on ``monitor.samples``: a batch's counts for one model role and version."""

    model_name: ModelName
    role: ModelRole
    model_version: ModelVersion
    sample_id: str | None = Field(
        None, max_length=4096,
        description="Idempotency key (e.g. scorer id + partition/offset range)."
    )
    event_time_min_ms: EventTimeMs | None = Field(
        None, description="Earliest trusted event time (clock-skewed events left out).")
    event_time_max_ms: EventTimeMs | None = Field(
        None, description="Latest trusted event time (clock-skewed events left out).")
    n_scored: Count
    n_rejected: Count = Field(description="Dead-lettered events (invalid input).")
    n_failed: Count = Field(description="Events the model failed to score.")
    n_clock_skewed: Count = Field(
        0, description="Scored events whose time was beyond the clock-skew tolerances: "
                       "counted, but left out of the event-time range (watermark).")
    unknown_attributes: dict[Annotated[str, Field(min_length=1, max_length=64)], Count] = Field(
        default_factory=dict, max_length=MAX_UNKNOWN_NAMES + 1,
        description="Scored events carrying an attribute the spec does not know, per "
                    "sanitised name (a misspelled feature is scored as missing); at most "
                    f"{MAX_UNKNOWN_NAMES} names, the rest under {UNKNOWN_OTHER!r}.")
    numeric: dict[str, list[Count]] = Field(description="Bin counts per feature; missing last.")
    categorical: dict[str, list[Count]] = Field(
        description="Counts per vocabulary entry, then __unseen__, then __missing__."
    )
    score_counts: list[Count] = Field(description="Score histogram on the profile's edges.")
    score_sum_micro: int = Field(ge=-(2**60), le=2**60,
                                 description="Sum of scores in millionths (exactly additive).")
    latency: LatencySketchData


class FeatureDriftData(_Frozen):
    name: str
    kind: str = Field(description="'numeric', 'categorical' or 'score'.")
    psi: float
    chi2: float
    chi2_p: float
    g: float
    g_p: float
    ks: float | None = None
    ks_p: float | None = None
    unseen_share: float | None = None
    missing_share: float
    p_bh: float = Field(description="Benjamini-Hochberg adjusted p-value (warn flags).")
    p_holm: float = Field(description="Holm adjusted p-value (critical flags).")
    severity: Severity
    persisted: Severity = Field(description="Severity after the k-of-m persistence rule.")


class PredictionDriftData(_Frozen):
    score_psi: float
    score_p: float
    mean: float
    mean_shift: float
    top_grade_share: float = Field(
        validation_alias=AliasChoices("top_grade_share", "hot_share"),
        description="Share of the window's scores in the top grade (0.1 records "
                    "call it hot_share).")
    top_grade_share_reference: float = Field(
        validation_alias=AliasChoices("top_grade_share_reference", "hot_share_reference"),
        description="The same share in the model's reference profile (was "
                    "hot_share_reference).")


class DriftReport(_Frozen):
    """One record on ``monitor.drift`` per closed window and model role/version."""

    model_name: str
    role: ModelRole
    model_version: str
    window_start_ms: int
    window_end_ms: int
    n: int
    verdict: Severity
    features: list[FeatureDriftData]
    prediction: PredictionDriftData | None = None
    emitted_at: datetime


class PerformanceReport(_Frozen):
    """One record on ``monitor.performance`` per closed window and model role/version."""

    model_name: str
    role: ModelRole
    model_version: str
    window_start_ms: int
    window_end_ms: int
    n_scored: int
    n_rejected: int
    n_failed: int
    throughput_per_s: float
    latency_p50_ms: float | None = None
    latency_p95_ms: float | None = None
    latency_p99_ms: float | None = None
    latency_max_ms: float | None = None
    error_rate: float
    deadletter_rate: float
    scorer_lag_ms: float | None = None
    n_clock_skewed: int = Field(
        0, ge=0, description="Scored events whose time was not trusted (a client clock beyond "
                             "the skew tolerances): scored, but kept off the watermark.")
    unknown_attributes: dict[str, int] = Field(
        default_factory=dict, description="Scored events carrying an attribute the spec does "
        "not know, per name (data quality: a misspelled feature is scored as missing).")
    n_labels: int = 0
    auc: float | None = None
    precision_at_10: float | None = None
    calibration_error: float | None = None
    emitted_at: datetime


class GuardrailStatus(_Frozen):
    name: str
    metric: str
    value: float | None
    level: GuardrailLevel
    warn: float
    critical: float
    action: str
    breach_streak: int
    clean_streak: int


class GuardrailTransition(_Frozen):
    guardrail: str
    from_level: GuardrailLevel
    to_level: GuardrailLevel
    value: float | None


class GuardrailReport(_Frozen):
    """One record on ``monitor.guardrails`` per window and on every change."""

    model_name: str
    role: ModelRole
    model_version: str
    window_start_ms: int
    window_end_ms: int
    state: GuardrailLevel
    guardrails: list[GuardrailStatus]
    transitions: list[GuardrailTransition] = Field(default_factory=list)
    rollback_requested: bool = False
    emitted_at: datetime


_RETAIN = {"retention.ms": str(30 * DAY_MS)}
MONITOR_SAMPLES = register(TopicSpec(
    "monitor.samples", "model_name", 6, MonitorSample, {"retention.ms": str(2 * DAY_MS)},
    "Per-batch mergeable monitor counts from the scorer (internal).",
))
MONITOR_DRIFT = register(TopicSpec(
    "monitor.drift", "model_name", 3, DriftReport, dict(_RETAIN),
    "Data and prediction drift per closed window and model role/version.",
))
MONITOR_PERFORMANCE = register(TopicSpec(
    "monitor.performance", "model_name", 3, PerformanceReport, dict(_RETAIN),
    "Latency, throughput, error rates and model quality per closed window.",
))
MONITOR_GUARDRAILS = register(TopicSpec(
    "monitor.guardrails", "model_name", 3, GuardrailReport, dict(_RETAIN),
    "Guardrail states per window and on every change.",
))
MODELS_PROGRESSION = register(TopicSpec(
    "models.progression", "model_name", 1, GuardrailReport, {"retention.ms": str(7 * DAY_MS)},
    "Internal: challenger guardrail reports of closed windows, forwarded to the controller "
    "(one partition, as its state) for canaries under a progression policy.",
))
