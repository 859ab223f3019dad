"""Never roll back to a version that was itself rolled back, even if it is a former champion.

The scenarios leave such a version among the former champions, which the older tests
never do: the filter in ``ControlState.rollback_target`` is then what decides.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from schemas.control import ModelRole, RollbackEvent, ServingConfig
from scoring.control import ControlState, RefusalKind, apply_request, apply_rollback

from .test_control_plane import req, run

T0 = datetime(2025, 3, 1, 12, tzinfo=UTC)


def event(version: str, event_id: str) -> RollbackEvent:
    return RollbackEvent(event_id=event_id, model_name="m", role=ModelRole.CHAMPION,
                         version=version, guardrail="latency_p95", window_start=T0,
                         window_end=T0, emitted_at=T0)


def state_with(champion: str, former: tuple[str, ...], rolled: set[str]) -> ControlState:
    config = ServingConfig(model_name="m", champion_version=champion, sequence=7,
                           actor="test", updated_at=T0)
    return ControlState(model_name="m", config=config, former_champions=former,
                        rolled_back=frozenset(rolled))


def test_rollback_target_skips_rolled_back_former_champions():
    s = state_with("4", ("1", "2", "3"), {"3"})
    assert s.rollback_target("4") == "2"
    assert state_with("4", ("1", "2", "3"), {"3", "2"}).rollback_target("4") == "1"
    assert state_with("4", ("1", "2", "3"), {"1", "2", "3"}).rollback_target("4") is None
    assert state_with("3", ("1", "3"), set()).rollback_target("3") == "1"  # never current


def test_guardrail_rollback_passes_over_a_rolled_back_version():
    t = apply_rollback(state_with("4", ("1", "2", "3"), {"3"}), event("4", "e1"), T0, 60)
    assert t.config.champion_version == "2"
    assert t.config.previous_champion_version == "1"  # the next target skips 3 too
    assert t.state.rolled_back == frozenset({"3", "4"})
    assert t.state.former_champions == ("1",)


def test_previous_champion_after_rollback_skips_rolled_back_versions():
    t = apply_rollback(state_with("5", ("1", "3", "2", "4"), {"3", "4"}), event("5", "e1"),
                       T0, 60)
    assert t.config.champion_version == "2"
    assert t.config.previous_champion_version == "1"  # not 3: it was rolled back


def test_nothing_to_roll_back_to_when_every_former_champion_was_rolled_back():
    s = state_with("3", ("1", "2"), {"1", "2"})
    t = apply_rollback(s, event("3", "e1"), T0, 60)
    assert t.refusal.kind is RefusalKind.NOTHING_TO_ROLL_BACK
    assert t.state.config == s.config


def test_scenario_through_requests_leaves_a_rolled_back_former_champion():
    s = ControlState(model_name="m")
    s = run(s, req("promote_version", version="2"))  # champion 2, former [1]
    s = run(s, req("promote_version", version="1"))  # champion 1, former [1, 2]
    s = run(s, req("promote_version", version="2"))  # champion 2, former [1, 2, 1]
    t = apply_rollback(s, event("2", "e1"), T0, 60)  # back to 1; 2 rolled back
    assert t.config.champion_version == "1"
    s = t.state
    assert "2" in s.former_champions and "2" in s.rolled_back
    later = apply_rollback(s, event("1", "e2"), T0 + timedelta(hours=1), 60)
    assert later.refusal.kind is RefusalKind.NOTHING_TO_ROLL_BACK  # not back to 2
    manual = apply_request(s, req("rollback"), T0 + timedelta(hours=1))
    assert manual.refusal.kind is RefusalKind.NOTHING_TO_ROLL_BACK
