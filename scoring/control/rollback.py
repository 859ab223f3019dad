"""Apply one guardrail :class:`RollbackEvent` to a :class:`ControlState`.

- During a canary or A/B: stop the experiment, all traffic to the champion; a breaching
  challenger is marked rolled back.
- In shadow mode, a breaching challenger stops the shadow experiment (marked rolled back).
- Otherwise, a breaching champion: the ``champion`` moves back to the newest former
  champion that was not itself rolled back; the breaching version is marked rolled back.
- A ``stop_invalid`` demand (sample-ratio mismatch) for the challenger of a running
  canary/A/B: the experiment is stopped, all traffic to the champion, and nobody is marked
  rolled back nor starts a cooldown: the split was broken, not the treatment worse.
- Refused, with an alert: within ``cooldown_s`` of the last rollback of the same version
  (no flapping; another version's demand is applied); a
  version that is not serving (a stale event); no former champion to go back to.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from schemas.control import GuardrailDemand, RollbackEvent, ServingConfig, ServingMode
from scoring.control.state import ControlState, RefusalKind, Transition, commit, duplicate, refuse

_OFF = {"mode": ServingMode.OFF, "challenger_version": None, "treatment_share": 0.0,
        "experiment_id": None, "salt": None, "canary_steps": ()}


def _next(config: ServingConfig, event: RollbackEvent, now: datetime, why: str,
          **changes: object) -> ServingConfig:
    reason = (f"guardrail {event.guardrail} critical for v{event.version} "
              f"({event.role.value}) in window {event.window_start.isoformat()}"
              f"..{event.window_end.isoformat()}: {why}")
    data = {**config.model_dump(), **changes, "sequence": config.sequence + 1,
            "reason": reason, "actor": f"guardrail:{event.guardrail}", "updated_at": now}
    return ServingConfig.model_validate(data)


def _stop_experiment(state: ControlState, config: ServingConfig, event: RollbackEvent,
                     now: datetime) -> Transition:
    challenger_breached = event.version == config.challenger_version
    rolled = state.rolled_back | ({event.version} if challenger_breached else set())
    why = f"{config.mode.value} experiment stopped, all traffic to v{config.champion_version}"
    return commit(state, event.event_id, "rollback", _next(config, event, now, why, **_OFF),
                  rolled_back=rolled, **state.rolled_back_now(event.version, now))


def _stop_invalid(state: ControlState, config: ServingConfig, event: RollbackEvent,
                  now: datetime) -> Transition:
    if config.mode not in (ServingMode.CANARY, ServingMode.AB) or (
            event.version != config.challenger_version):
        return refuse(state, event.event_id, RefusalKind.STALE_EVENT,
                      f"v{event.version} is no canary/A/B challenger: stop ignored")
    p = event.evidence.get("srm_p_value")
    why = (f"sample-ratio mismatch (p={p:.2g}): " if p is not None else "invalid split: ") + (
        f"{config.mode.value} experiment stopped, all traffic to v{config.champion_version}, "
        "nothing rolled back")
    return commit(state, event.event_id, "stop_experiment",
                  _next(config, event, now, why, **_OFF))


def _previous_champion(state: ControlState, config: ServingConfig, event: RollbackEvent,
                       now: datetime) -> Transition:
    target = state.rollback_target(config.champion_version)
    if target is None:
        return refuse(state, event.event_id, RefusalKind.NOTHING_TO_ROLL_BACK,
                      f"v{event.version} breached {event.guardrail} but {config.model_name} "
                      "has no former champion that was not rolled back: alert only")
    history = state.champions_before(target)
    rolled = state.rolled_back | {config.champion_version}
    nxt = ControlState(model_name=state.model_name, former_champions=history,
                       rolled_back=rolled).rollback_target(target)
    after = _next(config, event, now, f"champion back to v{target}", **_OFF,
                  champion_version=target, previous_champion_version=nxt)
    return commit(state, event.event_id, "rollback", after, former_champions=history,
                  rolled_back=rolled, **state.rolled_back_now(event.version, now))


def apply_rollback(state: ControlState, event: RollbackEvent, now: datetime,
                   cooldown_s: float) -> Transition:
    """Apply a guardrail's rollback demand (idempotent on ``event.event_id``)."""
    if state.seen(event.event_id):
        return duplicate(state)
    config = state.config
    if config is None or event.version not in (config.champion_version,
                                               config.challenger_version):
        serving = "nothing" if config is None else (
            f"v{config.champion_version}/{config.challenger_version or '-'}")
        return refuse(state, event.event_id, RefusalKind.STALE_EVENT,
                      f"v{event.version} is not serving ({serving} is): event ignored")
    if event.demand is GuardrailDemand.STOP_INVALID:
        return _stop_invalid(state, config, event, now)
    last = state.last_rollback_of(event.version)
    if last is not None and now - last < timedelta(seconds=cooldown_s):
        return refuse(state, event.event_id, RefusalKind.COOLDOWN,
                      f"last rollback of v{event.version} at {last.isoformat()}, within the "
                      f"{cooldown_s:g}s cooldown: alert only")
    if config.mode in (ServingMode.CANARY, ServingMode.AB):
        return _stop_experiment(state, config, event, now)
    if event.version == config.challenger_version and event.version != config.champion_version:
        return _stop_experiment(state, config, event, now)
    return _previous_champion(state, config, event, now)
