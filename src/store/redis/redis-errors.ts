import { StoreError, type StoreErrorKind } from '../store-error.js';

/** Redis error codes (the first word of an error reply) that say the store cannot be used right now, or refused a write. */
const REPLY_KINDS: Array<[RegExp, StoreErrorKind]> = [
  [/^OOM$/, 'full'],
  [/^READONLY$/, 'read_only'],
  [/^MISCONF$/, 'io'],
  [/^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN)$/, 'busy'],
  [/^(NOAUTH|WRONGPASS|NOPERM)$/, 'cannot_open'],
  [/^EXISTS$/, 'constraint'],
];

function messageFor(kind: StoreErrorKind, code: string, original: string): string {
  switch (kind) {
    case 'full':
      return 'The task store cannot write: Redis is out of memory (OOM, maxmemory reached); try again when memory is freed';
    case 'read_only':
      return 'The task store cannot write: REDIS_URL points at a read-only Redis replica (READONLY); it must point at the primary';
    case 'io':
      return 'The task store cannot write: Redis cannot save its data to disk (MISCONF); check the Redis server';
    case 'unreachable':
      return `The task store cannot reach Redis at REDIS_URL (${code}); try again shortly`;
    case 'busy':
      return `The task store is busy: Redis answered ${code}; try again shortly`;
    case 'cannot_open':
      return `The task store cannot use Redis: it refused the credentials in REDIS_URL (${code})`;
    case 'constraint':
      return `The task store refused a write (${code}): ${original}`;
    default:
      return `The task store failed (Redis ${code || 'error'}): ${original}`;
  }
}

const isReplyError = (error: unknown): error is Error => error instanceof Error && error.name === 'ReplyError';

/**
 * Map an ioredis failure onto a `StoreError`. An error reply is classified by its code; anything
 * else (refused or lost connection, offline, timed out) means Redis cannot be reached:
 * `unreachable`. Messages never carry the Redis address, only the variable that sets it.
 */
export function toRedisStoreError(error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  if (isReplyError(error)) {
    const code = /^[A-Z]+/.exec(error.message)?.[0] ?? '';
    const kind = REPLY_KINDS.find(([pattern]) => pattern.test(code))?.[1] ?? 'other';
    return new StoreError(kind, messageFor(kind, code, error.message), code || undefined, { cause: error });
  }
  const errno = (error as { code?: unknown } | undefined)?.code;
  const code = typeof errno === 'string' ? errno : 'REDIS_UNREACHABLE';
  return new StoreError('unreachable', messageFor('unreachable', code, String(error)), code, { cause: error });
}

/** A read (or a write made at once) whose failure becomes a `StoreError`. */
export async function storeCall<T>(call: () => Promise<T>, onError?: (error: StoreError) => void): Promise<T> {
  try {
    return await call();
  } catch (raw) {
    const error = toRedisStoreError(raw);
    onError?.(error);
    throw error;
  }
}
