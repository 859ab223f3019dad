"""The outcome agent: ``leads.outcomes`` joined with the ledger into per-variant counts.

Each outcome is joined and counted by :func:`join_outcome` (WATCH/MULTI around the pure
``apply_outcome``: idempotent under redelivery); its (score, label) pair also enters the
model version's rolling label window (:mod:`streams.stores.labels`), and when a shadow
challenger also scored the lead, both scores enter the (model, champion, challenger)
window of labelled shadow pairs (:mod:`streams.stores.shadow_labels`). An outcome of a
lead the ledger does not know yet is parked (:mod:`streams.stores.parked`: bounded, with a TTL)
and joined again every ``outcome_retry_s`` until its score arrives; one that waits beyond
the TTL, or is pushed out by the bound, goes to ``leads.outcomes.deadletter`` as
``never_scored``. A record that does not decode, fails validation or raises while joined
goes there too, with its reason, and is skipped. While Redis is down the agent retries
with backoff and does not move on: at-least-once, nothing lost.
"""

from __future__ import annotations

import asyncio
import logging
import time

import faust
import redis
from pydantic import ValidationError

from schemas.deadletters import RecordRejectReason
from schemas.experiments import LEADS_OUTCOMES, Outcome
from streams.agents.deadletters import RAW, DeadLetters, decode, guarded, guarded_timer
from streams.settings import Settings
from streams.stores.experiments import ExperimentStore, join_outcome, outcome_identity
from streams.stores.labels import LabelWindow
from streams.stores.ledger import Ledger, redis_client
from streams.stores.parked import Parked, ParkedOutcomes
from streams.stores.retry import with_redis
from streams.stores.shadow_labels import ShadowLabelWindow

log = logging.getLogger(__name__)
REJOIN_PAGE = 1000


class OutcomeJoin:
    """The blocking Redis side of the agent: join, park, join the parked again."""

    def __init__(self, settings: Settings):
        client = redis_client(settings.redis_url, max(settings.redis_timeout_s, 2.0))
        ttl_s = settings.ledger_ttl_days * 24 * 3600
        self.ledger = Ledger(client, ttl_s)
        self.store = ExperimentStore(client, ttl_s)
        self.labels = LabelWindow(client, settings.monitor_label_window, ttl_s)
        self.shadow = ShadowLabelWindow(client, settings.monitor_label_window, ttl_s)
        self.parked = ParkedOutcomes(client, settings.outcome_park_ttl_s,
                                     settings.outcome_park_max)

    def join_or_park(self, outcome: Outcome) -> tuple[str, list[Parked]]:
        """Join one outcome, or park it; returns what happened and what the bound evicted."""
        result = join_outcome(self.ledger, self.store, outcome, self.labels, self.shadow)
        if result != "unknown":
            return result, []
        new, evicted = self.parked.park(outcome_identity(outcome), outcome,
                                        int(time.time() * 1000))
        return ("parked" if new else "parked-repeat"), evicted

    def rejoin(self) -> tuple[int, list[Parked], list[tuple[Parked, str]]]:
        """Join the next page of parked outcomes whose lead is scored by now; returns how
        many joined, the expired ones and those whose join raised (both taken out, for the
        dead-letter topic). A Redis error is raised: the whole tick is retried later."""
        page = self.parked.next_page(REJOIN_PAGE)
        outcomes = [_outcome(p) for p in page]
        known = [(p, o) for p, o in zip(page, outcomes, strict=True) if o is not None]
        entries = self.ledger.get_many([o.lead_id for _, o in known])
        joined, failed = 0, []
        for (p, outcome), entry in zip(known, entries, strict=True):
            if entry is None:
                continue
            try:
                join_outcome(self.ledger, self.store, outcome, self.labels, self.shadow)
                joined += 1
            except redis.RedisError:
                raise
            except Exception as exc:  # this outcome's failure: dead-lettered, not retried
                failed.append((p, f"{type(exc).__name__}: {exc}"))
            self.parked.unpark(p.identity)
        return joined, self.parked.evict_expired(int(time.time() * 1000)), failed


def _outcome(p: Parked) -> Outcome | None:
    try:
        return p.outcome()
    except ValidationError:
        return None


def install(app: faust.App, settings: Settings) -> None:
    join = OutcomeJoin(settings)
    dead = DeadLetters(app, settings, LEADS_OUTCOMES, "outcomes")

    async def unparked(p: Parked, reason: RecordRejectReason, message: str) -> None:
        key = p.identity.split("|", 1)[0].encode()
        letter = dead.letter(reason, message, key, p.raw, (dead.source_name, None, None, None))
        await dead.publish(letter, key)

    async def never_scored(gone: list[Parked], why: str) -> None:
        for p in gone:
            await unparked(p, RecordRejectReason.NEVER_SCORED,
                           f"lead never scored while parked ({why})")

    async def handle(event) -> None:
        msg = event.message
        where = f"{msg.topic}:{msg.partition}:{msg.offset}"
        outcome = decode(Outcome, event.value)
        result, evicted = await with_redis(where, lambda: join.join_or_park(outcome))
        log.debug("outcome %s of %s: %s", where, outcome.lead_id, result)
        await never_scored(evicted, f"more than {settings.outcome_park_max} parked")

    @app.agent(app.topic(settings.topic_leads_outcomes, **RAW))
    async def outcomes(stream: faust.StreamT) -> None:
        async for event in stream.events():
            await guarded(dead, event, lambda e=event: handle(e))

    @app.timer(settings.outcome_retry_s)
    @guarded_timer(app, "outcome-rejoin")
    async def rejoin_parked() -> None:
        joined, expired, failed = await asyncio.to_thread(join.rejoin)
        if joined:
            log.info("%d parked outcomes joined with their scores", joined)
        await never_scored(expired, f"older than {settings.outcome_park_ttl_s}s")
        for p, why in failed:
            await unparked(p, RecordRejectReason.APPLY_FAILED, why)
