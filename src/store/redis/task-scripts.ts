import { isFinal, type AgentResult, type TaskRecord } from '../../orchestrator/task.js';
import { RESULT_LISTS, withoutResults, type ResultListName } from '../result-lists.js';
import { LUA_DROP_DOCUMENTS, LUA_DROP_TASK, LUA_PRELUDE, LUA_READ_ONLY } from './lua-prelude.js';

/**
 * Insert or save a task and keep its indexes in step, reading the status it had. The task hash
 * holds the record without its agent results (`record`) and each result list as fields
 * `r:<list>:<index>` with its length in `n:<list>`, so a save sends the task row and the results
 * added since the last save, not every result again.
 * ARGV: prefix, mode (`insert` refuses an existing task), id, status, record JSON (result lists
 * empty), final (`1`/`0`), finished-at epoch ms; then per result list: its name, the index the
 * results sent start at, their number, the results' JSON. Results past the last one sent are
 * removed. Returns the task's `ord`, or 0 (nothing written) when a list would start past what is
 * stored: the writer then sends the whole list.
 */
export const WRITE_TASK = `${LUA_PRELUDE}
local id, status = ARGV[3], ARGV[4]
local h = K_task .. id
local ord = redis.call('HGET', h, 'ord')
if ord and ARGV[2] == 'insert' then return redis.error_reply('EXISTS task ' .. id .. ' is already stored') end
local lists = {}
local i = 8
while i <= #ARGV do
  local name, from, k = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  local stored = tonumber(redis.call('HGET', h, 'n:' .. name) or '0')
  if from > stored then return 0 end
  lists[#lists + 1] = {name, from, k, i + 3, stored}
  i = i + 3 + k
end
local old = ord and redis.call('HGET', h, 'status')
if not ord then
  ord = redis.call('INCR', K_taskOrd)
  redis.call('ZADD', K_tasks, ord, id)
end
if old and old ~= status then redis.call('ZREM', K_status .. old, id) end
redis.call('ZADD', K_status .. status, ord, id)
redis.call('HSET', h, 'ord', ord, 'status', status, 'record', ARGV[5])
for _, l in ipairs(lists) do
  local name, from, k, at, stored = l[1], l[2], l[3], l[4], l[5]
  for j = 0, k - 1 do redis.call('HSET', h, 'r:' .. name .. ':' .. (from + j), ARGV[at + j]) end
  for j = from + k, stored - 1 do redis.call('HDEL', h, 'r:' .. name .. ':' .. j) end
  redis.call('HSET', h, 'n:' .. name, from + k)
end
if ARGV[6] == '1' then
  redis.call('ZADD', K_finished, ord, id)
  redis.call('ZADD', K_finishedAt, ARGV[7], id)
else
  redis.call('ZREM', K_finished, id)
  redis.call('ZREM', K_finishedAt, id)
end
return ord`;

/** Where each result list's write starts (a list not named starts at 0: written whole). */
export type ListStarts = Partial<Record<ResultListName, number>>;

/**
 * ARGV of `WRITE_TASK` after the prefix, and how many results each list has; a task finished
 * without `completed_at` counts from its creation (as in the memory store).
 */
export function taskWriteArgs(mode: 'insert' | 'save', task: TaskRecord, starts: ListStarts = {}): { args: string[]; counts: ListStarts } {
  const finished = Date.parse(task.completed_at ?? task.created_at);
  const final = isFinal(task.status);
  const args = [mode, task.task_id, task.status, JSON.stringify(withoutResults(task)), final ? '1' : '0', String(Number.isNaN(finished) ? Date.now() : finished)];
  const counts: ListStarts = {};
  for (const list of RESULT_LISTS) {
    const results = task.result?.[list] ?? [];
    const from = Math.min(starts[list] ?? 0, results.length);
    args.push(list, String(from), String(results.length - from));
    for (let i = from; i < results.length; i++) args.push(JSON.stringify(results[i]));
    counts[list] = results.length;
  }
  return { args, counts };
}

/** A task from its hash's fields: the record with its results put back in their lists. */
export function taskFromFields(fields: Readonly<Record<string, string>>): TaskRecord | undefined {
  if (fields.record === undefined) return undefined;
  const task = JSON.parse(fields.record) as TaskRecord;
  for (const list of RESULT_LISTS) {
    const n = fields[`n:${list}`];
    // A record written whole (before results had fields of their own) keeps its lists as they are.
    if (n === undefined || !task.result?.[list]) continue;
    task.result[list] = Array.from({ length: Number(n) }, (_, i) => JSON.parse(fields[`r:${list}:${i}`]!) as AgentResult);
  }
  return task;
}

/** A flat [field, value, …] reply (HGETALL in a script) as an object. */
export function fieldsOf(flat: readonly string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
  return fields;
}

/**
 * One page of tasks, newest first. ARGV: prefix, status ('' for all), max score (`(<ord>` or
 * `+inf`), count. Returns [ord, fields, ord, fields, …], fields as HGETALL gives them.
 */
export const LIST_PAGE = `${LUA_READ_ONLY}
${LUA_PRELUDE}
local z = ARGV[2] == '' and K_tasks or (K_status .. ARGV[2])
local rows = redis.call('ZREVRANGEBYSCORE', z, ARGV[3], '-inf', 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[4]))
local out = {}
for i = 1, #rows, 2 do
  local fields = redis.call('HGETALL', K_task .. rows[i])
  if #fields > 0 then
    out[#out + 1] = rows[i + 1]
    out[#out + 1] = fields
  end
end
return out`;

/**
 * Tasks in some statuses. ARGV: prefix, n, n statuses, then ids whose `ord` is wanted too.
 * Returns {[ord, fields, …], [ord or '' per extra id]}, fields as HGETALL gives them.
 */
export const BY_STATUS = `${LUA_READ_ONLY}
${LUA_PRELUDE}
local n = tonumber(ARGV[2])
local rows, extras = {}, {}
for i = 3, 2 + n do
  local members = redis.call('ZRANGE', K_status .. ARGV[i], 0, -1, 'WITHSCORES')
  for j = 1, #members, 2 do
    local fields = redis.call('HGETALL', K_task .. members[j])
    if #fields > 0 then
      rows[#rows + 1] = members[j + 1]
      rows[#rows + 1] = fields
    end
  end
end
for i = 3 + n, #ARGV do extras[#extras + 1] = redis.call('ZSCORE', K_tasks, ARGV[i]) or '' end
return {rows, extras}`;

/**
 * Delete up to `chunk` finished tasks beyond the newest `maxTasks` or finished before a time,
 * with everything kept for them. ARGV: prefix, maxTasks, max finished-at (`(<ms>`, or '' for no
 * age limit), chunk, then ids to keep (held by this process). Returns the ids deleted; fewer than
 * `chunk` means nothing more is due.
 */
export const PRUNE = `${LUA_PRELUDE}
${LUA_DROP_DOCUMENTS}
${LUA_DROP_TASK}
local maxTasks, older, chunk = tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local keep = {}
for i = 5, #ARGV do keep[ARGV[i]] = true end
local window = chunk + (#ARGV - 4)
local candidates = redis.call('ZREVRANGE', K_finished, maxTasks, maxTasks + window - 1)
if older ~= '' then
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', K_finishedAt, '-inf', older, 'LIMIT', 0, window)) do
    candidates[#candidates + 1] = id
  end
end
local done, out = {}, {}
for _, id in ipairs(candidates) do
  if #out >= chunk then break end
  if not keep[id] and not done[id] then
    done[id] = true
    drop_task(id)
    out[#out + 1] = id
  end
end
return out`;

/**
 * Number, store and publish events, in order. ARGV: prefix, appender id, then per event: task
 * id, the appender's counter, the event JSON up to `"seq":`. Each gets the task's next seq (INCR),
 * is added to the task's stream as `0-<seq>` and published on the task's channel (the stream's
 * name). An event whose counter this appender already wrote (a batch resent after its reply was
 * lost) is not written again: its seq is looked up instead (0 if it is no longer near the end).
 * Returns the seqs.
 */
export const APPEND_EVENTS = `${LUA_PRELUDE}
local producer = ARGV[2]
local function find(stream, tag)
  for _, entry in ipairs(redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1000)) do
    local fields = entry[2]
    for j = 1, #fields, 2 do
      if fields[j] == 'p' and fields[j + 1] == tag then return tonumber(string.match(entry[1], '%-(%d+)$')) end
    end
  end
  return 0
end
local seqs = {}
for i = 3, #ARGV, 3 do
  local id, counter, head = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local stream, producers = K_events .. id, K_eventProducers .. id
  local tag = producer .. ':' .. counter
  local last = tonumber(redis.call('HGET', producers, producer) or '0')
  if tonumber(counter) <= last then
    seqs[#seqs + 1] = find(stream, tag)
  else
    local seq = redis.call('INCR', K_eventSeq .. id)
    local json = head .. seq .. '}'
    redis.call('XADD', stream, '0-' .. seq, 'e', json, 'p', tag)
    redis.call('HSET', producers, producer, counter)
    redis.call('PUBLISH', stream, json)
    seqs[#seqs + 1] = seq
  end
end
return seqs`;
