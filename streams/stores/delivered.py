"""The newest score the sink delivered per lead, in Redis, so an older one never follows it.

Key ``leadstream:sink:delivered:<lead_id>`` (TTL ``sink_delivered_ttl_days``) holds the
delivered score's order, ``<scored_at in µs>:<offset on leads.scored>``. Scores of one lead
share a partition and reach the sink in order, so this only matters when the sink reads a
stretch again (a rewound group, a reset offset, a replayed topic): a score older than the
one the CRM holds is then skipped instead of written.

Redis is a help, not a dependency: when it is down, :meth:`older` knows nothing (partition
order still holds) and :meth:`record` reports the failure for the sink to count.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import redis

from scoring.writeback.score import WritebackScore

log = logging.getLogger(__name__)

PREFIX = "leadstream:sink:delivered:"


def _order(score: WritebackScore) -> tuple[int, int]:
    return round(score.scored_at.timestamp() * 1_000_000), score.offset


def _parse(raw: bytes | None) -> tuple[int, int] | None:
    if raw is None:
        return None
    micros, _, offset = raw.decode().partition(":")
    return int(micros), int(offset)


class Delivered:
    def __init__(self, client: redis.Redis, ttl_s: int):
        self._client = client
        self._ttl_s = ttl_s

    def older(self, scores: Sequence[WritebackScore]) -> set[str]:
        """Leads whose score here is older than the one already delivered."""
        if not scores:
            return set()
        try:
            held = self._client.mget([PREFIX + s.lead_id for s in scores])
        except redis.RedisError as exc:
            log.warning("delivered scores unknown (Redis: %s): going by partition order", exc)
            return set()
        return {s.lead_id for s, raw in zip(scores, held, strict=True)
                if (h := _parse(raw)) is not None and _order(s) < h}

    def record(self, scores: Sequence[WritebackScore]) -> bool:
        """Remember these scores as delivered; False when Redis could not be written."""
        try:
            with self._client.pipeline(transaction=False) as pipe:
                for s in scores:
                    micros, offset = _order(s)
                    pipe.set(PREFIX + s.lead_id, f"{micros}:{offset}", ex=self._ttl_s)
                pipe.execute()
        except redis.RedisError as exc:
            log.warning("could not record %d delivered scores (Redis: %s)", len(scores), exc)
            return False
        return True

    def forget(self, lead_id: str) -> int:
        """Delete the lead's delivered watermark; keys deleted (raises on a Redis error)."""
        return int(self._client.delete(PREFIX + lead_id))

    def close(self) -> None:
        self._client.close()
