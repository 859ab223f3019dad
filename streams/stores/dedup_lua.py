"""The Lua scripts of :mod:`streams.stores.dedup`: claim, release and forget, each one
round trip and atomic.

A lead's claims are one hash, ``leadstream:dedup-lead:<lead_id>``: field = event id, value =
``<partition>:<offset>`` of the event that holds it (the topic is the claim's own: a scorer
reads one input topic). Event ids are passed as arguments, one each (binary safe), sources
as one argument of lines (``topic:partition:offset`` never holds a newline).

Before this layout a claim was a key of its own (``leadstream:dedup:<event_id>`` → source)
listed in the lead's index, a sorted set under the same key name. Each script converts
such an index (:data:`_MIGRATE`; the claim script when its first write meets the zset):
the claims still held by the index's own events move into the hash (and their keys are
deleted), the others are left to their TTL.
"""

# A claim's hash value from its source; the source again from a value and a claim's source.
_FORMS = """
local function short(source) return string.match(source, '(%d+:%d+)$') or source end
local function long(held, source)
  local topic = string.match(source, '^(.*):%d+:%d+$')
  if topic and string.match(held, '^%d+:%d+$') then return topic .. ':' .. held end
  return held
end
"""

# KEYS[k] of the old layout (a sorted set of '<source>\\n<event_id>'): into a hash.
_MIGRATE = """
local function migrate(key, prefix)
  if redis.call('TYPE', key).ok ~= 'zset' then return end
  local members = redis.call('ZRANGE', key, 0, -1)
  local ttl = redis.call('TTL', key)
  redis.call('DEL', key)
  for _, member in ipairs(members) do
    local cut = string.find(member, '\\n', 1, true)
    if cut then
      local source, id = string.sub(member, 1, cut - 1), string.sub(member, cut + 1)
      if redis.call('GET', prefix .. id) == source then
        redis.call('DEL', prefix .. id)
        redis.call('HSET', key, id, short(source))
      end
    end
  end
  if ttl > 0 and redis.call('EXISTS', key) == 1 then redis.call('EXPIRE', key, ttl) end
end
"""

# The claim with the lowest partition:offset (a lead's events share a partition: its oldest).
_DROP_OLDEST = """
local function drop_oldest(key)
  local all = redis.call('HGETALL', key)
  local field, bp, bo = nil, nil, nil
  for j = 1, #all, 2 do
    local p, o = string.match(all[j + 1], '(%d+):(%d+)$')
    p, o = tonumber(p or 0), tonumber(o or 0)
    if not field or p < bp or (p == bp and o < bo) then field, bp, bo = all[j], p, o end
  end
  if field then redis.call('HDEL', key, field) end
end
"""

# KEYS: each claim's lead hash. ARGV: ttl, the bound per lead, the old claim key prefix,
# the sources one per line, then the event ids, one argument each. Returns the index and
# first source of each claim held by another position. A new claim (the common case) is
# one HSETNX, HLEN and EXPIRE; the old layout shows as HSETNX's WRONGTYPE error (a zset):
# converted, then claimed again.
CLAIM_LUA = _FORMS + _MIGRATE + _DROP_OLDEST + """
local taken, pos, sources = {}, 1, ARGV[4]
local ttl, bound, prefix = ARGV[1], tonumber(ARGV[2]), ARGV[3]
for i, key in ipairs(KEYS) do
  local stop = string.find(sources, '\\n', pos, true) or (#sources + 1)
  local source = string.sub(sources, pos, stop - 1)
  pos = stop + 1
  local id, mine = ARGV[4 + i], short(source)
  local added = redis.pcall('HSETNX', key, id, mine)
  if type(added) == 'table' then
    migrate(key, prefix)
    added = redis.call('HSETNX', key, id, mine)
  end
  local held = added == 0 and redis.call('HGET', key, id) or mine
  if held ~= mine then
    taken[#taken + 1] = i - 1
    taken[#taken + 1] = long(held, source)
  else
    if added == 1 and redis.call('HLEN', key) > bound then drop_oldest(key) end
    redis.call('EXPIRE', key, ttl)
  end
end
return taken
"""

# Delete each claim only while it is held by this source. KEYS as for the claim; ARGV: the
# old claim key prefix, the sources one per line, then the event ids.
RELEASE_LUA = _FORMS + _MIGRATE + """
local released, pos, sources = 0, 1, ARGV[2]
for i, key in ipairs(KEYS) do
  local stop = string.find(sources, '\\n', pos, true) or (#sources + 1)
  local source = string.sub(sources, pos, stop - 1)
  pos = stop + 1
  migrate(key, ARGV[1])
  if redis.call('HGET', key, ARGV[2 + i]) == short(source) then
    released = released + redis.call('HDEL', key, ARGV[2 + i])
  end
end
return released
"""

# KEYS[1] the lead's hash; ARGV[1] the old claim key prefix. Deletes every claim of the
# lead; returns the claims and keys deleted.
FORGET_LUA = _FORMS + _MIGRATE + """
migrate(KEYS[1], ARGV[1])
local n = redis.call('HLEN', KEYS[1])
return n + redis.call('DEL', KEYS[1])
"""
