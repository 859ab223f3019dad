"""The erasure agent: erases a lead from every Redis structure, audits it on models.audit.

Consumes ``privacy.requests`` (:class:`~schemas.privacy.ErasureRequest`, written by
``leadstream forget``; with ``control_signing = required`` only those signed by an
operator of the allow-list, the verified name being the actor, :mod:`streams.agents.signed`),
runs every eraser of :mod:`streams.stores.erasure` in a thread
(retried with backoff while Redis fails: an erasure is never skipped; every eraser is
idempotent) and publishes an :class:`~schemas.privacy.ErasureEntry` — actor, times and the
count per structure, the lead only as its SHA-256 — on ``models.audit``, where the CLI waits
for it. A request that does not decode is dead-lettered as its size and hash only (it holds
a lead id), whatever ``deadletter_payload`` says. Logs name the request id, never the lead.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import faust

from schemas.payload import PayloadPolicy
from schemas.privacy import ERASURE_KEY, PRIVACY_REQUESTS, ErasureEntry, ErasureRequest, lead_digest
from streams.agents.guard import RAW, DeadLetters, decode, guarded
from streams.agents.outcomes import with_redis
from streams.agents.records import send
from streams.agents.signed import RequestGate
from streams.settings import Settings
from streams.stores.erasure import Eraser, erase, erasers
from streams.stores.ledger import redis_client

log = logging.getLogger(__name__)


def erasure_entry(request: ErasureRequest, removed: dict[str, int],
                  now: datetime) -> ErasureEntry:
    """The audit entry of one done erasure (no lead data: its digest and counts)."""
    return ErasureEntry(request_id=request.request_id, actor=request.actor,
                        lead_sha256=lead_digest(request.lead_id),
                        requested_at=request.requested_at, at=now, removed=removed)


def install(app: faust.App, settings: Settings,
            stores: dict[str, Eraser] | None = None) -> None:
    client = redis_client(settings.redis_url, max(settings.redis_timeout_s, 2.0))
    by_name = stores if stores is not None else erasers(client, settings)
    audit = app.topic(settings.topic_models_audit, **RAW)
    dead = DeadLetters(app, settings, PRIVACY_REQUESTS, "erasure")
    dead.policy = PayloadPolicy.HASH  # an erasure request holds the lead id
    gate = RequestGate(app, settings, what="erasure request", warn=False)

    async def handle(event) -> None:
        signer = await gate.signer(event)
        request = decode(ErasureRequest, event.value)
        if signer is not None:  # signing required: the verified name is who asked
            request = request.model_copy(update={"actor": signer})
        removed = await with_redis(f"erasure {request.request_id}",
                                   lambda: erase(by_name, request.lead_id))
        entry = erasure_entry(request, removed, datetime.now(UTC))
        await send(audit, ERASURE_KEY, entry.model_dump_json().encode(),
                   settings.max_record_bytes)
        log.info("erasure %s by %s: %d entries removed (%s)", request.request_id,
                 request.actor, entry.total,
                 ", ".join(f"{k}={v}" for k, v in removed.items()))

    @app.agent(app.topic(settings.topic_privacy_requests, **RAW))
    async def erasure_requests(stream: faust.StreamT) -> None:
        async for event in stream.events():
            await guarded(dead, event, lambda e=event: handle(e))
