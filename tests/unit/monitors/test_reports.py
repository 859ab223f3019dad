"""Report builders produce valid contracts; the monitor topics are registered."""

from __future__ import annotations

import numpy as np
import pytest

from monitors.drift import evaluate_drift
from monitors.guardrails import RoleState, step
from monitors.persistence import PersistenceRule, PersistenceState, persist
from monitors.policy import load_policy
from monitors.reports import drift_report, guardrail_metrics, guardrail_report, performance_report
from monitors.sketches import WindowSample
from schemas.monitor import DriftReport, GuardrailLevel, GuardrailReport, PerformanceReport
from schemas.topics import REGISTRY

from .conftest import window


@pytest.fixture()
def closed(binner, profile, key):
    return window(binner, profile, key, np.random.default_rng(0), 2000, 0.5,
                  n_rejected=20, n_failed=4)


def test_monitor_topics_are_registered_and_keyed_by_model():
    for name in ("monitor.samples", "monitor.drift", "monitor.performance",
                 "monitor.guardrails"):
        assert REGISTRY[name].key == "model_name"
        REGISTRY[name].contract.model_json_schema()


def test_window_summary(closed):
    s = closed.result()
    assert (s.n_scored, s.n_rejected, s.n_failed) == (2000, 20, 4)
    assert s.error_rate == pytest.approx(4 / 2004)
    assert s.deadletter_rate == pytest.approx(20 / 2024)
    assert s.latency_p50_ms < s.latency_p95_ms < s.latency_p99_ms <= s.latency_max_ms
    assert s.missing["engagement_score"] == closed.numeric["engagement_score"][-1]
    assert 0 <= s.event_time_min_ms - 1_700_000_000_000 <= s.event_time_max_ms


def test_drift_report_round_trips(closed, profile):
    drift = evaluate_drift(closed, profile)
    severities = {f.name: f.severity for f in drift.features} | {"verdict": drift.verdict}
    _, persisted = persist(PersistenceState(), severities, PersistenceRule(k=1, m=1))
    report = drift_report(closed, drift, persisted, 0, 60_000)
    assert DriftReport.model_validate_json(report.model_dump_json()) == report
    assert report.verdict == drift.verdict and report.prediction.mean_shift > 0


def test_performance_and_guardrail_reports(closed, profile):
    perf = performance_report(closed, 0, 60_000, scorer_lag_ms=12.0)
    assert perf.throughput_per_s == pytest.approx(2000 / 60)
    assert PerformanceReport.model_validate_json(perf.model_dump_json()) == perf
    policy = load_policy()
    metrics = guardrail_metrics(closed, evaluate_drift(closed, profile), 0, 60_000,
                                {"treatment_below_control": False})
    assert metrics.samples["error_rate"] == 2004
    state, events = step(RoleState("lead-scoring", closed.key.role, "3"), metrics, policy)
    report = guardrail_report(state, events, metrics, policy)
    assert GuardrailReport.model_validate_json(report.model_dump_json()) == report
    assert report.state is GuardrailLevel.HEALTHY and not report.rollback_requested
    assert len(report.guardrails) == len(policy.guardrails)


def test_constant_score_model_trips_score_collapse(binner, profile, key):
    rng = np.random.default_rng(9)
    from .conftest import draw

    cols = draw(rng, 1000)
    bad = WindowSample.empty(key, profile).update(binner, cols, np.full(1000, 0.5),
                                                  rng.lognormal(1, 0.5, 1000))
    metrics = guardrail_metrics(bad, evaluate_drift(bad, profile), 0, 60_000)
    state, events = step(RoleState("lead-scoring", key.role, "3"), metrics, load_policy())
    assert state.guards["score_collapse"].level is GuardrailLevel.CRITICAL
    assert events.rollback is not None and events.rollback.guardrail == "score_collapse"


def test_slow_model_trips_latency(binner, profile, key):
    rng = np.random.default_rng(10)
    from .conftest import draw, scores_of

    cols = draw(rng, 500)
    slow = WindowSample.empty(key, profile).update(binner, cols, scores_of(cols),
                                                   rng.uniform(600, 900, 500))
    metrics = guardrail_metrics(slow, evaluate_drift(slow, profile), 0, 60_000)
    _, events = step(RoleState("lead-scoring", key.role, "3"), metrics, load_policy())
    assert events.rollback is not None and events.rollback.guardrail == "latency_p95"
