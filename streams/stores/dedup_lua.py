"""The Lua scripts of :mod:`streams.stores.dedup`: claim, release and forget, each one
round trip and atomic.

A lead's index member is ``<source>\\n<event_id>``: the claim it stands for *and* the
position that holds it (sources never contain a newline). A claim may expire while its
lead's index lives on (every claim refreshes the index's TTL) and then be taken by another
lead's event; so eviction and ``forget`` delete a claim key only while it still holds the
member's source (compare-and-delete), never another lead's live claim. A member without a
newline (written before members carried their source) is deleted unchecked.
"""

# Delete ARGV-prefixed claim of index member m if it is still held by m's source.
_DROP = """
local function drop(prefix, member)
  local cut = string.find(member, '\\n', 1, true)
  if not cut then return redis.call('DEL', prefix .. member) end
  local key = prefix .. string.sub(member, cut + 1)
  if redis.call('GET', key) == string.sub(member, 1, cut - 1) then
    return redis.call('DEL', key)
  end
  return 0
end
"""

# KEYS: the n claim keys, then each claim's per-lead index key ('' without a lead id).
# ARGV: ttl, the sources one per line (sources never contain a newline), now_ms, the
# index bound, the claim key prefix. A claim this event now holds enters its lead's index;
# an index beyond the bound drops its oldest members, and their claims if still theirs.
CLAIM_LUA = _DROP + """
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
    redis.call('ZADD', index, ARGV[3], source .. '\\n' .. string.sub(KEYS[i], #ARGV[5] + 1))
    redis.call('EXPIRE', index, ARGV[1])
    local extra = redis.call('ZCARD', index) - tonumber(ARGV[4])
    if extra > 0 then
      local gone = redis.call('ZPOPMIN', index, extra)
      for j = 1, #gone, 2 do drop(ARGV[5], gone[j]) end
    end
  end
end
return taken
"""

# Delete each key only if it still names this source (never another event's claim), and
# take it out of its lead's index. KEYS as for the claim script; ARGV[1] the sources,
# ARGV[2] the claim key prefix.
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
      redis.call('ZREM', KEYS[n + i], source .. '\\n' .. string.sub(KEYS[i], #ARGV[2] + 1))
    end
  end
end
return released
"""

# KEYS[1] the lead's index; ARGV[1] the claim key prefix. Deletes the claims still held by
# the lead's own events, and the index.
FORGET_LUA = _DROP + """
local deleted = 0
for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  deleted = deleted + drop(ARGV[1], member)
end
return deleted + redis.call('DEL', KEYS[1])
"""
