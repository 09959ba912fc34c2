import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

/** Options for `createCancelBus`. */
export interface CancelBusOptions {
  /** Publishes and marks go over this connection (the caller owns it); a duplicate of it subscribes. */
  redis: Redis;
  /** The pub/sub channel; the durable mark of a task is the key `<channel>:<taskId>`. */
  channel: string;
  /** How long the mark is kept (default 1 h): longer than a task waits between cancel and pickup. */
  markTtlMs?: number;
  logger: Logger;
}

/** Cancellations shared by every process on one Redis: a notice now, and a mark for latecomers. */
export interface CancelBus {
  /** Resolves once the subscription is in place (it stays pending while Redis is unreachable). */
  readonly ready: Promise<void>;
  /** Marks the task cancelled, then tells every process (this one too, through Redis). */
  publish(taskId: string): Promise<void>;
  /** Calls `listener` with each cancelled task id; returns the unsubscribe function. */
  onCancel(listener: (taskId: string) => void): () => void;
  /** Whether the task was cancelled within the mark's TTL. */
  isCancelled(taskId: string): Promise<boolean>;
  /** Drops the listeners and the subscriber connection; idempotent. */
  close(): Promise<void>;
}

/**
 * Cancellation over Redis pub/sub. A notice published while a process is disconnected is lost to
 * it, so `publish` first sets a durable mark that `isCancelled` reads: a task picked up (or
 * resumed after a reconnect) just after its cancel still sees it.
 */
export function createCancelBus(options: CancelBusOptions): CancelBus {
  const { redis, channel } = options;
  const markTtlMs = options.markTtlMs ?? 3_600_000;
  const logger = options.logger.child({ component: 'cancel-bus', channel });
  const listeners = new Set<(taskId: string) => void>();
  const markKey = (taskId: string) => `${channel}:${taskId}`;
  let closing: Promise<void> | undefined;

  const subscriber = redis.duplicate();
  subscriber.on('error', (error: Error) => logger.debug({ err: error }, 'cancel subscriber connection error'));
  subscriber.on('message', (from: string, taskId: string) => {
    if (from !== channel) return;
    for (const listener of [...listeners]) {
      try {
        listener(taskId);
      } catch (error) {
        logger.error({ err: error, taskId }, 'cancel listener threw');
      }
    }
  });
  const ready = subscriber.subscribe(channel).then(
    () => undefined,
    (error: unknown) => {
      if (!closing) logger.warn({ err: error }, 'could not subscribe to cancellations; only marks are seen');
    },
  );

  return {
    ready,
    async publish(taskId) {
      // One transaction: whoever hears the notice and checks the mark finds it set.
      const results = await redis.multi().set(markKey(taskId), '1', 'PX', markTtlMs).publish(channel, taskId).exec();
      const failed = results?.find(([error]) => error);
      if (!results || failed) throw failed?.[0] ?? new Error('cancel transaction was discarded');
    },
    onCancel(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    async isCancelled(taskId) {
      return (await redis.exists(markKey(taskId))) === 1;
    },
    close() {
      closing ??= (async () => {
        listeners.clear();
        subscriber.disconnect();
      })();
      return closing;
    },
  };
}
