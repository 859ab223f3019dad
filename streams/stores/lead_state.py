"""A lead's state in Redis: ONE string key per lead, ``leadstream:lead:<lead_id>``.

The ledger row (:mod:`streams.stores.ledger`), the score history
(:mod:`streams.stores.history`) and the event-id claims (:mod:`streams.stores.dedup`)
share the key, one line each, every line ending in ``\\n``::

    <ledger row, or nothing before the lead's first committed score>
    <history entry, newest first: partition:offset:score:grade:version:epoch_s[:c]>
    ...
    =<event id, escaped>\\t<partition>:<offset>:<epoch_s of the claim, base 36>
    ...

A ledger row is JSON text (no raw newline), a history entry starts with a digit, a claim
line with ``=``; an event id is escaped (:func:`escape_id`: ``\\``, newline and tab), so
``\\n=<id>\\t`` finds its claim exactly. One key instead of three is what brings a lead
under the state targets (Redis spends ~170 bytes per key with a TTL: ``bench/README.md``,
``python -m bench.state_layouts``; a hash is no smaller: its ~130-byte ledger row is past
``hash-max-listpack-value``, so Redis stores it as a hash table).

The key's TTL is the longest of the three retentions (:func:`key_ttl_s`), set by every
write; a claim carries its time and the claim script drops claims older than the dedup
TTL, the history script drops entries older than the history TTL.

**Earlier layouts** (three keys: ``leadstream:ledger:<lead>``, ``leadstream:history:<lead>``,
``leadstream:dedup-lead:<lead>``) are converted by the first script that touches the lead
(:data:`LUA`'s ``adopt``: claims keep their sources and get the conversion's time), and
deleted; the ledger and history readers fall back to them for a lead not touched since.
"""

from __future__ import annotations

from streams.settings import Settings

PREFIX = "leadstream:lead:"
OLD_LEDGER = "leadstream:ledger:"
OLD_HISTORY = "leadstream:history:"
OLD_CLAIMS = "leadstream:dedup-lead:"


def key(lead_id: str) -> str:
    return PREFIX + lead_id


def key_ttl_s(settings: Settings) -> int:
    """The lead key's TTL: the longest of the ledger, history and dedup retentions."""
    return max(settings.ledger_ttl_days * 86_400, settings.history_ttl_days * 86_400,
               settings.dedup_ttl_s)


def stamp(now: float) -> str:
    """``now`` (epoch s) as the scripts take it: whole seconds in base 36 (a claim's time:
    6 characters instead of 10, 80 bytes of a lead's 20 claims)."""
    n, out = int(now), ""
    while True:
        n, digit = divmod(n, 36)
        out = "0123456789abcdefghijklmnopqrstuvwxyz"[digit] + out
        if not n:
            return out


def escape_id(event_id: str) -> str:
    """An event id as its claim line holds it (no raw newline or tab)."""
    if "\\" in event_id or "\n" in event_id or "\t" in event_id:
        return event_id.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")
    return event_id


def sections(raw: bytes | str | None) -> tuple[str, list[str], str]:
    """The ledger row (``""``: none), the history entries (newest first) and the claim
    lines of a stored value."""
    if raw is None:
        return "", [], ""
    text = raw.decode() if isinstance(raw, bytes) else raw
    first = text.find("\n")
    if first < 0:
        return text, [], ""
    cut = text.find("\n=", first)
    history = text[first + 1:cut + 1] if cut >= 0 else text[first + 1:]
    claims = text[cut + 1:] if cut >= 0 else ""
    return text[:first], history.splitlines(), claims


# Shared by every script: split a value into its sections and join them back; the value
# of a key, converting the earlier three-key layout first (ARGV-free: prefixes inlined).
LUA = """
local function split(v)
  local a = string.find(v, '\\n', 1, true)
  if not a then return v, '', '' end
  local c = string.find(v, '\\n=', a, true)
  if c then return string.sub(v, 1, a - 1), string.sub(v, a + 1, c), string.sub(v, c + 1) end
  return string.sub(v, 1, a - 1), string.sub(v, a + 1), ''
end
local function esc(id)
  return (string.gsub(id, '[\\\\\\n\\t]', {['\\\\'] = '\\\\\\\\', ['\\n'] = '\\\\n',
                                          ['\\t'] = '\\\\t'}))
end
local function adopt(key, ttl, now)
  local v = redis.call('GET', key)
  if v then return v end
  local lead = string.sub(key, #'PREFIX' + 1)
  local lk, hk, dk = 'OLD_LEDGER' .. lead, 'OLD_HISTORY' .. lead, 'OLD_CLAIMS' .. lead
  if redis.call('EXISTS', lk, hk, dk) == 0 then return '\\n' end
  local row = redis.pcall('GET', lk)
  local out = {type(row) == 'string' and row or ''}
  local hist = redis.pcall('LRANGE', hk, 0, -1)
  if type(hist) == 'table' and not hist.err then
    for _, e in ipairs(hist) do out[#out + 1] = e end
  end
  local claims = redis.pcall('HGETALL', dk)
  if type(claims) == 'table' and not claims.err then
    for j = 1, #claims, 2 do
      out[#out + 1] = '=' .. esc(claims[j]) .. '\\t' .. claims[j + 1] .. ':' .. now
    end
  end
  v = table.concat(out, '\\n') .. '\\n'
  redis.call('DEL', lk, hk, dk)
  redis.call('SET', key, v, 'EX', ttl)
  return v
end
""".replace("OLD_LEDGER", OLD_LEDGER).replace("OLD_HISTORY", OLD_HISTORY).replace(
    "OLD_CLAIMS", OLD_CLAIMS).replace("PREFIX", PREFIX)
