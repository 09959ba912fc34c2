import { FINAL_STATUSES, TASK_STATUSES } from '../../orchestrator/task.js';
import { KEY_PARTS } from './keys.js';

const luaString = (value: string) => JSON.stringify(value);
const luaList = (values: readonly string[]) => `{${values.map(luaString).join(', ')}}`;

/**
 * The start of every script: `ARGV[1]` is the key prefix, `K_<part>` the key (or key start) of
 * each part of `KEY_PARTS`, and the task statuses. Scripts build their keys from these, so they
 * run on a standalone Redis (not a Cluster: they touch keys they do not declare).
 */
export const LUA_PRELUDE = [
  'local P = ARGV[1]',
  ...Object.entries(KEY_PARTS).map(([name, part]) => `local K_${name} = P .. ${luaString(part)}`),
  `local STATUSES = ${luaList(TASK_STATUSES)}`,
  `local ACTIVE = ${luaList(TASK_STATUSES.filter((s) => !FINAL_STATUSES.has(s)))}`,
].join('\n');

/**
 * The first line of a script that only reads: Redis runs it during a write pause or when out of
 * memory, and refuses it any write.
 */
export const LUA_READ_ONLY = '#!lua flags=no-writes';

/** `drop_documents(id)`: a task's document bytes and their index. */
export const LUA_DROP_DOCUMENTS = `
local function drop_documents(id)
  local set = K_documents .. id
  for _, ext in ipairs(redis.call('SMEMBERS', set)) do redis.call('DEL', K_document .. id .. ':' .. ext) end
  redis.call('DEL', set)
end`;

/** `drop_task(id)`: a task with everything kept for it (needs `drop_documents`). */
export const LUA_DROP_TASK = `
local function drop_task(id)
  for _, s in ipairs(STATUSES) do redis.call('ZREM', K_status .. s, id) end
  redis.call('ZREM', K_tasks, id)
  redis.call('ZREM', K_finished, id)
  redis.call('ZREM', K_finishedAt, id)
  for _, m in ipairs(redis.call('SMEMBERS', K_outboxByTask .. id)) do
    local member = redis.call('HGET', K_outbox .. m, 'due_member')
    if member then redis.call('ZREM', K_outboxDue, member) end
    redis.call('DEL', K_outbox .. m)
  end
  redis.call('DEL', K_task .. id, K_events .. id, K_eventSeq .. id, K_eventProducers .. id, K_webhooks .. id, K_outboxByTask .. id)
  drop_documents(id)
end`;
