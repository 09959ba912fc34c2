import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';

export interface RetentionOptions {
  store: Store;
  maxTasks: number;
  maxAgeDays: number;
  logger: Logger;
  /** How often to prune (default hourly). */
  intervalMs?: number;
  /**
   * Run a prune only where no other instance is running one (a lock on a shared store); resolves
   * `undefined` when another holds it. Without it, every prune runs.
   */
  exclusive?: <T>(fn: () => Promise<T>) => Promise<T | undefined>;
}

/** Prunes finished tasks past the count and age limits, with their events, webhooks and documents. */
export function createRetention(options: RetentionOptions) {
  const pruneNow = async (now: number): Promise<string[]> => {
    const olderThan = new Date(now - options.maxAgeDays * 86_400_000).toISOString();
    const ids = await options.store.tasks.prune({ maxTasks: options.maxTasks, olderThan });
    // Every format's file, whichever the task asked for.
    await options.store.documents.remove(ids);
    if (ids.length) options.logger.info({ pruned: ids.length }, 'retention: pruned finished tasks');
    return ids;
  };
  const prune = async (now = Date.now()): Promise<string[]> =>
    options.exclusive ? ((await options.exclusive(() => pruneNow(now))) ?? []) : pruneNow(now);
  let timer: NodeJS.Timeout | undefined;
  // A prune that fails (a full disk refuses even deletes) is tried again later; it never stops the server.
  const tryPrune = () =>
    void prune().catch((error: unknown) => options.logger.error({ err: error }, 'retention: prune failed'));
  return {
    prune,
    start() {
      tryPrune();
      timer = setInterval(tryPrune, options.intervalMs ?? 3_600_000);
      timer.unref();
    },
    stop: () => clearInterval(timer),
  };
}
