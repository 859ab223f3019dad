"""The guardrail policy loader and state machine: escalation, k clean windows, cooldown."""

from __future__ import annotations

import pytest

from monitors.guardrails import RoleState, WindowMetrics, step
from monitors.policy import (
    Action,
    Guardrail,
    GuardrailPolicy,
    PolicyError,
    load_policy,
    parse_policy,
)
from schemas.monitor import GuardrailLevel, ModelRole

H, W, C = GuardrailLevel.HEALTHY, GuardrailLevel.WARNING, GuardrailLevel.CRITICAL
MINUTE = 60_000


def _policy(**kw) -> GuardrailPolicy:
    base = dict(name="errors", metric="error_rate", warn=0.01, critical=0.05, min_samples=100,
                consecutive=1, action="rollback", cooldown_s=600, clean_windows=3)
    return GuardrailPolicy((Guardrail(**{**base, **kw}),))


def _run(policy, values, n=1000, start=None):
    state = start or RoleState("lead-scoring", ModelRole.CHAMPION, "7")
    levels, rollbacks, transitions = [], [], []
    for i, v in enumerate(values):
        m = WindowMetrics(i * MINUTE, (i + 1) * MINUTE, n, {"error_rate": v})
        state, events = step(state, m, policy)
        levels.append(state.level)
        rollbacks.append(events.rollback)
        transitions += events.transitions
    return state, levels, rollbacks, transitions


def test_default_policy_loads_with_the_six_guardrails():
    policy = load_policy()
    names = {g.name: g for g in policy.guardrails}
    assert set(names) == {"model_error_rate", "latency_p95", "score_collapse",
                          "deadletter_rate", "treatment_conversion", "model_auc"}
    assert names["deadletter_rate"].action is Action.ALERT
    assert names["model_auc"].action is Action.ALERT and names["model_auc"].min_samples == 100
    assert all(g.clean_windows == 3 and g.cooldown_s == 600 for g in policy.guardrails)


def test_escalation_and_return_only_after_k_clean_windows():
    _, levels, _, transitions = _run(_policy(), [0.0, 0.02, 0.1, 0.0, 0.02, 0.0, 0.0, 0.0, 0.0])
    assert levels == [H, W, C, C, C, C, C, H, H]
    assert [(t.from_level, t.to_level) for t in transitions] == [(H, W), (W, C), (C, H)]


def test_consecutive_windows_before_entering_a_level():
    _, levels, _, _ = _run(_policy(consecutive=2), [0.1, 0.0, 0.1, 0.1, 0.02])
    assert levels == [H, H, H, C, C]


def test_too_few_samples_changes_nothing():
    _, levels, _, _ = _run(_policy(), [0.5, 0.5], n=50)
    assert levels == [H, H]
    state, levels, _, _ = _run(_policy(), [0.1])
    _, levels, _, _ = _run(_policy(), [None, 0.0, 0.0], start=state)
    assert levels == [C, C, C]  # the no-data window does not count as clean


def test_rollback_once_per_episode_and_respects_cooldown():
    values = [0.1, 0.1, 0.0, 0.0, 0.0, 0.1, 0.1]  # critical, healthy again, critical again
    _, _, rollbacks, _ = _run(_policy(cooldown_s=600), values)
    fired = [i for i, r in enumerate(rollbacks) if r is not None]
    assert fired == [0]  # window 5 is 5 minutes later: inside the 10-minute cooldown
    _, _, rollbacks, _ = _run(_policy(cooldown_s=240), values)
    fired = [i for i, r in enumerate(rollbacks) if r is not None]
    assert fired == [0, 5]
    r = rollbacks[0]
    assert (r.guardrail, r.metric, r.value, r.threshold) == ("errors", "error_rate", 0.1, 0.05)
    assert (r.window_start_ms, r.window_end_ms, r.model_version) == (0, MINUTE, "7")


def test_cooldown_delays_but_does_not_drop_a_rollback():
    state = RoleState("lead-scoring", ModelRole.CHAMPION, "7", last_rollback_ms=0)
    _, _, rollbacks, _ = _run(_policy(cooldown_s=180), [0.1, 0.1, 0.1, 0.1], start=state)
    assert [i for i, r in enumerate(rollbacks) if r is not None] == [2]


def test_alert_action_never_rolls_back():
    _, levels, rollbacks, _ = _run(_policy(action="alert"), [0.5, 0.5])
    assert levels == [C, C] and rollbacks == [None, None]


def test_below_direction_and_boolean_hook():
    policy = GuardrailPolicy((
        Guardrail("auc", "auc", warn=0.7, critical=0.6, direction="below"),
        Guardrail("ab", "treatment_below_control", warn=0.5, critical=0.5, action="rollback"),
    ))
    state = RoleState("m", ModelRole.CHALLENGER, "2")
    state, ev = step(state, WindowMetrics(0, 1, 10, {"auc": 0.65}), policy)
    assert state.guards["auc"].level is W and ev.rollback is None
    state, ev = step(state, WindowMetrics(1, 2, 10, {"treatment_below_control": True}), policy)
    assert state.level is C and ev.rollback.guardrail == "ab"


def test_policy_validation():
    with pytest.raises(PolicyError):
        Guardrail("x", "m", warn=0.5, critical=0.1)
    with pytest.raises(PolicyError):
        parse_policy({"guardrail": [{"name": "x", "metric": "m", "warn": 1, "critical": 2,
                                     "colour": "red"}]})
    with pytest.raises(PolicyError):
        parse_policy({"paging": True})
    with pytest.raises(PolicyError):
        load_policy("/nonexistent/policy.toml")


def test_policy_file_defaults_apply(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text('cooldown_s = 30\n[[guardrail]]\nname = "a"\nmetric = "m"\n'
                    'warn = 1\ncritical = 2\n')
    (g,) = load_policy(path).guardrails
    assert g.cooldown_s == 30 and g.clean_windows == 3 and g.action is Action.ALERT
