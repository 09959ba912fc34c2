import type { Redis } from 'ioredis';
import type { DocumentStore } from '../store.js';
import type { Keys } from './keys.js';
import { storeCall } from './redis-errors.js';
import type { RedisWriter } from './redis-writer.js';
import type { RunScript } from './scripts.js';

export interface RedisDocumentStoreOptions {
  commands: Redis;
  run: RunScript;
  keys: Keys;
  writer: RedisWriter;
}

/**
 * Report files as binary strings in Redis, one key per task and extension, with a set per task
 * naming its extensions (so `remove` and prune find them without a scan). Every process serves
 * the same files.
 */
export function createRedisDocumentStore({ commands, run, keys, writer }: RedisDocumentStoreOptions): DocumentStore {
  const write = <T>(call: () => Promise<T>) => storeCall(call, (e) => writer.reportDirect(e));
  return {
    location: 'redis',
    async put(taskId, extension, content) {
      await write(() => run('putDocument', [taskId, extension, content]));
    },
    async get(taskId, extension) {
      const bytes = await storeCall(() => commands.getBuffer(keys.document(taskId, extension)));
      return bytes ?? undefined;
    },
    async remove(taskIds) {
      if (taskIds.length) await write(() => run('dropDocuments', [...taskIds]));
    },
  };
}
