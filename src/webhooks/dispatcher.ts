import type { Logger } from '../logger.js';
import type { OutboxMessage, WebhookStore } from '../store/store.js';
import { postWebhook, type DeliveryOutcome } from './http-delivery.js';
import { secretKey, signedHeaders } from './signing.js';

export interface DispatcherOptions {
  store: WebhookStore;
  /** `whsec_…`: every attempt is signed with it. */
  secret: string;
  logger: Logger;
  /** Wait before retry 1, 2, …; after the last retry fails the message is `failed`. */
  retryDelaysMs: number[];
  /** One attempt, connecting included. */
  timeoutMs: number;
  /** Skip the connect-time address check (`WEBHOOK_ALLOW_PRIVATE`). */
  allowPrivate: boolean;
  /** Attempts in flight at once (default 8). */
  concurrency?: number;
  /** How often to look for due messages (default: the shortest retry delay, kept within 20 ms–1 s). */
  pollMs?: number;
  /** How long `close()` waits for attempts in flight before abandoning them (default 2 s). */
  closeWaitMs?: number;
  /** `User-Agent` of every attempt. */
  userAgent?: string;
  /** Called after each recorded attempt with its result (metrics): delivered, pending (will retry), failed (gave up). */
  onAttempt?: (outcome: 'delivered' | 'pending' | 'failed') => void;
}

/** Delivers the outbox in the background. */
export interface Dispatcher {
  /** Start polling the outbox. */
  start(): void;
  /** Look for due messages soon (on a later turn of the event loop, never in the caller's path). */
  kick(): void;
  /** Attempts in flight now. */
  readonly inFlight: number;
  /**
   * Stop, give attempts in flight `closeWaitMs` to finish, then abandon the rest: they stay
   * pending and are retried, with the same `webhook-id`, by the next start. Idempotent.
   */
  close(): Promise<void>;
}

/** The stored state after an attempt. */
function nextState(message: OutboxMessage, outcome: DeliveryOutcome, delaysMs: number[], now: number) {
  const attempts = message.attempts + 1;
  if (outcome.ok) return { status: 'delivered' as const, attempts, next_attempt_at: message.next_attempt_at, last_error: null };
  const delay = delaysMs[attempts - 1];
  return delay === undefined
    ? { status: 'failed' as const, attempts, next_attempt_at: message.next_attempt_at, last_error: outcome.error }
    : { status: 'pending' as const, attempts, next_attempt_at: now + delay, last_error: outcome.error };
}

/** Where a message goes, for logs: the origin only (a path or query may carry a token). */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'invalid URL';
  }
}

/** A loop on an unref'd timer that pulls due outbox messages and delivers them with bounded concurrency. */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { store, logger, retryDelaysMs, timeoutMs, allowPrivate } = options;
  const key = secretKey(options.secret);
  const concurrency = options.concurrency ?? 8;
  const pollMs = options.pollMs ?? Math.min(1000, Math.max(20, Math.min(...retryDelaysMs)));
  const userAgent = options.userAgent ?? 'mcp-orchestrator-webhooks';
  const inFlight = new Map<string, Promise<void>>();
  const abandon = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let kicked: NodeJS.Immediate | undefined;
  let closing: Promise<void> | undefined;

  async function attempt(message: OutboxMessage): Promise<void> {
    const headers = { ...signedHeaders(key, message.id, message.payload), 'user-agent': userAgent };
    const outcome = await postWebhook({ url: message.url, body: message.payload, headers, timeoutMs, allowPrivate, signal: abandon.signal });
    // Cut off by shutdown: not an attempt that counts; due again at once, for the next start (or another instance).
    if (!outcome.ok && abandon.signal.aborted) {
      await store.update(message.id, { status: 'pending', attempts: message.attempts, next_attempt_at: Date.now(), last_error: message.last_error });
      return;
    }
    const state = nextState(message, outcome, retryDelaysMs, Date.now());
    await store.update(message.id, state);
    options.onAttempt?.(state.status);
    const log = { webhook_id: message.id, task_id: message.task_id, event_type: message.event_type, target: originOf(message.url), attempts: state.attempts };
    if (state.status === 'delivered') logger.info(log, 'webhook delivered');
    else if (state.status === 'pending') logger.warn({ ...log, error: state.last_error, retry_in_ms: state.next_attempt_at - Date.now() }, 'webhook attempt failed; will retry');
    else logger.error({ ...log, error: state.last_error }, 'webhook failed after its last attempt');
  }

  function launch(message: OutboxMessage): void {
    const run = attempt(message)
      .catch((error: unknown) => logger.error({ err: error, webhook_id: message.id }, 'webhook attempt could not be recorded'))
      .finally(() => {
        inFlight.delete(message.id);
        kick();
      });
    inFlight.set(message.id, run);
  }

  // A claimed message is this dispatcher's until its attempt is recorded, or until the lease runs out
  // (this instance died): then another dispatcher takes it, so every message is sent by one at a time.
  const leaseMs = timeoutMs + 30_000;
  let ticking = false;
  async function tick(): Promise<void> {
    kicked = undefined;
    if (closing || ticking || inFlight.size >= concurrency) return;
    ticking = true;
    try {
      const claimed = await store.claim(Date.now(), concurrency - inFlight.size, leaseMs);
      for (const message of claimed) if (!inFlight.has(message.id)) launch(message);
    } catch (error) {
      logger.error({ err: error }, 'webhooks: cannot read the outbox');
    } finally {
      ticking = false;
    }
  }

  function kick(): void {
    if (closing || kicked) return;
    kicked = setImmediate(() => void tick());
    kicked.unref();
  }

  async function shutdown(): Promise<void> {
    clearInterval(timer);
    if (kicked) clearImmediate(kicked);
    let wait: NodeJS.Timeout | undefined;
    const settled = () => Promise.allSettled([...inFlight.values()]);
    await Promise.race([settled(), new Promise((resolve) => (wait = setTimeout(resolve, options.closeWaitMs ?? 2000)))]);
    clearTimeout(wait);
    abandon.abort();
    await settled();
  }

  return {
    start() {
      if (timer || closing) return;
      timer = setInterval(() => void tick(), pollMs);
      timer.unref();
      kick();
    },
    kick,
    get inFlight() {
      return inFlight.size;
    },
    close() {
      closing ??= shutdown();
      return closing;
    },
  };
}
