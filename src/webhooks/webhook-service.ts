import { randomBytes } from 'node:crypto';
import { TaskAlreadyFinishedError, TaskNotFoundError, ValidationError } from '../errors.js';
import type { EventLog } from '../events/event-log.js';
import { endsWorkflow, TERMINAL_EVENT_TYPES, type EventType, type TaskEvent } from '../events/event.js';
import type { Logger } from '../logger.js';
import { isFinal, type TaskRecord } from '../orchestrator/task.js';
import type { Store, WebhookRegistration } from '../store/store.js';
import { checkTarget, TargetRefusedError, type ResolveAll } from './target-guard.js';

/** The events a registration gets when it names none: the one that ends the workflow. */
export const DEFAULT_WEBHOOK_EVENTS: readonly EventType[] = [...TERMINAL_EVENT_TYPES];

/** Registrations one task may have; each event is enqueued once per registration. */
export const MAX_WEBHOOKS_PER_TASK = 10;

export interface WebhookServiceOptions {
  store: Store;
  events: EventLog;
  logger: Logger;
  /** Allow private, loopback and link-local targets (`WEBHOOK_ALLOW_PRIVATE`). */
  allowPrivate: boolean;
  /** Called after messages were enqueued (wakes the dispatcher). */
  onEnqueue?: () => void;
  /** Host name resolution for the target check (tests inject one). */
  resolve?: ResolveAll;
  /** A task's current record (the live one while it runs); throws `TaskNotFoundError`. Default: the stored one. */
  getTask?: (taskId: string) => Promise<TaskRecord>;
}

/** What a client asks for: a task, a URL, and optionally which events. */
export interface WebhookRequest {
  task_id: string;
  url: string;
  events?: readonly EventType[];
}

/** Registrations, target checks, and turning appended events into outbox messages. */
export interface WebhookService {
  /** Refuse a URL the server must not call: a `ValidationError` at `field`. */
  checkTarget(url: string, field?: string): Promise<void>;
  /** Store a registration whose target was checked already (before the task starts, for a new one). */
  add(request: WebhookRequest): Promise<WebhookRegistration>;
  /** Check the target and register on an existing, unfinished task (`POST /webhook/register`). */
  register(request: WebhookRequest): Promise<WebhookRegistration>;
  /** Remove a task's registrations and their undelivered messages; how many went. Unknown task: `TaskNotFoundError`. */
  unregister(taskId: string): Promise<number>;
  /** Registrations of unfinished tasks (`/health`). */
  countActive(): Promise<number>;
  /** Stop enqueueing. Idempotent. */
  close(): void;
}

/** The signed body: Standard Webhooks' `type`, `timestamp`, `data` (the whole task event). */
export function webhookPayload(event: TaskEvent): string {
  return JSON.stringify({ type: event.event_type, timestamp: event.timestamp, data: event });
}

/** On a shared store, how long this instance trusts its copy of a task's registrations. */
export const SHARED_CACHE_MS = 1000;

const sameEvents = (a: readonly EventType[], b: readonly EventType[]) => a.length === b.length && a.every((e) => b.includes(e));

export function createWebhookService(options: WebhookServiceOptions): WebhookService {
  const { store, logger } = options;
  // Registrations per task with events in flight, so an event costs no store read; dropped on
  // stream_closed. On a shared store another instance may register while this one runs the task:
  // there an entry is read again once it is SHARED_CACHE_MS old, and for every event that ends a
  // workflow, so a registration made elsewhere is seen within that time and never misses the end.
  const cache = new Map<string, { list: WebhookRegistration[]; at: number }>();
  const fresh = (entry: { at: number } | undefined, event: TaskEvent): entry is { list: WebhookRegistration[]; at: number } =>
    entry !== undefined && (!store.shared || (!endsWorkflow(event) && Date.now() - entry.at < SHARED_CACHE_MS));
  const getTask =
    options.getTask ??
    (async (taskId: string) => {
      const task = await store.tasks.get(taskId);
      if (!task) throw new TaskNotFoundError(taskId);
      return task;
    });

  const registrationsOf = async (event: TaskEvent): Promise<WebhookRegistration[]> => {
    const cached = cache.get(event.task_id);
    if (fresh(cached, event)) return cached.list;
    const list = await store.webhooks.forTask(event.task_id);
    cache.set(event.task_id, { list, at: Date.now() });
    return list;
  };

  async function enqueue(event: TaskEvent): Promise<void> {
    const targets = (await registrationsOf(event)).filter((r) => r.events.includes(event.event_type));
    if (event.event_type === 'stream_closed') cache.delete(event.task_id);
    if (targets.length === 0) return;
    const payload = webhookPayload(event);
    const now = Date.now();
    for (const registration of targets) {
      await store.webhooks.enqueue({
        id: `msg_${randomBytes(16).toString('hex')}`,
        registration_id: registration.id,
        task_id: event.task_id,
        url: registration.url,
        event_type: event.event_type,
        payload,
        attempts: 0,
        next_attempt_at: now,
        status: 'pending',
        last_error: null,
        created_at: new Date(now).toISOString(),
      });
    }
    options.onEnqueue?.();
  }

  // One event at a time, in the order they were stored, so messages are queued in that order too.
  let queued: Promise<void> = Promise.resolve();
  const stop = options.events.onAppend((event) => {
    // Most events (agent_progress above all) go to no registration: known at once from the cache,
    // they skip the queue.
    const cached = cache.get(event.task_id);
    if (fresh(cached, event) && event.event_type !== 'stream_closed' && !cached.list.some((r) => r.events.includes(event.event_type))) return;
    queued = queued.then(() =>
      enqueue(event).catch((error: unknown) => {
        // The workflow must not fail because its webhook could not be queued.
        logger.error({ err: error, task_id: event.task_id, event_type: event.event_type }, 'webhooks: cannot enqueue');
      }),
    );
  });

  const service: WebhookService = {
    async checkTarget(url, field = 'webhook_url') {
      try {
        await checkTarget(url, { allowPrivate: options.allowPrivate, resolve: options.resolve });
      } catch (error) {
        if (!(error instanceof TargetRefusedError)) throw error;
        throw new ValidationError(`${field}: ${error.message}`, [{ path: field, message: error.message }]);
      }
    },
    async add({ task_id, url, events = DEFAULT_WEBHOOK_EVENTS }) {
      const wanted = [...new Set(events)];
      const existing = await store.webhooks.forTask(task_id);
      const same = existing.find((r) => r.url === url && sameEvents(r.events, wanted));
      if (same) return same;
      if (existing.length >= MAX_WEBHOOKS_PER_TASK) {
        throw new ValidationError(`webhook_url: a task can have at most ${MAX_WEBHOOKS_PER_TASK} webhooks`, [
          { path: 'webhook_url', message: `a task can have at most ${MAX_WEBHOOKS_PER_TASK} webhooks` },
        ]);
      }
      const registration: WebhookRegistration = {
        id: `wh_${randomBytes(12).toString('hex')}`,
        task_id,
        url,
        events: wanted,
        created_at: new Date().toISOString(),
      };
      await store.webhooks.register(registration);
      cache.delete(task_id);
      return registration;
    },
    async register(request) {
      const assertOpen = async () => {
        const task = await getTask(request.task_id);
        if (isFinal(task.status)) throw new TaskAlreadyFinishedError(request.task_id, task.status);
      };
      await assertOpen();
      await service.checkTarget(request.url);
      // The task may have finished while the name was resolved.
      await assertOpen();
      return service.add(request);
    },
    async unregister(taskId) {
      await getTask(taskId);
      cache.delete(taskId);
      return store.webhooks.unregister(taskId);
    },
    countActive: () => store.webhooks.countActive(),
    close: stop,
  };
  return service;
}
