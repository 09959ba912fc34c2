import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../../logger.js';

/** The two connections of a store: commands (and scripts), and pub/sub (a connection in subscriber mode takes no other command). */
export interface RedisConnections {
  commands: Redis;
  subscriber: Redis;
}

/** Reconnect soon, then every second at most, for as long as it takes. */
const retryStrategy = (attempt: number) => Math.min(50 * 2 ** attempt, 1000);

/** Where the store connects, for messages: the host and port only (REDIS_URL may carry a password). */
export function describeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '6379'}`;
  } catch {
    return 'an unparseable address';
  }
}

function commandOptions(connectTimeoutMs: number): RedisOptions {
  return {
    // While disconnected a command fails at once instead of waiting in a queue: a save or an
    // append is then held by the store, and an insert answers 503.
    enableOfflineQueue: false,
    // Commands in flight when the connection drops fail then (not after more reconnects), and are
    // not resent by ioredis: the store retries them itself, in order.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy,
    connectTimeout: Math.min(connectTimeoutMs, 10_000),
    // A Redis that accepts the connection but never answers must not stall writes forever.
    commandTimeout: 5_000,
    lazyConnect: true,
  };
}

/** The subscriber queues its SUBSCRIBE/UNSUBSCRIBE while disconnected and resubscribes after a reconnect. */
const subscriberOptions: RedisOptions = {
  enableOfflineQueue: true,
  maxRetriesPerRequest: null,
  autoResubscribe: true,
  commandTimeout: undefined,
};

/** Log a connection's failures once per outage (ioredis emits one per reconnect attempt), and never leave 'error' unhandled. */
function watchHealth(client: Redis, name: string, logger: Logger): void {
  let down = false;
  client.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger.warn({ err: error, connection: name }, `redis store: the ${name} connection to Redis is down; reconnecting`);
  });
  client.on('ready', () => {
    if (down) logger.info({ connection: name }, `redis store: the ${name} connection to Redis is back`);
    down = false;
  });
}

function waitReady(client: Redis, deadline: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let lastError: unknown;
    const onError = (error: unknown) => (lastError = error);
    const done = (error?: unknown) => {
      clearTimeout(timer);
      client.off('error', onError);
      client.off('ready', onReady);
      if (error) reject(error instanceof Error ? error : new Error(String(error)));
      else resolve();
    };
    const onReady = () => done();
    const timer = setTimeout(() => done(lastError ?? new Error('no answer')), Math.max(0, deadline - Date.now()));
    client.on('error', onError);
    client.on('ready', onReady);
    if (client.status === 'ready') done();
  });
}

export interface OpenConnectionsOptions {
  url: string;
  logger: Logger;
  connectTimeoutMs: number;
}

/** Connect both; rejects, with both closed, when Redis does not answer within the timeout. */
export async function openConnections({ url, logger, connectTimeoutMs }: OpenConnectionsOptions): Promise<RedisConnections> {
  const commands = new Redis(url, commandOptions(connectTimeoutMs));
  const subscriber = commands.duplicate(subscriberOptions);
  watchHealth(commands, 'command', logger);
  watchHealth(subscriber, 'subscriber', logger);
  const deadline = Date.now() + connectTimeoutMs;
  const ready = Promise.all([waitReady(commands, deadline), waitReady(subscriber, deadline)]);
  // A first attempt that fails is retried by ioredis; `ready` waits for one that succeeds.
  for (const client of [commands, subscriber]) client.connect().catch(() => undefined);
  try {
    await ready;
  } catch (error) {
    commands.disconnect();
    subscriber.disconnect();
    const cause = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot connect to Redis at ${describeRedisUrl(url)} (REDIS_URL) within ${connectTimeoutMs} ms: ${cause}`, { cause: error });
  }
  return { commands, subscriber };
}

/** Close a connection: QUIT when it answers (bounded), else drop it. */
export async function closeConnection(client: Redis, waitMs: number): Promise<void> {
  if (client.status === 'ready') {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)));
    await Promise.race([client.quit().then(() => undefined, () => undefined), late]);
    clearTimeout(timer);
  }
  client.disconnect();
}
