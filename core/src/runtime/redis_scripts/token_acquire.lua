-- Take the refresh lock of one connection and hand out a fencing token.
-- KEYS[1] lock, KEYS[2] fence counter, KEYS[3] token hash
-- ARGV[1] owner (random per attempt), ARGV[2] lease in ms
-- Returns the fencing token (> the stored pair's generation), or 0 when another owner holds it.
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 0
end
local fence = redis.call('INCR', KEYS[2])
local stored = tonumber(redis.call('HGET', KEYS[3], 'gen') or '0')
if fence <= stored then
  -- The counter was lost (eviction, flush) while the pair survived: move past the pair.
  fence = stored + 1
  redis.call('SET', KEYS[2], fence)
end
return fence
