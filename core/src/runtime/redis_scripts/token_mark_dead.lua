-- Mark the stored grant dead (refresh refused for good), only by the current lock owner whose
-- fencing token is newer than the stored pair.
-- KEYS[1] lock, KEYS[2] token hash; ARGV[1] owner, ARGV[2] fence. Returns 1 when marked.
local stored = tonumber(redis.call('HGET', KEYS[2], 'gen') or '0')
if redis.call('GET', KEYS[1]) == ARGV[1] and tonumber(ARGV[2]) > stored then
  redis.call('HSET', KEYS[2], 'dead', '1')
  return 1
end
return 0
