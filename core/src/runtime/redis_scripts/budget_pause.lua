-- Pause a bucket for ARGV[1] ms, keeping a longer pause already set.
-- KEYS[1] pause key. Returns the pause's remaining ms.
local ms = tonumber(ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < ms then
  redis.call('SET', KEYS[1], '1', 'PX', ms)
  return ms
end
return ttl
