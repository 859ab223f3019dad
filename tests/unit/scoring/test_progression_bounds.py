"""The canary's decision at each threshold's exact value, and the words of its reasons
(worked cases: the expected action and text are written out, not computed)."""

from __future__ import annotations

from schemas.monitor import GuardrailLevel
from schemas.policy import ProgressionPolicy
from scoring.experiments.progression import Action, Progress, decide
from tests.unit.scoring.test_progression import good

H, W, C = GuardrailLevel.HEALTHY, GuardrailLevel.WARNING, GuardrailLevel.CRITICAL


def first(policy: ProgressionPolicy, **evidence):
    fields = {"window": 1, "share": policy.steps[0], "assigned": 10} | evidence
    return decide(Progress(experiment_id="x", policy=policy),
                  good(fields.pop("window"), fields.pop("share"), fields.pop("assigned"),
                       **fields))[1]


def test_a_p_value_equal_to_alpha_is_significant_and_a_worse_treatment_aborts():
    d = first(ProgressionPolicy(alpha=0.25), p_value=0.25, lower=-0.5, upper=-0.125)
    assert d.action is Action.ABORT
    assert d.reasons == ("treatment converts worse: always-valid CI upper -0.1250 < 0 "
                         "(p=0.25)",)


def test_an_upper_bound_of_exactly_zero_or_above_does_not_abort():
    for upper in (0.0, 0.5):
        d = first(ProgressionPolicy(min_windows=1, min_samples=0), p_value=0.01,
                  lower=-0.5, upper=upper)
        assert d.action is Action.ADVANCE, upper


def test_exactly_the_dwell_advances_and_names_the_next_step():
    policy = ProgressionPolicy(steps=(0.05, 0.25, 0.5), min_windows=1, min_samples=10)
    d = first(policy, assigned=10)
    assert d.action is Action.ADVANCE
    assert d.reasons == ("dwell met (1 windows, 10 leads), guardrails HEALTHY: 5% -> 25%",)


def test_exactly_the_outcomes_per_arm_may_promote():
    policy = ProgressionPolicy(steps=(0.5,), min_windows=1, min_samples=0,
                               min_outcomes_per_arm=200)
    d = first(policy, control_outcomes=200, treatment_outcomes=201)
    assert d.action is Action.PROMOTE
    d = first(policy, control_outcomes=199, treatment_outcomes=500)
    assert (d.action, d.reasons) == (Action.HOLD, ("199/200 outcomes in the smaller arm",))


def test_a_lower_bound_of_exactly_minus_the_margin_does_not_promote():
    policy = ProgressionPolicy(steps=(0.5,), min_windows=1, min_samples=0, margin=0.25)
    assert first(policy, lower=-0.25, upper=0.5).action is Action.HOLD
    assert first(policy, lower=-0.125, upper=0.5).action is Action.PROMOTE


def test_reasons_list_every_guardrail_they_name():
    policy = ProgressionPolicy(min_windows=1, min_samples=0)
    d = first(policy, levels={"a": C, "b": C, "c": H})
    assert (d.action, d.reasons) == (Action.ABORT, ("guardrail(s) a, b CRITICAL",))
    d = first(ProgressionPolicy(healthy=("a", "b", "c")), levels={"a": W, "c": H})
    assert d.reasons == ("guardrail(s) not HEALTHY: a=WARNING, b=unreported",)


def test_a_promotion_says_better_only_above_zero():
    policy = ProgressionPolicy(steps=(0.5,), min_windows=1, min_samples=0, margin=0.25)
    d = first(policy, lower=0.125, upper=0.5)
    assert d.reasons == ("treatment better: always-valid CI [+0.1250, +0.5000] at alpha 0.05",)
    d = first(policy, lower=0.0, upper=0.5)
    assert d.reasons == ("treatment not worse by more than 0.25: always-valid CI [+0.0000, "
                         "+0.5000] at alpha 0.05",)


def test_an_advance_is_kept_whole_in_the_progress_and_the_decision():
    policy = ProgressionPolicy(steps=(0.05, 0.25, 0.5), min_windows=1, min_samples=0)
    new, d = decide(Progress(experiment_id="x", policy=policy),
                    good(7, 0.05, 30, decided_at_ms=7500))
    assert (d.action, d.share_from, d.share_to) == (Action.ADVANCE, 0.05, 0.25)
    assert (new.step, new.step_windows, new.total_windows, new.last_window_end_ms,
            new.last_action, new.last_reasons, new.step_start_assigned,
            new.step_started_ms) == (1, 0, 1, 7000, Action.ADVANCE, d.reasons, 30, 7500)


def test_every_refusing_webhook_is_named():
    policy = ProgressionPolicy(steps=(0.05, 0.25), min_windows=1, min_samples=0)
    _, d = decide(Progress(experiment_id="x", policy=policy), good(1, 0.05, 1),
                  gate_refusals=("desk: 403", "ops: timed out"))
    assert d.reasons[-1] == "held by webhook: desk: 403; ops: timed out"
