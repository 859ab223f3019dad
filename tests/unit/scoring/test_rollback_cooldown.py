"""The rollback cooldown is per model version, and old persisted state still reads."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from schemas.control import ControlRequest, ModelRole, RollbackEvent
from scoring.control import ControlState, RefusalKind, apply_request, apply_rollback
from scoring.control.state import MAX_ROLLBACK_TIMES

T0 = datetime(2025, 3, 1, 12, tzinfo=UTC)
COOLDOWN_S = 300
_ids = itertools.count()


def req(action: str, **kw) -> ControlRequest:
    return ControlRequest(request_id=f"r{next(_ids)}", model_name="m", action=action,
                          actor="alice", requested_at=T0, **kw)


def demand(version: str) -> RollbackEvent:
    return RollbackEvent(event_id=f"e{next(_ids)}", model_name="m", role=ModelRole.CHALLENGER,
                         version=version, guardrail="treatment_below_control",
                         window_start=T0, window_end=T0, emitted_at=T0)


def run(state: ControlState, *requests: ControlRequest) -> ControlState:
    for r in requests:
        t = apply_request(state, r, T0, registry_champion="1")
        assert t.audit is not None, t.refusal
        state = t.state
    return state


def ab(state: ControlState, challenger: str) -> ControlState:
    return run(state, req("start_experiment", mode="ab", challenger_version=challenger))


def test_another_versions_demand_inside_the_cooldown_is_applied_the_same_versions_refused():
    v2 = apply_rollback(ab(ControlState(model_name="m"), "2"), demand("2"), T0, COOLDOWN_S)
    assert v2.audit is not None and v2.state.rollback_at == {"2": T0}
    v3 = apply_rollback(ab(v2.state, "3"), demand("3"), T0 + timedelta(seconds=60), COOLDOWN_S)
    assert v3.audit is not None and v3.config.challenger_version is None
    assert v3.state.rolled_back == frozenset({"2", "3"})
    assert v3.state.rollback_at == {"2": T0, "3": T0 + timedelta(seconds=60)}
    again = apply_rollback(ab(v3.state, "2"), demand("2"), T0 + timedelta(seconds=90),
                           COOLDOWN_S)
    assert again.refusal.kind is RefusalKind.COOLDOWN and again.audit is None
    assert again.refusal.message.startswith(f"last rollback of v2 at {T0.isoformat()}")
    after = apply_rollback(ab(v3.state, "2"), demand("2"), T0 + timedelta(seconds=COOLDOWN_S),
                           COOLDOWN_S)
    assert after.audit is not None


def test_state_persisted_with_the_single_field_still_reads_and_guards_every_version():
    old = ab(ControlState(model_name="m"), "3").model_dump(mode="json")
    del old["rollback_at"]
    old["last_rollback_at"] = T0.isoformat()
    s = ControlState.model_validate(old)
    assert s.rollback_at == {} and s.last_rollback_at == T0
    inside = apply_rollback(s, demand("3"), T0 + timedelta(seconds=60), COOLDOWN_S)
    assert inside.refusal.kind is RefusalKind.COOLDOWN
    past = apply_rollback(s, demand("3"), T0 + timedelta(seconds=COOLDOWN_S), COOLDOWN_S)
    assert past.audit is not None
    assert past.state.rollback_at == {"3": T0 + timedelta(seconds=COOLDOWN_S)}


def test_a_manual_rollback_starts_the_cooldown_of_the_champion_it_replaces():
    s = run(ControlState(model_name="m"), req("promote_version", version="2"), req("rollback"))
    assert s.rollback_at == {"2": T0} and s.config.champion_version == "1"


def test_the_remembered_rollback_times_are_bounded_newest_kept():
    s = ControlState(model_name="m")
    for i in range(MAX_ROLLBACK_TIMES + 5):
        s = s.model_copy(update=s.rolled_back_now(str(i), T0 + timedelta(seconds=i)))
    assert len(s.rollback_at) == MAX_ROLLBACK_TIMES
    assert "0" not in s.rollback_at and s.rollback_at[str(MAX_ROLLBACK_TIMES + 4)] == (
        T0 + timedelta(seconds=MAX_ROLLBACK_TIMES + 4))


def test_the_per_version_times_survive_the_changelog_round_trip():
    v2 = apply_rollback(ab(ControlState(model_name="m"), "2"), demand("2"), T0, COOLDOWN_S)
    back = ControlState.model_validate_json(v2.state.model_dump_json())
    assert back == v2.state and back.rollback_at == {"2": T0}
