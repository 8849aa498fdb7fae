-- Extend the lock's lease only if the caller owns it.
-- KEYS[1] lock; ARGV[1] owner, ARGV[2] lease in ms. Returns 1 when extended.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
