/** Why a whole task was stopped; the reason given to its AbortController. */
export type AbortCode = 'cancelled' | 'timeout' | 'budget_exceeded' | 'interrupted';

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
