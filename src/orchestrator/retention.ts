import fs from 'node:fs';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import { documentPath } from './documents.js';
import { DOCUMENT_FORMATS } from './formats/index.js';

export interface RetentionOptions {
  store: Store;
  dataDir: string;
  maxTasks: number;
  maxAgeDays: number;
  logger: Logger;
  /** How often to prune (default hourly). */
  intervalMs?: number;
}

/** Prunes finished tasks past the count and age limits, with their events, webhooks and documents. */
export function createRetention(options: RetentionOptions) {
  const prune = (now = Date.now()): string[] => {
    const olderThan = new Date(now - options.maxAgeDays * 86_400_000).toISOString();
    const ids = options.store.tasks.prune({ maxTasks: options.maxTasks, olderThan });
    // Every format's file, whichever the task asked for.
    for (const id of ids) for (const format of DOCUMENT_FORMATS) fs.rmSync(documentPath(options.dataDir, id, format), { force: true });
    if (ids.length) options.logger.info({ pruned: ids.length }, 'retention: pruned finished tasks');
    return ids;
  };
  let timer: NodeJS.Timeout | undefined;
  // A prune that fails (a full disk refuses even deletes) is tried again later; it never stops the server.
  const tryPrune = () => {
    try {
      prune();
    } catch (error) {
      options.logger.error({ err: error }, 'retention: prune failed');
    }
  };
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
