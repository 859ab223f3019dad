"""Every path of ``apply_rollback``: the committed config and audit, or the exact refusal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from schemas.control import ModelRole, RollbackEvent, ServingConfig, ServingMode
from scoring.control import ControlState, RefusalKind, apply_rollback

T0 = datetime(2025, 3, 1, 12, tzinfo=UTC)
W0, W1 = T0 - timedelta(minutes=1), T0


def event(version: str, event_id: str = "e1", role: str = "champion") -> RollbackEvent:
    return RollbackEvent(event_id=event_id, model_name="m", role=ModelRole(role),
                         version=version, guardrail="error_rate", window_start=W0,
                         window_end=W1, emitted_at=T0)


def state(champion: str = "3", former=("1", "2"), rolled=(), mode: str = "off",
          challenger: str | None = None, last: datetime | None = None) -> ControlState:
    split = mode in ("ab", "canary")
    config = ServingConfig(model_name="m", champion_version=champion,
                           challenger_version=challenger, mode=mode,
                           treatment_share=0.5 if split else 0.0,
                           experiment_id="x" if split else None, salt="s" if split else None,
                           sequence=4, actor="alice", updated_at=T0)
    return ControlState(model_name="m", config=config, former_champions=tuple(former),
                        rolled_back=frozenset(rolled), last_rollback_at=last)


def reason(version: str, role: str, why: str) -> str:
    return (f"guardrail error_rate critical for v{version} ({role}) in window "
            f"{W0.isoformat()}..{W1.isoformat()}: {why}")


def test_champion_rollback_commits_config_history_and_audit():
    s = state()
    t = apply_rollback(s, event("3"), T0, 60)
    c = t.config
    assert (c.champion_version, c.previous_champion_version, c.sequence) == ("2", "1", 5)
    assert c.actor == "guardrail:error_rate" and c.updated_at == T0
    assert c.reason == reason("3", "champion", "champion back to v2")
    assert t.audit.action == "rollback" and t.audit.request_id == "e1"
    assert t.audit.before == s.config and t.audit.after == c and t.audit.reason == c.reason
    assert t.state.former_champions == ("1",) and t.state.rolled_back == frozenset({"3"})
    assert t.state.last_rollback_at == T0 and t.state.applied_ids == ("e1",)


def test_the_champion_listed_among_its_own_former_champions_is_never_the_target():
    t = apply_rollback(state(champion="1", former=("2", "1")), event("1"), T0, 60)
    assert t.config.champion_version == "2"


def test_a_champion_breach_during_shadow_also_ends_the_shadow():
    t = apply_rollback(state(mode="shadow", challenger="4"), event("3"), T0, 60)
    c = t.config
    assert (c.champion_version, c.mode, c.challenger_version) == ("2", ServingMode.OFF, None)


def test_experiment_stop_keeps_the_champion_and_marks_the_challenger():
    s = state(mode="ab", challenger="4")
    t = apply_rollback(s, event("4", role="challenger"), T0, 60)
    c = t.config
    assert (c.champion_version, c.mode, c.challenger_version, c.treatment_share) == (
        "3", ServingMode.OFF, None, 0.0)
    assert (c.experiment_id, c.salt, c.sequence) == (None, None, 5)
    assert c.reason == reason("4", "challenger", "ab experiment stopped, all traffic to v3")
    assert t.audit.action == "rollback" and t.audit.request_id == "e1"
    assert t.state.rolled_back == frozenset({"4"}) and t.state.last_rollback_at == T0
    assert t.state.former_champions == ("1", "2")


def test_a_champion_breach_during_ab_stops_it_without_marking_anyone():
    t = apply_rollback(state(mode="canary", challenger="4"), event("3"), T0, 60)
    assert t.config.champion_version == "3" and t.config.mode is ServingMode.OFF
    assert t.state.rolled_back == frozenset() and t.state.last_rollback_at == T0


def refused(s: ControlState, e: RollbackEvent, now: datetime, kind: RefusalKind, message: str):
    t = apply_rollback(s, e, now, 60)
    assert t.refusal.kind is kind and t.refusal.message == message
    assert t.state.config == s.config and t.state.applied_ids == (*s.applied_ids, e.event_id)
    assert apply_rollback(t.state, e, now, 60).duplicate


def test_stale_events_name_what_is_serving():
    refused(state(), event("9"), T0, RefusalKind.STALE_EVENT,
            "v9 is not serving (v3/- is): event ignored")
    refused(state(mode="shadow", challenger="4"), event("9"), T0, RefusalKind.STALE_EVENT,
            "v9 is not serving (v3/4 is): event ignored")
    refused(ControlState(model_name="m"), event("9"), T0, RefusalKind.STALE_EVENT,
            "v9 is not serving (nothing is): event ignored")


def test_cooldown_is_strict_at_its_end():
    s = state(last=T0 - timedelta(seconds=60))
    assert apply_rollback(s, event("3"), T0, 60).config.champion_version == "2"
    s = state(last=T0 - timedelta(seconds=59.5))
    refused(s, event("3"), T0, RefusalKind.COOLDOWN,
            f"last rollback of v3 at {(T0 - timedelta(seconds=59.5)).isoformat()}, within the "
            "60s cooldown: alert only")


def test_nothing_to_roll_back_to_message():
    refused(state(former=()), event("3"), T0, RefusalKind.NOTHING_TO_ROLL_BACK,
            "v3 breached error_rate but m has no former champion that was not rolled back: "
            "alert only")


def test_a_duplicate_event_returns_the_state_unchanged():
    t = apply_rollback(state(), event("3"), T0, 60)
    again = apply_rollback(t.state, event("3"), T0 + timedelta(hours=1), 60)
    assert again.duplicate and again.state == t.state and again.audit is None
