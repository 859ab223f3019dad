"""Report builders field by field, against the closed window they describe."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from monitors.drift import evaluate_drift
from monitors.guardrails import RoleState, step
from monitors.policy import Guardrail, GuardrailPolicy
from monitors.reports import drift_report, guardrail_metrics, guardrail_report, performance_report
from schemas.monitor import GuardrailLevel, Severity

from .conftest import window

T0, T1 = 1_700_000_000_000, 1_700_000_060_000


@pytest.fixture()
def closed(binner, profile, key):
    return window(binner, profile, key, np.random.default_rng(0), 1000, 0.5,
                  n_rejected=30, n_failed=10)


def recent(at: datetime) -> bool:
    return at.tzinfo is not None and abs(datetime.now(UTC) - at) < timedelta(minutes=1)


def test_guardrail_metrics_values_and_samples(closed, profile):
    drift = evaluate_drift(closed, profile)
    m = guardrail_metrics(closed, drift, T0, T1, extra={"auc": 0.8}, extra_samples={"auc": 7})
    s = closed.result()
    assert (m.window_start_ms, m.window_end_ms, m.n) == (T0, T1, 1000)
    assert m.values == {"error_rate": 10 / 1010, "deadletter_rate": 30 / 1040,
                        "latency_p95_ms": s.latency_p95_ms, "latency_p99_ms": s.latency_p99_ms,
                        "score_psi": drift.prediction.score_psi, "auc": 0.8}
    assert m.samples == {"error_rate": 1010, "deadletter_rate": 1040,
                         "latency_p95_ms": 1000, "latency_p99_ms": 1000, "auc": 7}
    assert guardrail_metrics(closed, None, T0, T1).values["score_psi"] is None


def test_drift_report_uses_persisted_severities(closed, profile, key):
    drift = evaluate_drift(closed, profile)
    persisted = {"engagement_score": Severity.OK, "verdict": Severity.OK}
    r = drift_report(closed, drift, persisted, T0, T1)
    assert (r.model_name, r.role, r.model_version) == (key.model_name, key.role,
                                                       key.model_version)
    assert (r.window_start_ms, r.window_end_ms, r.n, r.verdict) == (T0, T1, 1000, Severity.OK)
    by_name = {f.name: f for f in r.features}
    assert by_name["engagement_score"].persisted is Severity.OK
    assert by_name["engagement_score"].severity is not Severity.OK  # raw verdict kept
    assert by_name["region"].persisted is by_name["region"].severity
    assert r.prediction.score_psi == drift.prediction.score_psi and recent(r.emitted_at)
    raw = drift_report(closed, drift, {}, T0, T1)
    assert raw.verdict is drift.verdict


def test_performance_report(closed, key):
    r = performance_report(closed, T0, T1, scorer_lag_ms=12.5)
    s = closed.result()
    assert (r.n_scored, r.n_rejected, r.n_failed) == (1000, 30, 10)
    assert r.throughput_per_s == pytest.approx(1000 / 60)
    assert (r.latency_p50_ms, r.latency_p95_ms, r.latency_p99_ms, r.latency_max_ms) == (
        s.latency_p50_ms, s.latency_p95_ms, s.latency_p99_ms, s.latency_max_ms)
    assert (r.error_rate, r.deadletter_rate, r.scorer_lag_ms) == (10 / 1010, 30 / 1040, 12.5)
    assert recent(r.emitted_at) and r.model_version == key.model_version
    assert performance_report(closed, T0, T0).throughput_per_s == pytest.approx(1000 / 0.001)


def test_guardrail_report(closed, profile):
    g = Guardrail(name="errors", metric="error_rate", warn=0.001, critical=0.005,
                  action="rollback")
    unused = Guardrail(name="later", metric="not_there", warn=1, critical=2)
    policy = GuardrailPolicy((g, unused))
    metrics = guardrail_metrics(closed, None, T0, T1)
    state, events = step(RoleState("lead-scoring", closed.key.role, "3"), metrics, policy)
    state = RoleState(state.model_name, state.role, state.model_version,
                      {"errors": state.guards["errors"]}, state.last_rollback_ms)
    r = guardrail_report(state, events, metrics, policy)
    assert r.state is GuardrailLevel.CRITICAL and r.rollback_requested
    assert (r.window_start_ms, r.window_end_ms, r.model_version) == (T0, T1, "3")
    (status,) = r.guardrails  # the guardrail without state is left out
    assert (status.name, status.metric, status.value, status.level) == (
        "errors", "error_rate", 10 / 1010, GuardrailLevel.CRITICAL)
    assert (status.warn, status.critical, status.action) == (0.001, 0.005, "rollback")
    assert (status.breach_streak, status.clean_streak) == (1, 0)
    (t,) = r.transitions
    assert (t.guardrail, t.to_level, t.value) == ("errors", GuardrailLevel.CRITICAL, 10 / 1010)
    assert recent(r.emitted_at)
