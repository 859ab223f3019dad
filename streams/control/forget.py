"""The client side of erasure: ask the agents to forget a lead, wait for their answer.

:func:`forget` publishes an :class:`~schemas.privacy.ErasureRequest` on
``privacy.requests`` (signed by the operator's key when signing is required) and, unless
told not to wait, reads ``models.audit`` and ``models.alerts`` (from their ends, opened
before the request is sent) until the agents' :class:`~schemas.privacy.ErasureEntry` with
the same request id arrives, or an alert says it was not applied
(:class:`ErasureRefused`), or raises :class:`ErasureTimeout` after
``settings.forget_wait_s``. :func:`erasures` lists every erasure on ``models.audit`` and
every erasure alert on ``models.alerts`` (for ``models history``).
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import UTC, datetime

from pydantic import ValidationError

from schemas.alerts import ControlAlert
from schemas.errors import FatalError, RetryableError
from schemas.privacy import ERASURE_KEY, ERASURE_SOURCE, ErasureEntry, ErasureRequest
from streams.control.keys import operator_signer
from streams.kafka.reader import TopicReader, produce_one
from streams.settings import Settings

log = logging.getLogger(__name__)


class ErasureTimeout(RetryableError):
    """The agents did not confirm the erasure in time (is ``leadstream agents`` running?)."""


class ErasureRefused(FatalError):
    """The agents did not apply the request (refused, invalid or failed): the alert says why."""

    def __init__(self, alert: ControlAlert):
        super().__init__(f"erasure request {alert.request_id} not applied ({alert.kind}): "
                         f"{alert.message}")
        self.alert = alert


def erasure_request(lead_id: str, actor: str, now: datetime | None = None) -> ErasureRequest:
    return ErasureRequest(request_id=uuid.uuid4().hex, lead_id=lead_id, actor=actor,
                          requested_at=now or datetime.now(UTC))


def send(settings: Settings, request: ErasureRequest) -> None:
    """Publish ``request`` on ``privacy.requests`` (signed when the operator has a key)."""
    value, topic = request.model_dump_json().encode(), settings.topic_privacy_requests
    signer = operator_signer(settings)
    headers = signer.headers(topic, request.request_id.encode(), value) if signer else None
    produce_one(settings, topic, request.request_id, value, headers=headers)


def forget(settings: Settings, request: ErasureRequest,
           timeout_s: float | None = None) -> ErasureEntry:
    """Send ``request``; return the agents' erasure entry for it, or raise the alert that
    says it was not applied (:class:`ErasureRefused`)."""
    wait_s = timeout_s or settings.forget_wait_s
    deadline = time.monotonic() + wait_s
    with TopicReader(settings, settings.topic_models_audit, from_end=True) as audits, \
            TopicReader(settings, settings.topic_models_alerts, from_end=True) as alerts:
        send(settings, request)
        while time.monotonic() < deadline:
            for rec in audits.poll(0.2):
                entry = _erasure(rec.key, rec.value, rec.offset)
                if entry is not None and entry.request_id == request.request_id:
                    return entry
            for rec in alerts.poll(0.0):
                alert = _alert(rec.key, rec.value)
                if alert is not None and alert.request_id == request.request_id \
                        and alert.kind != "persistence_not_rewritten":
                    raise ErasureRefused(alert)
    raise ErasureTimeout(f"no erasure entry for request {request.request_id} within "
                         f"{wait_s:g}s: is `leadstream agents` running? The request stays on "
                         f"{settings.topic_privacy_requests} (one day) and is applied when "
                         f"they read it; `leadstream models history` then lists it.")


def erasures(settings: Settings) -> tuple[list[ErasureEntry], list[ControlAlert]]:
    """Every erasure audited on ``models.audit`` (each request once, oldest first) and every
    alert about an erasure request on ``models.alerts``."""
    done: dict[str, ErasureEntry] = {}
    with TopicReader(settings, settings.topic_models_audit) as reader:
        for rec in reader.to_end():
            entry = _erasure(rec.key, rec.value, rec.offset)
            if entry is not None:
                done.setdefault(entry.request_id, entry)
    with TopicReader(settings, settings.topic_models_alerts) as reader:
        refused = [a for r in reader.to_end() if (a := _alert(r.key, r.value)) is not None]
    return list(done.values()), refused


def _erasure(key: bytes | None, value: bytes | None, offset: int) -> ErasureEntry | None:
    if key != ERASURE_KEY:
        return None
    try:
        return ErasureEntry.model_validate_json(value or b"")
    except ValidationError as exc:
        log.error("invalid erasure entry at models.audit offset %d skipped: %s", offset,
                  str(exc)[:500])
        return None


def _alert(key: bytes | None, value: bytes | None) -> ControlAlert | None:
    if key != ERASURE_KEY:
        return None
    try:
        alert = ControlAlert.model_validate_json(value or b"")
    except ValidationError:
        return None
    return alert if alert.source == ERASURE_SOURCE else None
