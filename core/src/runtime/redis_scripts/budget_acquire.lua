-- Charge several GCRA rate buckets and take concurrency slots, all or nothing, on the server
-- clock. Mirrors runtime/budget/gcra.rs step for step, in integer microseconds.
-- KEYS: n rate keys (TAT), then m concurrency keys (sorted sets of leases), then n + m pause keys
-- ARGV[1] n, ARGV[2] m, ARGV[3] now in us (0 = use TIME; tests pass a clock), ARGV[4] member,
-- then per rate bucket: cost, emission us, tolerance us; then per cap: max, lease us.
-- Returns {admitted (1/0), wait us, now us}.
local n = tonumber(ARGV[1])
local m = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
-- With an explicit clock (tests) keys live an hour of real time instead of their GCRA horizon.
local explicit = now > 0
if not explicit then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local member = ARGV[4]
local wait = 0

for i = 1, n + m do
  local ttl = redis.call('PTTL', KEYS[n + m + i])
  if ttl > 0 then
    wait = math.max(wait, ttl * 1000)
  end
end

local new_tats = {}
for i = 1, n do
  local a = 4 + (i - 1) * 3
  local cost = tonumber(ARGV[a + 1])
  local emission = tonumber(ARGV[a + 2])
  local tolerance = tonumber(ARGV[a + 3])
  local tat = tonumber(redis.call('GET', KEYS[i]) or now)
  if tat < now then
    tat = now
  end
  local new_tat = tat + cost * emission
  local allow_at = new_tat - tolerance
  if allow_at > now then
    wait = math.max(wait, allow_at - now)
  end
  new_tats[i] = new_tat
end

for j = 1, m do
  local a = 4 + n * 3 + (j - 1) * 2
  local max = tonumber(ARGV[a + 1])
  local key = KEYS[n + j]
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  if redis.call('ZCARD', key) >= max then
    local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    -- Look again when the oldest lease ends, or sooner (a release frees a slot at any time).
    wait = math.max(wait, math.max(1, math.min(tonumber(first[2]) - now, 10000)))
  end
end

if wait > 0 then
  return {0, wait, now}
end
for i = 1, n do
  local ttl_ms = math.floor((new_tats[i] - now) / 1000) + 2
  if explicit then
    ttl_ms = math.max(ttl_ms, 3600000)
  end
  redis.call('SET', KEYS[i], string.format('%.0f', new_tats[i]), 'PX', ttl_ms)
end
for j = 1, m do
  local a = 4 + n * 3 + (j - 1) * 2
  local lease = tonumber(ARGV[a + 2])
  local key = KEYS[n + j]
  redis.call('ZADD', key, string.format('%.0f', now + lease), member)
  redis.call('PEXPIRE', key, math.floor(lease / 1000) + 1000)
end
return {1, 0, now}
