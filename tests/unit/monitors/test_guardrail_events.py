"""Guardrail events field by field: transitions, the rollback decision, one per episode."""

from __future__ import annotations

from monitors.guardrails import GuardState, RoleState, WindowMetrics, step, step_guard
from monitors.policy import Guardrail, GuardrailPolicy
from schemas.monitor import GuardrailLevel, ModelRole

H, W, C = GuardrailLevel.HEALTHY, GuardrailLevel.WARNING, GuardrailLevel.CRITICAL
M = 60_000
G = Guardrail(name="errors", metric="error_rate", warn=0.01, critical=0.05, min_samples=100,
              consecutive=1, action="rollback", cooldown_s=600, clean_windows=2)
LAT = Guardrail(name="slow", metric="p95_ms", warn=50, critical=100, min_samples=10,
                action="alert")
POLICY = GuardrailPolicy((G, LAT))


def window(i: int, error_rate, p95=None, n=1000, samples=None) -> WindowMetrics:
    return WindowMetrics(i * M, (i + 1) * M, n, {"error_rate": error_rate, "p95_ms": p95},
                         samples or {})


def test_a_critical_window_emits_its_transition_and_a_full_rollback_decision():
    start = RoleState("lead-scoring", ModelRole.CHALLENGER, "9")
    state, events = step(start, window(3, 0.2), POLICY)
    (t,) = events.transitions
    assert (t.guardrail, t.from_level, t.to_level, t.value) == ("errors", H, C, 0.2)
    r = events.rollback
    assert (r.model_name, r.role, r.model_version, r.guardrail, r.metric) == (
        "lead-scoring", ModelRole.CHALLENGER, "9", "errors", "error_rate")
    assert (r.value, r.threshold, r.window_start_ms, r.window_end_ms) == (0.2, 0.05, 3 * M, 4 * M)
    assert state.guards["errors"].rollback_requested and state.last_rollback_ms == 4 * M


def test_one_rollback_per_critical_episode():
    state = RoleState("m", ModelRole.CHAMPION, "1")
    state, first = step(state, window(0, 0.2), POLICY)
    state, second = step(state, window(20, 0.3), POLICY)  # still critical, cooldown over
    assert first.rollback is not None and second.rollback is None
    assert state.guards["errors"].rollback_requested


def test_samples_per_metric_gate_each_guardrail_separately():
    state = RoleState("m", ModelRole.CHAMPION, "1")
    # n = 1000 leads but only 5 latency samples: the latency guardrail is not judged
    state, events = step(state, window(0, 0.0, p95=500, samples={"p95_ms": 5}), POLICY)
    assert state.guards["slow"].level is H and state.guards["slow"].value is None
    state, events = step(state, window(1, 0.0, p95=500, samples={"p95_ms": 10}), POLICY)
    assert state.guards["slow"].level is C and events.rollback is None  # action alert
    (t,) = events.transitions
    assert (t.guardrail, t.to_level, t.value) == ("slow", C, 500.0)


def test_min_samples_is_inclusive_and_an_unjudged_window_forgets_the_value():
    s = GuardState(level=W, value=0.03, warn_streak=1)
    unjudged = step_guard(G, s, 0.2, samples=99)
    assert unjudged == GuardState(level=W, value=None, warn_streak=1)
    assert step_guard(G, s, 0.2, samples=100).level is C


def test_a_rollback_request_lasts_only_while_critical():
    s = GuardState(level=C, value=0.2, critical_streak=1, rollback_requested=True)
    assert step_guard(G, s, 0.3, 1000).rollback_requested
    healthy = step_guard(G, step_guard(G, s, 0.0, 1000), 0.0, 1000)
    assert healthy.level is H and not healthy.rollback_requested


def test_cooldown_is_measured_from_the_last_rollback_window_end():
    state = RoleState("m", ModelRole.CHAMPION, "1", last_rollback_ms=10 * M)
    _, early = step(state, window(18, 0.2), POLICY)  # ends at 19 min: 9 min after
    assert early.rollback is None
    state = RoleState("m", ModelRole.CHAMPION, "1", last_rollback_ms=10 * M)
    _, on_time = step(state, window(19, 0.2), POLICY)  # ends at 20 min: exactly 10 min
    assert on_time.rollback is not None
