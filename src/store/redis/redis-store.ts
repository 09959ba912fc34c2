import type { Logger } from '../../logger.js';
import type { Store } from '../store.js';
import { createKeys } from './keys.js';
import { closeConnection, openConnections } from './redis-connection.js';
import { createRedisDocumentStore } from './redis-documents.js';
import { createRedisEventStore } from './redis-events.js';
import { storeCall } from './redis-errors.js';
import { createRedisTaskStore } from './redis-tasks.js';
import { createRedisWebhookStore } from './redis-webhooks.js';
import { createRedisWriter } from './redis-writer.js';
import { defineScripts } from './scripts.js';

/** Options of `createRedisStore`. */
export interface RedisStoreOptions {
  /** `redis://[user:password@]host:port[/db]` (REDIS_URL). */
  url: string;
  /** Start of every key and channel (default `mcpo:`), so several deployments or tests can share one Redis. */
  prefix?: string;
  logger: Logger;
  /** How long to wait for Redis at startup before giving up (default 5 s). */
  connectTimeoutMs?: number;
  /** While writes are held after a failure, retry them this often (default 1 s). */
  retryMs?: number;
}

/** How long `close` waits for held and buffered writes to reach Redis. */
const CLOSE_WAIT_MS = 2_000;

/**
 * The shared store (`STORE=redis`): tasks, events, webhooks, the outbox and documents in one
 * Redis (standalone, with `appendonly yes` and `maxmemory-policy noeviction`), so several server
 * processes can serve the same tasks. Resolves once connected; rejects, naming REDIS_URL, when
 * Redis does not answer within `connectTimeoutMs`.
 *
 * When Redis is unreachable nothing throws out of a background write: task saves and events are
 * held in memory (reads in this process see them) and written once Redis answers again;
 * `tasks.insert`, webhook and document writes reject with an unavailable `StoreError` (HTTP 503).
 */
export async function createRedisStore(options: RedisStoreOptions): Promise<Store> {
  const prefix = options.prefix ?? 'mcpo:';
  const logger = options.logger.child({ store: 'redis' });
  const { commands, subscriber } = await openConnections({ url: options.url, logger, connectTimeoutMs: options.connectTimeoutMs ?? 5_000 });
  const run = defineScripts(commands, prefix);
  const keys = createKeys(prefix);
  const w = createRedisWriter({ run, logger, retryMs: options.retryMs ?? 1_000 });
  // Held writes go out as soon as Redis is back, not at the next retry.
  commands.on('ready', () => w.connectionReady());
  const parts = { commands, run, keys, writer: w };
  let closing: Promise<void> | undefined;

  return {
    kind: 'redis',
    shared: true,
    tasks: createRedisTaskStore(parts),
    events: createRedisEventStore({ ...parts, subscriber, logger }),
    webhooks: createRedisWebhookStore(parts),
    documents: createRedisDocumentStore(parts),
    async check() {
      await w.flush();
      await storeCall(() => commands.ping());
      if (w.failure) throw w.failure;
    },
    onWriteError: (listener) => w.onWriteError(listener),
    close() {
      closing ??= (async () => {
        const lost = await w.close(CLOSE_WAIT_MS);
        // Lost: a restart ends those tasks `interrupted`, as after a crash.
        if (lost.length) logger.warn({ tasks: lost }, 'redis store: closed with writes Redis never took');
        await Promise.all([closeConnection(commands, 1_000), closeConnection(subscriber, 1_000)]);
      })();
      return closing;
    },
  };
}
