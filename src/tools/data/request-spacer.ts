import { setTimeout as sleep } from 'node:timers/promises';

/** Runs requests to one API one at a time, each starting at least `intervalMs` after the last ended. */
export interface RequestSpacer {
  /**
   * Run `request` when its turn comes. A caller whose `signal` aborts while it waits is rejected
   * with the signal's reason at once, and its request is never made.
   */
  run<T>(request: () => Promise<T>, signal?: AbortSignal): Promise<T>;
}

/** Wait for `promise` (its outcome is ignored) unless `signal` aborts first. */
function waitTurn(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}

/** Sleep `ms` unless `signal` aborts first (then reject with its reason). */
async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0) return;
  try {
    await sleep(ms, undefined, { signal });
  } catch (error) {
    throw signal?.aborted ? signal.reason : error;
  }
}

/**
 * One long-lived spacer per API with a rate rule, such as arXiv's "no more than one request every
 * three seconds, a single connection at a time". Per process: instances of a scaled-out deployment
 * each keep their own.
 */
export function createRequestSpacer(intervalMs: number): RequestSpacer {
  let tail: Promise<void> = Promise.resolve();
  let nextStart = 0;
  return {
    run(request, signal) {
      const previous = tail;
      let finish!: () => void;
      const finished = new Promise<void>((resolve) => (finish = resolve));
      // The next caller waits for this one's predecessor too, even if this one gives up early.
      tail = previous.then(() => finished);
      return (async () => {
        try {
          await waitTurn(previous, signal);
          await pause(nextStart - Date.now(), signal);
          try {
            return await request();
          } finally {
            nextStart = Date.now() + intervalMs;
          }
        } finally {
          finish();
        }
      })();
    },
  };
}
