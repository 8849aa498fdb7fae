-- Store a refreshed pair only if the caller still owns the lock and its fencing token is newer
-- than the stored pair's; otherwise keep the pair aside as an orphan for recovery.
-- KEYS[1] lock, KEYS[2] token hash, KEYS[3] orphan hash
-- ARGV[1] owner, ARGV[2] fence, ARGV[3] access, ARGV[4] refresh, ARGV[5] expires (ms),
-- ARGV[6] issued (ms), ARGV[7] metadata (JSON), ARGV[8] orphan ttl (ms)
-- Returns 1 when committed, 0 when refused.
local stored = tonumber(redis.call('HGET', KEYS[2], 'gen') or '0')
if redis.call('GET', KEYS[1]) == ARGV[1] and tonumber(ARGV[2]) > stored then
  redis.call('HSET', KEYS[2], 'access', ARGV[3], 'refresh', ARGV[4], 'exp_ms', ARGV[5],
    'iat_ms', ARGV[6], 'meta', ARGV[7], 'gen', ARGV[2])
  redis.call('HDEL', KEYS[2], 'dead')
  redis.call('HINCRBY', KEYS[2], 'refreshes', 1)
  return 1
end
redis.call('HSET', KEYS[3], 'access', ARGV[3], 'refresh', ARGV[4], 'exp_ms', ARGV[5],
  'iat_ms', ARGV[6], 'meta', ARGV[7], 'gen', ARGV[2])
redis.call('PEXPIRE', KEYS[3], ARGV[8])
return 0
