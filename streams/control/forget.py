"""The client side of erasure: ask the agents to forget a lead, wait for their audit entry.

:func:`forget` publishes an :class:`~schemas.privacy.ErasureRequest` on
``privacy.requests`` (signed by the operator's key when signing is required) and reads
``models.audit`` (from its end, opened before the request is sent) until the agents'
:class:`~schemas.privacy.ErasureEntry` with the same request id arrives, or raises
:class:`ErasureTimeout` after ``settings.forget_wait_s``. Audit records of model changes on
the same topic are passed over.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import UTC, datetime

from pydantic import ValidationError

from schemas.errors import RetryableError
from schemas.privacy import ERASURE_KEY, ErasureEntry, ErasureRequest
from streams.control.keys import operator_signer
from streams.kafka.reader import TopicReader, produce_one
from streams.settings import Settings

log = logging.getLogger(__name__)


class ErasureTimeout(RetryableError):
    """The agents did not confirm the erasure in time (is ``leadstream agents`` running?)."""


def erasure_request(lead_id: str, actor: str, now: datetime | None = None) -> ErasureRequest:
    return ErasureRequest(request_id=uuid.uuid4().hex, lead_id=lead_id, actor=actor,
                          requested_at=now or datetime.now(UTC))


def forget(settings: Settings, request: ErasureRequest,
           timeout_s: float | None = None) -> ErasureEntry:
    """Send ``request``; return the agents' erasure entry for it."""
    wait_s = timeout_s or settings.forget_wait_s
    deadline = time.monotonic() + wait_s
    with TopicReader(settings, settings.topic_models_audit, from_end=True) as audits:
        value, topic = request.model_dump_json().encode(), settings.topic_privacy_requests
        signer = operator_signer(settings)
        headers = signer.headers(topic, request.request_id.encode(), value) if signer else None
        produce_one(settings, topic, request.request_id, value, headers=headers)
        while time.monotonic() < deadline:
            for rec in audits.poll(0.2):
                entry = _erasure(rec.key, rec.value, rec.offset)
                if entry is not None and entry.request_id == request.request_id:
                    return entry
    raise ErasureTimeout(f"no erasure entry for request {request.request_id} within "
                         f"{wait_s:g}s: is `leadstream agents` running? The request stays on "
                         f"{settings.topic_privacy_requests} and is handled when they start.")


def _erasure(key: bytes | None, value: bytes | None, offset: int) -> ErasureEntry | None:
    if key != ERASURE_KEY:
        return None
    try:
        return ErasureEntry.model_validate_json(value or b"")
    except ValidationError as exc:
        log.error("invalid erasure entry at models.audit offset %d skipped: %s", offset,
                  str(exc)[:500])
        return None
