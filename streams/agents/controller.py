"""The controller agent: the only writer of ``models.control``.

Consumes ``models.control.requests`` (CLI) and ``models.rollback`` (guardrails), keeps a
:class:`ControlState` per model in a changelog-backed table, and publishes the new
:class:`ServingConfig` (``models.control``), an :class:`AuditEntry` (``models.audit``) and
any :class:`ControlAlert` (``models.alerts``). A record that does not decode or fails
while applied is dead-lettered (``<topic>.deadletter``) and answered with an alert
(``invalid_request`` / ``apply_failed``); the agent goes on. Runs at-least-once: the state remembers
applied ids, and a redelivered id re-publishes the same config and audit entry (same
sequence), which readers de-duplicate. One lock serialises both sources, and the canary
progression (:mod:`streams.agents.progression`, on ``monitor.guardrails``) that shares them.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import faust

from schemas.alerts import ControlAlert
from schemas.control import (
    MODELS_CONTROL_REQUESTS,
    MODELS_ROLLBACK,
    ControlRequest,
    RollbackEvent,
)
from schemas.deadletters import RecordDeadLetter, RecordRejectReason
from scoring.control import ControlState
from streams.agents import progression
from streams.agents.deadletters import RAW, DeadLetters, Rejected, decode, guarded
from streams.agents.records import send
from streams.agents.signature_gate import RequestGate, RollbackGate
from streams.control.controller import ControllerCore, Publication
from streams.control.keys import controller_signer
from streams.settings import Settings

log = logging.getLogger(__name__)
MAX_NAME = 128


def alert_of(letter: RecordDeadLetter, key: bytes | None, change: object | None,
             source: str) -> ControlAlert:
    """The alert that answers a dead-lettered request or rollback event (the CLI waits for
    it): ``invalid_request`` for a record that does not decode, ``signature_refused`` for
    one refused for its signature (its declared actor is not trusted: ``unverified``),
    ``apply_failed`` else."""
    name = getattr(change, "model_name", None)
    if name is None:
        name = (key or b"").decode(errors="replace")[:MAX_NAME] or "?"
    request_id = getattr(change, "request_id", None) or getattr(change, "event_id", None)
    kind = {RecordRejectReason.APPLY_FAILED: "apply_failed",
            RecordRejectReason.SIGNATURE_REFUSED: "signature_refused"}.get(letter.reason,
                                                                          "invalid_request")
    actor = getattr(change, "actor", None) or "unknown"
    if letter.reason is RecordRejectReason.SIGNATURE_REFUSED:
        actor = "unverified"
    return ControlAlert(model_name=name, kind=kind, source=source,
                        message=f"{source} at {letter.source_topic}[{letter.source_partition}]"
                                f"@{letter.source_offset} skipped: {letter.message}"[:2000],
                        request_id=request_id, actor=actor,
                        at=datetime.now(UTC))


def _best_effort(contract, raw: bytes | None) -> object | None:
    """The refused record's ids (model, request id) for the alert the CLI waits for."""
    try:
        return decode(contract, raw)
    except Rejected:
        return None


def install(app: faust.App, settings: Settings) -> None:
    core = ControllerCore(settings)
    gate, rollback_gate = RequestGate(app, settings), RollbackGate(app, settings)
    signer = controller_signer(settings)
    lock = asyncio.Lock()
    limit = settings.max_record_bytes
    states = app.Table("control-state", default=str, partitions=1)
    control = app.topic(settings.topic_models_control, **RAW)
    audit = app.topic(settings.topic_models_audit, **RAW)
    alerts = app.topic(settings.topic_models_alerts, **RAW)
    dead = {"request": DeadLetters(app, settings, MODELS_CONTROL_REQUESTS, "controller"),
            "rollback": DeadLetters(app, settings, MODELS_ROLLBACK, "controller")}

    def load(model: str) -> ControlState:
        raw = states[model]
        return ControlState.model_validate_json(raw) if raw else ControlState(model_name=model)

    async def publish(model: str, pub: Publication) -> None:
        key = model.encode()
        if pub.config is not None:
            value = pub.config.model_dump_json().encode()
            headers = signer.headers(settings.topic_models_control, key, value) if signer else None
            await send(control, key, value, limit, headers)
        if pub.audit is not None:
            await send(audit, key, pub.audit.model_dump_json().encode(), limit)
        for alert in pub.alerts:
            await send(alerts, key, alert.model_dump_json().encode(), limit)

    def store(model: str, state: ControlState) -> None:
        states[model] = state.model_dump_json()

    progression.install(app, settings,
                        progression.ControllerParts(core, lock, load, store, publish))

    async def apply(event, contract, source: str, step) -> None:
        """Parse one record, apply it to its model's state under the lock, publish; a bad
        record is dead-lettered and answered with an alert."""
        parsed: list[object] = []

        async def handle() -> None:
            try:
                if source == "request":
                    actor = await gate.signer(event)
                else:
                    actor = None
                    rollback_gate.check(event)
            except Rejected:
                parsed.append(_best_effort(contract, event.value))
                raise
            change = decode(contract, event.value)
            if actor is not None:
                change = change.model_copy(update={"actor": actor})
            parsed.append(change)
            async with lock:
                transition, pub = await step(load(change.model_name), change)
                store(change.model_name, transition.state)
                await publish(change.model_name, pub)

        async def answer(letter: RecordDeadLetter) -> None:
            alert = alert_of(letter, event.key, parsed[0] if parsed else None, source)
            await send(alerts, alert.model_name.encode(), alert.model_dump_json().encode(),
                       limit)

        await guarded(dead[source], event, handle, answer)

    @app.agent(app.topic(settings.topic_models_control_requests, **RAW))
    async def control_requests(stream: faust.StreamT) -> None:
        async for event in stream.events():
            await apply(event, ControlRequest, "request", core.on_request)

    @app.agent(app.topic(settings.topic_models_rollback, **RAW))
    async def rollbacks(stream: faust.StreamT) -> None:
        async for event in stream.events():
            await apply(event, RollbackEvent, "rollback", core.on_rollback)
