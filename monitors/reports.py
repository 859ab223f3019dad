"""From a closed window's values to the report contracts and the guardrail metrics.

The monitor agents call these at window close: ``guardrail_metrics`` feeds
:func:`monitors.guardrails.step`; the ``*_report`` functions build the records for
``monitor.drift``, ``monitor.performance`` and ``monitor.guardrails``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from monitors.drift import DriftResult
from monitors.guardrails import RoleState, StepEvents, WindowMetrics
from monitors.policy import GuardrailPolicy
from monitors.sketches import WindowSample
from schemas.monitor import (
    DriftReport,
    FeatureDriftData,
    GuardrailReport,
    GuardrailStatus,
    GuardrailTransition,
    PerformanceReport,
    PredictionDriftData,
    Severity,
)


def guardrail_metrics(
    sample: WindowSample,
    drift: DriftResult | None,
    window_start_ms: int,
    window_end_ms: int,
    extra: Mapping[str, float | bool | None] | None = None,
    extra_samples: Mapping[str, int] | None = None,
) -> WindowMetrics:
    """The default guardrails' metrics of one window; ``extra`` adds or overrides
    (e.g. ``treatment_below_control`` from the sequential A/B test, ``auc``) and
    ``extra_samples`` gives their sample counts when not the window's (``auc``: labels)."""
    summary = sample.result()
    values: dict[str, float | bool | None] = {
        "error_rate": summary.error_rate,
        "deadletter_rate": summary.deadletter_rate,
        "latency_p95_ms": summary.latency_p95_ms,
        "latency_p99_ms": summary.latency_p99_ms,
        "score_psi": drift.prediction.score_psi if drift and drift.prediction else None,
        **(extra or {}),
    }
    samples = {
        "error_rate": summary.n_scored + summary.n_failed,
        "deadletter_rate": summary.n_scored + summary.n_failed + summary.n_rejected,
        "latency_p95_ms": sample.latency.count,
        "latency_p99_ms": sample.latency.count,
        **(extra_samples or {}),
    }
    return WindowMetrics(window_start_ms, window_end_ms, summary.n_scored, values, samples)


def drift_report(
    sample: WindowSample,
    drift: DriftResult,
    persisted: Mapping[str, Severity],
    window_start_ms: int,
    window_end_ms: int,
) -> DriftReport:
    """``persisted`` maps feature names (and ``"verdict"``) to k-of-m severities."""
    features = [
        FeatureDriftData(**f.__dict__, persisted=persisted.get(f.name, f.severity))
        for f in drift.features
    ]
    p = drift.prediction
    return DriftReport(
        model_name=sample.key.model_name, role=sample.key.role,
        model_version=sample.key.model_version,
        window_start_ms=window_start_ms, window_end_ms=window_end_ms, n=drift.n,
        verdict=persisted.get("verdict", drift.verdict), features=features,
        prediction=PredictionDriftData(**p.__dict__) if p else None,
        emitted_at=datetime.now(UTC),
    )


def performance_report(
    sample: WindowSample, window_start_ms: int, window_end_ms: int,
    scorer_lag_ms: float | None = None,
) -> PerformanceReport:
    s = sample.result()
    seconds = max(window_end_ms - window_start_ms, 1) / 1000
    return PerformanceReport(
        model_name=sample.key.model_name, role=sample.key.role,
        model_version=sample.key.model_version,
        window_start_ms=window_start_ms, window_end_ms=window_end_ms,
        n_scored=s.n_scored, n_rejected=s.n_rejected, n_failed=s.n_failed,
        throughput_per_s=s.n_scored / seconds,
        latency_p50_ms=s.latency_p50_ms, latency_p95_ms=s.latency_p95_ms,
        latency_p99_ms=s.latency_p99_ms, latency_max_ms=s.latency_max_ms,
        error_rate=s.error_rate, deadletter_rate=s.deadletter_rate,
        scorer_lag_ms=scorer_lag_ms, n_clock_skewed=s.n_clock_skewed,
        unknown_attributes=s.unknown_attributes,
        emitted_at=datetime.now(UTC),
    )


def guardrail_report(
    state: RoleState, events: StepEvents, metrics: WindowMetrics, policy: GuardrailPolicy
) -> GuardrailReport:
    statuses = []
    for g in policy.guardrails:
        s = state.guards.get(g.name)
        if s is None:
            continue
        statuses.append(GuardrailStatus(
            name=g.name, metric=g.metric, value=s.value, level=s.level, warn=g.warn,
            critical=g.critical, action=g.action.value,
            breach_streak=s.warn_streak, clean_streak=s.clean_streak,
        ))
    return GuardrailReport(
        model_name=state.model_name, role=state.role, model_version=state.model_version,
        window_start_ms=metrics.window_start_ms, window_end_ms=metrics.window_end_ms,
        state=state.level, guardrails=statuses,
        transitions=[GuardrailTransition(**t.__dict__) for t in events.transitions],
        rollback_requested=events.rollback is not None, emitted_at=datetime.now(UTC),
    )
