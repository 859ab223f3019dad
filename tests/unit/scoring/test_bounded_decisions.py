"""The bounded test in the decisions: chosen by the policy (TOML, settings), its state never
mixed with the mSPRT's, and its horizon ends an undecided experiment with keep_control."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from schemas.errors import FatalError
from schemas.experiments import ExperimentReport, Recommendation
from schemas.monitor import GuardrailLevel
from schemas.policy import ProgressionPolicy
from scoring.experiments import (
    ArmCounts,
    ArmTally,
    DecisionPolicy,
    ExperimentContext,
    SequentialState,
    build_report,
    sequential_look,
    state_from_report,
)
from scoring.experiments.bounded import bounded_look
from scoring.experiments.policy import parse_policy
from scoring.experiments.progression import Action, Evidence, Progress, decide

CTX = ExperimentContext("e", "m", "ab", 0.5, "1", "2")
NOW = datetime(2026, 1, 5, tzinfo=UTC)
BOUNDED = DecisionPolicy(test="bounded")


def test_the_policy_runs_the_test_it_names():
    c, t = ArmCounts(3000, 300), ArmCounts(3000, 345)
    assert BOUNDED.look(SequentialState(), c, t) == bounded_look(SequentialState(), c, t)
    msprt = DecisionPolicy()
    assert msprt.test == "msprt"
    assert msprt.look(SequentialState(), c, t) == sequential_look(SequentialState(), c, t,
                                                                  msprt.tau2)


def test_a_state_of_the_other_test_is_not_continued():
    """An mSPRT state that already rejected must not make the bounded test reject."""
    c, t = ArmCounts(3000, 300), ArmCounts(3000, 300)
    rejected = SequentialState(looks=7, p_value=0.001, lower=0.01, upper=0.05)
    state = BOUNDED.look(rejected, c, t)
    assert state.looks == 8 and state.p_value > 0.05 and state.lower < 0 < state.upper
    back = DecisionPolicy().look(state, c, t)  # and the mSPRT starts afresh after it
    assert back.method == "msprt_confidence_sequence" and back.looks == 9


def test_the_report_keeps_the_state_and_keeps_control_at_the_horizon():
    first, state = build_report(CTX, ArmTally(3000, 300), ArmTally(3000, 310),
                                SequentialState(), NOW, BOUNDED)
    assert first.recommendation is Recommendation.CONTINUE and 0 < first.information < 1
    resumed = state_from_report(ExperimentReport.model_validate_json(first.model_dump_json()))
    assert resumed == state
    last, _ = build_report(CTX, ArmTally(9000, 900), ArmTally(9000, 910), resumed, NOW,
                           BOUNDED)
    assert last.information >= 1 and last.sequential_ci == first.sequential_ci
    assert last.recommendation is Recommendation.KEEP_CONTROL
    assert "horizon reached" in last.reasons[0]


def evidence(window: int, horizon: bool, lower: float) -> Evidence:
    return Evidence(window_end_ms=window * 1000, treatment_share=0.5,
                    guardrails={"model_error_rate": GuardrailLevel.HEALTHY}, srm_ok=True,
                    srm_p_value=0.5, control_outcomes=5000, treatment_outcomes=5000,
                    control_conversions=500, treatment_conversions=500,
                    treatment_assigned=5000 * window, p_value=0.4, lower=lower,
                    upper=lower + 0.03, horizon_reached=horizon)


@pytest.mark.parametrize(("horizon", "lower", "action"), [
    (False, -0.02, Action.HOLD),     # inconclusive before the horizon: wait
    (True, -0.02, Action.STOP),      # at the horizon: final, keep control
    (True, -0.005, Action.PROMOTE),  # at the horizon, not worse by more than the margin
])
def test_the_progression_stops_at_the_horizon_only_when_it_cannot_promote(horizon, lower,
                                                                          action):
    policy = ProgressionPolicy(steps=(0.5,), min_windows=1, min_samples=0, margin=0.01,
                               min_outcomes_per_arm=100, max_windows=100)
    _, d = decide(Progress(experiment_id="x", policy=policy), evidence(1, horizon, lower))
    assert d is not None and d.action is action
    assert d.evidence["horizon_reached"] == int(horizon)


def test_the_horizon_stop_waits_for_nothing_at_an_earlier_step():
    policy = ProgressionPolicy(steps=(0.25, 0.5), min_windows=3, min_samples=0, margin=0.01)
    p = Progress(experiment_id="x", policy=policy)
    _, d = decide(p, replace(evidence(1, True, -0.02), treatment_share=0.25))
    assert d is not None and d.action is Action.STOP
    assert "horizon" in d.reasons[-1]


def test_the_toml_names_the_test():
    assert parse_policy("[verdict]\ntest = 'msprt'\n").test == "msprt"
    assert parse_policy("[verdict]\ntest = 'bounded'\n").test == "bounded"
    assert parse_policy("").test is None  # the setting decides
    with pytest.raises(FatalError, match="test"):
        parse_policy("[verdict]\ntest = 'fixed'\n")
