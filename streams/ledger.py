"""The Redis ledger: what each scored lead was served, for late outcomes and retraining.

One key per lead, ``leadstream:ledger:<lead_id>``, holds the JSON of its last
:class:`LedgerEntry` (variant, experiment, model version, score, the feature values used)
with a TTL (settings, default 90 days); a variant is sticky, so the last entry is the one an
outcome joins. Scorers also add each lead to a per-experiment, per-variant set of assigned
leads, which the sample-ratio-mismatch check counts.

Writes are one pipeline per batch with a short socket timeout. :meth:`Ledger.write` never
raises a Redis error into the scorer: it returns how many entries were not written, and
the scorer counts and reports the gap. Reads raise :class:`redis.RedisError`: the outcome
agent retries, it never drops.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import redis
from pydantic import BaseModel, ConfigDict
from redis.backoff import NoBackoff
from redis.retry import Retry

from schemas.leads import Variant
from scoring.routing import BatchRoute
from streams.settings import Settings

log = logging.getLogger(__name__)

LEDGER_PREFIX = "leadstream:ledger:"
FeatureValue = float | int | str | None


def assigned_key(experiment_id: str, variant: Variant) -> str:
    return f"leadstream:exp:{experiment_id}:assigned:{variant.value}"


class LedgerEntry(BaseModel):
    """One scored lead as served (the value of its ledger key)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    lead_id: str
    model_name: str
    model_version: str
    variant: Variant
    experiment_id: str | None = None
    score: float
    features: dict[str, FeatureValue]
    scored_at: datetime
    event_id: str | None = None


def ledger_entries(route: BatchRoute, model_name: str, lead_ids: Sequence[str],
                   event_ids: Sequence[str | None], served_scores: Sequence[float],
                   columns: Mapping[str, Sequence[FeatureValue]],
                   scored_at: datetime) -> list[LedgerEntry]:
    """One entry per lead of a routed batch: its variant, served version and score, and
    the raw feature values (``columns``: feature name → one value per lead)."""
    return [LedgerEntry(lead_id=lead_id, model_name=model_name,
                        model_version=route.served_version(i), variant=route.variants[i],
                        experiment_id=route.experiment_id, score=float(served_scores[i]),
                        features={name: values[i] for name, values in columns.items()},
                        scored_at=scored_at, event_id=event_ids[i])
            for i, lead_id in enumerate(lead_ids)]


@dataclass(frozen=True)
class LedgerWrite:
    """What one batch write achieved; ``missed`` entries are a gap in the ledger."""

    written: int
    missed: int
    error: str | None = None


def redis_client(url: str, timeout_s: float) -> redis.Redis:
    """A client that fails fast (no retries) after ``timeout_s``."""
    return redis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s,
                                retry=Retry(NoBackoff(), 0), health_check_interval=0)


class Ledger:
    def __init__(self, client: redis.Redis, ttl_s: int):
        self._client = client
        self._ttl_s = ttl_s
        self.missed_total = 0
        """Entries not written since this ledger was created (a metric for the scorer)."""

    @classmethod
    def from_settings(cls, settings: Settings, timeout_s: float | None = None) -> Ledger:
        client = redis_client(settings.redis_url, timeout_s or settings.ledger_timeout_s)
        return cls(client, settings.ledger_ttl_days * 24 * 3600)

    def write(self, entries: Sequence[LedgerEntry]) -> LedgerWrite:
        """Write a batch in one round trip; a Redis failure is reported, never raised."""
        if not entries:
            return LedgerWrite(0, 0)
        pipe = self._client.pipeline(transaction=False)
        for e in entries:
            pipe.set(LEDGER_PREFIX + e.lead_id, e.model_dump_json(), ex=self._ttl_s)
            if e.experiment_id:
                key = assigned_key(e.experiment_id, e.variant)
                pipe.sadd(key, e.lead_id)
                pipe.expire(key, self._ttl_s)
        try:
            pipe.execute()
        except redis.RedisError as exc:
            self.missed_total += len(entries)
            log.warning("ledger: %d entries not written (Redis: %s)", len(entries), exc)
            return LedgerWrite(0, len(entries), f"{type(exc).__name__}: {exc}")
        return LedgerWrite(len(entries), 0)

    def get(self, lead_id: str) -> LedgerEntry | None:
        raw = self._client.get(LEDGER_PREFIX + lead_id)
        return LedgerEntry.model_validate_json(raw) if raw is not None else None

    def get_many(self, lead_ids: Sequence[str]) -> list[LedgerEntry | None]:
        raws = self._client.mget([LEDGER_PREFIX + i for i in lead_ids]) if lead_ids else []
        return [LedgerEntry.model_validate_json(r) if r is not None else None for r in raws]

    def scan(self, count: int = 1000) -> Iterator[LedgerEntry]:
        """Every entry still in the ledger (for retraining); order is Redis's."""
        batch: list[str] = []
        for key in self._client.scan_iter(match=LEDGER_PREFIX + "*", count=count):
            batch.append(key.decode().removeprefix(LEDGER_PREFIX))
            if len(batch) >= count:
                yield from filter(None, self.get_many(batch))
                batch = []
        yield from filter(None, self.get_many(batch))

    def assigned(self, experiment_id: str) -> Mapping[Variant, int]:
        """Distinct leads routed to each arm of an experiment."""
        pipe = self._client.pipeline(transaction=False)
        arms = (Variant.CONTROL, Variant.TREATMENT)
        for v in arms:
            pipe.scard(assigned_key(experiment_id, v))
        return dict(zip(arms, pipe.execute(), strict=True))
