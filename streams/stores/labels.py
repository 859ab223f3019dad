"""A rolling window of labelled scores per model version, in Redis, for model quality.

When the outcome agent joins an outcome with its ledger entry it records one pair (score
served, label) under the model version that served it. Keys per model and version:

- ``leadstream:labels:<model>:<version>``        hash lead_id → ``label,score,time_ms,role``
- ``leadstream:labels:<model>:<version>:order``  sorted set lead_id → first label time (ms)
- ``leadstream:labels:<model>:<version>:count``  pairs ever added (for "new labels")
- ``leadstream:labels:<model>:<version>:seen``   the count at the last window close

A pair is keyed by lead id, so a redelivered outcome adds nothing; a lead that converts
after an earlier "not converted" turns its label to 1 (never back, as in the experiment
tallies). The window keeps the ``cap`` pairs with the newest first label and drops the
oldest, atomically (one Lua script). Each window's hash key enters ``leadstream:labels-index``
(what ``forget`` visits). All these keys expire ``ttl_s`` (the ledger's TTL) after
the version's last label. Reads raise :class:`redis.RedisError`; :func:`lead_outcomes`
reads one lead's outcome (``leadstream lead``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import redis

from schemas.control import ModelRole
from schemas.experiments import Outcome
from schemas.ledger import LedgerEntry
from schemas.scored import Variant

PREFIX = "leadstream:labels:{model}:{version}"
WINDOWS = "leadstream:labels-index"
"""Set of every label window's hash key (one per model version), expiring with them:
what :meth:`LabelWindow.forget` visits, no SCAN."""

RECORD_SCRIPT = """
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old and (old == ARGV[2] or string.sub(old, 1, 1) == '1') then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[5]) end
if old then return 0 end
redis.call('ZADD', KEYS[2], 'NX', ARGV[3], ARGV[1])
redis.call('INCR', KEYS[3])
redis.call('SADD', KEYS[4], KEYS[1])
redis.call('EXPIRE', KEYS[4], ARGV[5])
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[5]) end
local extra = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4])
if extra > 0 then
  local gone = redis.call('ZPOPMIN', KEYS[2], extra)
  for i = 1, #gone, 2 do redis.call('HDEL', KEYS[1], gone[i]) end
end
return 1
"""
"""Record one labelled lead (KEYS: hash, order, count, index; ARGV: lead id, value with the
label first, time ms, cap, TTL): the label windows' and :mod:`streams.stores.shadow_labels`'."""

_TAKE_NEW = """
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
local seen = tonumber(redis.call('GETSET', KEYS[2], count) or '0')
redis.call('EXPIRE', KEYS[2], ARGV[1])
return count - seen
"""


@dataclass(frozen=True)
class LeadOutcome:
    """A lead's joined outcome: converted or not, and when the CRM said so."""

    converted: bool
    occurred_at: datetime


def role_of(variant: Variant) -> ModelRole:
    """The model role that served a ledger entry's variant."""
    return ModelRole.CHALLENGER if variant is Variant.TREATMENT else ModelRole.CHAMPION


DEFAULT_TTL_S = 90 * 24 * 3600


class LabelWindow:
    def __init__(self, client: redis.Redis, cap: int, ttl_s: int = DEFAULT_TTL_S):
        self._client, self.cap, self.ttl_s = client, cap, ttl_s
        self._record = client.register_script(RECORD_SCRIPT)
        self._take_new = client.register_script(_TAKE_NEW)

    @staticmethod
    def _key(model: str, version: str) -> str:
        return PREFIX.format(model=model, version=version)

    def record(self, entry: LedgerEntry, outcome: Outcome) -> bool:
        """Add the (score, label) pair of a joined outcome; False if nothing was new."""
        key = self._key(entry.model_name, entry.model_version)
        t_ms = int(outcome.occurred_at.timestamp() * 1000)
        value = (f"{int(outcome.converted)},{entry.score!r},{t_ms},"
                 f"{role_of(entry.variant).value}")
        added = self._record(keys=[key, f"{key}:order", f"{key}:count", WINDOWS],
                             args=[entry.lead_id, value, t_ms, self.cap, self.ttl_s])
        return bool(added)

    def forget(self, lead_id: str) -> int:
        """Take the lead's pair out of every window; fields and members removed (the
        counters hold no lead's data and stay)."""
        windows = [w.decode() for w in self._client.smembers(WINDOWS)]
        pipe = self._client.pipeline(transaction=True)
        for key in windows:
            pipe.hdel(key, lead_id)
            pipe.zrem(f"{key}:order", lead_id)
        return sum(int(n) for n in pipe.execute()) if windows else 0

    def read(self, model: str, version: str) -> tuple[np.ndarray, np.ndarray]:
        """The window's labels (0/1) and scores, aligned (order is Redis's)."""
        raw = self._client.hvals(self._key(model, version))
        if not raw:
            return np.zeros(0), np.zeros(0)
        parts = [v.decode().split(",", 3) for v in raw]
        labels = np.fromiter((float(p[0]) for p in parts), float, len(parts))
        scores = np.fromiter((float(p[1]) for p in parts), float, len(parts))
        return labels, scores

    def take_new(self, model: str, version: str) -> int:
        """Pairs added since the last call (for the "N new labels" retrain trigger)."""
        key = self._key(model, version)
        return int(self._take_new(keys=[f"{key}:count", f"{key}:seen"], args=[self.ttl_s]))


def lead_outcomes(client: redis.Redis, lead_id: str, versions: Sequence[tuple[str, str]]
                  ) -> dict[tuple[str, str], LeadOutcome]:
    """The lead's joined outcome under each ``(model, version)`` that has one (one round
    trip); an outcome is kept under the version that served the lead's ledger entry."""
    if not versions:
        return {}
    pipe = client.pipeline(transaction=False)
    for model, version in versions:
        pipe.hget(PREFIX.format(model=model, version=version), lead_id)
    out = {}
    for key, raw in zip(versions, pipe.execute(), strict=True):
        if raw is not None:
            label, _, t_ms, _ = (raw.decode() if isinstance(raw, bytes) else raw).split(",", 3)
            out[key] = LeadOutcome(label == "1", datetime.fromtimestamp(int(t_ms) / 1000, UTC))
    return out
