"""The controller agent: the only writer of ``models.control``.

Consumes ``models.control.requests`` (CLI) and ``models.rollback`` (guardrails), keeps a
:class:`ControlState` per model in a changelog-backed table, and publishes the new
:class:`ServingConfig` (``models.control``), an :class:`AuditEntry` (``models.audit``) and
any :class:`ControlAlert` (``models.alerts``). Runs at-least-once: the state remembers
applied ids, and a redelivered id re-publishes the same config and audit entry (same
sequence), which readers de-duplicate. One lock serialises both sources.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import faust
from pydantic import ValidationError

from schemas.alerts import ControlAlert
from schemas.control import ControlRequest, RollbackEvent
from scoring.control import ControlState
from streams.control.controller import ControllerCore, Publication
from streams.settings import Settings

log = logging.getLogger(__name__)
RAW = {"key_type": bytes, "value_type": bytes, "key_serializer": "raw",
       "value_serializer": "raw"}


def install(app: faust.App, settings: Settings) -> None:
    core = ControllerCore(settings)
    lock = asyncio.Lock()
    states = app.Table("control-state", default=str, partitions=1)
    control = app.topic(settings.topic_models_control, **RAW)
    audit = app.topic(settings.topic_models_audit, **RAW)
    alerts = app.topic(settings.topic_models_alerts, **RAW)

    def load(model: str) -> ControlState:
        raw = states[model]
        return ControlState.model_validate_json(raw) if raw else ControlState(model_name=model)

    async def publish(model: str, pub: Publication) -> None:
        key = model.encode()
        if pub.config is not None:
            await control.send(key=key, value=pub.config.model_dump_json().encode())
        if pub.audit is not None:
            await audit.send(key=key, value=pub.audit.model_dump_json().encode())
        for alert in pub.alerts:
            await alerts.send(key=key, value=alert.model_dump_json().encode())

    async def rejected(key: bytes | None, source: str, exc: ValidationError) -> None:
        model = (key or b"?").decode(errors="replace") or "?"
        log.error("malformed %s for %s: %s", source, model, exc)
        alert = ControlAlert(model_name=model, kind="invalid_request", source=source,
                             message=f"malformed {source}: {exc.errors()[:3]}", actor="unknown",
                             at=datetime.now(UTC))
        await alerts.send(key=model.encode(), value=alert.model_dump_json().encode())

    async def apply(event, contract, source: str, step) -> None:
        """Parse one record, apply it to its model's state under the lock, publish."""
        try:
            change = contract.model_validate_json(event.value)
        except ValidationError as exc:
            await rejected(event.key, source, exc)
            return
        async with lock:
            transition, pub = await step(load(change.model_name), change)
            states[change.model_name] = transition.state.model_dump_json()
            await publish(change.model_name, pub)

    @app.agent(app.topic(settings.topic_models_control_requests, **RAW))
    async def control_requests(stream: faust.StreamT) -> None:
        async for event in stream.events():
            await apply(event, ControlRequest, "request", core.on_request)

    @app.agent(app.topic(settings.topic_models_rollback, **RAW))
    async def rollbacks(stream: faust.StreamT) -> None:
        async for event in stream.events():
            await apply(event, RollbackEvent, "rollback", core.on_rollback)
