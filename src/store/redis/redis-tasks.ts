import type { Redis } from 'ioredis';
import type { TaskRecord, TaskStatus } from '../../orchestrator/task.js';
import type { ListTasksOptions, RetentionPolicy, TaskPage, TaskStore } from '../store.js';
import type { Keys } from './keys.js';
import { storeCall } from './redis-errors.js';
import type { RedisWriter } from './redis-writer.js';
import type { RunScript } from './scripts.js';
import { fieldsOf, taskFromFields, taskWriteArgs } from './task-scripts.js';

/** Tasks deleted per prune script, so one call never holds Redis for long. */
const PRUNE_CHUNK = 100;

export interface RedisTaskStoreOptions {
  commands: Redis;
  run: RunScript;
  keys: Keys;
  writer: RedisWriter;
}

/** Pairs [ord, fields, …] from a script, as rows. */
function rowsOf(flat: unknown): Array<{ ord: number; task: TaskRecord }> {
  const values = flat as Array<string | string[]>;
  const rows: Array<{ ord: number; task: TaskRecord }> = [];
  for (let i = 0; i + 1 < values.length; i += 2) {
    const task = taskFromFields(fieldsOf(values[i + 1] as string[]));
    if (task) rows.push({ ord: Number(values[i]), task });
  }
  return rows;
}

/**
 * Tasks in Redis: a hash per task (the record without its agent results, and a field per result;
 * see `WRITE_TASK`), a ZSET of all tasks and one per status scored by creation order (so listing
 * and `byStatus` read only what they return). Saves go through the writer; reads see
 * this process's saves that Redis has not acknowledged yet in their place.
 */
export function createRedisTaskStore({ commands, run, keys, writer }: RedisTaskStoreOptions): TaskStore {
  /** A page's rows with this process's pending saves in their place (a pending status change may drop one from a filtered page). */
  const overlay = (tasks: TaskRecord[], statuses?: readonly TaskStatus[]) =>
    tasks.map((t) => writer.pending(t.task_id) ?? t).filter((t) => !statuses || statuses.includes(t.status));

  return {
    async insert(task) {
      // No new task while earlier writes wait: it would be accepted by a store that cannot keep it.
      if (writer.failure) await writer.flush();
      if (writer.failure) throw writer.failure;
      await storeCall(() => run('writeTask', taskWriteArgs('insert', task).args), (e) => writer.reportDirect(e));
    },
    save: (task) => writer.save(task),
    async get(taskId) {
      const pending = writer.pending(taskId);
      if (pending) return pending;
      return taskFromFields(await storeCall(() => commands.hgetall(keys.task(taskId))));
    },
    async list({ status, limit, cursor }: ListTasksOptions): Promise<TaskPage> {
      // Like the memory store: a cursor that is not one of ours gives an empty page.
      if (limit < 1 || (cursor !== undefined && !/^\d+$/.test(cursor))) return { tasks: [], next_cursor: null };
      const max = cursor ? `(${cursor}` : '+inf';
      const rows = rowsOf(await storeCall(() => run('listPage', [status ?? '', max, limit + 1])));
      const page = rows.slice(0, limit);
      return {
        tasks: overlay(page.map((r) => r.task), status && [status]),
        next_cursor: rows.length > limit ? String(page.at(-1)!.ord) : null,
      };
    },
    async byStatus(statuses) {
      if (statuses.length === 0) return [];
      const pending = writer.pendingTasks();
      const joining = pending.filter((t) => statuses.includes(t.status));
      const reply = (await storeCall(() =>
        run('byStatus', [statuses.length, ...statuses, ...joining.map((t) => t.task_id)]),
      )) as [string[], string[]];
      const byId = new Map(rowsOf(reply[0]).map((r) => [r.task.task_id, r]));
      // A pending save may move a task into (or out of) these statuses before Redis knows.
      for (const t of pending) byId.delete(t.task_id);
      joining.forEach((task, i) => {
        const ord = reply[1][i];
        byId.set(task.task_id, { ord: ord ? Number(ord) : Number.MAX_SAFE_INTEGER, task });
      });
      return [...byId.values()].sort((a, b) => a.ord - b.ord).map((r) => r.task);
    },
    async prune({ maxTasks, olderThan }: RetentionPolicy) {
      const before = Date.parse(olderThan);
      const age = Number.isNaN(before) ? '' : `(${before}`;
      // A task this process still has writes for is left for the next prune (like SQLite's held saves).
      const keep = writer.busyTaskIds();
      const pruned: string[] = [];
      for (;;) {
        const ids = (await storeCall(() => run('prune', [Math.max(0, maxTasks), age, PRUNE_CHUNK, ...keep]))) as string[];
        pruned.push(...ids);
        writer.forget(ids);
        if (ids.length < PRUNE_CHUNK) return pruned;
      }
    },
  };
}
