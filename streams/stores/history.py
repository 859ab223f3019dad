"""Per-lead score history in Redis: the lead's published scores, newest first, bounded, TTL.

Lines of the lead's state key ``leadstream:lead:<lead_id>`` (:mod:`streams.stores.lead_state`,
shared with the ledger row and the event-id claims), newest first: at most ``max_entries``
entries, each dropped ``ttl_s`` after its score (both from settings). Each entry is compact,
``<source_partition>:<source_offset>:<score>:<grade>:<model_version>:<scored_at_s>``
(~40 bytes; the full document, reasons included, stays on ``leads.scored``): the scripts
find positions and scores without parsing anything, and :func:`parse` gives readers the
fields back under the ``leads.scored`` names.

An entry is identified by its source position: writing the same position again (a batch
processed again after an abort, a rebalance or a kill -9) replaces the entry in place,
never adds one. The write after the commit marks its elements committed (suffix
:data:`COMMITTED`): a committed position is never processed again by its partition's
owner, so a write before a commit never replaces a committed element — a fenced zombie's
late write cannot replace the new owner's committed entries (and its take-back,
compare-and-delete, never removes them).

The previous score of an event at ``(partition, offset)`` is the newest entry that is not
at that position or a later offset of the same partition (those are the same or later
events of an attempt that was not committed); if those fill the whole list
(more scores of the lead in one batch than the bound, processed again), the previous one
was pushed out and is unknown. A lead's events share a partition (the CRM keys them by
lead id). Offsets compare exactly below 2^53 (Lua numbers). Should the input topic be
recreated (offsets restart), a lead's first score after it is ``new`` (or unknown): clear
the history with the topic.

:meth:`History.previous` before scoring (pipelined with the event-id claims); the batch's
elements written before its transaction (:meth:`History.record`), taken back if it aborts
(:meth:`History.remove`: only while an element is exactly the one written), and written
again after the commit (:meth:`History.stage`, pipelined with the ledger): see
:mod:`streams.scorer.bookkeeping`. Both raise
:class:`redis.RedisError`; the scorer decides (:mod:`streams.scorer.trends`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import redis

from streams.settings import Settings
from streams.stores import lead_state
from streams.stores.ledger import redis_client
from streams.stores.ledger_rows import LedgerRows
from streams.stores.scripts import queue

PREFIX = lead_state.OLD_HISTORY
"""The earlier layout's history lists (read for a lead not touched since the upgrade)."""
COMMITTED = ":c"
"""The suffix of an element written after its batch committed: final (module docstring)."""

# An entry's header: partition, offset, score; grade, version and time follow.
_HEADER = "^(%d+):(%d+):([^:]*)"

# The history lines of a value as a list, newest first; and the value with them replaced.
_ENTRIES = """
local function entries(v)
  local ledger, hist, claims = split(v)
  local out = {}
  for e in string.gmatch(hist, '[^\\n]+') do out[#out + 1] = e end
  return out, ledger, claims
end
local function with_entries(ledger, list, claims)
  if #list == 0 then return ledger .. '\\n' .. claims end
  return ledger .. '\\n' .. table.concat(list, '\\n') .. '\\n' .. claims
end-- Without splitting the value: 'none' (no history lines), 'one' (exactly one, returned
-- with where the claims start) or 'more' (the first returned), 'other' (no ledger line
-- break, an empty line, or a last line without its break: the general path decides).
local function first_entry(v)
  local a = string.find(v, '\\n', 1, true)
  if not a then return 'other' end
  local b = string.byte(v, a + 1)
  if b == nil or b == 61 then return 'none', nil, a + 1, a end
  if b == 10 then return 'other' end
  local stop = string.find(v, '\\n', a + 1, true)
  if not stop then return 'other' end
  local e = string.sub(v, a + 1, stop - 1)
  b = string.byte(v, stop + 1)
  if b == nil or b == 61 then return 'one', e, stop + 1, a end
  return 'more', e
end
"""

# ARGV: one "partition:offset" per key, one per line; the header pattern; max entries;
# key TTL; now (base 36). Returns per key the score of its previous entry, '' for none, '?' when
# every entry is of the same or a later position and the list is full: the one before
# was pushed out. Fast path: the newest entry answers (an earlier position), or there is
# none; only its line is read.
_PREVIOUS_LUA = lead_state.LUA + _ENTRIES + """
local out, pos, asks = {}, 1, ARGV[1]
for i, key in ipairs(KEYS) do
  local stop = string.find(asks, '\\n', pos, true) or (#asks + 1)
  local p, o = string.match(string.sub(asks, pos, stop - 1), '^(%d+):(%d+)$')
  pos, o, out[i] = stop + 1, tonumber(o), ''
  local v = adopt(key, ARGV[4], ARGV[5])
  local kind, e = first_entry(v)
  if kind == 'one' or kind == 'more' then
    local ep, eo, es = string.match(e, ARGV[2])
    if ep and es ~= '' and (ep ~= p or tonumber(eo) < o) then kind, out[i] = 'done', es end
  end
  if kind ~= 'none' and kind ~= 'done' then
    local list = entries(v)
    for _, e in ipairs(list) do
      local ep, eo, es = string.match(e, ARGV[2])
      if ep ~= p or tonumber(eo) < o then out[i] = es; break end
    end
    if out[i] == '' and #list > 0 and #list >= tonumber(ARGV[3]) then out[i] = '?' end
  end
end
return out
"""

# ARGV: max entries, key TTL, header pattern, then the elements, one per line, in batch
# order (keys may repeat), '1' if the batch committed (its elements are marked ':c'), now
# (base 36) and the history TTL: entries older are dropped.
# Replaces the entry of the same position in place — unless that entry is committed and
# this write is not (a fenced zombie's late write); else puts it first, or, behind later
# entries of its partition (a batch of more scores of the lead than the bound, processed
# again), in offset order (the bound may then drop it). One GET and one SET per element.
# Fast paths, without splitting the value into its lines (``first_entry``): a lead with no
# entry yet (a new lead) and a lead whose one entry is this position's (the write after
# the commit of a lead scored once); anything else takes the general path.
# After the commit the batch's ledger rows ride along: ARGV[8] the number of history keys
# (KEYS after them: the rows' keys), ARGV[9] the rows, one per line; a lead's row replaces
# the first line of the value its history write sets (no GET and SET of its own).
_RECORD_LUA = lead_state.LUA + _ENTRIES + """
local pos, values, added = 1, ARGV[4], 0
local committed, now = ARGV[5] == '1', ARGV[6]
local oldest, bound = tonumber(now, 36) - tonumber(ARGV[7]), tonumber(ARGV[1])
local h, rows, lpos, lvalues = tonumber(ARGV[8] or #KEYS), {}, 1, ARGV[9] or ''
for i = h + 1, #KEYS do
  local stop = string.find(lvalues, '\\n', lpos, true) or (#lvalues + 1)
  rows[KEYS[i]] = string.sub(lvalues, lpos, stop - 1)
  lpos = stop + 1
end
for i = 1, h do
  local key = KEYS[i]
  local stop = string.find(values, '\\n', pos, true) or (#values + 1)
  local value = string.sub(values, pos, stop - 1)
  pos = stop + 1
  if committed then value = value .. ':c' end
  local v = adopt(key, ARGV[2], now)
  local kind, e, rest, a = first_entry(v)
  local p, o
  if kind ~= 'none' then  -- a position to compare with
    p, o = string.match(value, ARGV[3])
    o = tonumber(o)
  end
  if kind == 'one' then  -- the lead's one entry: this position's (else the general path)
    local ep, eo = string.match(e, ARGV[3])
    if ep == p and tonumber(eo) == o then
      if committed or string.sub(e, -2) ~= ':c' then e = value end
    else
      kind = 'other'
    end
  elseif kind == 'none' then
    e, added = value, added + 1
  end
  if kind == 'one' or kind == 'none' then  -- the value's one entry is e: kept or dropped
    local at = tonumber(string.match(e, '^%d+:%d+:[^:]*:[^:]*:[^:]*:(%d+)') or oldest)
    local line = (0 < bound and at >= oldest) and e .. '\\n' or ''
    redis.call('SET', key, (rows[key] or string.sub(v, 1, a - 1)) .. '\\n' .. line
               .. string.sub(v, rest), 'EX', ARGV[2])
  else
    local list, ledger, claims = entries(v)
    local j, found, later = 1, nil, false
    while list[j] do
      local ep, eo = string.match(list[j], ARGV[3])
      eo = tonumber(eo)
      if ep == p and eo == o then found = j; break end
      if ep == p and eo < o then break end
      later = later or ep == p
      j = j + 1
    end
    if found then
      if committed or string.sub(list[j], -2) ~= ':c' then list[j] = value end
    else
      table.insert(list, later and j or 1, value)
      added = added + 1
    end
    local kept = {}
    for _, e in ipairs(list) do
      local at = tonumber(string.match(e, '^%d+:%d+:[^:]*:[^:]*:[^:]*:(%d+)') or oldest)
      if #kept < bound and at >= oldest then kept[#kept + 1] = e end
    end
    redis.call('SET', key, with_entries(rows[key] or ledger, kept, claims), 'EX', ARGV[2])
  end
end
local done = {}
for i = 1, h do done[KEYS[i]] = true end
for i = h + 1, #KEYS do
  local key = KEYS[i]
  if not done[key] then
    local v = adopt(key, ARGV[2], now)
    local first = string.find(v, '\\n', 1, true) or (#v + 1)
    redis.call('SET', key, rows[key] .. string.sub(v, first), 'EX', ARGV[2])
    done[key] = true
  end
end
return added
"""

# Take back each element only while it is exactly the one written. ARGV: the elements,
# one per line, in key order.
_REMOVE_LUA = lead_state.LUA + _ENTRIES + """
local pos, values, removed = 1, ARGV[1], 0
for i, key in ipairs(KEYS) do
  local stop = string.find(values, '\\n', pos, true) or (#values + 1)
  local value = string.sub(values, pos, stop - 1)
  pos = stop + 1
  local v = redis.call('GET', key)
  if v then
    local list, ledger, claims = entries(v)
    for j, e in ipairs(list) do
      if e == value then
        table.remove(list, j)
        removed = removed + 1
        redis.call('SET', key, with_entries(ledger, list, claims), 'KEEPTTL')
        break
      end
    end
  end
end
return removed
"""


@dataclass(frozen=True)
class HistoryRows:
    """A batch's history elements, in batch order."""

    lead_ids: list[str] = field(default_factory=list)
    values: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.lead_ids)

    def extended(self, other: HistoryRows) -> HistoryRows:
        if not other.lead_ids:
            return self
        return HistoryRows(self.lead_ids + other.lead_ids, self.values + other.values)


def element(partition: int, offset: int, score: str, grade: str, version: str,
            scored_at_s: int) -> str:
    """One history element (``score`` as the JSON text published; ``version`` holds no
    ``:``, model versions are numbers)."""
    return f"{partition}:{offset}:{score}:{grade}:{version}:{scored_at_s}"


def parse(raw: bytes | str) -> dict:
    """A stored element's fields, named as in ``leads.scored``."""
    text = raw.decode() if isinstance(raw, bytes) else raw
    partition, offset, score, grade, version, at = text.split(":", 5)
    at = at.removesuffix(COMMITTED)
    return {"source_partition": int(partition), "source_offset": int(offset),
            "score": float(score), "grade": grade, "model_version": version,
            "scored_at": datetime.fromtimestamp(int(at), UTC).isoformat().replace("+00:00",
                                                                                  "Z")}


class History:
    def __init__(self, client: redis.Redis, max_entries: int, ttl_s: int, key_ttl_s: int = 0,
                 now: Callable[[], float] = time.time):
        self._client = client
        self.max_entries = max_entries
        self.ttl_s = ttl_s
        self.key_ttl_s = max(key_ttl_s, ttl_s)
        """The lead key's TTL (:func:`streams.stores.lead_state.key_ttl_s`)."""
        self._now = now
        self._previous = client.register_script(_PREVIOUS_LUA)
        self._record = client.register_script(_RECORD_LUA)
        self._remove = client.register_script(_REMOVE_LUA)

    @classmethod
    def from_settings(cls, settings: Settings, timeout_s: float | None = None) -> History:
        client = redis_client(settings.redis_url, timeout_s or settings.ledger_timeout_s)
        return cls(client, settings.history_max_entries, settings.history_ttl_days * 86_400,
                   lead_state.key_ttl_s(settings))

    def previous(self, asks: Sequence[tuple[str, int, int]]) -> list[float | None]:
        """Per ``(lead_id, partition, offset)``, the score of the lead's previous entry
        (module docstring), ``None`` for none, NaN when unknown: the bound pushed it out
        (more scores of the lead than ``max_entries`` in one batch processed again). One
        round trip."""
        if not asks:
            return []
        return self.decode_previous(self._previous(**self._previous_args(asks)))

    def stage_previous(self, pipe: redis.client.Pipeline,
                       asks: Sequence[tuple[str, int, int]]) -> None:
        """Queue :meth:`previous` on ``pipe`` (its reply: :meth:`decode_previous`; the
        pipeline run by :func:`streams.stores.scripts.execute` with :attr:`scripts`)."""
        queue(pipe, self._previous, **self._previous_args(asks))

    def _previous_args(self, asks: Sequence[tuple[str, int, int]]) -> dict:
        return {"keys": [lead_state.key(lead) for lead, _, _ in asks],
                "args": ["\n".join(f"{p}:{o}" for _, p, o in asks), _HEADER, self.max_entries,
                         self.key_ttl_s, lead_state.stamp(self._now())]}

    @staticmethod
    def decode_previous(reply: Sequence[bytes]) -> list[float | None]:
        return [math.nan if s == b"?" else float(s) if s else None for s in reply]

    def record(self, rows: HistoryRows) -> int:
        """Write a batch's elements before its commit, in one round trip (an element
        never replaces a committed one of its position); how many were new."""
        if not rows:
            return 0
        return int(self._record(**self._record_args(rows, committed=False)))

    def stage(self, pipe: redis.client.Pipeline, rows: HistoryRows,
              ledger: LedgerRows | None = None) -> None:
        """Queue the write of a committed batch's elements on ``pipe``, marked committed,
        with the batch's ``ledger`` rows in the same script call (their other commands:
        :meth:`streams.stores.ledger.Ledger.stage_rest`; its reply: as :meth:`record`; run
        as :meth:`stage_previous`)."""
        args = self._record_args(rows, committed=True)
        if ledger:
            args["keys"] += [lead_state.key(lead) for lead in ledger.lead_ids]
            args["args"] += [len(rows), "\n".join(ledger.values)]
        queue(pipe, self._record, **args)

    @property
    def scripts(self) -> tuple:
        """The scripts the ``stage_*`` methods queue (loaded again if Redis lost them)."""
        return (self._previous, self._record)

    def _record_args(self, rows: HistoryRows, committed: bool) -> dict:
        return {"keys": [lead_state.key(lead) for lead in rows.lead_ids],
                "args": [self.max_entries, self.key_ttl_s, _HEADER, "\n".join(rows.values),
                         "1" if committed else "0", lead_state.stamp(self._now()), self.ttl_s]}

    def remove(self, rows: HistoryRows) -> int:
        """Take back the elements of an attempt that did not commit: each removed only
        while it is exactly the element written (one round trip); how many were removed."""
        if not rows:
            return 0
        return int(self._remove(keys=[lead_state.key(lead) for lead in rows.lead_ids],
                                args=["\n".join(rows.values)]))

    @property
    def client(self) -> redis.Redis:
        return self._client

    def entries(self, lead_id: str) -> list[dict]:
        """The lead's scores, newest first (:func:`parse`; a lead not touched since the
        three-key layout: its list)."""
        raw = self._client.get(lead_state.key(lead_id))
        if raw is None:
            return [parse(e) for e in self._client.lrange(PREFIX + lead_id, 0, -1)]
        return [parse(e) for e in lead_state.sections(raw)[1]]

    def forget(self, lead_id: str) -> int:
        """Remove the lead's state key (an erased lead keeps nothing) and its list of the
        earlier layout; the number of keys removed."""
        return int(self._client.delete(lead_state.key(lead_id), PREFIX + lead_id))

    def close(self) -> None:
        self._client.close()
