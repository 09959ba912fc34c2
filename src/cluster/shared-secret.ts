import type { Redis } from 'ioredis';
import { createLuaScript } from './lua-script.js';

/** Options for `loadSharedSecret`. */
export interface SharedSecretOptions {
  redis: Redis;
  /** Where the secret is kept, with no TTL (so Redis must persist: appendonly, noeviction). */
  key: string;
  /** A secret from config wins and Redis is not asked; a Buffer is returned as its base64url text. */
  fallback?: Buffer | string;
  /** Makes a new secret; used only by the first instance to ask. */
  generate: () => string;
}

/** ARGV: candidate. Stores it unless a value is there; returns what is stored. */
const setOnceScript = createLuaScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then return ARGV[1] end
return redis.call('GET', KEYS[1])
`);

/**
 * The secret every instance shares (stream tokens, webhook signatures): the configured one if
 * given, else the one stored in Redis, created atomically by whichever instance comes first, so it
 * is the same everywhere and survives restarts.
 */
export async function loadSharedSecret(options: SharedSecretOptions): Promise<string> {
  const { redis, key, fallback, generate } = options;
  if (fallback !== undefined && fallback.length > 0) {
    return typeof fallback === 'string' ? fallback : fallback.toString('base64url');
  }
  const candidate = generate();
  if (!candidate) throw new Error('generate() returned an empty secret');
  const stored = await setOnceScript.run(redis, [key], [candidate]);
  if (typeof stored !== 'string' || !stored) throw new Error(`redis key ${key} does not hold a secret`);
  return stored;
}
