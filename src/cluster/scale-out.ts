import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Coordination } from '../orchestrator/coordination.js';
import type { TaskQueue } from '../orchestrator/task-queue.js';
import { createRedisStore } from '../store/redis/redis-store.js';
import type { Store } from '../store/store.js';
import { StartupError } from '../startup-error.js';
import { createRedisAgentBudget } from './agent-budget.js';
import { createBullTaskQueue } from './bull-task-queue.js';
import { createCancelBus } from './cancel-bus.js';
import { createRedisLock } from './lock.js';
import { newInstanceId } from './instance-id.js';
import { loadSharedSecret } from './shared-secret.js';

/** Everything several instances on one Redis share, built for one of them. */
export interface ScaleOut {
  instanceId: string;
  store: Store;
  queue: TaskQueue;
  coordination: Coordination;
  /** Run a retention prune on one instance at a time. */
  exclusive: <T>(fn: () => Promise<T>) => Promise<T | undefined>;
  /** The same on every instance: set by config, or made once and kept in Redis. */
  secrets: { webhook: string; streamToken: Buffer };
  /** For the rate limits every instance counts against together. */
  redis: Redis;
  close(): Promise<void>;
}

/** Redis's URL as logs may show it: without a password. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = 'redacted';
    return parsed.toString();
  } catch {
    return 'redis://(unparseable)';
  }
}

/** Open the shared store, queue and coordination of `STORE=redis`; a Redis that cannot be reached stops the start. */
export async function openScaleOut(config: Config, logger: Logger): Promise<ScaleOut> {
  const url = config.redis.url!;
  const prefix = `${config.redis.prefix}:`;
  const instanceId = config.instanceTag ?? newInstanceId({ port: config.port });
  const log = logger.child({ component: 'cluster', instance: instanceId });
  let store: Store;
  try {
    store = await createRedisStore({ url, prefix, logger: log });
  } catch (error) {
    throw new StartupError('REDIS_URL', `cannot reach ${redactRedisUrl(url)}: ${(error as Error).message}`, { cause: error });
  }
  // Commands fail fast while Redis is away (the callers answer 503 or retry), instead of queueing without end.
  const redis = new Redis(url, { enableOfflineQueue: true, maxRetriesPerRequest: 2, lazyConnect: false });
  redis.on('error', (error) => log.debug({ err: error }, 'redis connection error'));
  // A dead instance's model-call slots come back as soon as its tasks are handed on.
  const budget = createRedisAgentBudget({ redis, key: `${prefix}agents`, max: config.limits.maxConcurrentAgents, leaseMs: config.redis.lockMs, instanceId, logger: log });
  const cancels = createCancelBus({ redis, channel: `${prefix}cancel`, logger: log });
  const lock = createRedisLock({ redis, key: `${prefix}lock:retention`, ttlMs: 60_000, logger: log });
  const { hostname, port, password, username, protocol, pathname } = new URL(url);
  const queue = createBullTaskQueue({
    connection: {
      host: hostname,
      port: Number(port || 6379),
      ...(username ? { username: decodeURIComponent(username) } : {}),
      ...(password ? { password: decodeURIComponent(password) } : {}),
      ...(protocol === 'rediss:' ? { tls: {} } : {}),
      ...(pathname.length > 1 ? { db: Number(pathname.slice(1)) } : {}),
    },
    prefix: `${prefix}bull`,
    concurrency: config.limits.maxActiveTasks,
    lockMs: config.redis.lockMs,
    logger: log,
  });
  const generated = () => randomBytes(32).toString('base64url');
  const webhook = await loadSharedSecret({
    redis,
    key: `${prefix}secret:webhook`,
    fallback: config.webhooks.secret,
    generate: () => `whsec_${randomBytes(24).toString('base64')}`,
  });
  const streamToken = Buffer.from(await loadSharedSecret({ redis, key: `${prefix}secret:stream-token`, generate: generated }), 'base64url');
  log.info({ redis: redactRedisUrl(url), prefix: config.redis.prefix }, 'joined the instances on this Redis');
  let closing: Promise<void> | undefined;
  return {
    instanceId,
    store,
    queue,
    coordination: { instanceId, agentLimiter: budget.limiter, cancels },
    exclusive: async (fn) => {
      const outcome = await lock.tryRun(fn);
      return outcome.ran ? outcome.value : undefined;
    },
    secrets: { webhook, streamToken },
    redis,
    close() {
      // The queue is closed by the orchestrator; the store by the services.
      closing ??= Promise.allSettled([budget.close(), cancels.close()]).then(() => void redis.quit().catch(() => redis.disconnect()));
      return closing;
    },
  };
}
