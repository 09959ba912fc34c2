import type { Redis } from 'ioredis';
import { isFinal } from '../../orchestrator/task.js';
import type { OutboxMessage, WebhookRegistration, WebhookStore } from '../store.js';
import type { Keys } from './keys.js';
import { storeCall } from './redis-errors.js';
import type { RedisWriter } from './redis-writer.js';
import type { RunScript } from './scripts.js';

export interface RedisWebhookStoreOptions {
  commands: Redis;
  run: RunScript;
  keys: Keys;
  writer: RedisWriter;
}

/** An outbox message as hash fields (`last_error` as JSON, so null survives). */
function fieldsOf(m: OutboxMessage): string[] {
  return [
    ['id', m.id],
    ['registration_id', m.registration_id],
    ['task_id', m.task_id],
    ['url', m.url],
    ['event_type', m.event_type],
    ['payload', m.payload],
    ['attempts', String(m.attempts)],
    ['next_attempt_at', String(m.next_attempt_at)],
    ['status', m.status],
    ['last_error', JSON.stringify(m.last_error)],
    ['created_at', m.created_at],
  ].flat();
}

function messageOf(fields: Record<string, string>): OutboxMessage | undefined {
  if (!fields.id) return undefined;
  return {
    id: fields.id,
    registration_id: fields.registration_id ?? '',
    task_id: fields.task_id ?? '',
    url: fields.url ?? '',
    event_type: fields.event_type as OutboxMessage['event_type'],
    payload: fields.payload ?? '',
    attempts: Number(fields.attempts),
    next_attempt_at: Number(fields.next_attempt_at),
    status: fields.status as OutboxMessage['status'],
    last_error: JSON.parse(fields.last_error ?? 'null') as string | null,
    created_at: fields.created_at ?? '',
  };
}

/** HGETALL's flat reply from a script, as an object. */
function pairs(flat: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
  return fields;
}

/**
 * Registrations (a hash per task) and the outbox (a hash per message, a set per task, and a ZSET
 * of pending messages by `next_attempt_at`). `claim` takes due messages in one script, so two
 * dispatchers never take the same one. A write that cannot be made rejects with a `StoreError`.
 */
export function createRedisWebhookStore({ commands, run, keys, writer }: RedisWebhookStoreOptions): WebhookStore {
  const write = <T>(call: () => Promise<T>) => storeCall(call, (e) => writer.reportDirect(e));
  return {
    async register(registration: WebhookRegistration) {
      await write(() => commands.hset(keys.webhooks(registration.task_id), registration.id, JSON.stringify(registration)));
    },
    unregister: async (taskId) => Number(await write(() => run('unregister', [taskId]))),
    async forTask(taskId) {
      const values = await storeCall(() => commands.hvals(keys.webhooks(taskId)));
      return values
        .map((v) => JSON.parse(v) as WebhookRegistration)
        .sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0));
    },
    async countActive() {
      // This process's pending saves decide whether their tasks are finished.
      const pending = writer.pendingTasks();
      const finished = pending.filter((t) => isFinal(t.status)).map((t) => t.task_id);
      const active = pending.filter((t) => !isFinal(t.status)).map((t) => t.task_id);
      return Number(await storeCall(() => run('countActive', [finished.length, ...finished, ...active])));
    },
    async enqueue(message) {
      await write(() => run('enqueue', [message.id, message.task_id, message.status, message.next_attempt_at, ...fieldsOf(message)]));
    },
    async claim(now, limit, leaseMs) {
      if (limit < 1) return [];
      const taken = (await write(() => run('claim', [now, limit, now + leaseMs]))) as string[][];
      return taken.map((flat) => messageOf(pairs(flat))).filter((m): m is OutboxMessage => m !== undefined);
    },
    async update(id, change) {
      const args = [id, change.status, change.attempts, change.next_attempt_at, JSON.stringify(change.last_error)];
      await write(() => run('update', args));
    },
    async get(id) {
      return messageOf(await storeCall(() => commands.hgetall(keys.outbox(id))));
    },
  };
}
