-- Store a pair from the code exchange: a new fencing token makes every refresh in flight unable
-- to commit over it; the dead mark is cleared; the refresh count is kept.
-- KEYS[1] token hash, KEYS[2] fence counter
-- ARGV[1] access, ARGV[2] refresh, ARGV[3] expires (ms), ARGV[4] issued (ms), ARGV[5] metadata,
-- ARGV[6] '1' to store only when no pair is stored (then returns 0 when one is)
if ARGV[6] == '1' and redis.call('HEXISTS', KEYS[1], 'access') == 1 then
  return 0
end
local fence = redis.call('INCR', KEYS[2])
local stored = tonumber(redis.call('HGET', KEYS[1], 'gen') or '0')
if fence <= stored then
  fence = stored + 1
  redis.call('SET', KEYS[2], fence)
end
redis.call('HSET', KEYS[1], 'access', ARGV[1], 'refresh', ARGV[2], 'exp_ms', ARGV[3],
  'iat_ms', ARGV[4], 'meta', ARGV[5], 'gen', fence)
redis.call('HDEL', KEYS[1], 'dead')
return fence
