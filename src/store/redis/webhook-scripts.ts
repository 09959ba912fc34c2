import { LUA_DROP_DOCUMENTS, LUA_PRELUDE, LUA_READ_ONLY } from './lua-prelude.js';

/** Remove a task's registrations and their pending messages. ARGV: prefix, task id. Returns how many registrations. */
export const UNREGISTER = `${LUA_PRELUDE}
local task = ARGV[2]
local registrations = redis.call('HKEYS', K_webhooks .. task)
local mine = {}
for _, r in ipairs(registrations) do mine[r] = true end
for _, m in ipairs(redis.call('SMEMBERS', K_outboxByTask .. task)) do
  local f = redis.call('HMGET', K_outbox .. m, 'registration_id', 'status')
  if f[2] == 'pending' and f[1] and mine[f[1]] then
    local member = redis.call('HGET', K_outbox .. m, 'due_member')
    if member then redis.call('ZREM', K_outboxDue, member) end
    redis.call('DEL', K_outbox .. m)
    redis.call('SREM', K_outboxByTask .. task, m)
  end
end
redis.call('DEL', K_webhooks .. task)
return #registrations`;

/** Store an outbox message (replacing one with its id). ARGV: prefix, id, task id, status, next_attempt_at, then field, value, … */
export const ENQUEUE = `${LUA_PRELUDE}
local id = ARGV[2]
local key = K_outbox .. id
local old = redis.call('HGET', key, 'due_member')
if old then redis.call('ZREM', K_outboxDue, old) end
redis.call('DEL', key)
local member = string.format('%016d', redis.call('INCR', K_outboxSeq)) .. ':' .. id
redis.call('HSET', key, 'due_member', member, unpack(ARGV, 6))
redis.call('SADD', K_outboxByTask .. ARGV[3], id)
if ARGV[4] == 'pending' then redis.call('ZADD', K_outboxDue, ARGV[5], member) end
return 1`;

/**
 * Take up to `limit` pending messages due at `now`, earliest first (then in enqueue order),
 * pushing each to `until` as it is taken. ARGV: prefix, now, limit, until. Returns each taken
 * message, as it was before the claim, as HGETALL pairs.
 */
export const CLAIM = `${LUA_PRELUDE}
local out = {}
for _, member in ipairs(redis.call('ZRANGEBYSCORE', K_outboxDue, '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))) do
  local key = K_outbox .. string.sub(member, 18)
  if redis.call('HGET', key, 'status') == 'pending' then
    out[#out + 1] = redis.call('HGETALL', key)
    redis.call('HSET', key, 'next_attempt_at', ARGV[4])
    redis.call('ZADD', K_outboxDue, ARGV[4], member)
  else
    redis.call('ZREM', K_outboxDue, member)
  end
end
return out`;

/** Record an attempt. ARGV: prefix, id, status, attempts, next_attempt_at, last_error JSON. Returns 0 when there is no such message. */
export const UPDATE = `${LUA_PRELUDE}
local id = ARGV[2]
local key = K_outbox .. id
local member = redis.call('HGET', key, 'due_member')
if not member then return 0 end
redis.call('HSET', key, 'status', ARGV[3], 'attempts', ARGV[4], 'next_attempt_at', ARGV[5], 'last_error', ARGV[6])
if ARGV[3] == 'pending' then redis.call('ZADD', K_outboxDue, ARGV[5], member) else redis.call('ZREM', K_outboxDue, member) end
return 1`;

/**
 * Registrations of tasks that are not finished. ARGV: prefix, n, n ids to leave out (finished in
 * this process's held saves), then ids to count too (unfinished in them).
 */
export const COUNT_ACTIVE = `${LUA_READ_ONLY}
${LUA_PRELUDE}
local n = tonumber(ARGV[2])
local skip, seen, count = {}, {}, 0
for i = 3, 2 + n do skip[ARGV[i]] = true end
for _, s in ipairs(ACTIVE) do
  for _, id in ipairs(redis.call('ZRANGE', K_status .. s, 0, -1)) do
    if not skip[id] and not seen[id] then
      seen[id] = true
      count = count + redis.call('HLEN', K_webhooks .. id)
    end
  end
end
for i = 3 + n, #ARGV do
  if not seen[ARGV[i]] then
    seen[ARGV[i]] = true
    count = count + redis.call('HLEN', K_webhooks .. ARGV[i])
  end
end
return count`;

/** Store a document's bytes. ARGV: prefix, task id, extension, bytes. */
export const PUT_DOCUMENT = `${LUA_PRELUDE}
redis.call('SET', K_document .. ARGV[2] .. ':' .. ARGV[3], ARGV[4])
redis.call('SADD', K_documents .. ARGV[2], ARGV[3])
return 1`;

/** Remove every document of some tasks. ARGV: prefix, task ids… */
export const DROP_DOCUMENTS = `${LUA_PRELUDE}
${LUA_DROP_DOCUMENTS}
for i = 2, #ARGV do drop_documents(ARGV[i]) end
return 1`;
