"""Forgotten leads, by keyed hash: what the sink and ``lead`` must not bring back.

``forget`` erases a lead from Redis, but its records stay in Kafka until retention
(``leads.scored`` keeps them ``lead_retention_days``): a sink started with a new group, or a
replay, would send them to the CRM again, and a scorer batch in flight during the erasure
could write its score history after it. So the erasure agent also writes
``leadstream:erased:<HMAC-SHA256 of the lead id>`` = the erasure time (epoch ms), with a TTL
of the lead topics' retention plus a day (Kafka deletes whole segments, a little after the
retention). A record of such a lead made at or before that time is skipped
(:meth:`ErasedLeads.erased_at`); a score made after the erasure (the lead came back) is not.

The hash is keyed (``erased_hash_key``): whoever reads Redis without that key cannot
confirm a guessed lead id from the hashes. Unset, a random key is made once and kept in
Redis itself (``leadstream:erased-key``, made with ``SET NX`` by the first erasure; the
sink and ``lead`` only read it): every process on this Redis shares it, so they always
agree; it then protects no more than the audit trail's plain SHA-256. One key per
forgotten lead, bounded by its TTL.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence

import redis

from streams.settings import Settings

PREFIX = "leadstream:erased:"
KEY = "leadstream:erased-key"
DAY_S = 86_400


class ErasedLeads:
    def __init__(self, client: redis.Redis, key: bytes | None, ttl_s: int):
        self._client, self._key, self._ttl_s = client, key, ttl_s

    @classmethod
    def of(cls, client: redis.Redis, settings: Settings) -> ErasedLeads:
        key = settings.erased_hash_key
        return cls(client, key.get_secret_value().encode() if key else None,
                   (settings.lead_retention_days + 1) * DAY_S)

    def _hash_key(self) -> bytes | None:
        """The configured key, else the shared one in Redis (None: nothing was erased yet);
        read on every call, never cached (a Redis that lost its data gets a new one)."""
        return self._key if self._key is not None else self._client.get(KEY)

    def mark(self, lead_id: str, at_ms: int) -> None:
        """Remember that ``lead_id`` was erased at ``at_ms`` (raises on a Redis error); the
        first erasure makes the shared key (the sink and ``lead`` only read it)."""
        key = self._hash_key()
        if key is None:
            self._client.set(KEY, secrets.token_hex(32), nx=True)
            key = self._client.get(KEY)
            if key is None:
                raise redis.ResponseError(f"{KEY} vanished right after it was set")
        self._client.set(PREFIX + _digest(key, lead_id), str(at_ms), ex=self._ttl_s)

    def erased_at(self, lead_ids: Sequence[str]) -> dict[str, int]:
        """Lead → when it was erased, for those of ``lead_ids`` that were (raises on a
        Redis error: the caller holds back rather than bring an erased lead back)."""
        unique = list(dict.fromkeys(lead_ids))
        key = self._hash_key() if unique else None
        if key is None:
            return {}
        held = self._client.mget([PREFIX + _digest(key, lead) for lead in unique])
        return {lead: int(raw) for lead, raw in zip(unique, held, strict=True)
                if raw is not None}


def _digest(key: bytes, lead_id: str) -> str:
    return hmac.new(key, lead_id.encode(), hashlib.sha256).hexdigest()
