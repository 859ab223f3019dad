"""Where on ``leads.scored`` the sink's last delivered score of each lead was, in Redis, so
an older one never follows it.

Key ``leadstream:sink:delivered:<lead_id>`` (TTL ``sink_delivered_ttl_days``, refreshed on
every delivery) is a hash: partition of ``leads.scored`` → offset of the newest score of the
lead delivered from it (one field per partition the lead was ever read from, so at most the
topic's partition count). Scores are compared by position, never by ``scored_at`` (the
scorer host's clock): one on the same partition at a lower offset is older. Scores of one
lead share a partition and reach the sink in order, so this only matters when the sink
reads a stretch again (a rewound group, a reset offset, a replayed topic): a score older
than the one the CRM holds is then skipped instead of written. A score from a partition the
lead was never delivered from has no order against the others (the partition count
changed): it is not held back. A key of the former ``<scored_at µs>:<offset>`` form knows
no partition: it holds nothing back and is replaced by the next delivery.

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

_OLDER_LUA = """
-- KEYS[i]: a lead's key; ARGV[i]: '<partition>:<offset>' of the score to send
local out = {}
for i, key in ipairs(KEYS) do
  local partition, offset = string.match(ARGV[i], '^(%d+):(%d+)$')
  local held = nil
  if redis.call('TYPE', key).ok == 'hash' then
    held = tonumber(redis.call('HGET', key, partition))
  end
  out[i] = (held ~= nil and tonumber(offset) < held) and 1 or 0
end
return out
"""

_RECORD_LUA = """
-- KEYS[i]: a lead's key; ARGV[1]: TTL in s; ARGV[i + 1]: '<partition>:<offset>' delivered
for i, key in ipairs(KEYS) do
  local partition, offset = string.match(ARGV[i + 1], '^(%d+):(%d+)$')
  if redis.call('TYPE', key).ok ~= 'hash' then redis.call('DEL', key) end
  local held = tonumber(redis.call('HGET', key, partition))
  if held == nil or held < tonumber(offset) then redis.call('HSET', key, partition, offset) end
  redis.call('EXPIRE', key, ARGV[1])
end
return #KEYS
"""


def _position(score: WritebackScore) -> str:
    return f"{score.partition}:{score.offset}"


class Delivered:
    def __init__(self, client: redis.Redis, ttl_s: int):
        self._client = client
        self._ttl_s = ttl_s
        self._older = client.register_script(_OLDER_LUA)
        self._record = client.register_script(_RECORD_LUA)

    def older(self, scores: Sequence[WritebackScore]) -> set[str]:
        """Leads whose score here lies before the one already delivered from its partition
        (one round trip)."""
        if not scores:
            return set()
        try:
            flags = self._older(keys=[PREFIX + s.lead_id for s in scores],
                                args=[_position(s) for s in scores])
        except redis.RedisError as exc:
            log.warning("delivered scores unknown (Redis: %s): going by partition order", exc)
            return set()
        return {s.lead_id for s, flag in zip(scores, flags, strict=True) if flag}

    def record(self, scores: Sequence[WritebackScore]) -> bool:
        """Remember these scores as delivered; False when Redis could not be written."""
        if not scores:
            return True
        try:
            self._record(keys=[PREFIX + s.lead_id for s in scores],
                         args=[self._ttl_s, *(_position(s) for s in scores)])
        except redis.RedisError as exc:
            log.warning("could not record %d delivered scores (Redis: %s)", len(scores), exc)
            return False
        return True

    def forget(self, lead_id: str) -> int:
        """Delete the lead's delivered watermark; keys deleted (raises on a Redis error)."""
        return int(self._client.delete(PREFIX + lead_id))

    def close(self) -> None:
        self._client.close()
