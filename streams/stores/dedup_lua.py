"""The Lua scripts of :mod:`streams.stores.dedup`: claim, release and forget, each one
round trip and atomic."""

# KEYS: the n claim keys, then each claim's per-lead index key ('' without a lead id).
# ARGV: ttl, the sources one per line (sources never contain a newline), now_ms, the
# index bound, the claim key prefix. A claim this event now holds enters its lead's index;
# an index beyond the bound drops its oldest claims together with their entry.
CLAIM_LUA = """
local taken = {}
local pos = 1
local sources = ARGV[2]
local n = #KEYS / 2
for i = 1, n do
  local stop = string.find(sources, '\\n', pos, true) or (#sources + 1)
  local source = string.sub(sources, pos, stop - 1)
  pos = stop + 1
  local held = redis.call('SET', KEYS[i], source, 'NX', 'GET', 'EX', ARGV[1])
  if held and held ~= source then
    taken[#taken + 1] = i - 1
    taken[#taken + 1] = held
  elseif KEYS[n + i] ~= '' then
    local index = KEYS[n + i]
    redis.call('ZADD', index, ARGV[3], string.sub(KEYS[i], #ARGV[5] + 1))
    redis.call('EXPIRE', index, ARGV[1])
    local extra = redis.call('ZCARD', index) - tonumber(ARGV[4])
    if extra > 0 then
      local gone = redis.call('ZPOPMIN', index, extra)
      for j = 1, #gone, 2 do redis.call('DEL', ARGV[5] .. gone[j]) end
    end
  end
end
return taken
"""

# Delete each key only if it still names this source (never another event's claim), and
# take it out of its lead's index. KEYS as for the claim script; ARGV[1] the sources.
RELEASE_LUA = """
local released = 0
local pos = 1
local sources = ARGV[1]
local n = #KEYS / 2
for i = 1, n do
  local stop = string.find(sources, '\\n', pos, true) or (#sources + 1)
  local source = string.sub(sources, pos, stop - 1)
  pos = stop + 1
  if redis.call('GET', KEYS[i]) == source then
    released = released + redis.call('DEL', KEYS[i])
    if KEYS[n + i] ~= '' then
      redis.call('ZREM', KEYS[n + i], string.sub(KEYS[i], #ARGV[2] + 1))
    end
  end
end
return released
"""

# KEYS[1] the lead's index; ARGV[1] the claim key prefix. Deletes its claims and itself.
FORGET_LUA = """
local deleted = 0
for _, event_id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  deleted = deleted + redis.call('DEL', ARGV[1] .. event_id)
end
return deleted + redis.call('DEL', KEYS[1])
"""
