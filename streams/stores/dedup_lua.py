"""The Lua scripts of :mod:`streams.stores.dedup`: claim, release and forget, each one
round trip and atomic.

A lead's claims are lines of its state key (:mod:`streams.stores.lead_state`):
``=<event id, escaped>\\t<partition>:<offset>:<epoch_s>``, the event that holds it and
when it claimed it (epoch s in base 36; the topic is the claim's own: a scorer reads one
input topic). Event ids are passed as arguments, one each, escaped by the caller; sources
as one argument of lines (``topic:partition:offset`` never holds a newline). A key of the
earlier three-key layout is converted by ``adopt`` (its claims, a hash
``leadstream:dedup-lead:<lead>``, move into the lead key; the zset index of the release
before that is dropped, its claim keys expire).
"""

from streams.stores.lead_state import LUA as _STATE

# A claim's stored position from its source; the source again from a stored value.
_FORMS = """
local function short(source) return string.match(source, '(%d+:%d+)$') or source end
local function long(held, source)
  local topic = string.match(source, '^(.*):%d+:%d+$')
  if topic and string.match(held, '^%d+:%d+$') then return topic .. ':' .. held end
  return held
end
local function find_claim(v, id)
  local at = string.find(v, '\\n=' .. id .. '\\t', 1, true)
  if not at then return nil end
  local stop = string.find(v, '\\n', at + 1, true)
  local line = string.sub(v, at + 1, stop)
  return at + 1, stop, string.match(line, '\\t(%d+:%d+):%w+\\n$')
end
"""

# Claims of the value younger than ``oldest`` (epoch s), at most ``bound`` of them (the
# lowest positions dropped first: a lead's events share a partition, they are its oldest).
_PRUNE = """
local function prune(v, oldest, bound)
  local ledger, hist, claims = split(v)
  local kept, n = {}, 0
  for line in string.gmatch(claims, '[^\\n]+') do
    local p, o, t = string.match(line, '\\t(%d+):(%d+):(%w+)$')
    n = n + 1
    if tonumber(t or 0, 36) >= oldest then
      kept[#kept + 1] = {tonumber(p or 0), tonumber(o or 0), line}
    end
  end
  if #kept == n and n <= bound then return v end
  if #kept > bound then
    table.sort(kept, function(x, y) return x[1] < y[1] or (x[1] == y[1] and x[2] < y[2]) end)
  end
  local out = {ledger, '\\n', hist}
  for j = math.max(1, #kept - bound + 1), #kept do out[#out + 1] = kept[j][3] .. '\\n' end
  return table.concat(out)
end
"""

# KEYS: each claim's lead key. ARGV: key TTL, claim TTL, the bound per lead, now (base 36),
# the sources one per line, then the escaped event ids, one argument each. Returns the
# index and first source of each claim held by another position. A new claim is one GET
# and one SET of the lead's value (older claims dropped on the way; a new key has none).
CLAIM_LUA = _STATE + _FORMS + _PRUNE + """
local taken, pos, sources = {}, 1, ARGV[5]
local ttl, bound, now = ARGV[1], tonumber(ARGV[3]), ARGV[4]
local oldest = tonumber(now, 36) - tonumber(ARGV[2])
for i, key in ipairs(KEYS) do
  local stop = string.find(sources, '\\n', pos, true) or (#sources + 1)
  local source = string.sub(sources, pos, stop - 1)
  pos = stop + 1
  local id, mine = ARGV[5 + i], short(source)
  local v = adopt(key, ttl, now)
  local _, _, held = find_claim(v, id)
  if held and held ~= mine then
    taken[#taken + 1] = i - 1
    taken[#taken + 1] = long(held, source)
  elseif not held then
    local fresh = v == '\\n'
    v = v .. '=' .. id .. '\\t' .. mine .. ':' .. now .. '\\n'
    if not fresh then v = prune(v, oldest, bound) end
    redis.call('SET', key, v, 'EX', ttl)
  end
end
return taken
"""

# Delete each claim only while it is held by this source. KEYS as for the claim; ARGV: key
# TTL, now (base 36), the sources one per line, then the escaped event ids.
RELEASE_LUA = _STATE + _FORMS + """
local released, pos, sources = 0, 1, ARGV[3]
for i, key in ipairs(KEYS) do
  local stop = string.find(sources, '\\n', pos, true) or (#sources + 1)
  local source = string.sub(sources, pos, stop - 1)
  pos = stop + 1
  local v = adopt(key, ARGV[1], ARGV[2])
  local from, to, held = find_claim(v, ARGV[3 + i])
  if held == short(source) then
    redis.call('SET', key, string.sub(v, 1, from - 1) .. string.sub(v, to + 1), 'KEEPTTL')
    released = released + 1
  end
end
return released
"""

# KEYS[1] the lead's key; ARGV[1] the earlier layout's claims hash. Deletes the lead's
# whole state (an erased lead keeps nothing); returns its claims plus the keys deleted.
FORGET_LUA = _STATE + """
local v = redis.call('GET', KEYS[1]) or ''
local _, _, claims = split(v)
local n = select(2, string.gsub(claims, '\\n', ''))
return n + redis.call('DEL', KEYS[1], ARGV[1])
"""
