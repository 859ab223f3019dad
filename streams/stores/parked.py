"""Outcomes of leads not scored yet, parked in Redis until their score arrives: bounded, TTL.

A CRM may send an outcome before the scorer has written the lead's ledger entry. The
outcome agent parks it here and joins it again every ``outcome_retry_s``; once the ledger
knows the lead it is joined and counted like any other outcome, and unparked. Keys:

- ``leadstream:outcomes:parked``             sorted set identity → parked-at (ms), at most
  ``max_parked`` members (the oldest leave first), expiring ``ttl_s`` + 1 day after the
  last park;
- ``leadstream:outcomes:parked:<identity>``  the outcome's JSON, ``EX ttl_s`` + 1 day.

An outcome still parked after ``ttl_s``, or pushed out by the bound, leaves as
``never_scored`` (:meth:`ParkedOutcomes.evict_expired` and :meth:`ParkedOutcomes.park`
return them; the agent dead-letters them): nothing leaves silently.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis

from schemas.experiments import Outcome

INDEX_KEY = "leadstream:outcomes:parked"
VALUE_PREFIX = "leadstream:outcomes:parked:"
MARGIN_S = 24 * 3600
"""Redis keeps what is parked a day beyond the TTL: the agent's sweep sees it first."""

# KEYS[1] index; ARGV: identity, value, now_ms, ttl_s, max. Returns {new, evicted...}
# where evicted is identity, value pairs pushed out by the bound (value may be false).
_PARK = """
local added = redis.call('ZADD', KEYS[1], 'NX', ARGV[3], ARGV[1])
redis.call('SET', ARGV[6] .. ARGV[1], ARGV[2], 'EX', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[4])
local out = {added}
local extra = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[5])
if extra > 0 then
  local gone = redis.call('ZPOPMIN', KEYS[1], extra)
  for i = 1, #gone, 2 do
    local key = ARGV[6] .. gone[i]
    out[#out + 1] = gone[i]
    out[#out + 1] = redis.call('GET', key) or ''
    redis.call('DEL', key)
  end
end
return out
"""


@dataclass(frozen=True)
class Parked:
    identity: str
    raw: bytes
    """The outcome's JSON (empty if Redis expired it first)."""

    def outcome(self) -> Outcome | None:
        return Outcome.model_validate_json(self.raw) if self.raw else None


class ParkedOutcomes:
    def __init__(self, client: redis.Redis, ttl_s: int, max_parked: int):
        self._client, self.ttl_s, self.max_parked = client, ttl_s, max_parked
        self._park = client.register_script(_PARK)
        self._cursor: float = float("-inf")

    def park(self, identity: str, outcome: Outcome, now_ms: int) -> tuple[bool, list[Parked]]:
        """Park one outcome; returns whether it is new and those the bound pushed out."""
        reply = self._park(keys=[INDEX_KEY],
                           args=[identity, outcome.model_dump_json(), now_ms,
                                 self.ttl_s + MARGIN_S, self.max_parked, VALUE_PREFIX])
        evicted = [Parked(_text(reply[i]), _raw(reply[i + 1])) for i in range(1, len(reply), 2)]
        return bool(reply[0]), evicted

    def count(self) -> int:
        return int(self._client.zcard(INDEX_KEY))

    def next_page(self, n: int) -> list[Parked]:
        """The next ``n`` parked outcomes, round robin by park time (oldest first)."""
        low = "-inf" if self._cursor == float("-inf") else f"({self._cursor}"
        found = self._client.zrangebyscore(INDEX_KEY, low, "+inf", start=0, num=n,
                                           withscores=True)
        if not found and self._cursor != float("-inf"):
            self._cursor = float("-inf")
            return self.next_page(n)
        if found:
            self._cursor = found[-1][1]
        return self._values([_text(m) for m, _ in found])

    def all(self) -> list[Parked]:
        return self._values([_text(m) for m in self._client.zrange(INDEX_KEY, 0, -1)])

    def unpark(self, identity: str) -> None:
        pipe = self._client.pipeline(transaction=True)
        pipe.zrem(INDEX_KEY, identity)
        pipe.delete(VALUE_PREFIX + identity)
        pipe.execute()

    def forget(self, lead_id: str) -> int:
        """Unpark every outcome of the lead; keys and members removed. Reads the whole
        index (bounded by ``max_parked``) and checks each value's ``lead_id``: an identity
        starts with the lead id, but a lead id may itself hold the ``|`` separator."""
        mine = [p for p in self._values([_text(m) for m, _ in
                                         self._client.zscan_iter(INDEX_KEY, count=1000)])
                if p.identity.startswith(lead_id + "|") and _lead_of(p) in (lead_id, None)]
        removed = 0
        for p in mine:
            pipe = self._client.pipeline(transaction=True)
            pipe.zrem(INDEX_KEY, p.identity)
            pipe.delete(VALUE_PREFIX + p.identity)
            removed += sum(int(n) for n in pipe.execute())
        return removed

    def evict_expired(self, now_ms: int, n: int = 1000) -> list[Parked]:
        """Up to ``n`` outcomes parked longer than the TTL, taken out (oldest first)."""
        members = self._client.zrangebyscore(INDEX_KEY, "-inf", now_ms - self.ttl_s * 1000,
                                             start=0, num=n)
        gone = self._values([_text(m) for m in members])
        for p in gone:
            self.unpark(p.identity)
        return gone

    def _values(self, identities: list[str]) -> list[Parked]:
        if not identities:
            return []
        raws = self._client.mget([VALUE_PREFIX + i for i in identities])
        return [Parked(i, r or b"") for i, r in zip(identities, raws, strict=True)]


def _lead_of(p: Parked) -> str | None:
    """The parked outcome's lead id (None if its value is gone or unreadable)."""
    try:
        outcome = p.outcome()
    except ValueError:
        return None
    return outcome.lead_id if outcome is not None else None


def _text(v: bytes | str) -> str:
    return v.decode() if isinstance(v, bytes) else v


def _raw(v: bytes | str | int) -> bytes:
    return v if isinstance(v, bytes) else str(v).encode() if v else b""
