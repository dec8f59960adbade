-- Presence bookkeeping for RedisPresence (see redis.rs for the key layout). A script runs
-- atomically, so nodes never interleave one user's read-modify-write, and every node reads
-- the same clock (the server's TIME).
--
-- ARGV[1] op: 'active' | 'away' | 'heartbeat' | 'disconnect' | 'sweep'; ARGV[2] TTL in ms.
-- Per-connection ops: KEYS = {conn, status, users}, ARGV[3] user, ARGV[4] connection;
--   returns {status, 1 if it differs from the last published status else 0}.
-- 'sweep': KEYS = {users}, ARGV[3] key prefix, ARGV[4] batch size; settles up to a batch of
--   users whose earliest connection expiry has passed and returns
--   {number settled, {user, status, ...} for those whose status changed}.

local op = ARGV[1]
local ttl = tonumber(ARGV[2])
-- Integers go to Redis through '%d': a bare Lua number may be rendered in exponent form.
local keep = string.format('%d', 2 * ttl)
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local now_ms = string.format('%d', now)

-- Drops expired connections, records the aggregate as the published status and reschedules
-- the user for the sweeper (or forgets them once offline). Every key expires by itself two
-- TTLs after its last write, so nothing outlives a cluster that stopped entirely.
local function settle(conn_key, status_key, users_key, user)
  redis.call('ZREMRANGEBYSCORE', conn_key, '-inf', now_ms)
  local status = 'offline'
  for _, member in ipairs(redis.call('ZRANGE', conn_key, 0, -1)) do
    if string.sub(member, -7) == '|active' then
      status = 'online'
      break
    end
    status = 'away'
  end
  local previous = redis.call('GET', status_key) or 'offline'
  if status == 'offline' then
    redis.call('DEL', conn_key, status_key)
    redis.call('ZREM', users_key, user)
  else
    local earliest = redis.call('ZRANGE', conn_key, 0, 0, 'WITHSCORES')[2]
    redis.call('PEXPIRE', conn_key, keep)
    redis.call('SET', status_key, status, 'PX', keep)
    redis.call('ZADD', users_key, earliest, user)
    redis.call('PEXPIRE', users_key, keep)
  end
  if previous == status then
    return status, 0
  end
  return status, 1
end

if op == 'sweep' then
  local users_key, prefix, batch = KEYS[1], ARGV[3], ARGV[4]
  local due = redis.call('ZRANGEBYSCORE', users_key, '-inf', now_ms, 'LIMIT', 0, batch)
  local changes = {}
  for _, user in ipairs(due) do
    local status, changed =
      settle(prefix .. 'conn:' .. user, prefix .. 'status:' .. user, users_key, user)
    if changed == 1 then
      table.insert(changes, user)
      table.insert(changes, status)
    end
  end
  return {#due, changes}
end

local conn_key, status_key, users_key = KEYS[1], KEYS[2], KEYS[3]
local user, connection = ARGV[3], ARGV[4]
local active, away = connection .. '|active', connection .. '|away'
if op == 'disconnect' then
  redis.call('ZREM', conn_key, active, away)
else
  local member = active
  if op == 'away' or (op == 'heartbeat' and redis.call('ZSCORE', conn_key, away)) then
    member = away
  end
  redis.call('ZREM', conn_key, active, away)
  redis.call('ZADD', conn_key, string.format('%d', now + ttl), member)
end
local status, changed = settle(conn_key, status_key, users_key, user)
return {status, changed}
