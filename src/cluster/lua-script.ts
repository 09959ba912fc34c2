import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A Lua script kept on the client and run by its SHA1, so that each call sends only the hash. */
export interface LuaScript {
  /** Run it with `keys` as KEYS and `args` as ARGV; its reply as Redis sent it. */
  run(redis: Redis, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown>;
}

/**
 * A script run by EVALSHA, falling back to EVAL when the server does not know the hash (first use,
 * or a Redis restarted since: its script cache is not persisted). Unlike `redis.defineCommand` it
 * adds nothing to a connection other modules share.
 */
export function createLuaScript(source: string): LuaScript {
  const sha = createHash('sha1').update(source).digest('hex');
  return {
    async run(redis, keys, args) {
      try {
        return await redis.evalsha(sha, keys.length, ...keys, ...args);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        return redis.eval(source, keys.length, ...keys, ...args);
      }
    },
  };
}
