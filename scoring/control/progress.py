"""Apply a canary's (or a shadow run's) automatic
:class:`~scoring.experiments.progression.Decision`.

Each action is the request a person would send, applied by the same transitions
(:func:`apply_request`), so one way does each thing: ``advance`` is ``next_step``,
``promote`` is ``promote_challenger``, ``stop`` (inconclusive: keep the control) is
``stop_experiment``, and ``abort`` is ``stop_experiment`` that also marks the challenger
rolled back (as a guardrail's stop does). The request id is the decision's key
(experiment and window), so a window replayed after a restart or a rebalance is a
duplicate and changes nothing twice. The audit entry is named ``auto_<action>`` and carries
the decision's evidence. A ``hold`` changes only the stored progress.
"""

from __future__ import annotations

from datetime import datetime

from schemas.control import ControlAction, ControlRequest
from scoring.control.requests import apply_request
from scoring.control.state import ControlState, Transition
from scoring.experiments.progression import Action, Decision, Progress

ACTOR = "auto-progression"
_REQUESTS = {Action.ADVANCE: ControlAction.NEXT_STEP,
             Action.PROMOTE: ControlAction.PROMOTE_CHALLENGER,
             Action.STOP: ControlAction.STOP_EXPERIMENT,
             Action.ABORT: ControlAction.STOP_EXPERIMENT}


def request_for(model_name: str, decision: Decision, now: datetime) -> ControlRequest | None:
    """The control request that carries out ``decision`` (None for a hold)."""
    action = _REQUESTS.get(decision.action)
    if action is None:
        return None
    reason = f"{decision.action.value}: {'; '.join(decision.reasons)}"[:2000]
    return ControlRequest(request_id=decision.key, model_name=model_name, action=action,
                          actor=ACTOR, reason=reason, requested_at=now)


def apply_decision(state: ControlState, progress: Progress, decision: Decision,
                   now: datetime) -> Transition | None:
    """The transition of an action (None for a hold: store ``with_progress`` only)."""
    request = request_for(state.model_name, decision, now)
    if request is None:
        return None
    before = with_progress(state, progress)
    t = apply_request(before, request, now)
    if t.audit is None:
        return t
    audit = t.audit.model_copy(update={"action": f"auto_{decision.action.value}",
                                       "evidence": decision.evidence})
    update: dict[str, object] = {"last_audit": audit}
    challenger = state.config.challenger_version if state.config else None
    if decision.action is Action.ABORT and challenger is not None:
        update |= {"rolled_back": t.state.rolled_back | {challenger},
                   **t.state.rolled_back_now(challenger, now)}
    return Transition(t.state.model_copy(update=update), audit=audit)


def with_progress(state: ControlState, progress: Progress) -> ControlState:
    """``state`` with the canary's new progress (a hold, or before an action)."""
    return state.model_copy(update={"progress": progress})
