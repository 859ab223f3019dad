"""The outcome agent: ``leads.outcomes`` joined with the ledger into per-variant counts.

Each outcome is joined and counted by :func:`join_outcome` (WATCH/MULTI around the pure
``apply_outcome``: idempotent under redelivery); its (score, label) pair also enters the
model version's rolling label window (:mod:`streams.stores.labels`). Outcomes of leads
the ledger does not know are kept in Redis (``leadstream:outcomes:unknown``), malformed
ones too (``leadstream:outcomes:malformed``, by source offset): nothing is dropped. While Redis is
down the agent retries with backoff and does not move on: at-least-once, nothing lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import faust
import redis
from pydantic import ValidationError

from schemas.experiments import Outcome
from streams.settings import Settings
from streams.stores.experiments import ExperimentStore, join_outcome
from streams.stores.labels import LabelWindow
from streams.stores.ledger import Ledger, redis_client

log = logging.getLogger(__name__)
MALFORMED_KEY = "leadstream:outcomes:malformed"
RAW = {"key_type": bytes, "value_type": bytes, "key_serializer": "raw",
       "value_serializer": "raw"}
MAX_BACKOFF_S = 5.0


async def with_redis(what: str, call: Callable[[], str]) -> str:
    """Run a blocking Redis step in a thread; retry with backoff while Redis fails."""
    backoff = 0.1
    while True:
        try:
            return await asyncio.to_thread(call)
        except redis.RedisError as exc:
            log.warning("%s: Redis failed (%s); retrying in %.1fs", what, exc, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_S)


def install(app: faust.App, settings: Settings) -> None:
    client = redis_client(settings.redis_url, max(settings.redis_timeout_s, 2.0))
    ledger = Ledger(client, settings.ledger_ttl_days * 24 * 3600)
    store = ExperimentStore(client)
    labels = LabelWindow(client, settings.monitor_label_window)

    def keep_malformed(where: str, value: bytes) -> str:
        client.hsetnx(MALFORMED_KEY, where, value)
        return "malformed"

    @app.agent(app.topic(settings.topic_leads_outcomes, **RAW))
    async def outcomes(stream: faust.StreamT) -> None:
        async for event in stream.events():
            msg = event.message
            where = f"{msg.topic}:{msg.partition}:{msg.offset}"
            try:
                outcome = Outcome.model_validate_json(event.value or b"")
            except ValidationError as exc:
                log.error("malformed outcome at %s kept in %s: %s", where, MALFORMED_KEY, exc)
                raw = event.value or b""
                await with_redis(where, lambda w=where, v=raw: keep_malformed(w, v))
                continue
            result = await with_redis(
                where, lambda o=outcome: join_outcome(ledger, store, o, labels))
            log.debug("outcome %s of %s: %s", where, outcome.lead_id, result)
