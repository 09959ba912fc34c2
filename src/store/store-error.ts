/**
 * What went wrong in the store. `full`, `io`, `read_only`, `cannot_open`, `busy`, `corrupt` and
 * `unreachable` (Redis down or restarting) mean the store cannot be used right now (the disk or
 * the network, not the request, is at fault); `constraint` and `other` are bugs.
 */
export type StoreErrorKind = 'full' | 'io' | 'read_only' | 'cannot_open' | 'busy' | 'corrupt' | 'unreachable' | 'constraint' | 'other';

/**
 * A store operation failed. It never leaves the process as is: the HTTP layer answers an
 * `unavailable` one with 503 `unavailable` and this message, which names the cause for a person
 * (without the server's paths); a task stopped by it fails with `taskCode`.
 */
export class StoreError extends Error {
  /** True when the same write can succeed later (space freed, lock released, disk repaired). */
  readonly unavailable: boolean;

  constructor(
    readonly kind: StoreErrorKind,
    message: string,
    /** The SQLite (`SQLITE_FULL`, `SQLITE_IOERR_WRITE`, …) or errno (`ENOSPC`) code, when there is one. */
    readonly storeCode?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
    this.unavailable = kind !== 'constraint' && kind !== 'other';
  }

  /** The `error.code` of a task this error stopped. */
  get taskCode(): 'store_unavailable' | 'store_error' {
    return this.unavailable ? 'store_unavailable' : 'store_error';
  }
}

export function isStoreError(error: unknown): error is StoreError {
  return error instanceof StoreError;
}

const KINDS: Array<[RegExp, StoreErrorKind]> = [
  [/^(SQLITE_FULL|ENOSPC|EDQUOT)/, 'full'],
  [/^(SQLITE_IOERR|EIO$)/, 'io'],
  [/^(SQLITE_READONLY|EROFS$|EACCES$|EPERM$)/, 'read_only'],
  [/^SQLITE_CANTOPEN/, 'cannot_open'],
  [/^(SQLITE_BUSY|SQLITE_LOCKED)/, 'busy'],
  [/^(SQLITE_CORRUPT|SQLITE_NOTADB)/, 'corrupt'],
  [/^SQLITE_CONSTRAINT/, 'constraint'],
];

function messageFor(kind: StoreErrorKind, code: string, original: string): string {
  switch (kind) {
    case 'full':
      return 'The task store cannot write: the disk holding DATA_DIR is full; try again when space is freed';
    case 'io':
      return `The task store cannot write: I/O error (${code}) in DATA_DIR, the disk may be full or failing; try again later`;
    case 'read_only':
      return `The task store cannot write: DATA_DIR or its database is read-only (${code}); it must be writable by the server`;
    case 'cannot_open':
      return `The task store cannot open its database in DATA_DIR (${code}); check that the folder exists and is writable`;
    case 'busy':
      return `The task store is locked by another process (${code}); try again shortly`;
    case 'corrupt':
      return `The task store's database in DATA_DIR is damaged (${code}); restore it from a backup`;
    case 'unreachable':
      return `The task store (Redis) cannot be reached${code ? ` (${code})` : ''}; try again shortly`;
    case 'constraint':
      return `The task store refused a write (${code}): ${original}`;
    case 'other':
      return `The task store failed${code ? ` (${code})` : ''}: ${original}`;
  }
}

/** Map a SQLite (better-sqlite3 `SqliteError`) or file-system error onto a `StoreError`. */
export function toStoreError(error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : '';
  const kind = KINDS.find(([pattern]) => pattern.test(code))?.[1] ?? 'other';
  const original = error instanceof Error ? error.message : String(error);
  return new StoreError(kind, messageFor(kind, code, original), code || undefined, { cause: error });
}
