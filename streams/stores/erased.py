"""Forgotten leads, by keyed hash: what the sink and ``lead`` must not bring back.

``forget`` erases a lead from Redis, but its records stay in Kafka until retention
(``leads.scored`` keeps them ``lead_retention_days``): a sink started with a new group, or a
replay, would send them to the CRM again, and a scorer batch in flight during the erasure
could write its score history after it. So the erasure agent also writes
``leadstream:erased:<HMAC-SHA256 of the lead id>`` = the erasure time (epoch ms), with a TTL
of the lead topics' retention plus a day (Kafka deletes whole segments, a little after the
retention). A record of such a lead made at or before that time is skipped
(:meth:`ErasedLeads.erased_at`); a score made after the erasure (the lead came back) is not.

The hash is keyed (``erased_hash_key``, else a random key in ``<home>/erasure.key``, 0600)
so the set of hashes in Redis does not confirm a guessed lead id to whoever reads Redis
without the key. One key per forgotten lead, bounded by its TTL.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Sequence
from pathlib import Path

import redis

from streams.settings import Settings

PREFIX = "leadstream:erased:"
KEY_FILE = "erasure.key"
DAY_S = 86_400


def hash_key(settings: Settings) -> bytes:
    """The configured key, else the one in ``<home>/erasure.key`` (made 0600 on first use)."""
    if settings.erased_hash_key is not None:
        return settings.erased_hash_key.get_secret_value().encode()
    path = Path(settings.home) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            pass
        else:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(32) + "\n")
    return path.read_text().strip().encode()


class ErasedLeads:
    def __init__(self, client: redis.Redis, key: bytes, ttl_s: int):
        self._client, self._key, self._ttl_s = client, key, ttl_s

    @classmethod
    def of(cls, client: redis.Redis, settings: Settings) -> ErasedLeads:
        return cls(client, hash_key(settings), (settings.lead_retention_days + 1) * DAY_S)

    def digest(self, lead_id: str) -> str:
        return hmac.new(self._key, lead_id.encode(), hashlib.sha256).hexdigest()

    def mark(self, lead_id: str, at_ms: int) -> None:
        """Remember that ``lead_id`` was erased at ``at_ms`` (raises on a Redis error)."""
        self._client.set(PREFIX + self.digest(lead_id), str(at_ms), ex=self._ttl_s)

    def erased_at(self, lead_ids: Sequence[str]) -> dict[str, int]:
        """Lead → when it was erased, for those of ``lead_ids`` that were (raises on a
        Redis error: the caller holds back rather than bring an erased lead back)."""
        unique = list(dict.fromkeys(lead_ids))
        if not unique:
            return {}
        held = self._client.mget([PREFIX + self.digest(lead) for lead in unique])
        return {lead: int(raw) for lead, raw in zip(unique, held, strict=True)
                if raw is not None}
