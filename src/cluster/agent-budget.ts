import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Limiter } from '../agents/run-agent.js';
import type { Logger } from '../logger.js';
import { acquireScript, countScript, releaseScript, renewScript } from './budget-scripts.js';
import { createWakeSignal } from './wake-signal.js';

/** Options for `createRedisAgentBudget`. */
export interface RedisAgentBudgetOptions {
  /** Commands go over this connection (the caller owns it); a duplicate of it listens for releases. */
  redis: Redis;
  /**
   * The ZSET of leases (`<instanceId>:<uuid>` → expiry). `<key>:queue` and `<key>:queue-expiry`
   * hold the line of waiting processes; releases are announced on the channel `<key>:released`.
   */
  key: string;
  /** Most fns running at once across every process using `key`. */
  max: number;
  /** How long a lease lives unless renewed (default 10 000 ms): a dead process's slots come back after this. */
  leaseMs?: number;
  /** Names this process in its lease members, for whoever reads the ZSET. */
  instanceId: string;
  /** Fallback retry while waiting, in case a release notice is missed (default 100 ms, plus 0–150% jitter). */
  retryMs?: number;
  logger: Logger;
}

/** A concurrency limit shared by every process that uses the same Redis key. */
export interface AgentBudget {
  /** Runs `fn` once a slot is granted; the slot is given back when it settles. */
  limiter: Limiter;
  /** Slots held now, across all processes. */
  inUse(): Promise<number>;
  /** Stops timers, gives back held slots (best effort) and rejects waiters; idempotent. */
  close(): Promise<void>;
}

/** What `limiter` rejects with once the budget is closed. */
export class AgentBudgetClosedError extends Error {
  constructor() {
    super('the agent budget is closed');
    this.name = 'AgentBudgetClosedError';
  }
}

interface Waiter {
  member: string;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** How long a waiting process keeps its place in line without asking again: a few retries' worth, at least 2 s. */
const waiterTtlMs = (retryMs: number) => Math.max(2000, retryMs * 2.5 * 4);
/** How long `close()` waits for Redis before leaving the rest to lease expiry. */
const CLOSE_GRACE_MS = 2000;

/**
 * A distributed counting semaphore: at most `max` fns run at once across all processes sharing
 * `key`. Each slot is a lease that one timer renews while its fn runs. Waiters queue locally (FIFO;
 * only the head asks Redis) and across processes in a line kept in Redis; a release notice wakes
 * them, with a jittered retry in case it is missed. While Redis is unreachable, waiters keep
 * retrying and running work keeps its slot.
 */
export function createRedisAgentBudget(options: RedisAgentBudgetOptions): AgentBudget {
  const { redis, key, max, instanceId } = options;
  const leaseMs = options.leaseMs ?? 10_000;
  const retryMs = options.retryMs ?? 100;
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be a positive integer, not ${max}`);
  if (!(leaseMs >= 30)) throw new RangeError(`leaseMs must be at least 30, not ${leaseMs}`);
  const placeMs = waiterTtlMs(retryMs);
  const keys = [key, `${key}:queue`, `${key}:queue-expiry`];
  const channel = `${key}:released`;
  const logger = options.logger.child({ component: 'agent-budget', budget: key });

  const held = new Set<string>();
  const waiters: Waiter[] = [];
  const pending = new Set<Promise<unknown>>();
  let closing: Promise<void> | undefined;
  let isClosed = false;
  let serving = false;
  let pump: Promise<void> = Promise.resolve();
  const signal = createWakeSignal();
  const wake = () => signal.wake();
  let unreachable = false;
  let renewing = false;

  const subscriber = redis.duplicate();
  subscriber.on('error', (error: Error) => logger.debug({ err: error }, 'budget subscriber connection error'));
  subscriber.on('message', () => wake());
  subscriber.subscribe(channel).catch((error: unknown) => {
    if (!isClosed) logger.warn({ err: error }, 'could not subscribe to budget releases; retrying on a timer only');
  });

  const renewTimer = setInterval(() => void renew(), Math.floor(leaseMs / 3));
  renewTimer.unref();

  function reachable(ok: boolean, error?: unknown) {
    if (!ok && !unreachable) logger.warn({ err: error }, 'redis unreachable; agent budget keeps retrying');
    if (ok && unreachable) logger.info('redis reachable again; agent budget resumed');
    unreachable = !ok;
  }

  function track<T>(promise: Promise<T>): Promise<T> {
    pending.add(promise);
    promise.then(() => pending.delete(promise), () => pending.delete(promise));
    return promise;
  }

  /** Gives up a lease or a place in line; if Redis does not hear it, expiry does the same. */
  function giveBack(member: string) {
    held.delete(member);
    track(releaseScript.run(redis, keys, [member, channel])).catch((error: unknown) =>
      logger.warn({ err: error, member }, 'could not release a budget slot; it lapses after leaseMs'),
    );
    wake(); // this connection sends the release first, so a local retry already sees the slot
  }

  async function tryAcquire(member: string): Promise<boolean | undefined> {
    try {
      const reply = await acquireScript.run(redis, keys, [max, leaseMs, member, placeMs, channel]);
      reachable(true);
      return reply === 1;
    } catch (error) {
      reachable(false, error);
      return undefined;
    }
  }

  /** Serves the local queue: only its head asks Redis, again on each wake or retry. */
  async function serve() {
    try {
      while (waiters.length > 0 && !isClosed) {
        const head = waiters[0]!;
        const seen = signal.count;
        const granted = await tryAcquire(head.member); // the same member on every try: retries are idempotent
        if (isClosed) {
          if (granted !== false) giveBack(head.member);
          return;
        }
        if (granted) {
          waiters.shift();
          held.add(head.member);
          head.resolve();
          continue;
        }
        const jittered = retryMs * (1 + Math.random() * 1.5);
        if (granted === undefined) await signal.pause(Math.max(250, jittered));
        else if (signal.count === seen) await signal.pause(jittered);
      }
    } finally {
      serving = false; // in the same tick as the empty-queue check, so no new waiter is stranded
    }
  }

  function acquire(): Promise<string> {
    if (isClosed) return Promise.reject(new AgentBudgetClosedError());
    const member = `${instanceId}:${randomUUID()}`;
    return new Promise<string>((resolve, reject) => {
      waiters.push({ member, resolve: () => resolve(member), reject });
      if (!serving) {
        serving = true;
        pump = serve();
      }
    });
  }

  async function renew() {
    if (renewing || held.size === 0) return;
    renewing = true;
    try {
      const restored = Number(await track(renewScript.run(redis, [key], [leaseMs, ...held])));
      if (restored > 0) logger.warn({ restored }, 'budget leases had lapsed while their work ran; taken back');
      reachable(true);
    } catch (error) {
      reachable(false, error);
    } finally {
      renewing = false;
    }
  }

  async function shutDown() {
    isClosed = true;
    clearInterval(renewTimer);
    for (const waiter of waiters.splice(0)) {
      waiter.reject(new AgentBudgetClosedError());
      giveBack(waiter.member); // its place in line, if it had joined
    }
    for (const member of [...held]) giveBack(member);
    const deadline = Date.now() + CLOSE_GRACE_MS;
    await settleWithin([pump], CLOSE_GRACE_MS);
    await settleWithin([...pending], deadline - Date.now());
    subscriber.disconnect();
  }

  return {
    async limiter(fn) {
      const member = await acquire();
      try {
        return await fn();
      } finally {
        if (held.has(member)) giveBack(member);
      }
    },
    async inUse() {
      return Number(await countScript.run(redis, [key], []));
    },
    close() {
      closing ??= shutDown();
      return closing;
    },
  };
}

/** Waits for the promises to settle, but no longer than `ms`. */
async function settleWithin(promises: Array<Promise<unknown>>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, ms))));
  await Promise.race([Promise.allSettled(promises), timeout]);
  clearTimeout(timer);
}
