import type { Logger } from '../../logger.js';

/** Listeners added and removed by handle, called in order; one that throws is logged, never passed on. */
export function createListenerSet<Args extends unknown[]>(logger: Logger, what: string) {
  const listeners = new Set<(...args: Args) => void>();
  return {
    /** Returns the function that removes it (each call adds a distinct entry, even for the same function). */
    add(listener: (...args: Args) => void): () => void {
      const own = (...args: Args) => listener(...args);
      listeners.add(own);
      return () => void listeners.delete(own);
    },
    call(...args: Args): void {
      for (const listener of [...listeners]) {
        try {
          listener(...args);
        } catch (error) {
          logger.error({ err: error }, `redis store: ${what} listener threw`);
        }
      }
    },
  };
}
