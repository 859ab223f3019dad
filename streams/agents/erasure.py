"""The erasure agent: erases a lead from every Redis structure, audits it on models.audit.

Consumes ``privacy.requests`` (:class:`~schemas.privacy.ErasureRequest`, written by
``leadstream forget``; with ``control_signing = required`` only those signed by an
operator of the allow-list, the verified name being the actor,
:mod:`streams.agents.signature_gate`).
A request is applied whenever the agents read it: a signed one is not refused for its age
within ``erasure_replay_days`` (they may have been down for days), a copy of it is refused
by its request id (:mod:`streams.stores.erasure_requests`). Applying it: remember the lead
as forgotten (:mod:`streams.stores.erased`: the sink and ``lead`` skip its records still in
Kafka), run every eraser of :mod:`streams.stores.erasure`, then have Redis rewrite its
persistence files (:mod:`streams.stores.persistence`) — each step in a thread, retried with
backoff while Redis fails (an erasure is never skipped; every step is idempotent) — and
publish an :class:`~schemas.privacy.ErasureEntry` (actor, times, the count per structure,
the files rewritten, the lead only as its SHA-256) on ``models.audit``, where the CLI waits.

Whatever is not applied is visible: a refused, invalid or failed request is dead-lettered
(as its size and hash only, whatever ``deadletter_payload`` says: it holds a lead id) and
answered with a :class:`~schemas.alerts.ControlAlert` on ``models.alerts`` (key and
``model_name`` ``privacy``, ``source`` ``erasure``, the request id), which ``forget`` reports;
so is persistence not rewritten (``persistence_not_rewritten``; the entry says so too).
Logs, letters and alerts name the request id, never the lead.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import faust

from schemas.alerts import ControlAlert
from schemas.deadletters import RecordDeadLetter, RecordRejectReason
from schemas.payload import PayloadPolicy
from schemas.privacy import (
    ERASURE_KEY,
    ERASURE_SOURCE,
    PRIVACY_REQUESTS,
    ErasureEntry,
    ErasureRequest,
    lead_digest,
)
from scoring.control.signing import Refusal, Refused
from streams.agents.deadletters import RAW, DeadLetters, Rejected, decode, guarded
from streams.agents.records import send
from streams.agents.signature_gate import RequestGate
from streams.settings import Settings
from streams.stores.erased import ErasedLeads
from streams.stores.erasure import Eraser, erase, erasers
from streams.stores.erasure_requests import AppliedErasures
from streams.stores.ledger import redis_client
from streams.stores.persistence import PersistenceNotRewritten, rewrite_persistence
from streams.stores.retry import with_redis

log = logging.getLogger(__name__)
DAY_S = 86_400
KINDS = {RecordRejectReason.APPLY_FAILED: "apply_failed",
         RecordRejectReason.SIGNATURE_REFUSED: "signature_refused"}


def erasure_entry(request: ErasureRequest, removed: dict[str, int], now: datetime,
                  persistence: list[str] | None = None) -> ErasureEntry:
    """The audit entry of one done erasure (no lead data: its digest and counts)."""
    return ErasureEntry(request_id=request.request_id, actor=request.actor,
                        lead_sha256=lead_digest(request.lead_id),
                        requested_at=request.requested_at, at=now, removed=removed,
                        persistence=persistence)


def erasure_alert(kind: str, message: str, request: ErasureRequest | None,
                  actor: str | None = None) -> ControlAlert:
    """An alert about one erasure request on ``models.alerts`` (never the lead id)."""
    return ControlAlert(model_name=ERASURE_KEY.decode(), kind=kind, message=message[:2000],
                        request_id=request.request_id if request else None,
                        source=ERASURE_SOURCE,
                        actor=actor or (request.actor if request else "unknown"),
                        at=datetime.now(UTC))


def scrubbed(text: str, lead_id: str) -> str:
    """``text`` with the lead id replaced by the start of its digest."""
    return text.replace(lead_id, f"<lead sha256:{lead_digest(lead_id)[:16]}>")


def _best_effort(raw: bytes | None) -> ErasureRequest | None:
    try:
        return decode(ErasureRequest, raw)
    except Rejected:
        return None


def install(app: faust.App, settings: Settings,
            stores: dict[str, Eraser] | None = None) -> None:
    client = redis_client(settings.redis_url, max(settings.redis_timeout_s, 2.0))
    by_name = stores if stores is not None else erasers(client, settings)
    erased = ErasedLeads.of(client, settings)
    applied = AppliedErasures(client, settings.erasure_replay_days)
    audit = app.topic(settings.topic_models_audit, **RAW)
    alerts = app.topic(settings.topic_models_alerts, **RAW)
    dead = DeadLetters(app, settings, PRIVACY_REQUESTS, "erasure")
    dead.policy = PayloadPolicy.HASH  # an erasure request holds the lead id
    gate = RequestGate(app, settings, what="erasure request", warn=False,
                       window_s=settings.erasure_replay_days * DAY_S, remember=False)

    async def alert(a: ControlAlert) -> None:
        await send(alerts, ERASURE_KEY, a.model_dump_json().encode(), settings.max_record_bytes)

    async def rewrite(request: ErasureRequest) -> list[str] | None:
        if not settings.erasure_rewrite_persistence:
            return None
        try:
            return await with_redis(f"erasure {request.request_id}: rewrite persistence",
                                    lambda: rewrite_persistence(
                                        client, settings.erasure_rewrite_wait_s))
        except PersistenceNotRewritten as exc:
            log.error("erasure %s: Redis persistence not rewritten: %s", request.request_id,
                      exc)
            await alert(erasure_alert("persistence_not_rewritten", str(exc), request))
            return None

    async def apply(request: ErasureRequest) -> None:
        what = f"erasure {request.request_id}"
        at = datetime.now(UTC)
        await with_redis(what, lambda: erased.mark(request.lead_id,
                                                   int(at.timestamp() * 1000)))
        removed = await with_redis(what, lambda: erase(by_name, request.lead_id))
        entry = erasure_entry(request, removed, datetime.now(UTC), await rewrite(request))
        await send(audit, ERASURE_KEY, entry.model_dump_json().encode(), settings.max_record_bytes)
        log.info("erasure %s by %s: %d entries removed (%s); persistence rewritten: %s",
                 request.request_id, request.actor, entry.total,
                 ", ".join(f"{k}={v}" for k, v in removed.items()),
                 ", ".join(entry.persistence) if entry.persistence else "no")

    async def handle(event) -> None:
        signer = await gate.signer(event)
        request = decode(ErasureRequest, event.value)
        if signer is not None:  # signing required: the verified name is who asked
            request = request.model_copy(update={"actor": signer})
            msg = event.message
            where = f"{msg.topic}:{msg.partition}:{msg.offset}"
            first = await with_redis(f"erasure {request.request_id}",
                                     lambda: applied.claim(request.request_id, where))
            if first is not None:
                gate.refuse(msg.topic, Refused(Refusal.REPLAYED,
                                               f"a copy of request {request.request_id}, "
                                               f"first applied at {first}"))
        try:
            await apply(request)
        except Exception as exc:  # dead-lettered and alerted as apply_failed, lead scrubbed
            raise Rejected(RecordRejectReason.APPLY_FAILED,
                           scrubbed(f"{type(exc).__name__}: {exc}", request.lead_id)) from None

    @app.agent(app.topic(settings.topic_privacy_requests, **RAW))
    async def erasure_requests(stream: faust.StreamT) -> None:
        async for event in stream.events():
            async def answer(letter: RecordDeadLetter, raw: bytes | None = event.value) -> None:
                request = _best_effort(raw)
                unverified = letter.reason is RecordRejectReason.SIGNATURE_REFUSED
                await alert(erasure_alert(KINDS.get(letter.reason, "invalid_request"),
                                          f"erasure request at {letter.source_topic}"
                                          f"[{letter.source_partition}]@{letter.source_offset}"
                                          f" not applied: {letter.message}", request,
                                          "unverified" if unverified else None))

            await guarded(dead, event, lambda e=event: handle(e), answer)
