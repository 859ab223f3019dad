"""The controller's side effects around the pure transitions of :mod:`scoring.control`.

:class:`ControllerCore` holds no Kafka code: given the stored :class:`ControlState` and a
request or rollback event it returns the :class:`Transition` and the records to publish
(:class:`Publication`), after moving the MLflow aliases ``champion``/``challenger`` in step.
A request that would serve a version the registry does not have (or cannot load) is refused
with an ``unknown_version`` alert before anything changes. A canary's automatic decision
(:meth:`ControllerCore.on_decision`) is applied the same way and also sent as an alert
(kind ``auto_<action>``: what it did and why).
The faust agent (``streams.agents.controller``) stores the state and sends the records.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from schemas.alerts import ControlAlert
from schemas.control import (
    AuditEntry,
    ControlAction,
    ControlRequest,
    GuardrailDemand,
    RollbackEvent,
    ServingConfig,
)
from scoring.control import ControlState, Transition, alias_targets, apply_request, apply_rollback
from scoring.control.progress import ACTOR, apply_decision, with_progress
from scoring.control.state import RefusalKind, refuse
from scoring.experiments.progression import Decision, Progress
from scoring.registry import ModelRegistry
from streams.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Publication:
    """What to send after a transition: new config, audit entry, alerts."""

    config: ServingConfig | None = None
    audit: AuditEntry | None = None
    alerts: tuple[ControlAlert, ...] = field(default=())


def _alert(state: ControlState, kind: str, message: str, request_id: str | None, source: str,
           actor: str, now: datetime) -> ControlAlert:
    sequence = state.config.sequence if state.config else None
    return ControlAlert(model_name=state.model_name, kind=kind, message=message,
                        request_id=request_id, source=source, actor=actor, sequence=sequence,
                        at=now)


def _alert_audit(state: ControlState, alert: ControlAlert) -> AuditEntry | None:
    """A refused guardrail rollback is audited too (config unchanged: before == after)."""
    if alert.source != "rollback" or state.config is None:
        return None
    return AuditEntry(model_name=state.model_name, sequence=state.config.sequence,
                      action=f"alert:{alert.kind}", actor=alert.actor, reason=alert.message,
                      at=alert.at, request_id=alert.request_id, before=state.config,
                      after=state.config)


def version_to_serve(request: ControlRequest) -> str | None:
    """The version a request would put into serving (checked in the registry first)."""
    if request.action is ControlAction.START_EXPERIMENT:
        return request.challenger_version
    if request.action in (ControlAction.PROMOTE_VERSION, ControlAction.ROLLBACK):
        return request.version
    return None


class ControllerCore:
    def __init__(self, settings: Settings,
                 registry_for: Callable[[str], ModelRegistry] | None = None):
        self._settings = settings
        self._registry_for = registry_for or (lambda name: ModelRegistry(
            settings.tracking_uri, name, settings.model_cache_dir, settings.artifact_root))

    async def on_request(self, state: ControlState,
                         request: ControlRequest) -> tuple[Transition, Publication]:
        now = datetime.now(UTC)
        version = version_to_serve(request)
        if version is not None and not state.seen(request.request_id):
            problem = await self.unservable(state.model_name, version)
            if problem is not None:
                t = refuse(state, request.request_id, RefusalKind.UNKNOWN_VERSION, problem)
                return t, await self._publication(t, request.request_id, "request",
                                                  request.actor, now)
        seed = None
        if state.config is None:
            registry = self._registry_for(state.model_name)
            seed = await asyncio.to_thread(registry.alias_version, "champion")
        t = apply_request(state, request, now, registry_champion=seed)
        return t, await self._publication(t, request.request_id, "request", request.actor, now)

    async def on_rollback(self, state: ControlState,
                          event: RollbackEvent) -> tuple[Transition, Publication]:
        now = datetime.now(UTC)
        t = apply_rollback(state, event, now, self._settings.rollback_cooldown_s)
        actor = f"guardrail:{event.guardrail}"
        pub = await self._publication(t, event.event_id, "rollback", actor, now)
        if t.audit is not None and event.demand is GuardrailDemand.STOP_INVALID:
            srm = _alert(t.state, "srm", t.audit.reason, event.event_id, "rollback", actor, now)
            pub = replace(pub, alerts=(srm, *pub.alerts))
        return t, pub

    async def on_decision(self, state: ControlState, progress: Progress,
                          decision: Decision) -> tuple[ControlState, Publication]:
        """Apply a canary's (or a shadow's) automatic decision: the state to store and what
        to publish (a hold only moves the progress; an action is audited with its evidence
        and alerted)."""
        now = datetime.now(UTC)
        t = apply_decision(state, progress, decision, now)
        if t is None:
            log.info("experiment %s holds at %.0f%%: %s", decision.experiment_id,
                     decision.share_from * 100, "; ".join(decision.reasons))
            return with_progress(state, progress), Publication()
        pub = await self._publication(t, decision.key, "progression", ACTOR, now)
        if t.audit is not None and not t.duplicate:
            log.warning("experiment %s: %s (%s)", decision.experiment_id, decision.action.value,
                        "; ".join(decision.reasons))
            done = _alert(t.state, f"auto_{decision.action.value}", t.audit.reason,
                          decision.key, "progression", ACTOR, now)
            pub = replace(pub, alerts=(done, *pub.alerts))
        return t.state, pub

    async def _publication(self, t: Transition, request_id: str, source: str, actor: str,
                           now: datetime) -> Publication:
        if t.duplicate:
            last = t.state.last_audit
            if last is not None and last.request_id == request_id:
                return Publication(last.after, last)
            return Publication()
        if t.refusal is not None:
            alert = _alert(t.state, t.refusal.kind.value, t.refusal.message, request_id,
                           source, actor, now)
            log.warning("controller refused %s %s: %s", source, request_id, t.refusal.message)
            return Publication(audit=_alert_audit(t.state, alert), alerts=(alert,))
        assert t.audit is not None
        failed = await self.sync_aliases(t.audit.after)
        alerts = tuple(_alert(t.state, "alias_sync_failed", msg, request_id, source, actor, now)
                       for msg in failed)
        return Publication(t.audit.after, t.audit, alerts)

    async def unservable(self, model: str, version: str) -> str | None:
        """Why ``version`` cannot be served (absent from the registry, or not loadable), or
        None if it loads: a promote, canary, A/B or shadow of it is refused then."""
        registry = self._registry_for(model)
        try:
            await asyncio.to_thread(registry.load_version, version)
        except Exception as exc:  # any failure to load: the request is refused, with why
            log.warning("%s v%s cannot be served: %s", model, version, exc)
            return (f"version {version} of {model} does not exist in the registry or cannot "
                    f"be loaded ({type(exc).__name__}: {str(exc)[:300]})")
        return None

    async def sync_aliases(self, config: ServingConfig) -> list[str]:
        """Point the MLflow aliases at ``config``; returns what failed (reported as alerts).

        ``models.control`` stays the source of truth for scorers, so a registry outage
        does not hold back a rollback: the failure is published and logged instead.
        """
        registry = self._registry_for(config.model_name)
        failures = []
        for alias, version in alias_targets(config).items():
            try:
                if version is None:
                    await asyncio.to_thread(registry.delete_alias, alias)
                else:
                    await asyncio.to_thread(registry.set_alias, alias, version)
            except Exception as exc:  # reported on models.alerts, with the traceback logged
                log.exception("could not move %s@%s to %s", config.model_name, alias, version)
                failures.append(f"MLflow alias {alias} -> {version} failed: {exc}")
        return failures
