"""The controller's pure transitions: requests, rollbacks, idempotency, refusals."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from schemas.control import ControlRequest, ModelRole, RollbackEvent, ServingMode
from scoring.control import (
    ControlState,
    RefusalKind,
    alias_targets,
    apply_request,
    apply_rollback,
)

T0 = datetime(2025, 3, 1, 12, tzinfo=UTC)
_ids = itertools.count()


def req(action: str, **kw) -> ControlRequest:
    return ControlRequest(request_id=kw.pop("request_id", f"r{next(_ids)}"),
                          model_name="m", action=action, actor="alice", requested_at=T0, **kw)


def event(version: str, role: str = "champion", event_id: str | None = None) -> RollbackEvent:
    return RollbackEvent(event_id=event_id or f"e{next(_ids)}", model_name="m",
                         role=ModelRole(role), version=version, guardrail="error_rate",
                         window_start=T0, window_end=T0, emitted_at=T0)


def run(state: ControlState, *requests: ControlRequest, now: datetime = T0) -> ControlState:
    for r in requests:
        t = apply_request(state, r, now, registry_champion="1")
        assert t.audit is not None, t.refusal
        state = t.state
    return state


EMPTY = ControlState(model_name="m")


def test_start_ab_seeds_from_registry_and_counts_sequence():
    t = apply_request(EMPTY, req("start_experiment", mode="ab", challenger_version="2"), T0, "1")
    c = t.config
    assert c.champion_version == "1" and c.challenger_version == "2" and c.mode is ServingMode.AB
    assert c.treatment_share == 0.5 and c.experiment_id and c.salt and c.sequence == 1
    assert t.audit.before is None and t.audit.actor == "alice"
    assert alias_targets(c) == {"champion": "1", "challenger": "2"}


def test_canary_steps_progress_and_stop_at_the_last():
    s = run(EMPTY, req("start_experiment", mode="canary", challenger_version="2",
                       canary_steps=(0.05, 0.25)))
    assert s.config.treatment_share == 0.05
    s = run(s, req("next_step"))
    assert s.config.treatment_share == 0.25 and s.config.sequence == 2
    t = apply_request(s, req("next_step"), T0)
    assert t.refusal.kind is RefusalKind.INVALID_REQUEST and t.state.config == s.config


def test_same_request_twice_is_a_duplicate():
    r = req("start_experiment", mode="shadow", challenger_version="2")
    s = run(EMPTY, r)
    again = apply_request(s, r, T0)
    assert again.duplicate and again.state == s and s.last_audit.request_id == r.request_id


def test_second_experiment_and_no_champion_are_refused():
    s = run(EMPTY, req("start_experiment", mode="shadow", challenger_version="2"))
    t = apply_request(s, req("start_experiment", mode="ab", challenger_version="3"), T0)
    assert t.refusal.kind is RefusalKind.INVALID_REQUEST
    t = apply_request(EMPTY, req("stop_experiment"), T0, registry_champion=None)
    assert t.refusal.kind is RefusalKind.NO_CHAMPION


def test_promote_remembers_previous_champion_and_rollback_goes_back():
    s = run(EMPTY, req("start_experiment", mode="ab", challenger_version="2"),
            req("promote_challenger"))
    assert s.config.champion_version == "2" and s.config.previous_champion_version == "1"
    assert s.config.mode is ServingMode.OFF and alias_targets(s.config)["challenger"] is None
    s = run(s, req("rollback"))
    assert s.config.champion_version == "1" and "2" in s.rolled_back
    t = apply_request(s, req("rollback", version="2"), T0)
    assert t.refusal.kind is RefusalKind.ROLLED_BACK_TARGET


def test_rollback_event_during_ab_stops_it():
    s = run(EMPTY, req("start_experiment", mode="ab", challenger_version="2"))
    t = apply_rollback(s, event("2", "challenger"), T0, cooldown_s=60)
    c = t.config
    assert c.mode is ServingMode.OFF and c.champion_version == "1" and c.treatment_share == 0
    assert c.actor == "guardrail:error_rate" and "2" in t.state.rolled_back


def test_rollback_event_moves_champion_back_then_nothing_left():
    s = run(EMPTY, req("promote_version", version="2"), req("promote_version", version="3"))
    t = apply_rollback(s, event("3"), T0, cooldown_s=60)
    assert t.config.champion_version == "2" and t.config.previous_champion_version == "1"
    s = t.state
    # the cooldown is per version: v2's own breach 30 s after v3's rollback is applied
    soon = apply_rollback(s, event("2"), T0 + timedelta(seconds=30), cooldown_s=60)
    assert soon.config.champion_version == "1"
    last = apply_rollback(soon.state, event("1"), T0 + timedelta(seconds=200), cooldown_s=60)
    assert last.refusal.kind is RefusalKind.NOTHING_TO_ROLL_BACK
    assert last.state.config == soon.state.config


def test_never_back_to_a_rolled_back_version():
    s = run(EMPTY, req("promote_version", version="2"))  # champions: 1 -> 2
    s = run(s, req("rollback"))                          # back to 1, 2 rolled back
    s = run(s, req("promote_version", version="3"))      # 1 -> 3; history [1]
    t = apply_rollback(s, event("3"), T0 + timedelta(hours=1), cooldown_s=60)
    assert t.config.champion_version == "1"
    assert apply_request(t.state, req("rollback", version="3"), T0).refusal is not None


def test_stale_and_duplicate_rollback_events():
    s = run(EMPTY, req("promote_version", version="2"))
    assert apply_rollback(s, event("9"), T0, 60).refusal.kind is RefusalKind.STALE_EVENT
    e = event("2")
    t = apply_rollback(s, e, T0, 60)
    assert apply_rollback(t.state, e, T0, 60).duplicate


def test_shadow_challenger_breach_stops_shadow():
    s = run(EMPTY, req("start_experiment", mode="shadow", challenger_version="2"))
    t = apply_rollback(s, event("2", "challenger"), T0, 60)
    assert t.config.mode is ServingMode.OFF and t.config.champion_version == "1"


def test_state_round_trips_as_json():
    s = run(EMPTY, req("promote_version", version="2"), req("rollback"))
    assert ControlState.model_validate_json(s.model_dump_json()) == s
