/**
 * Why a whole task was stopped; the reason given to its AbortController. `store_unavailable`: its
 * state could not be written (disk full); `store_error`: the store refused a write; `released`:
 * this instance is shutting down and hands the task to another (no end is written).
 */
export type AbortCode = 'cancelled' | 'timeout' | 'budget_exceeded' | 'interrupted' | 'store_unavailable' | 'store_error' | 'released';

/** The abort reason of a task: `cancelled` ends it `cancelled`, the others `failed` with this code. */
export class TaskAbort extends Error {
  constructor(
    readonly code: AbortCode,
    message: string,
  ) {
    super(message);
    this.name = 'TaskAbort';
  }
}

/** A task that cannot produce a result (every worker failed); not worth retrying. */
export class TaskFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'TaskFailure';
  }
}
