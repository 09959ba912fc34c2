import type { EventType, TaskEvent } from '../events/event.js';
import type { TaskRecord, TaskStatus } from '../orchestrator/task.js';
import type { StoreError } from './store-error.js';

/** Options for listing tasks, newest first. */
export interface ListTasksOptions {
  status?: TaskStatus;
  limit: number;
  /** Opaque cursor from a previous page's `next_cursor`. */
  cursor?: string;
}

export interface TaskPage {
  tasks: TaskRecord[];
  next_cursor: string | null;
}

/** Which finished tasks to prune: beyond the newest `maxTasks`, or finished before `olderThan`. */
export interface RetentionPolicy {
  maxTasks: number;
  olderThan: string;
}

/** Task persistence. */
export interface TaskStore {
  /** Insert a new task; throws a `StoreError` when it cannot be written (or earlier writes are still held back). */
  insert(task: TaskRecord): void;
  /** Replace a stored task with its new state; when it cannot be written now, it is held and written later. */
  save(task: TaskRecord): void;
  get(taskId: string): TaskRecord | undefined;
  list(options: ListTasksOptions): TaskPage;
  /** Tasks in one of the given statuses, oldest first (for recovery and admission). */
  byStatus(statuses: TaskStatus[]): TaskRecord[];
  /** Delete finished tasks past the policy, with their events and webhooks; returns their ids. */
  prune(policy: RetentionPolicy): string[];
}

/** Told about events once they are stored, in order. */
export type StoredListener = (events: TaskEvent[]) => void;

/** Append-only per-task event persistence. */
export interface EventStore {
  /** Take an event to store; it may be written later (batched, or held back while the store cannot write). Never throws. */
  append(event: TaskEvent): void;
  /**
   * Call `listener` with events once they are written (the memory store: at once, inside
   * `append`). An event that is never written is never passed. Returns the function that stops it.
   */
  onStored(listener: StoredListener): () => void;
  /** Events of a task with `seq > afterSeq` that are stored, in order. */
  after(taskId: string, afterSeq: number): TaskEvent[];
  /** Highest `seq` taken for a task (stored or still to be written), 0 when none. */
  lastSeq(taskId: string): number;
}

/** A URL that wants some of a task's events. */
export interface WebhookRegistration {
  id: string;
  task_id: string;
  url: string;
  events: EventType[];
  created_at: string;
}

/** One delivery of one event to one URL; `id` is the `webhook-id` sent on every attempt. */
export interface OutboxMessage {
  id: string;
  registration_id: string;
  task_id: string;
  url: string;
  event_type: EventType;
  /** The exact JSON body that is signed and sent. */
  payload: string;
  attempts: number;
  /** Epoch ms of the next attempt. */
  next_attempt_at: number;
  status: 'pending' | 'delivered' | 'failed';
  last_error: string | null;
  created_at: string;
}

/** Webhook registrations and the persistent delivery outbox. */
export interface WebhookStore {
  register(registration: WebhookRegistration): void;
  /** Remove a task's registrations (and their undelivered messages); returns how many. */
  unregister(taskId: string): number;
  forTask(taskId: string): WebhookRegistration[];
  /** Registrations of tasks that are not finished yet. */
  countActive(): number;
  enqueue(message: OutboxMessage): void;
  /** Pending messages due at `now`, oldest first. */
  due(now: number, limit: number): OutboxMessage[];
  /** Record an attempt's outcome. */
  update(id: string, change: Pick<OutboxMessage, 'status' | 'attempts' | 'next_attempt_at' | 'last_error'>): void;
  get(id: string): OutboxMessage | undefined;
}

/** Told about a write that failed: the error and the tasks whose writes it held back or lost. */
export type WriteErrorListener = (error: StoreError, taskIds: readonly string[]) => void;

/**
 * Everything the server persists, behind one handle.
 *
 * When the disk is full (or unwritable), writes fail with a `StoreError` and nothing ends the
 * process: a task save and an event that cannot be written are held in memory (reads see them)
 * and written once the store can write again; `tasks.insert` refuses new tasks (and webhook
 * writes fail) with the error, so callers can answer 503.
 */
export interface Store {
  readonly kind: 'memory' | 'sqlite';
  readonly tasks: TaskStore;
  readonly events: EventStore;
  readonly webhooks: WebhookStore;
  /**
   * Throws (a `StoreError`) when the store cannot be used (for `/health`): it writes what is held
   * back and a probe, so it clears itself once writes succeed again.
   */
  check(): void;
  /** Call `listener` on every failed write. Returns the function that stops it. */
  onWriteError(listener: WriteErrorListener): () => void;
  /** Write out anything buffered, then close. Idempotent. */
  close(): Promise<void>;
}
