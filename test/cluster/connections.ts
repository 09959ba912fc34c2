import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { createLogger, type Logger } from '../../src/logger.js';
import { LogSink } from '../helpers/log-sink.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';

/** Redis connections for one test file, each with an 'error' listener, all closed by `closeAll`. */
export function createConnections(url: string) {
  const opened: Redis[] = [];
  const errors: Error[] = [];
  return {
    /** Connection errors seen (refused while Redis restarts, and so on): handled, not thrown. */
    errors,
    open(options: RedisOptions = {}): Redis {
      const redis = new Redis(url, options);
      redis.on('error', (error: Error) => errors.push(error));
      opened.push(redis);
      return redis;
    },
    async closeAll() {
      await Promise.all(opened.splice(0).map((redis) => redis.quit().catch(() => redis.disconnect())));
    },
  };
}

export type Connections = ReturnType<typeof createConnections>;

/** The Redis of one test file, from `useRedis`; read its fields inside hooks and tests, once it has started. */
export interface TestRedis {
  readonly server: RedisServer;
  readonly connections: Connections;
  /** A connection of the test's own, for reading and setting keys directly; opened on first use. */
  readonly admin: Redis;
}

/** A real `redis-server` for the calling test file: started in `beforeAll`; its connections closed and it stopped in `afterAll`. */
export function useRedis(): TestRedis {
  let server: RedisServer | undefined;
  let connections: Connections | undefined;
  let admin: Redis | undefined;
  beforeAll(async () => {
    server = await startRedis();
    connections = createConnections(server.url);
  });
  afterAll(async () => {
    await connections?.closeAll();
    await server?.stop();
  });
  const started = () => {
    if (!server || !connections) throw new Error('useRedis: Redis is not started yet (read it inside a hook or test)');
    return { server, connections };
  };
  return {
    get server() {
      return started().server;
    },
    get connections() {
      return started().connections;
    },
    get admin() {
      return (admin ??= started().connections.open());
    },
  };
}

/** A logger whose lines land in a sink the test can read. */
export function sinkLogger(): { logger: Logger; sink: LogSink } {
  const sink = new LogSink();
  return { logger: createLogger({ level: 'debug', destination: sink }), sink };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it holds or `timeoutMs` passes; throws with `what` on timeout. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Counts fns in flight and the most seen at once. */
export function createGauge() {
  let now = 0;
  return {
    peak: 0,
    done: 0,
    get now() {
      return now;
    },
    async run(ms: number): Promise<void> {
      now += 1;
      this.peak = Math.max(this.peak, now);
      try {
        await sleep(ms);
      } finally {
        now -= 1;
        this.done += 1;
      }
    },
  };
}
