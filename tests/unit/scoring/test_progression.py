"""The canary's automatic decision: safety properties (hypothesis) and worked cases."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.monitor import GuardrailLevel
from schemas.policy import ProgressionPolicy, WebhookGate
from scoring.experiments.progression import Action, Evidence, Progress, decide, step_of
from tests.strategies.progression import evidence, policies

H = GuardrailLevel.HEALTHY


def good(window: int, share: float, assigned: int, lower: float = 0.01,
         levels: dict | None = None, **kw) -> Evidence:
    fields = dict(window_end_ms=window * 1000, treatment_share=share,
                  guardrails=levels if levels is not None else {"model_error_rate": H},
                  srm_ok=True, srm_p_value=0.5, control_outcomes=500, treatment_outcomes=500,
                  control_conversions=50, treatment_conversions=60,
                  treatment_assigned=assigned, p_value=0.2, lower=lower, upper=lower + 0.05)
    return Evidence(**(fields | kw))


def run(progress: Progress, windows: list[Evidence]) -> list[Action]:
    actions = []
    for e in windows:
        progress, d = decide(progress, e)
        actions.append(d.action if d else None)
    return actions


@settings(max_examples=300, deadline=None)
@given(data=st.data(), policy=policies())
def test_never_unsafe_monotone_and_idempotent(data, policy: ProgressionPolicy):
    p = Progress(experiment_id="x", policy=policy)
    assigned = 0
    for w in range(1, 25):
        assigned += data.draw(st.integers(0, 200))
        e = data.draw(evidence(w * 1000, p.share, assigned))
        new, d = decide(p, e)
        assert decide(new, e) == (new, None)  # a replayed window decides nothing again
        if p.finished:
            assert d is None and new == p
            continue
        assert d is not None and new.step >= p.step and new.total_windows == p.total_windows + 1
        names = policy.healthy or tuple(e.guardrails)
        if d.action in (Action.ADVANCE, Action.PROMOTE):
            assert all(e.guardrails.get(n) is H for n in names), (d, e)
            assert e.srm_ok
        if d.action is Action.ADVANCE:
            assert new.step == p.step + 1 and d.share_to == policy.steps[new.step]
        else:
            assert new.step == p.step
        if d.action is Action.PROMOTE:
            assert p.last_step and e.lower is not None and e.lower > -policy.margin
            assert min(e.control_outcomes, e.treatment_outcomes) >= policy.min_outcomes_per_arm
        if d.action is Action.STOP:
            assert new.total_windows >= policy.max_windows
        p = new


def test_a_better_challenger_walks_every_step_to_promotion():
    policy = ProgressionPolicy(steps=(0.05, 0.1, 0.25, 0.5), min_windows=2, min_samples=10)
    p, actions, assigned = Progress(experiment_id="x", policy=policy), [], 0
    for w in range(1, 20):
        assigned += 20
        p, d = decide(p, good(w, p.share, assigned))
        actions.append(d.action)
        if p.finished:
            break
    assert actions == [Action.HOLD, Action.ADVANCE] * 3 + [Action.HOLD, Action.PROMOTE]
    assert p.step == 3 and p.last_action is Action.PROMOTE


def test_dwell_counts_samples_served_at_the_step_not_before():
    policy = ProgressionPolicy(steps=(0.1, 0.5), min_windows=1, min_samples=100)
    p = Progress(experiment_id="x", policy=policy)
    p, d = decide(p, good(1, 0.1, 150))
    assert d.action is Action.ADVANCE and p.step_start_assigned == 150
    p, d = decide(p, good(2, 0.5, 240))
    assert d.action is Action.HOLD and "90/100 leads" in d.reasons[0]


def test_worse_treatment_or_a_critical_guardrail_aborts():
    p = Progress(experiment_id="x", policy=ProgressionPolicy())
    _, d = decide(p, good(1, 0.05, 10, lower=-0.08, p_value=0.01))  # CI [-0.08, -0.03]
    assert d.action is Action.ABORT and "worse" in d.reasons[0]
    crit = {"model_error_rate": H, "latency_p95": GuardrailLevel.CRITICAL}
    _, d = decide(p, good(1, 0.05, 10, levels=crit))
    assert d.action is Action.ABORT and "latency_p95" in d.reasons[0]
    only = Progress(experiment_id="x", policy=ProgressionPolicy(healthy=("model_error_rate",),
                                                                  min_windows=1, min_samples=0))
    _, d = decide(only, good(1, 0.05, 10, levels=crit))  # latency is not one it must pass
    assert d.action is Action.ADVANCE


def test_srm_a_warning_or_a_missing_guardrail_holds():
    p = Progress(experiment_id="x", policy=ProgressionPolicy(
        healthy=("model_error_rate",), min_windows=1, min_samples=0))
    for e in (good(1, 0.05, 10, srm_ok=False, srm_p_value=1e-6),
              good(1, 0.05, 10, levels={"model_error_rate": GuardrailLevel.WARNING}),
              good(1, 0.05, 10, levels={})):
        _, d = decide(p, e)
        assert d.action is Action.HOLD


def test_inconclusive_holds_then_stops_keeping_control():
    policy = ProgressionPolicy(steps=(0.5,), min_windows=1, min_samples=0, max_windows=3)
    p = Progress(experiment_id="x", policy=policy)
    wide = {"lower": -0.2}
    assert run(p, [good(w, 0.5, w, **wide) for w in (1, 2, 3, 4)]) == [
        Action.HOLD, Action.HOLD, Action.STOP, None]


def test_a_refusing_webhook_holds_instead_of_promoting():
    hook = WebhookGate(name="desk", url="http://127.0.0.1:9/confirm")
    policy = ProgressionPolicy(steps=(0.5,), min_windows=1, min_samples=0, webhooks=(hook,))
    p = Progress(experiment_id="x", policy=policy)
    new, d = decide(p, good(1, 0.5, 1), gate_refusals=("desk: timed out",))
    assert d.action is Action.HOLD and "held by webhook: desk: timed out" in d.reasons[-1]
    assert not new.finished and decide(new, good(2, 0.5, 2))[1].action is Action.PROMOTE
    assert policy.gates("promote") == (hook,) and policy.gates("advance") == ()


def test_a_share_set_by_hand_moves_the_step_and_restarts_the_dwell():
    policy = ProgressionPolicy(steps=(0.05, 0.1, 0.25, 0.5), min_windows=2, min_samples=0)
    p = Progress(experiment_id="x", policy=policy)
    p, _ = decide(p, good(1, 0.05, 10))
    assert p.step_windows == 1
    p, d = decide(p, good(2, 0.25, 20))  # someone ran `experiment step --share 0.25`
    assert (p.step, p.step_windows, d.action, d.share_from) == (2, 1, Action.HOLD, 0.25)
    assert [step_of(policy, s) for s in (0.01, 0.05, 0.3, 1.0)] == [0, 0, 2, 3]


def test_a_backlog_window_from_before_the_step_does_not_count_toward_its_dwell():
    policy = ProgressionPolicy(steps=(0.05, 0.5), min_windows=1, min_samples=0)
    p = Progress(experiment_id="x", policy=policy)
    p, d = decide(p, good(10, 0.05, 10, window_start_ms=8_000, decided_at_ms=60_000))
    assert d.action is Action.ADVANCE and p.step_started_ms == 60_000
    # windows that closed during an outage arrive now: served at 5 %, not at 50 %
    for w in (12, 14):
        p, d = decide(p, good(w, 0.5, 20, window_start_ms=w * 1000 - 2000,
                              decided_at_ms=61_000))
        assert d.action is Action.HOLD and "began before the step" in d.reasons[0]
        assert p.step_windows == 0
    p, d = decide(p, good(62, 0.5, 30, window_start_ms=60_000, decided_at_ms=62_500))
    assert d.action is Action.PROMOTE


def test_a_share_set_by_hand_between_two_steps_does_not_stall_the_canary():
    policy = ProgressionPolicy(steps=(0.05, 0.25, 0.5), min_windows=2, min_samples=0)
    p = Progress(experiment_id="x", policy=policy)
    actions = []
    for w, share in ((1, 0.3), (2, 0.3), (3, 0.5)):  # someone set 30 %: at the 25 % step
        p, d = decide(p, good(w, share, w))
        actions.append(d.action)
    assert actions == [Action.HOLD, Action.ADVANCE, Action.HOLD] and p.step == 2


def test_evidence_is_counts_and_tests_only():
    d = decide(Progress(experiment_id="x", policy=ProgressionPolicy()), good(1, 0.05, 7))[1]
    assert d.key == "auto:x:1000"
    assert d.evidence["treatment_assigned"] == 7 and d.evidence["srm_ok"] == 1
    assert d.evidence["guardrail.model_error_rate"] == "HEALTHY"
    assert d.evidence["lower"] == 0.01 and d.evidence["window_end_ms"] == 1000


def test_a_share_a_hair_below_a_step_is_at_that_step():
    policy = ProgressionPolicy(steps=(0.05, 0.25, 0.5))
    assert step_of(policy, 0.25 - 1e-9) == 1  # within the 1e-9 a float round trip loses
    assert step_of(policy, 0.25 - 1e-8) == 0


def test_a_share_set_by_hand_counts_the_leads_served_from_that_decision():
    policy = ProgressionPolicy(steps=(0.05, 0.25, 0.5), min_windows=1, min_samples=100)
    p = Progress(experiment_id="x", policy=policy, step_start_assigned=3)
    p, d = decide(p, good(1, 0.25, 40, decided_at_ms=900))  # at 25 % by hand, 40 so far
    assert (p.step, p.step_start_assigned, p.step_started_ms) == (1, 40, 900)
    p, d = decide(p, good(2, 0.25, 139, window_start_ms=1000))  # window 1 began before
    assert d.action is Action.HOLD and d.reasons == ("dwell 1/1 windows, 99/100 leads at 25%",)


def test_an_inconclusive_interval_it_cannot_bound_is_shown_as_dashes():
    policy = ProgressionPolicy(steps=(0.5,), min_windows=1, min_samples=0)
    _, d = decide(Progress(experiment_id="x", policy=policy),
                  good(1, 0.5, 1, upper=None))
    assert d.reasons == ("inconclusive: always-valid CI [+0.0100, -] reaches below -0.01",)
    _, d = decide(Progress(experiment_id="x", policy=policy),
                  good(1, 0.5, 1, lower=-0.25, upper=0.125))
    assert d.reasons == ("inconclusive: always-valid CI [-0.2500, +0.1250] reaches below "
                         "-0.01",)
