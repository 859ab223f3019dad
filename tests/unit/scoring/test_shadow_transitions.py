"""A shadow run under a policy in the controller's state: started with its progress, kept
while it runs, ended by its automatic decisions through the same transitions (audited with
the labels' evidence), dropped by anything that ends it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import pytest
from pydantic import ValidationError

from schemas.control import ControlAction, ControlRequest, ServingMode
from schemas.monitor import GuardrailLevel
from schemas.policy import ProgressionPolicy
from scoring.control import ControlState, apply_request
from scoring.control.progress import apply_decision
from scoring.experiments.progression import Action
from scoring.experiments.shadow_progression import ShadowEvidence, decide_shadow
from scoring.experiments.shadow_quality import shadow_quality

T0 = datetime(2026, 1, 5, 10, tzinfo=UTC)
POLICY = ProgressionPolicy(shadow_promote=True, min_labels=200)


def request(action: ControlAction, rid: str, **kw) -> ControlRequest:
    return ControlRequest(request_id=rid, model_name="m", action=action, actor="a",
                          requested_at=T0, **kw)


def started(policy: ProgressionPolicy | None = POLICY) -> ControlState:
    seed = apply_request(ControlState(model_name="m"), request(
        ControlAction.PROMOTE_VERSION, "p", version="1"), T0).state
    return apply_request(seed, request(ControlAction.START_EXPERIMENT, "s",
                                       mode=ServingMode.SHADOW, challenger_version="2",
                                       policy=policy), T0).state


def evidence(window: int, swap: bool = False) -> ShadowEvidence:
    rng = np.random.default_rng(window)
    truth = rng.random(800)
    y = (rng.random(800) < truth).astype(float)
    a, b = rng.random(800), truth + rng.normal(scale=0.05, size=800)
    q = shadow_quality(y, b if swap else a, a if swap else b, ("1", "2"), min_labels=200)
    return ShadowEvidence(window * 1000, q, {"model_error_rate": GuardrailLevel.HEALTHY})


def test_a_shadow_start_keeps_a_progress_and_no_steps():
    s = started()
    assert (s.config.mode, s.config.canary_steps, s.config.experiment_id) == (
        ServingMode.SHADOW, (), None)
    assert s.progress.shadow_of == "2" and s.progress.policy == POLICY
    assert s.progress.experiment_id == f"m-shadow-{s.config.sequence}"
    assert s.progress.share == 0.0
    assert started(None).progress is None


def test_a_policy_goes_with_a_canary_or_a_shadow_only():
    with pytest.raises(ValidationError, match="canary or a shadow"):
        request(ControlAction.START_EXPERIMENT, "x", mode=ServingMode.AB,
                challenger_version="2", policy=POLICY)


def test_promotion_on_labels_is_audited_with_the_evidence_and_ends_the_run():
    s = started()
    progress, d = decide_shadow(s.progress, evidence(1))
    assert d.action is Action.PROMOTE
    t = apply_decision(s, progress, d, T0)
    assert (t.config.champion_version, t.config.mode) == ("2", ServingMode.OFF)
    assert t.audit.action == "auto_promote" and t.audit.actor == "auto-progression"
    assert t.audit.evidence["auc_challenger"] > t.audit.evidence["auc_champion"]
    assert t.audit.evidence["n_labels"] == 800 and t.audit.request_id == d.key
    assert t.state.progress is None
    assert apply_decision(t.state, progress, d, T0).duplicate  # a replayed window


def test_a_worse_shadow_is_aborted_and_marked_rolled_back():
    s = started()
    progress, d = decide_shadow(s.progress, evidence(2, swap=True))
    assert d.action is Action.ABORT
    t = apply_decision(s, progress, d, T0)
    assert (t.config.champion_version, t.config.mode) == ("1", ServingMode.OFF)
    assert "2" in t.state.rolled_back and t.audit.action == "auto_abort"


def test_a_hold_keeps_the_progress_and_a_manual_stop_drops_it():
    s = started()
    held = s.model_copy(update={"progress": s.progress.model_copy(
        update={"total_windows": 3, "last_window_end_ms": 3000})})
    few = ShadowEvidence(4000, replace(evidence(4).quality, n_labels=10), {})
    progress, d = decide_shadow(held.progress, few)
    assert d.action is Action.HOLD and apply_decision(held, progress, d, T0) is None
    assert progress.total_windows == 4 and progress.last_window_end_ms == 4000
    stopped = apply_request(held, request(ControlAction.STOP_EXPERIMENT, "stop"), T0).state
    assert stopped.progress is None and stopped.config.mode is ServingMode.OFF
