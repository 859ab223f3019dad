"""The recommendation rules at their boundaries, and the report carrying the policy through.

``recommend`` gets a sequential state set by hand, so each case states its interval and
p-value and the decision the documented order gives.
"""

from __future__ import annotations

from datetime import UTC, datetime

from schemas.experiments import Recommendation
from schemas.scored import Variant
from scoring.experiments import ArmTally, DecisionPolicy, ExperimentContext, build_report
from scoring.experiments.report import recommend
from scoring.experiments.sequential import SequentialState
from scoring.experiments.srm import SrmResult

FAIR = SrmResult(0.1, 0.75, 0.5, 0.5, True)
ARM = ArmTally(500, 50)
NOW = datetime(2025, 1, 1, tzinfo=UTC)


DEFAULT = DecisionPolicy()


def decide(p: float, lower: float, upper: float, policy=DEFAULT, arm=ARM):
    state = SequentialState(looks=3, p_value=p, lower=lower, upper=upper, estimate=0.0)
    return recommend(FAIR, arm, arm, state, policy)


def test_promote_needs_the_whole_interval_above_zero():
    assert decide(0.01, 0.001, 0.03)[0] is Recommendation.PROMOTE
    assert decide(0.01, 0.02, 0.02)[0] is Recommendation.PROMOTE  # a single point is fine
    assert decide(0.01, 0.0, 0.03)[0] is Recommendation.CONTINUE  # touching 0 is not above


def test_keep_control_needs_the_whole_interval_below_zero():
    decision, reasons = decide(0.01, -0.03, -0.001)
    assert decision is Recommendation.KEEP_CONTROL
    assert reasons == ["always-valid CI [-0.0300, -0.0010] below 0"]
    assert decide(0.01, -0.02, -0.02)[0] is Recommendation.KEEP_CONTROL
    assert decide(0.01, -0.01, 0.02)[0] is Recommendation.CONTINUE  # straddles 0


def test_an_empty_interval_never_decides():
    for lower, upper in ((0.03, 0.01), (-0.01, -0.03)):
        decision, reasons = decide(0.01, lower, upper)
        assert decision is Recommendation.CONTINUE
        assert reasons == ["sequential CI is empty: estimates moved inconsistently"]


def test_the_policys_alpha_decides_both_directions():
    loose = DecisionPolicy(alpha=0.1)
    assert decide(0.07, -0.03, -0.001, loose)[0] is Recommendation.KEEP_CONTROL
    assert decide(0.07, 0.001, 0.03, loose)[0] is Recommendation.PROMOTE
    decision, reasons = decide(0.07, 0.001, 0.03)
    assert decision is Recommendation.CONTINUE and reasons == ["sequential p=0.07 > alpha=0.05"]


def test_minimum_outcomes_per_arm_is_inclusive():
    policy = DecisionPolicy(min_outcomes_per_arm=500)
    assert decide(0.01, 0.001, 0.03, policy)[0] is Recommendation.PROMOTE
    decision, reasons = decide(0.01, 0.001, 0.03, policy, ArmTally(499, 50))
    assert decision is Recommendation.CONTINUE
    assert reasons == ["499 outcomes in the smaller arm, need 500"]


CTX = ExperimentContext("exp-1", "lead-scoring", "ab", 0.5, "3", "4")


def test_the_report_uses_the_policys_srm_alpha_and_burn_in():
    strict = DecisionPolicy(srm_alpha=0.05)
    # 4878 / 5122 of 10,000: chi2 = 5.95, p = 0.015 (below 5 %, above 0.1 %)
    report, _ = build_report(CTX, ARM, ARM, SequentialState(), NOW, strict,
                             assigned=(4878, 5122))
    assert report.recommendation is Recommendation.INVALID and not report.srm_ok
    late = DecisionPolicy(burn_in=600)
    report, state = build_report(CTX, ArmTally(500, 20), ArmTally(500, 120),
                                 SequentialState(), NOW, late)
    assert state.p_value == 1.0 and state.estimate is None and report.sequential_looks == 1


def test_the_report_names_versions_rates_and_assigned_counts():
    report, _ = build_report(CTX, ArmTally(400, 40), ArmTally(500, 70), SequentialState(),
                             NOW, assigned=(1000, 1010))
    c, t = report.control, report.treatment
    assert (c.variant, c.model_version, c.assigned, c.outcomes, c.conversions) == (
        Variant.CONTROL, "3", 1000, 400, 40)
    assert (t.variant, t.model_version, t.assigned, t.conversion_rate) == (
        Variant.TREATMENT, "4", 1010, 0.14)
    assert c.conversion_rate == 0.1
    assert report.absolute_lift.estimate == 0.14 - 0.1
    assert report.absolute_lift.method == "newcombe" and report.absolute_lift.upper > 0.04
    unknown, _ = build_report(CTX, ArmTally(400, 40), ArmTally(500, 70), SequentialState(), NOW)
    assert unknown.control.assigned is None and unknown.treatment.assigned is None


def test_no_fixed_horizon_test_with_an_empty_arm():
    report, _ = build_report(CTX, ArmTally(0, 0), ArmTally(50, 5), SequentialState(), NOW)
    assert report.fixed_horizon_p_value is None
    report, _ = build_report(CTX, ArmTally(50, 5), ArmTally(0, 0), SequentialState(), NOW)
    assert report.fixed_horizon_p_value is None
