"""The Redis ledger: what each scored lead was served, for late outcomes and retraining.

The first line of the lead's state key, ``leadstream:lead:<lead_id>``
(:mod:`streams.stores.lead_state`, shared with the score history and the event-id claims),
holds its last :class:`LedgerEntry`
(variant, experiment, model version, score, the feature values used) in the compact
encoding of :mod:`streams.stores.ledger_codec` (its feature names in a layout key written
with each batch), with the key's TTL (the longest retention: the ledger's, default 90 days);
a variant is sticky, so the last entry is the one an outcome joins. A lead not touched
since the three-key layout is read from its ``leadstream:ledger:<lead_id>`` key (an outcome
of a lead scored before the upgrade still joins). Scorers also add each lead to a per-experiment,
per-variant set of assigned leads, which the sample-ratio-mismatch check counts, and each
experiment to :data:`EXPERIMENTS_INDEX` (what :meth:`Ledger.forget` visits).

Writes are one round trip per batch with a short socket timeout, after the batch's
transaction committed (:meth:`Ledger.stage`, pipelined with the score history by
:mod:`streams.scorer.bookkeeping`): one script call that sets
every lead's key (values built from the batch's columns, :mod:`streams.stores.ledger_rows`), one
``SADD`` per experiment arm. :meth:`Ledger.write` never
raises a Redis error into the scorer: it returns how many entries were not written, and
the scorer counts and reports the gap. Reads raise :class:`redis.RedisError`: the outcome
agent retries, it never drops.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from schemas.ledger import LedgerEntry
from schemas.scored import Variant
from streams.settings import Settings
from streams.stores import lead_state
from streams.stores import ledger_codec as codec
from streams.stores.ledger_codec import LAYOUT_PREFIX
from streams.stores.ledger_rows import LedgerRows
from streams.stores.scripts import execute, queue

log = logging.getLogger(__name__)

LEDGER_PREFIX = lead_state.OLD_LEDGER
"""The earlier layout's ledger keys (read for a lead not touched since the upgrade)."""

# ARGV[2]: the values, one per line (JSON text never holds a raw newline): one argument
# instead of one per lead keeps redis-py's packing off the hot path. ARGV[3]: now
# (base 36).
# Replaces the first line of each lead's value.
_SET_ALL_LUA = lead_state.LUA + """
local pos = 1
local values = ARGV[2]
for i, key in ipairs(KEYS) do
  local stop = string.find(values, '\\n', pos, true) or (#values + 1)
  local v = adopt(key, ARGV[1], ARGV[3])
  local first = string.find(v, '\\n', 1, true) or (#v + 1)
  redis.call('SET', key, string.sub(values, pos, stop - 1) .. string.sub(v, first), 'EX',
             ARGV[1])
  pos = stop + 1
end
return #KEYS
"""


EXPERIMENTS_INDEX = "leadstream:exp:index"
"""Set of every experiment key with per-lead state (``<exp>`` of ``leadstream:exp:<exp>:*``),
expiring with the ledger TTL after the last write: ``forget`` visits these, no SCAN."""


def assigned_key(experiment_id: str, variant: Variant) -> str:
    return f"leadstream:exp:{experiment_id}:assigned:{variant.value}"


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
    def __init__(self, client: redis.Redis, ttl_s: int, key_ttl_s: int = 0,
                 now: Callable[[], float] = time.time):
        self._client = client
        self._ttl_s = ttl_s
        self._now = now
        self._key_ttl_s = max(ttl_s, key_ttl_s)
        """The lead key's TTL (:func:`streams.stores.lead_state.key_ttl_s`)."""
        self._set_all = client.register_script(_SET_ALL_LUA)
        self.missed_total = 0
        self._layouts: dict[str, str] = {}
        """Entries not written since this ledger was created (a metric for the scorer)."""

    @classmethod
    def from_settings(cls, settings: Settings, timeout_s: float | None = None) -> Ledger:
        client = redis_client(settings.redis_url, timeout_s or settings.ledger_timeout_s)
        return cls(client, settings.ledger_ttl_days * 24 * 3600, lead_state.key_ttl_s(settings))

    def write(self, entries: LedgerRows | Sequence[LedgerEntry]) -> LedgerWrite:
        """Write a batch in one round trip; a Redis failure is reported, never raised."""
        rows = entries if isinstance(entries, LedgerRows) else LedgerRows.of_entries(entries)
        if not rows:
            return LedgerWrite(0, 0)
        try:
            replies = execute(self._client, lambda pipe: (self.stage(pipe, rows),
                                                          self.scripts)[1])
        except redis.RedisError as exc:
            return self._missed(len(rows), exc)
        return self.outcome(rows, replies)

    @property
    def client(self) -> redis.Redis:
        return self._client

    @property
    def scripts(self) -> tuple:
        """The script :meth:`stage` queues (loaded again if Redis lost it)."""
        return (self._set_all,)

    def stage(self, pipe: redis.client.Pipeline, rows: LedgerRows) -> int:
        """Queue a batch's writes on ``pipe`` (the caller executes it with other writes:
        one round trip); how many commands were queued."""
        queue(pipe, self._set_all, [lead_state.key(i) for i in rows.lead_ids],
              [self._key_ttl_s, "\n".join(rows.values), lead_state.stamp(time.time())])
        return 1 + self.stage_rest(pipe, rows)

    def stage_rest(self, pipe: redis.client.Pipeline, rows: LedgerRows) -> int:
        """Queue a batch's writes but the rows themselves (the layouts, the experiment
        arms' assigned leads: the rows ride with the history's committed write,
        :meth:`streams.stores.history.History.stage`); how many commands were queued."""
        for layout_id, body in rows.layouts.items():
            pipe.set(LAYOUT_PREFIX + layout_id, body, ex=self._ttl_s)
        n = len(rows.layouts)
        for (experiment_id, variant), lead_ids in rows.assigned.items():
            key = assigned_key(experiment_id, variant)
            pipe.sadd(key, *lead_ids)
            pipe.expire(key, self._ttl_s)
            n += 2
        if rows.assigned:
            pipe.sadd(EXPERIMENTS_INDEX, *{e for e, _ in rows.assigned})
            pipe.expire(EXPERIMENTS_INDEX, self._ttl_s)
            n += 2
        return n

    def outcome(self, rows: LedgerRows, replies: Sequence[object]) -> LedgerWrite:
        """What the replies of :meth:`stage`'s commands say (an exception: not written)."""
        failed = next((r for r in replies if isinstance(r, Exception)), None)
        if failed is not None:
            return self._missed(len(rows), failed)
        return LedgerWrite(len(rows), 0)

    def _missed(self, n: int, exc: Exception) -> LedgerWrite:
        self.missed_total += n
        if n:
            log.warning("ledger: %d entries not written (Redis: %s)", n, exc)
        return LedgerWrite(0, n, f"{type(exc).__name__}: {exc}")

    def forget(self, lead_id: str) -> int:
        """Delete the lead's entry and take it out of every experiment's assigned sets;
        keys and members removed (raises :class:`redis.RedisError`)."""
        experiments = [e.decode() for e in self._client.smembers(EXPERIMENTS_INDEX)]
        pipe = self._client.pipeline(transaction=True)
        pipe.delete(lead_state.key(lead_id), LEDGER_PREFIX + lead_id)
        for experiment in experiments:
            for variant in (Variant.CONTROL, Variant.TREATMENT):
                pipe.srem(assigned_key(experiment, variant), lead_id)
        return sum(int(n) for n in pipe.execute())

    def get(self, lead_id: str) -> LedgerEntry | None:
        return self.get_many([lead_id])[0]

    def get_many(self, lead_ids: Sequence[str]) -> list[LedgerEntry | None]:
        """The leads' entries (None: no entry); a layout not seen before costs one more
        round trip (layouts never change: they are cached)."""
        raws = self._rows(lead_ids)
        wanted = {codec.layout_of(r) for r in raws if r is not None} - {None}
        unknown = sorted(i for i in wanted if i not in self._layouts)
        if unknown:
            bodies = self._client.mget([LAYOUT_PREFIX + i for i in unknown])
            self._layouts.update({i: b.decode() for i, b in zip(unknown, bodies, strict=True)
                                  if b is not None})
        entries = [codec.entry(i, r, self._layouts) if r is not None else None
                   for i, r in zip(lead_ids, raws, strict=True)]
        return [e if e is not None and self._kept(e) else None for e in entries]

    def _kept(self, entry: LedgerEntry) -> bool:
        """Whether ``entry`` is within the ledger's retention. The lead's key lives as long
        as the longest of its retentions; when the history's or the claims' is longer than
        the ledger's, a row past the ledger's own is read as absent (its bytes go with the
        key, or with the lead's next score)."""
        return (self._ttl_s >= self._key_ttl_s
                or entry.scored_at.timestamp() >= self._now() - self._ttl_s)

    def _rows(self, lead_ids: Sequence[str]) -> list[bytes | None]:
        """The leads' stored rows: the first line of their state key, else (a lead not
        touched since the three-key layout) the old ledger key's value."""
        if not lead_ids:
            return []
        values = self._client.mget([lead_state.key(i) for i in lead_ids])
        rows = [None if v is None else (v[:v.index(b"\n")] if b"\n" in v else v) or None
                for v in values]
        old = [i for i, v in zip(lead_ids, values, strict=True) if v is None]
        if old:
            found = dict(zip(old, self._client.mget([LEDGER_PREFIX + i for i in old]),
                             strict=True))
            rows = [found[i] if v is None else r
                    for i, v, r in zip(lead_ids, values, rows, strict=True)]
        return rows

    def scan(self, count: int = 1000) -> Iterator[LedgerEntry]:
        """Every entry still in the ledger (for retraining); order is Redis's."""
        seen: set[str] = set()
        for prefix in (lead_state.PREFIX, LEDGER_PREFIX):
            batch: list[str] = []
            for key in self._client.scan_iter(match=prefix + "*", count=count):
                lead = key.decode().removeprefix(prefix)
                if lead not in seen:
                    seen.add(lead)
                    batch.append(lead)
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
