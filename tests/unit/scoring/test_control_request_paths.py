"""Every path of ``apply_request``: what it commits, or exactly what it refuses and why.

A refusal changes nothing but remembers the request id; a commit bumps the sequence by one
and records who asked, why, and when. Expected configs are written out field by field.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from schemas.control import ControlRequest, ServingMode
from scoring.control import ControlState, RefusalKind, apply_request

T0 = datetime(2025, 3, 1, 12, tzinfo=UTC)
LATER = T0 + timedelta(minutes=5)
EMPTY = ControlState(model_name="m")


def req(action: str, request_id: str, **kw) -> ControlRequest:
    return ControlRequest(request_id=request_id, model_name="m", action=action, actor="bob",
                          reason=f"why {request_id}", requested_at=T0, **kw)


def ok(state: ControlState, r: ControlRequest, now=LATER, registry="1") -> ControlState:
    t = apply_request(state, r, now, registry_champion=registry)
    assert t.refusal is None and not t.duplicate, t.refusal
    c = t.config
    assert (c.actor, c.reason, c.updated_at) == ("bob", f"why {r.request_id}", now)
    assert c.sequence == (state.config.sequence + 1 if state.config else 1)
    assert t.audit.request_id == r.request_id and t.audit.action == r.action.value
    assert t.audit.before == state.config and t.state.last_audit == t.audit
    assert t.state.applied_ids[-1] == r.request_id
    return t.state


def refused(state: ControlState, r: ControlRequest, kind: RefusalKind, message: str,
            registry: str | None = "1") -> None:
    t = apply_request(state, r, LATER, registry_champion=registry)
    assert t.refusal is not None and t.refusal.kind is kind
    assert t.refusal.message == message
    assert t.state.config == state.config and t.state.rolled_back == state.rolled_back
    assert t.state.applied_ids == (*state.applied_ids, r.request_id)
    again = apply_request(t.state, r, LATER, registry_champion=registry)
    assert again.duplicate and again.state == t.state


def test_first_request_seeds_from_the_registry_champion():
    s = ok(EMPTY, req("start_experiment", "r1", mode="ab", challenger_version="2"))
    c = s.config
    assert (c.champion_version, c.challenger_version, c.mode) == ("1", "2", ServingMode.AB)
    assert c.experiment_id == "m-ab-1" and c.salt == "m-ab-1:r1"
    assert s.last_audit.before is None


def test_first_promote_version_without_a_registry_champion_seeds_itself():
    s = ok(EMPTY, req("promote_version", "r1", version="5"), registry=None)
    assert s.config.champion_version == "5" and s.config.sequence == 1
    assert s.former_champions == ()
    refused(EMPTY, req("stop_experiment", "r2"), RefusalKind.NO_CHAMPION,
            "m has no champion: promote a version first", registry=None)


def test_start_defaults_per_mode():
    canary = ok(EMPTY, req("start_experiment", "r1", mode="canary", challenger_version="2"))
    assert canary.config.treatment_share == 0.05 and canary.config.canary_steps == ()
    shadow = ok(EMPTY, req("start_experiment", "r2", mode="shadow", challenger_version="2",
                           treatment_share=0.3))
    c = shadow.config
    assert (c.treatment_share, c.experiment_id, c.salt) == (0.0, None, None)
    ab = ok(EMPTY, req("start_experiment", "r3", mode="ab", challenger_version="2",
                       treatment_share=0.2, experiment_id="my-exp"))
    assert (ab.config.treatment_share, ab.config.experiment_id) == (0.2, "my-exp")
    assert ab.config.salt == "my-exp:r3"


def test_long_ids_are_cut_to_the_contract_lengths():
    long_exp, long_req = "e" * 128, "q" * 100
    s = ok(EMPTY, req("start_experiment", long_req, mode="ab", challenger_version="2",
                      experiment_id=long_exp))
    assert s.config.experiment_id == "e" * 128
    assert s.config.salt == "e" * 64 + ":" + "q" * 48
    with pytest.raises(ValidationError, match="experiment_id"):  # refused at the edge now
        req("start_experiment", "r", mode="ab", challenger_version="2", experiment_id="e" * 129)


def test_start_refusals():
    s = ok(EMPTY, req("start_experiment", "r1", mode="ab", challenger_version="2",
                      experiment_id="x1"))
    refused(s, req("start_experiment", "r2", mode="canary", challenger_version="3"),
            RefusalKind.INVALID_REQUEST, "a ab experiment (x1) is running: stop it first")
    sh = ok(EMPTY, req("start_experiment", "r3", mode="shadow", challenger_version="2"))
    refused(sh, req("start_experiment", "r4", mode="ab", challenger_version="3"),
            RefusalKind.INVALID_REQUEST, "a shadow experiment (shadow) is running: stop it first")
    refused(EMPTY, req("start_experiment", "r5", mode="ab", challenger_version="1"),
            RefusalKind.INVALID_REQUEST, "version 1 is already the champion")


def test_stop_experiment_and_its_refusal():
    s = ok(EMPTY, req("start_experiment", "r1", mode="ab", challenger_version="2"))
    s = ok(s, req("stop_experiment", "r2"))
    c = s.config
    assert (c.mode, c.challenger_version, c.treatment_share, c.experiment_id, c.salt) == (
        ServingMode.OFF, None, 0.0, None, None)
    refused(s, req("stop_experiment", "r3"), RefusalKind.INVALID_REQUEST, "no experiment runs")


def test_set_share_and_next_step():
    s = ok(EMPTY, req("start_experiment", "r1", mode="canary", challenger_version="2",
                      canary_steps=(0.1, 0.3)))
    assert s.config.treatment_share == 0.1 and s.config.canary_steps == (0.1, 0.3)
    s = ok(s, req("set_share", "r2", treatment_share=0.2))
    assert s.config.treatment_share == 0.2
    s = ok(s, req("next_step", "r3"))
    assert s.config.treatment_share == 0.3
    refused(s, req("next_step", "r4"), RefusalKind.INVALID_REQUEST,
            "no canary step above the current share 0.3 (steps [0.1, 0.3])")
    refused(EMPTY.model_copy(update={"config": ok(EMPTY, req("promote_version", "p",
                                                                 version="2")).config}),
            req("set_share", "r5", treatment_share=0.5), RefusalKind.INVALID_REQUEST,
            "set_share needs a running canary or A/B (mode is off)")


def test_promote_challenger_and_its_refusals():
    s = ok(EMPTY, req("start_experiment", "r1", mode="ab", challenger_version="2"))
    s = ok(s, req("promote_challenger", "r2"))
    assert (s.config.champion_version, s.config.previous_champion_version) == ("2", "1")
    assert s.former_champions == ("1",) and s.config.mode is ServingMode.OFF
    refused(s, req("promote_challenger", "r3"), RefusalKind.INVALID_REQUEST, "no challenger")
    refused(s, req("promote_version", "r4", version="2"), RefusalKind.INVALID_REQUEST,
            "version 2 is already the champion")


def test_promoting_a_rolled_back_version_again_clears_its_mark():
    s = ok(EMPTY, req("promote_version", "r1", version="2"))
    s = ok(s, req("rollback", "r2"))
    assert s.rolled_back == frozenset({"2"}) and s.last_rollback_at == LATER
    s = ok(s, req("promote_version", "r3", version="2"))
    assert s.rolled_back == frozenset() and s.former_champions == ("1",)


def test_manual_rollback_paths():
    s = ok(EMPTY, req("promote_version", "r1", version="2"))
    s = ok(s, req("promote_version", "r2", version="3"))
    s = ok(s, req("rollback", "r3"))
    c = s.config
    assert (c.champion_version, c.previous_champion_version) == ("2", "1")
    assert s.former_champions == ("1",) and s.rolled_back == frozenset({"3"})
    refused(s, req("rollback", "r4", version="3"), RefusalKind.ROLLED_BACK_TARGET,
            "version 3 was itself rolled back or is the champion")
    refused(s, req("rollback", "r5", version="2"), RefusalKind.ROLLED_BACK_TARGET,
            "version 2 was itself rolled back or is the champion")
    s = ok(s, req("rollback", "r6", version="1"))
    assert s.config.champion_version == "1" and s.config.previous_champion_version is None
    refused(s, req("rollback", "r7"), RefusalKind.NOTHING_TO_ROLL_BACK,
            "no former champion of m to roll back to")
