-- Charge several rate buckets (a sliding-window log of credits plus a GCRA pacer) and take
-- concurrency slots, all or nothing, on the server clock. Mirrors runtime/budget/window.rs step
-- for step, in integer microseconds.
-- KEYS: n pacer keys (TAT), n log keys (lists of "q:credits", q ascending), n used keys (the sum
-- of the log's credits), then m concurrency keys (sorted sets of leases), then n + m pause keys.
-- ARGV[1] n, ARGV[2] m, ARGV[3] now in us (0 = use TIME; tests pass a clock), ARGV[4] member,
-- then per rate bucket: cost, emission us, tolerance us, capacity, span us, quantum us;
-- then per cap: max, lease us.
-- Returns {admitted (1/0), wait us, now us}.
local n = tonumber(ARGV[1])
local m = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
-- With an explicit clock (tests) keys live an hour of real time instead of their horizon.
local explicit = now > 0
if not explicit then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local member = ARGV[4]
local wait = 0
local RATE_ARGS = 6
local CHUNK = 32

local function fmt(x)
  return string.format('%.0f', x)
end

local function parse(e)
  local i = string.find(e, ':', 1, true)
  return tonumber(string.sub(e, 1, i - 1)), tonumber(string.sub(e, i + 1))
end

for i = 1, n + m do
  local ttl = redis.call('PTTL', KEYS[3 * n + m + i])
  if ttl > 0 then
    wait = math.max(wait, ttl * 1000)
  end
end

local new_tats = {}
local useds = {}
-- Whether the sum of a log had to be counted again (its key was lost).
local recounted = {}
for i = 1, n do
  local a = 4 + (i - 1) * RATE_ARGS
  local cost = tonumber(ARGV[a + 1])
  local emission = tonumber(ARGV[a + 2])
  local tolerance = tonumber(ARGV[a + 3])
  local capacity = tonumber(ARGV[a + 4])
  local span = tonumber(ARGV[a + 5])

  -- The pacer.
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

  -- The log: drop the entries that no longer count (q + span <= now).
  local log = KEYS[n + i]
  local used_key = KEYS[2 * n + i]
  local len = redis.call('LLEN', log)
  local used = 0
  if len > 0 then
    local stored = redis.call('GET', used_key)
    if stored then
      used = tonumber(stored)
    else
      -- The sum was lost (evicted): count the log again.
      recounted[i] = true
      for _, e in ipairs(redis.call('LRANGE', log, 0, -1)) do
        local _, c = parse(e)
        used = used + c
      end
    end
    -- Most calls find the oldest entry still counting: one LINDEX, nothing to drop.
    local oldest = parse(redis.call('LINDEX', log, 0))
    if oldest + span <= now then
      local drop = 0
      while drop < len do
        local chunk = redis.call('LRANGE', log, drop, drop + CHUNK - 1)
        local k = 0
        for _, e in ipairs(chunk) do
          local q, c = parse(e)
          if q + span > now then
            break
          end
          k = k + 1
          used = used - c
        end
        drop = drop + k
        if k < #chunk then
          break
        end
      end
      if drop >= len then
        redis.call('DEL', log, used_key)
        len = 0
        used = 0
      else
        redis.call('LTRIM', log, drop, -1)
        local pttl = redis.call('PTTL', log)
        if pttl > 0 then
          redis.call('SET', used_key, fmt(used), 'PX', pttl)
        else
          redis.call('SET', used_key, fmt(used))
        end
        len = len - drop
      end
    end
  end
  useds[i] = used

  -- Wait until enough of the oldest entries stop counting.
  if used + cost > capacity then
    local need = used + cost - capacity
    local freed = 0
    local start = 0
    local found = false
    while not found and start < len do
      for _, e in ipairs(redis.call('LRANGE', log, start, start + CHUNK - 1)) do
        local q, c = parse(e)
        freed = freed + c
        if freed >= need then
          wait = math.max(wait, q + span - now)
          found = true
          break
        end
      end
      start = start + CHUNK
    end
    if not found then
      wait = math.max(wait, span)
    end
  end
end

for j = 1, m do
  local a = 4 + n * RATE_ARGS + (j - 1) * 2
  local max = tonumber(ARGV[a + 1])
  local key = KEYS[3 * n + j]
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
  local a = 4 + (i - 1) * RATE_ARGS
  local cost = tonumber(ARGV[a + 1])
  local span = tonumber(ARGV[a + 5])
  local quantum = tonumber(ARGV[a + 6])
  local ttl_ms = math.floor((new_tats[i] - now) / 1000) + 2
  if explicit then
    ttl_ms = math.max(ttl_ms, 3600000)
  end
  redis.call('SET', KEYS[i], fmt(new_tats[i]), 'PX', ttl_ms)
  if cost > 0 then
    local log = KEYS[n + i]
    -- The admission time rounded up to the quantum (fmod is exact on doubles).
    local q = now
    local r = math.fmod(now, quantum)
    if r > 0 then
      q = now - r + quantum
    end
    local last = redis.call('LINDEX', log, -1)
    local joined = false
    if last then
      local lq, lc = parse(last)
      -- A clock that stepped back joins the newest entry: the log stays in order.
      if lq >= q then
        redis.call('LSET', log, -1, fmt(lq) .. ':' .. fmt(lc + cost))
        q = lq
        joined = true
      end
    end
    if joined and not recounted[i] then
      -- Same newest entry, so the same expiry: only the sum changes (INCRBY keeps the TTL).
      redis.call('INCRBY', KEYS[2 * n + i], cost)
    else
      if not joined then
        redis.call('RPUSH', log, fmt(q) .. ':' .. fmt(cost))
      end
      -- Both keys live until the newest entry stops counting.
      local log_ttl = math.floor((q + span - now) / 1000) + 2
      if explicit then
        log_ttl = math.max(log_ttl, 3600000)
      end
      redis.call('PEXPIRE', log, log_ttl)
      redis.call('SET', KEYS[2 * n + i], fmt(useds[i] + cost), 'PX', log_ttl)
    end
  end
end
for j = 1, m do
  local a = 4 + n * RATE_ARGS + (j - 1) * 2
  local lease = tonumber(ARGV[a + 2])
  local key = KEYS[3 * n + j]
  redis.call('ZADD', key, fmt(now + lease), member)
  redis.call('PEXPIRE', key, math.floor(lease / 1000) + 1000)
end
return {1, 0, now}
