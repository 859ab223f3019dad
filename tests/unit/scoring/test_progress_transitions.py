"""Automatic decisions applied to the controller's state: the same transitions a person's
requests take, keyed by window (a replay is a duplicate), audited with their evidence."""

from __future__ import annotations

from datetime import UTC, datetime

from schemas.control import ControlAction, ControlRequest, ServingMode
from schemas.policy import ProgressionPolicy
from scoring.control import ControlState, apply_request
from scoring.control.progress import apply_decision, with_progress
from scoring.experiments.progression import Action, Decision, Progress, decide
from tests.unit.scoring.test_progression import good

T0 = datetime(2026, 1, 5, 10, tzinfo=UTC)
T0_MS = int(T0.timestamp() * 1000)
POLICY = ProgressionPolicy(steps=(0.05, 0.5), min_windows=1, min_samples=0)


def started(policy: ProgressionPolicy = POLICY) -> ControlState:
    seed = apply_request(ControlState(model_name="m"), ControlRequest(
        request_id="p", model_name="m", action=ControlAction.PROMOTE_VERSION, version="1",
        actor="a", requested_at=T0), T0).state
    start = ControlRequest(request_id="s", model_name="m", action=ControlAction.START_EXPERIMENT,
                           mode=ServingMode.CANARY, challenger_version="2", experiment_id="x",
                           policy=policy, actor="a", requested_at=T0)
    return apply_request(seed, start, T0).state


def step(state: ControlState, window: int, **kw):
    start = T0_MS + window * 10_000
    progress, decision = decide(state.progress, good(
        window, state.config.treatment_share, window * 100, window_start_ms=start,
        decided_at_ms=start + 2000, **kw))
    return progress, decision, apply_decision(state, progress, decision, T0)


def test_a_policy_start_takes_its_steps_and_keeps_a_progress():
    s = started()
    assert s.config.canary_steps == (0.05, 0.5) and s.config.treatment_share == 0.05
    assert s.progress == Progress(experiment_id="x", policy=POLICY, step_started_ms=T0_MS)


def test_advance_then_promote_audited_with_evidence_and_replays_are_duplicates():
    s = started()
    progress, d, t = step(s, 1)
    assert d.action is Action.ADVANCE and t.config.treatment_share == 0.5
    assert t.audit.action == "auto_advance" and t.audit.actor == "auto-progression"
    assert t.audit.request_id == "auto:x:1000" and t.audit.evidence["window_end_ms"] == 1000
    assert t.state.progress.step == 1
    replay = apply_decision(t.state, progress, d, T0)  # redelivered after a restart
    assert replay.duplicate and replay.state.config == t.config
    _, d2, t2 = step(t.state, 2)
    assert d2.action is Action.PROMOTE and t2.audit.action == "auto_promote"
    assert (t2.config.champion_version, t2.config.mode) == ("2", ServingMode.OFF)
    assert t2.state.progress is None and t2.state.former_champions[-1] == "1"


def test_abort_stops_and_marks_the_challenger_rolled_back_stop_does_not():
    _, d, t = step(started(), 1, lower=-0.1, p_value=0.001)
    assert d.action is Action.ABORT and t.audit.action == "auto_abort"
    assert t.config.mode is ServingMode.OFF and t.state.rolled_back == frozenset({"2"})
    assert "2" in t.state.rollback_at and t.state.progress is None
    policy = ProgressionPolicy(steps=(0.5,), min_windows=1, min_samples=0, max_windows=1)
    _, d, t = step(started(policy), 1, lower=-0.2)
    assert d.action is Action.STOP and t.config.mode is ServingMode.OFF
    assert t.state.rolled_back == frozenset() and t.config.champion_version == "1"


def test_a_hold_changes_only_the_progress():
    s = started(ProgressionPolicy(min_windows=3))
    progress, d, t = step(s, 1)
    assert d.action is Action.HOLD and t is None
    held = with_progress(s, progress)
    assert held.config == s.config and held.progress.step_windows == 1


def test_a_manual_stop_or_promote_overrides_and_drops_the_progress():
    s = started()
    for action in (ControlAction.STOP_EXPERIMENT, ControlAction.PROMOTE_CHALLENGER):
        t = apply_request(s, ControlRequest(request_id=action.value, model_name="m",
                                            action=action, actor="bob", requested_at=T0), T0)
        assert t.config.mode is ServingMode.OFF and t.state.progress is None
    after_stop = apply_request(s, ControlRequest(
        request_id="stop", model_name="m", action=ControlAction.STOP_EXPERIMENT, actor="bob",
        requested_at=T0), T0).state
    late = Decision(Action.PROMOTE, ("late",), "x", 9000, 0.5, 0.5)
    t = apply_decision(after_stop, s.progress, late, T0)  # a decision racing the stop
    assert t.refusal is not None and t.state.config.champion_version == "1"
