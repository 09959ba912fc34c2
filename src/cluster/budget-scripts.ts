import { createLuaScript } from './lua-script.js';

/*
 * The agent budget's Redis side. Times come from the server's clock (TIME), so instances whose
 * clocks disagree still agree on when a lease lapses. Keys: KEYS[1] leases (ZSET member → expiry),
 * KEYS[2] waiters in line (ZSET member → when it joined), KEYS[3] waiters' expiry (ZSET).
 */

const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/** Drop lapsed waiters, so that a dead process does not keep its place in line. */
const DROP_LAPSED_WAITERS = `
local lapsed = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)
for _, w in ipairs(lapsed) do redis.call('ZREM', KEYS[2], w) end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
`;

/**
 * ARGV: max, leaseMs, member, waiterTtlMs, channel. Returns 1 when `member` holds a lease.
 * Idempotent: a retried call (a reply lost to a dropped connection) finds its lease and renews it.
 * Otherwise the member joins the line (keeping its place) and is granted a lease only while its
 * place is among the free slots: waiters are served across processes in the order they joined.
 */
export const acquireScript = createLuaScript(`${NOW}
local max, leaseMs, member, waiterTtlMs = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], member) then
  redis.call('ZADD', KEYS[1], now + leaseMs, member)
  return 1
end
${DROP_LAPSED_WAITERS}
redis.call('ZADD', KEYS[2], 'NX', now, member)
redis.call('ZADD', KEYS[3], now + waiterTtlMs, member)
local free = max - redis.call('ZCARD', KEYS[1])
if free > 0 and redis.call('ZRANK', KEYS[2], member) < free then
  redis.call('ZREM', KEYS[2], member)
  redis.call('ZREM', KEYS[3], member)
  redis.call('ZADD', KEYS[1], now + leaseMs, member)
  if free > 1 and redis.call('ZCARD', KEYS[2]) > 0 then redis.call('PUBLISH', ARGV[5], 'free') end
  return 1
end
return 0
`);

/**
 * ARGV: leaseMs, then the members this process holds. Extends each; a member that had lapsed (the
 * process stalled, or Redis lost it) is put back, because its work is still running. Returns how
 * many were put back.
 */
export const renewScript = createLuaScript(`${NOW}
local leaseMs = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local restored = 0
for i = 2, #ARGV do restored = restored + redis.call('ZADD', KEYS[1], now + leaseMs, ARGV[i]) end
return restored
`);

/** ARGV: member, channel. Gives up a lease or a place in line, and wakes the waiters. */
export const releaseScript = createLuaScript(`
local removed = redis.call('ZREM', KEYS[1], ARGV[1]) + redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('PUBLISH', ARGV[2], 'free')
return removed
`);

/** How many leases have not lapsed (KEYS[1] only). */
export const countScript = createLuaScript(`${NOW}
return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')
`);
