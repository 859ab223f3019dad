"""Report builder: recommendation rules, JSON contract, resumable sequential state."""

from __future__ import annotations

from datetime import UTC, datetime

from schemas.experiments import ExperimentReport, Recommendation
from scoring.experiments import (
    ArmTally,
    DecisionPolicy,
    ExperimentContext,
    SequentialState,
    build_report,
    state_from_report,
)

CTX = ExperimentContext("exp-1", "lead-scoring", "ab", 0.5, "3", "4")
NOW = datetime(2025, 1, 1, tzinfo=UTC)


def _report(control, treatment, previous=None, **kw):
    return build_report(CTX, control, treatment, previous or SequentialState(), NOW, **kw)


def test_promote_on_significant_positive_lift():
    report, state = _report(ArmTally(6000, 600), ArmTally(6000, 780))
    assert report.recommendation is Recommendation.PROMOTE
    assert report.sequential_p_value <= 0.05 and report.sequential_ci.lower > 0
    assert not report.treatment_worse and state.looks == 1


def test_keep_control_on_significant_negative_lift():
    report, _ = _report(ArmTally(6000, 780), ArmTally(6000, 600))
    assert report.recommendation is Recommendation.KEEP_CONTROL
    assert report.treatment_worse


def test_continue_when_not_significant_or_too_small():
    report, _ = _report(ArmTally(6000, 600), ArmTally(6000, 610))
    assert report.recommendation is Recommendation.CONTINUE
    small, _ = _report(ArmTally(150, 10), ArmTally(150, 60))
    assert small.recommendation is Recommendation.CONTINUE
    assert "outcomes" in small.reasons[0]


def test_invalid_on_sample_ratio_mismatch_even_with_a_big_lift():
    report, _ = _report(ArmTally(6000, 600), ArmTally(6000, 900), assigned=(50_000, 52_000))
    assert report.recommendation is Recommendation.INVALID
    assert not report.srm_ok and report.control.assigned == 50_000


def test_significance_persists_across_looks_via_the_report():
    first, _ = _report(ArmTally(6000, 600), ArmTally(6000, 780))
    resumed = state_from_report(ExperimentReport.model_validate_json(first.model_dump_json()))
    later, state = _report(ArmTally(6100, 615), ArmTally(6100, 780), previous=resumed)
    assert state.looks == 2 and later.sequential_p_value <= first.sequential_p_value


def test_policy_is_reported():
    policy = DecisionPolicy(alpha=0.01, min_outcomes_per_arm=50, tau2=1e-3)
    report, _ = _report(ArmTally(100, 10), ArmTally(100, 12), policy=policy)
    assert (report.alpha, report.min_outcomes_per_arm, report.tau2) == (0.01, 50, 1e-3)
    assert report.fixed_horizon_p_value is not None
