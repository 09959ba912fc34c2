import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { createLuaScript } from './lua-script.js';

/** Options for `createRedisLock`. */
export interface RedisLockOptions {
  /** The caller's connection. */
  redis: Redis;
  /** The lock's key; it holds the owner's random token while held. */
  key: string;
  /** How long the lock outlives a crashed owner; a running owner extends it every ttlMs/3. */
  ttlMs: number;
  /** Where failures to extend or release are reported (the lock then lapses by itself). */
  logger?: Logger;
}

/** What `tryRun` did: ran `fn` (and its value), or found the lock held elsewhere. */
export type LockRun<T> = { ran: true; value: T } | { ran: false };

/** A lock that at most one process holds at a time, e.g. for "retention runs on one instance". */
export interface RedisLock {
  /**
   * Runs `fn` if the lock is free, holding it until `fn` settles; does nothing if another holds
   * it. Rejects if Redis cannot be asked, or with `fn`'s own error. `signal` aborts if the lock is
   * lost while `fn` runs (it lapsed, or someone deleted it), so long work can stop early.
   */
  tryRun<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<LockRun<T>>;
}

/** ARGV: token, ttlMs. Extends the lock only if this token still holds it. */
const extendScript = createLuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`);

/** ARGV: token. Deletes the lock only if this token still holds it. */
const releaseScript = createLuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/** A Redis lock: SET NX PX with a random token, extended while held, released only by its owner. */
export function createRedisLock(options: RedisLockOptions): RedisLock {
  const { redis, key, ttlMs, logger } = options;
  if (!(ttlMs >= 10)) throw new RangeError(`ttlMs must be at least 10, not ${ttlMs}`);
  return {
    async tryRun(fn) {
      const token = randomUUID();
      if ((await redis.set(key, token, 'PX', ttlMs, 'NX')) !== 'OK') return { ran: false };
      const lost = new AbortController();
      let extending = false;
      let done = false;
      const extend = async () => {
        if (extending || done || lost.signal.aborted) return;
        extending = true;
        try {
          const extended = Number(await extendScript.run(redis, [key], [token, ttlMs])) === 1;
          if (!extended && !done) {
            logger?.warn({ key }, 'lock was lost while its work ran');
            lost.abort(new Error(`lock ${key} was lost`));
          }
        } catch (error) {
          if (!done) logger?.warn({ err: error, key }, 'could not extend lock; trying again');
        } finally {
          extending = false;
        }
      };
      const timer = setInterval(() => void extend(), Math.floor(ttlMs / 3)); // a failed try leaves time for another
      timer.unref();
      try {
        return { ran: true, value: await fn(lost.signal) };
      } finally {
        done = true;
        clearInterval(timer);
        await releaseScript.run(redis, [key], [token]).catch((error: unknown) => {
          logger?.warn({ err: error, key }, 'could not release lock; it lapses after ttlMs');
        });
      }
    },
  };
}
