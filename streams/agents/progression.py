"""The controller's automatic canary progression (and a shadow run's ending on its labels),
one decision per closed window.

Runs in the controller (:mod:`streams.agents.controller` installs it with its state table,
lock and publisher). ``progression-route`` forwards the challengers' reports on
``monitor.guardrails`` (three partitions) to the internal one-partition
``models.progression``, so the controller's state table (one partition, written only from
a stream of the same partition count, as faust requires) is read and written by the
worker that owns it. For the challenger's report of each closed window of a canary that
runs under a progression policy, ``controller-progression`` takes a look at the experiment
(Redis), builds the window's evidence, asks the pure
:func:`~scoring.experiments.progression.decide`; for a shadow run under a policy, it reads
the pair's labelled leads (:mod:`streams.stores.shadow_labels`), compares both models on
them (:func:`~scoring.experiments.shadow_quality.shadow_quality`) and asks
:func:`~scoring.experiments.shadow_progression.decide_shadow`. It asks the policy's
webhooks when the decision would advance or promote, and applies it
(:meth:`ControllerCore.on_decision`): the state (progress included) is stored and the
config, audit entry and alert published under the controller's one lock. A window at or
before the last one decided is skipped, so a replay after a restart or a rebalance decides
nothing twice; an action's request id is its window's, so a crash between storing and
publishing re-publishes, never re-applies.

A report that does not decode is skipped (the monitor wrote it; the alert agent reads it
too); a window whose look fails (Redis down) is skipped, counted and logged: the next
window decides on evidence that includes it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import faust
from pydantic import ValidationError

from schemas.control import ModelRole, ServingMode
from schemas.monitor import MODELS_PROGRESSION, GuardrailReport
from scoring.control import ControlState
from scoring.experiments import DecisionPolicy
from scoring.experiments.progress_evidence import evidence_from
from scoring.experiments.progression import Action, Decision, Progress, decide
from scoring.experiments.shadow_progression import decide_shadow, shadow_evidence
from scoring.experiments.shadow_quality import shadow_quality
from streams.agents.deadletters import RAW, run_tick
from streams.agents.records import send
from streams.control.controller import ControllerCore, Publication
from streams.control.webhooks import refusals
from streams.kafka.topics import topic_name
from streams.settings import Settings
from streams.stores.experiments import keep_progress, look_now
from streams.stores.shadow_labels import read_pair

log = logging.getLogger(__name__)
Decider = Callable[..., tuple[Progress, Decision | None]]
"""``(progress, gate_refusals=())`` → the new progress and the window's decision."""


@dataclass(frozen=True)
class ControllerParts:
    """What the progression shares with the controller's request and rollback agents."""

    core: ControllerCore
    lock: asyncio.Lock
    load: Callable[[str], ControlState]
    store: Callable[[str, ControlState], None]
    publish: Callable[[str, Publication], Awaitable[None]]


def _decision_policy(settings: Settings, state: ControlState) -> DecisionPolicy:
    policy = state.progress.policy  # type: ignore[union-attr]
    return DecisionPolicy(alpha=policy.alpha, min_outcomes_per_arm=policy.min_outcomes_per_arm,
                          mde=settings.experiment_mde,
                          test=policy.test or settings.experiment_test)


def _due(state: ControlState, report: GuardrailReport) -> bool:
    """True when this report is a new window of the challenger of a canary, or of a shadow
    run, under a policy."""
    config, progress = state.config, state.progress
    if progress is None or config is None:
        return False
    mode = ServingMode.SHADOW if progress.shadow_of is not None else ServingMode.CANARY
    if config.mode is not mode or config.challenger_version != report.model_version:
        return False
    last = progress.last_window_end_ms
    return last is None or report.window_end_ms > last


async def _canary_decider(settings: Settings, state: ControlState,
                          report: GuardrailReport) -> Decider:
    """The canary's decision on this window: its look at the experiment's counts (Redis)."""
    assert state.config is not None
    look = await asyncio.to_thread(look_now, settings, state.config,
                                   _decision_policy(settings, state))
    evidence = evidence_from(report, state.config, look, int(time.time() * 1000))
    return lambda progress, refused=(): decide(progress, evidence, refused)


async def _shadow_decider(settings: Settings, state: ControlState,
                          report: GuardrailReport) -> Decider:
    """The shadow run's decision on this window: both models on the labelled leads."""
    config, policy = state.config, state.progress.policy  # type: ignore[union-attr]
    assert config is not None and config.challenger_version is not None
    versions = (config.champion_version, config.challenger_version)
    pair = await asyncio.to_thread(read_pair, settings, config.model_name, *versions)
    quality = shadow_quality(pair.labels, pair.champion, pair.challenger, versions,
                             alpha=policy.alpha, min_labels=policy.min_labels)
    evidence = shadow_evidence(quality, {g.name: g.level for g in report.guardrails},
                               {g.name: g.value for g in report.guardrails},
                               report.window_start_ms, report.window_end_ms,
                               int(time.time() * 1000))
    return lambda progress, refused=(): decide_shadow(progress, evidence, refused)


async def on_window(settings: Settings, parts: ControllerParts, report: GuardrailReport) -> None:
    async with parts.lock:
        state = parts.load(report.model_name)
        if not _due(state, report):
            return
        assert state.config is not None and state.progress is not None
        shadow = state.progress.shadow_of is not None
        decider = await (_shadow_decider if shadow else _canary_decider)(settings, state,
                                                                          report)
        progress, decision = decider(state.progress)
        if decision is None:
            return
        if decision.action in (Action.ADVANCE, Action.PROMOTE):
            gates = state.progress.policy.gates(decision.action.value)
            refused = await refusals(gates, report.model_name, decision)
            if refused:
                progress, decision = decider(state.progress, refused)
                assert decision is not None
        new_state, pub = await parts.core.on_decision(state, progress, decision)
        parts.store(report.model_name, new_state)
        await parts.publish(report.model_name, pub)
    try:
        await asyncio.to_thread(keep_progress, settings, progress)
    except Exception as exc:  # the view only: the decision is stored and published
        log.warning("progress of %s not kept for experiment report: %s",
                    progress.experiment_id, type(exc).__name__)


def _challenger(raw: bytes | None) -> GuardrailReport | None:
    try:
        report = GuardrailReport.model_validate_json(raw or b"")
    except ValidationError:
        log.warning("unreadable guardrail report skipped by the progression")
        return None
    return report if report.role is ModelRole.CHALLENGER else None


def install(app: faust.App, settings: Settings, parts: ControllerParts) -> None:
    forwarded = app.topic(topic_name(settings, MODELS_PROGRESSION), partitions=1, **RAW)

    @app.agent(app.topic(settings.topic_monitor_guardrails, **RAW), name="progression-route")
    async def route(stream: faust.StreamT) -> None:
        async for event in stream.events():
            if _challenger(event.value) is not None:
                await run_tick(app, "progression-route", lambda e=event: send(
                    forwarded, e.key, e.value, settings.max_record_bytes))

    @app.agent(forwarded, name="controller-progression")
    async def progression(stream: faust.StreamT) -> None:
        async for event in stream.events():
            report = _challenger(event.value)
            if report is not None:
                await run_tick(app, "progression",
                               lambda r=report: on_window(settings, parts, r))
