"""Apply one :class:`ControlRequest` (from the CLI or automation) to a :class:`ControlState`.

Rules: one experiment at a time (stop it before starting another); a challenger differs
from the champion; ``set_share``/``next_step`` only while a canary or A/B runs; ``promote``
makes the challenger the champion and remembers the old one; ``promote_version`` and
``rollback`` stop any experiment. A manual rollback is never subject to the cooldown but
never targets a version that was itself rolled back.
"""

from __future__ import annotations

from datetime import datetime

from schemas.control import ControlAction, ControlRequest, ServingConfig, ServingMode
from scoring.control.state import ControlState, RefusalKind, Transition, commit, duplicate, refuse
from scoring.experiments.progression import Progress
from scoring.experiments.shadow_progression import shadow_run_id
from scoring.routing import next_share

DEFAULT_SHARE = {ServingMode.CANARY: 0.05, ServingMode.AB: 0.5, ServingMode.SHADOW: 0.0}
_OFF = {"mode": ServingMode.OFF, "challenger_version": None, "treatment_share": 0.0,
        "experiment_id": None, "salt": None, "canary_steps": ()}


def _next(config: ServingConfig, request: ControlRequest, now: datetime,
          **changes: object) -> ServingConfig:
    data = {**config.model_dump(), **changes, "sequence": config.sequence + 1,
            "reason": request.reason, "actor": request.actor, "updated_at": now}
    return ServingConfig.model_validate(data)


def _start(state: ControlState, config: ServingConfig, r: ControlRequest,
           now: datetime) -> Transition:
    if config.mode is not ServingMode.OFF:
        return refuse(state, r.request_id, RefusalKind.INVALID_REQUEST,
                      f"a {config.mode.value} experiment ({config.experiment_id or 'shadow'}) "
                      "is running: stop it first")
    if r.challenger_version == config.champion_version:
        return refuse(state, r.request_id, RefusalKind.INVALID_REQUEST,
                      f"version {r.challenger_version} is already the champion")
    mode = r.mode or ServingMode.SHADOW
    steps = r.canary_steps if mode is ServingMode.CANARY else ()
    if r.policy is not None and mode is ServingMode.CANARY:
        steps = r.policy.steps
    share = steps[0] if steps else r.treatment_share
    share = DEFAULT_SHARE[mode] if share is None or mode is ServingMode.SHADOW else share
    experiment_id = (r.experiment_id
                     or f"{config.model_name}-{mode.value}-{config.sequence + 1}")[:128]
    split = mode is not ServingMode.SHADOW
    after = _next(config, r, now, mode=mode, challenger_version=r.challenger_version,
                  treatment_share=share, canary_steps=steps,
                  experiment_id=experiment_id if split else None,
                  salt=f"{experiment_id[:64]}:{r.request_id[:48]}" if split else None)
    progress = None if r.policy is None else Progress(
        experiment_id=experiment_id if split else shadow_run_id(after.model_name,
                                                                 after.sequence),
        policy=r.policy,
        step_started_ms=int(now.timestamp() * 1000),
        shadow_of=None if split else r.challenger_version)
    return commit(state, r.request_id, r.action.value, after, progress=progress)


def _reshare(state: ControlState, config: ServingConfig, r: ControlRequest,
             now: datetime) -> Transition:
    if config.mode not in (ServingMode.CANARY, ServingMode.AB):
        return refuse(state, r.request_id, RefusalKind.INVALID_REQUEST,
                      f"{r.action.value} needs a running canary or A/B (mode is "
                      f"{config.mode.value})")
    share = r.treatment_share
    if r.action is ControlAction.NEXT_STEP:
        share = next_share(config.treatment_share, config.canary_steps)
        if share is None:
            return refuse(state, r.request_id, RefusalKind.INVALID_REQUEST,
                          "no canary step above the current share "
                          f"{config.treatment_share} (steps {list(config.canary_steps)})")
    return commit(state, r.request_id, r.action.value,
                  _next(config, r, now, treatment_share=share))


def _new_champion(state: ControlState, config: ServingConfig, r: ControlRequest,
                  now: datetime, version: str) -> Transition:
    if version == config.champion_version:
        return refuse(state, r.request_id, RefusalKind.INVALID_REQUEST,
                      f"version {version} is already the champion")
    after = _next(config, r, now, **_OFF, champion_version=version,
                  previous_champion_version=config.champion_version)
    return commit(state, r.request_id, r.action.value, after,
                  former_champions=(*state.former_champions, config.champion_version),
                  rolled_back=state.rolled_back - {version})


def _rollback(state: ControlState, config: ServingConfig, r: ControlRequest,
              now: datetime) -> Transition:
    target = r.version or state.rollback_target(config.champion_version)
    if target is None:
        return refuse(state, r.request_id, RefusalKind.NOTHING_TO_ROLL_BACK,
                      f"no former champion of {config.model_name} to roll back to")
    if target in state.rolled_back or target == config.champion_version:
        return refuse(state, r.request_id, RefusalKind.ROLLED_BACK_TARGET,
                      f"version {target} was itself rolled back or is the champion")
    history = state.champions_before(target)
    rolled = state.rolled_back | {config.champion_version}
    nxt = ControlState(model_name=state.model_name, former_champions=history,
                       rolled_back=rolled).rollback_target(target)
    after = _next(config, r, now, **_OFF, champion_version=target,
                  previous_champion_version=nxt)
    return commit(state, r.request_id, r.action.value, after, former_champions=history,
                  rolled_back=rolled, **state.rolled_back_now(config.champion_version, now))


def apply_request(state: ControlState, request: ControlRequest, now: datetime,
                  registry_champion: str | None = None) -> Transition:
    """Apply ``request``; ``registry_champion`` seeds the first config of a new model."""
    if state.seen(request.request_id):
        return duplicate(state)
    config = state.config
    if config is None:
        seed = registry_champion or (request.version
                                     if request.action is ControlAction.PROMOTE_VERSION else None)
        if seed is None:
            return refuse(state, request.request_id, RefusalKind.NO_CHAMPION,
                          f"{request.model_name} has no champion: promote a version first")
        config = ServingConfig(model_name=request.model_name, champion_version=seed,
                               sequence=0, actor="controller", updated_at=now,
                               reason="seeded from the registry's champion alias")
        if request.action is ControlAction.PROMOTE_VERSION and seed == request.version:
            return commit(state, request.request_id, request.action.value,
                          _next(config, request, now))
    return _dispatch(state, config, request, now)


def _dispatch(state: ControlState, config: ServingConfig, r: ControlRequest,
              now: datetime) -> Transition:
    a = r.action
    if a is ControlAction.START_EXPERIMENT:
        return _start(state, config, r, now)
    if a in (ControlAction.SET_SHARE, ControlAction.NEXT_STEP):
        return _reshare(state, config, r, now)
    if a is ControlAction.STOP_EXPERIMENT:
        if config.mode is ServingMode.OFF:
            return refuse(state, r.request_id, RefusalKind.INVALID_REQUEST, "no experiment runs")
        return commit(state, r.request_id, a.value, _next(config, r, now, **_OFF))
    if a is ControlAction.PROMOTE_CHALLENGER:
        if config.challenger_version is None:
            return refuse(state, r.request_id, RefusalKind.INVALID_REQUEST, "no challenger")
        return _new_champion(state, config, r, now, config.challenger_version)
    if a is ControlAction.PROMOTE_VERSION:
        return _new_champion(state, config, r, now, str(r.version))
    return _rollback(state, config, r, now)
