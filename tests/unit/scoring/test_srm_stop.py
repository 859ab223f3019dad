"""A ``stop_invalid`` demand (sample-ratio mismatch) stops the experiment, never rolls back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from schemas.control import GuardrailDemand, ModelRole, RollbackEvent, ServingConfig, ServingMode
from scoring.control import ControlState, RefusalKind, apply_rollback

T0 = datetime(2025, 3, 1, 12, tzinfo=UTC)


def demand(version: str, kind: GuardrailDemand, event_id: str = "e1") -> RollbackEvent:
    return RollbackEvent(event_id=event_id, model_name="m", role=ModelRole.CHALLENGER,
                         version=version, guardrail="srm", demand=kind,
                         evidence={"srm_p_value": 1e-9}, window_start=T0, window_end=T0,
                         emitted_at=T0)


def running(mode: str = "ab", rollback_at: dict | None = None) -> ControlState:
    config = ServingConfig(model_name="m", champion_version="1", challenger_version="2",
                           mode=mode, treatment_share=0.5 if mode != "shadow" else 0.0,
                           experiment_id="x" if mode != "shadow" else None,
                           salt="s" if mode != "shadow" else None, sequence=3, actor="alice",
                           updated_at=T0)
    return ControlState(model_name="m", config=config, former_champions=("0",),
                        rollback_at=rollback_at or {})


def test_an_srm_stop_ends_the_experiment_and_marks_nobody():
    for mode in ("ab", "canary"):
        s = running(mode)
        t = apply_rollback(s, demand("2", GuardrailDemand.STOP_INVALID), T0, 300)
        c = t.config
        assert (c.mode, c.champion_version, c.challenger_version, c.treatment_share) == (
            ServingMode.OFF, "1", None, 0.0)
        assert t.audit.action == "stop_experiment" and "sample-ratio mismatch (p=1e-09)" in (
            c.reason)
        assert t.state.rolled_back == frozenset() and t.state.rollback_at == {}
        assert t.state.last_rollback_at is None and t.state.former_champions == ("0",)
    rolled = apply_rollback(running(), demand("2", GuardrailDemand.ROLLBACK), T0, 300)
    assert rolled.state.rolled_back == frozenset({"2"})  # the same event as a rollback does


def test_an_srm_stop_is_not_held_back_by_the_versions_rollback_cooldown():
    s = running(rollback_at={"2": T0 - timedelta(seconds=10)})
    assert apply_rollback(s, demand("2", GuardrailDemand.ROLLBACK), T0, 300).refusal.kind is (
        RefusalKind.COOLDOWN)
    assert apply_rollback(s, demand("2", GuardrailDemand.STOP_INVALID), T0, 300).audit


def test_an_srm_stop_for_anything_but_a_running_split_challenger_is_stale():
    for s, version in ((running("shadow"), "2"), (running(), "1"), (running(), "9")):
        t = apply_rollback(s, demand(version, GuardrailDemand.STOP_INVALID), T0, 300)
        assert t.refusal.kind is RefusalKind.STALE_EVENT and t.state.config == s.config


def test_a_redelivered_srm_stop_is_a_duplicate():
    t = apply_rollback(running(), demand("2", GuardrailDemand.STOP_INVALID), T0, 300)
    assert apply_rollback(t.state, demand("2", GuardrailDemand.STOP_INVALID), T0, 300).duplicate
