import { toStoreError, type StoreError } from '../store-error.js';
import type { WriteErrorListener } from '../store.js';

export interface WriteGuardOptions {
  /** Whether writes that failed are still held in memory, waiting to be written. */
  hasBacklog: () => boolean;
  /** Try to write the backlog (never throws). */
  drain: () => void;
  /** How often to retry the backlog while it is held (ms). */
  retryMs: number;
}

/**
 * Every write of the SQLite store goes through `write`: a failure becomes a `StoreError`, is told
 * to the listeners and thrown; the store stays failed until a write succeeds with no backlog left.
 * While there is a backlog it is retried on an unref'd timer, and soon after any write succeeds.
 */
export interface WriteGuard {
  /** `taskIds` (the tasks a failure concerns) is only asked for when the write fails. */
  write<T>(taskIds: () => readonly string[], fn: () => T): T;
  /** The last failure, until the store writes again with nothing held back. */
  readonly failure: StoreError | undefined;
  onWriteError(listener: WriteErrorListener): () => void;
  /** Stop retrying (on close). */
  close(): void;
}

export function createWriteGuard(options: WriteGuardOptions): WriteGuard {
  const listeners = new Set<WriteErrorListener>();
  let failure: StoreError | undefined;
  let timer: NodeJS.Timeout | undefined;
  let soon: NodeJS.Immediate | undefined;
  let closed = false;
  // A write succeeded since the last failure: once nothing is held back, the store is fine again.
  let wrote = false;

  const stopTimer = () => {
    clearInterval(timer);
    timer = undefined;
  };
  // The drain's writes come back through `write`, which schedules the next look.
  const retry = () => {
    if (options.hasBacklog()) return options.drain();
    stopTimer();
    if (wrote) failure = undefined;
  };
  // Never drained inside the write that succeeded: its caller may be in the middle of a flush.
  const retrySoon = () => {
    if (closed || soon) return;
    soon = setImmediate(() => {
      soon = undefined;
      retry();
    });
    soon.unref();
  };
  const report = (error: StoreError, taskIds: readonly string[]) => {
    for (const listener of [...listeners]) {
      try {
        listener(error, taskIds);
      } catch {
        // A listener must not turn a failed write into a crash.
      }
    }
  };

  return {
    write(taskIds, fn) {
      let result;
      try {
        result = fn();
      } catch (raw) {
        const error = toStoreError(raw);
        failure = error;
        wrote = false;
        if (!closed && !timer) {
          timer = setInterval(retry, options.retryMs);
          timer.unref();
        }
        report(error, taskIds());
        throw error;
      }
      // Looked at on a later turn: the caller removes what it wrote from its backlog after this returns.
      if (failure) {
        wrote = true;
        retrySoon();
      }
      return result;
    },
    get failure() {
      return failure;
    },
    onWriteError(listener) {
      const own: WriteErrorListener = (error, ids) => listener(error, ids);
      listeners.add(own);
      return () => void listeners.delete(own);
    },
    close() {
      closed = true;
      stopTimer();
      if (soon) clearImmediate(soon);
      soon = undefined;
    },
  };
}
