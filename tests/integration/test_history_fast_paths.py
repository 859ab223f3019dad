"""The history scripts' fast paths (a lead whose value holds no history line, or only the
entry of the position written) against the scripts as they were before them (commit
e2ac683: every value split into its lines), on generated values in the real Redis: the
same replies, the same values, the same TTLs."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streams.stores.history import History, HistoryRows
from streams.stores.lead_state import LUA, key
from streams.stores.ledger_rows import LedgerRows

NOW = 1_700_000_100
TTL_S = 3600

# The reference: the scripts before the fast paths, verbatim.
_REF_ENTRIES = """
local function entries(v)
  local ledger, hist, claims = split(v)
  local out = {}
  for e in string.gmatch(hist, '[^\\n]+') do out[#out + 1] = e end
  return out, ledger, claims
end
local function with_entries(ledger, list, claims)
  if #list == 0 then return ledger .. '\\n' .. claims end
  return ledger .. '\\n' .. table.concat(list, '\\n') .. '\\n' .. claims
end
"""

REF_PREVIOUS = LUA + _REF_ENTRIES + """
local out, pos, asks = {}, 1, ARGV[1]
for i, key in ipairs(KEYS) do
  local stop = string.find(asks, '\\n', pos, true) or (#asks + 1)
  local p, o = string.match(string.sub(asks, pos, stop - 1), '^(%d+):(%d+)$')
  pos, o, out[i] = stop + 1, tonumber(o), ''
  local list = entries(adopt(key, ARGV[4], ARGV[5]))
  for _, e in ipairs(list) do
    local ep, eo, es = string.match(e, ARGV[2])
    if ep ~= p or tonumber(eo) < o then out[i] = es; break end
  end
  if out[i] == '' and #list > 0 and #list >= tonumber(ARGV[3]) then out[i] = '?' end
end
return out
"""

REF_RECORD = LUA + _REF_ENTRIES + """
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
  local p, o = string.match(value, ARGV[3])
  o = tonumber(o)
  local list, ledger, claims = entries(adopt(key, ARGV[2], now))
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

KEY_TTL_S = 7200
LEADS = ("L1", "L2", "L3")

entries = st.one_of(
    st.builds(lambda p, o, s, at, c: f"{p}:{o}:{s}:B:3:{at}" + (":c" if c else ""),
              st.integers(0, 1), st.integers(0, 5), st.sampled_from(["0.5", "0.25", "", "1e-05"]),
              st.sampled_from([NOW, NOW - TTL_S, NOW - TTL_S - 5]), st.booleans()),
    st.sampled_from(["x", "7", "1:2", "", "01:3:0.5:B:3:1700000100"]))
claims = st.lists(st.sampled_from(["=ev-1\t0:3:abc\n", "=ev-2\t1:0:abd\n"]), max_size=2)
ledger_lines = st.sampled_from(["", '["L1",3,"control"]', "=odd", "0:1:0.5:A:3:1700000000"])


@st.composite
def values(draw) -> str | None:
    """A lead's stored value: none, well formed, or bent (no line break at all, a last
    history line without its break, empty and foreign lines)."""
    kind = draw(st.sampled_from(["none", "value", "value", "value", "no break", "open end"]))
    if kind == "none":
        return None
    ledger = draw(ledger_lines)
    if kind == "no break":
        return ledger
    lines = draw(st.lists(entries, max_size=4))
    body = "".join(e + "\n" for e in lines)
    if kind == "open end":
        return ledger + "\n" + body.rstrip("\n")
    return ledger + "\n" + body + "".join(draw(claims))


states = st.fixed_dictionaries({lead: values() for lead in LEADS})
writes = st.lists(st.tuples(st.sampled_from(LEADS), st.integers(0, 1), st.integers(0, 5),
                            st.sampled_from(["0.5", "0.75", ""]),
                            st.sampled_from([NOW, NOW - TTL_S, NOW - TTL_S - 5])),
                  min_size=1, max_size=5)


def reference(client, bound: int) -> History:
    ref = History(client, bound, TTL_S, KEY_TTL_S, now=lambda: NOW)
    ref._previous = client.register_script(REF_PREVIOUS)
    ref._record = client.register_script(REF_RECORD)
    return ref


def restore(client, state: dict) -> None:
    client.flushdb()
    for lead, value in state.items():
        if value is not None:
            client.set(key(lead), value, ex=50)


def snapshot(client) -> dict:
    return {lead: (client.get(key(lead)), client.ttl(key(lead))) for lead in LEADS}


def same(a: dict, b: dict) -> bool:
    return all(a[k][0] == b[k][0] and abs(a[k][1] - b[k][1]) <= 1 for k in LEADS)


def write(history: History, client, rows: HistoryRows, ledger: LedgerRows | None,
          committed: bool) -> int:
    if not committed:
        return history.record(rows)
    pipe = client.pipeline(transaction=False)
    history.stage(pipe, rows, ledger)
    return int(pipe.execute()[0])


@pytest.fixture
def client(fresh_settings, redis_client):
    return redis_client


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(state=states, batch=writes, committed=st.booleans(), bound=st.integers(0, 3),
       ledger_leads=st.lists(st.sampled_from(LEADS), unique=True, max_size=3))
def test_record_as_the_reference(client, state, batch, committed, bound, ledger_leads):
    rows = HistoryRows([lead for lead, *_ in batch],
                       [f"{p}:{o}:{s}:A:7:{at}" for _, p, o, s, at in batch])
    ledger = (LedgerRows(ledger_leads, [f'["row-{lead}"]' for lead in ledger_leads], {}, {})
              if committed and ledger_leads else None)
    got = {}
    for arm, history in (("ref", reference(client, bound)),
                         ("new", History(client, bound, TTL_S, KEY_TTL_S, now=lambda: NOW))):
        restore(client, state)
        reply = write(history, client, rows, ledger, committed)
        got[arm] = (reply, snapshot(client))
    assert got["new"][0] == got["ref"][0]
    assert same(got["new"][1], got["ref"][1]), (got["ref"][1], got["new"][1])


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(state=states, bound=st.integers(1, 3),
       asks=st.lists(st.tuples(st.sampled_from(LEADS), st.integers(0, 1), st.integers(0, 6)),
                     min_size=1, max_size=3, unique_by=lambda a: a[0]))
def test_previous_as_the_reference(client, state, bound, asks):
    got = {}
    for arm, history in (("ref", reference(client, bound)),
                         ("new", History(client, bound, TTL_S, KEY_TTL_S, now=lambda: NOW))):
        restore(client, state)
        got[arm] = (history.previous(asks), snapshot(client))
    assert got["new"][0] == got["ref"][0] or str(got["new"][0]) == str(got["ref"][0])
    assert same(got["new"][1], got["ref"][1])


def test_a_new_leads_entry_byte_for_byte(client):
    """The common case the fast paths are for: a lead holding only a claim gets its entry,
    its previous score reads back, and the write after the commit marks the entry and
    sets the ledger row (the A/B of their cost: ``python -m bench.history_split``)."""
    history = History(client, 3, TTL_S, KEY_TTL_S, now=lambda: NOW)
    client.flushdb()
    client.set(key("L1"), "\n=ev-1\t0:3:abc\n")
    rows = HistoryRows(["L1"], [f"0:3:0.5:A:7:{NOW}"])
    assert history.record(rows) == 1
    assert client.get(key("L1")) == f"\n0:3:0.5:A:7:{NOW}\n=ev-1\t0:3:abc\n".encode()
    assert history.previous([("L1", 0, 4)]) == [0.5]
    write(history, client, rows, LedgerRows(["L1"], ['["row"]'], {}, {}), committed=True)
    assert client.get(key("L1")) == f'["row"]\n0:3:0.5:A:7:{NOW}:c\n=ev-1\t0:3:abc\n'.encode()
