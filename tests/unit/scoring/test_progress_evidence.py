"""A window's evidence from a guardrail report and a look; the report's progression view."""

from __future__ import annotations

from datetime import UTC, datetime

from schemas.control import ModelRole, ServingConfig, ServingMode
from schemas.experiments import ArmSummary, ExperimentReport, Interval, Recommendation
from schemas.monitor import GuardrailLevel, GuardrailReport, GuardrailStatus
from schemas.policy import ProgressionPolicy
from schemas.scored import Variant
from scoring.experiments.progress_evidence import evidence_from
from scoring.experiments.progress_view import progress_view
from scoring.experiments.progression import Progress, decide

T0 = datetime(2026, 1, 5, tzinfo=UTC)


def config(share: float) -> ServingConfig:
    return ServingConfig(model_name="m", champion_version="1", challenger_version="2",
                         mode=ServingMode.CANARY, treatment_share=share,
                         canary_steps=(0.05, 0.25), experiment_id="x", salt="s", sequence=2,
                         actor="a", updated_at=T0)


def look(srm_ok: bool) -> ExperimentReport:
    ci = Interval(estimate=0.01, lower=-0.02, upper=0.04, method="msprt")
    return ExperimentReport(
        experiment_id="x", model_name="m", mode=ServingMode.CANARY, treatment_share=0.25,
        control=ArmSummary(variant=Variant.CONTROL, assigned=900, outcomes=800, conversions=80),
        treatment=ArmSummary(variant=Variant.TREATMENT, assigned=100, outcomes=90,
                             conversions=10),
        srm_p_value=1e-5 if not srm_ok else 0.4, srm_ok=srm_ok, absolute_lift=ci,
        relative_lift=ci, sequential_p_value=0.6, sequential_ci=ci, sequential_looks=4,
        tau2=0.001, alpha=0.05, min_outcomes_per_arm=200, treatment_worse=False,
        recommendation=Recommendation.CONTINUE, generated_at=T0)


def guardrails(level: GuardrailLevel) -> GuardrailReport:
    status = GuardrailStatus(name="model_auc", metric="auc", value=0.8, level=level, warn=0.7,
                             critical=0.6, action="alert", breach_streak=0, clean_streak=3)
    return GuardrailReport(model_name="m", role=ModelRole.CHALLENGER, model_version="2",
                           window_start_ms=0, window_end_ms=2000, state=level,
                           guardrails=[status], emitted_at=T0)


def test_evidence_reads_counts_tests_and_guardrail_levels():
    e = evidence_from(guardrails(GuardrailLevel.WARNING), config(0.05), look(True), 5000)
    assert (e.window_end_ms, e.treatment_share, e.treatment_assigned) == (2000, 0.05, 100)
    assert (e.control_outcomes, e.treatment_conversions, e.p_value) == (800, 10, 0.6)
    assert (e.lower, e.upper, e.looks) == (-0.02, 0.04, 4)
    assert e.guardrails == {"model_auc": GuardrailLevel.WARNING} and e.srm_checked
    assert (e.window_start_ms, e.decided_at_ms) == (0, 5000)
    assert e.as_dict()["value.model_auc"] == 0.8 and e.as_dict()["guardrail.model_auc"] == (
        "WARNING")


def test_srm_is_read_at_the_first_step_only():
    first = evidence_from(guardrails(GuardrailLevel.HEALTHY), config(0.05), look(False), 5000)
    assert not first.srm_ok and first.srm_p_value == 1e-5
    later = evidence_from(guardrails(GuardrailLevel.HEALTHY), config(0.25), look(False), 5000)
    assert later.srm_ok and not later.srm_checked and later.srm_p_value == 1.0


def test_the_view_says_where_the_canary_stands_and_what_comes_next():
    policy = ProgressionPolicy(steps=(0.05, 0.25), min_windows=3, min_samples=50)
    p = Progress(experiment_id="x", policy=policy)
    p, _ = decide(p, evidence_from(guardrails(GuardrailLevel.HEALTHY), config(0.05),
                                   look(True), 5000))
    v = progress_view(p, 130)
    assert (v["step"], v["steps"], v["share"], v["windows_at_step"]) == (1, 2, 0.05, 1)
    assert (v["leads_at_step"], v["windows"], v["last_action"]) == (130, 1, "hold")
    assert v["next"].startswith("advance to 25% at the close of the 2nd window")
    last = progress_view(p.model_copy(update={"step": 1}), 130)
    assert last["next"].startswith("promote when the always-valid CI's lower bound is above")


def test_a_report_past_the_first_canary_step_does_not_read_the_mixed_split():
    from scoring.experiments import ArmTally, DecisionPolicy, ExperimentContext, build_report
    from scoring.experiments.sequential import SequentialState

    tallies = ArmTally(500, 50, 0.0), ArmTally(300, 30, 0.0)
    assigned = (9000, 1000)  # 10 % routed, the share now is 25 %: a mismatch if read
    for checkable, ok in ((True, False), (False, True)):
        ctx = ExperimentContext("x", "m", "canary", 0.25, srm_checkable=checkable)
        report, _ = build_report(ctx, *tallies, SequentialState(), T0,
                                 DecisionPolicy(min_outcomes_per_arm=10), assigned)
        assert report.srm_ok is ok and (report.recommendation.value == "invalid") is not ok
        assert ("SRM not checked" in " ".join(report.reasons)) is not checkable
