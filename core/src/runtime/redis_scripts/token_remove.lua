-- Forget a connection's pair. A tombstone holding a new fencing token stays for a day, so a
-- refresh in flight cannot bring the forgotten pair back.
-- KEYS[1] token hash, KEYS[2] fence counter, KEYS[3] orphan hash
local fence = redis.call('INCR', KEYS[2])
redis.call('DEL', KEYS[1], KEYS[3])
redis.call('HSET', KEYS[1], 'gen', fence)
redis.call('PEXPIRE', KEYS[1], 86400000)
return fence
