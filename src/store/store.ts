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

/**
 * Task persistence. Reads and inserts are promises (a shared store answers over the network);
 * `save` takes the new state at once and writes it in order, later if it must, so a running task
 * never waits on the store.
 */
export interface TaskStore {
  /** Insert a new task; rejects with a `StoreError` when it cannot be written (or earlier writes are still held back). */
  insert(task: TaskRecord): Promise<void>;
  /** Replace a stored task with its new state; when it cannot be written now, it is held and written later. Never throws. */
  save(task: TaskRecord): void;
  /** The task's stored state (this instance's saves included, written or held). */
  get(taskId: string): Promise<TaskRecord | undefined>;
  list(options: ListTasksOptions): Promise<TaskPage>;
  /** Tasks in one of the given statuses, oldest first (for recovery and admission). */
  byStatus(statuses: TaskStatus[]): Promise<TaskRecord[]>;
  /** Delete finished tasks past the policy, with their events and webhooks; returns their ids. */
  prune(policy: RetentionPolicy): Promise<string[]>;
}

/** Told about events once they are stored, in order. */
export type StoredListener = (events: TaskEvent[]) => void;

/** Told about one task's events as they are stored (one call per event: a thousand of them may watch one task). */
export type EventWatcher = (event: TaskEvent) => void;

/** An event as its producer hands it over: the store gives it its `seq`. */
export type UnnumberedEvent = Omit<TaskEvent, 'seq'>;

/**
 * Append-only per-task event persistence. The store numbers each task's events (`seq` from 1, no
 * gaps, in the order they were appended — atomically across instances for a shared store).
 */
export interface EventStore {
  /** Take an event to store; it is numbered and written later (batched, or held back while the store cannot write). Never throws. */
  append(event: UnnumberedEvent): void;
  /**
   * Call `listener` with the events this process appended, once they are written (the memory
   * store: at once, inside `append`). An event that is never written is never passed. Returns
   * the function that stops it.
   */
  onStored(listener: StoredListener): () => void;
  /**
   * Call `listener` with each of a task's events as it is written, by this process or (a shared
   * store) any other, in `seq` order; a listener may miss some (it replays them with `after`).
   * Returns the function that stops it; each watch needs a listener function of its own.
   */
  watch(taskId: string, listener: EventWatcher): () => void;
  /** Events of a task with `seq > afterSeq` that are stored, in order. */
  after(taskId: string, afterSeq: number): Promise<TaskEvent[]>;
  /** Highest `seq` stored for a task, 0 when none. */
  lastSeq(taskId: string): Promise<number>;
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
  register(registration: WebhookRegistration): Promise<void>;
  /** Remove a task's registrations (and their undelivered messages); returns how many. */
  unregister(taskId: string): Promise<number>;
  forTask(taskId: string): Promise<WebhookRegistration[]>;
  /** Registrations of tasks that are not finished yet. */
  countActive(): Promise<number>;
  enqueue(message: OutboxMessage): Promise<void>;
  /**
   * Take up to `limit` pending messages due at `now`, oldest first, for one attempt: each is
   * pushed `leaseMs` into the future as it is taken (atomically, for a shared store), so no other
   * dispatcher takes it meanwhile, and it comes due again if this one dies before `update`.
   */
  claim(now: number, limit: number, leaseMs: number): Promise<OutboxMessage[]>;
  /** Record an attempt's outcome. */
  update(id: string, change: Pick<OutboxMessage, 'status' | 'attempts' | 'next_attempt_at' | 'last_error'>): Promise<void>;
  get(id: string): Promise<OutboxMessage | undefined>;
}

/** The rendered report files of tasks (PDF, Word, Markdown), by task and file extension. */
export interface DocumentStore {
  /** Where they are kept, for logs and /health: a folder, or `redis`. */
  readonly location: string;
  put(taskId: string, extension: string, content: Buffer): Promise<void>;
  /** The stored bytes, or undefined when there are none. */
  get(taskId: string, extension: string): Promise<Buffer | undefined>;
  /** Remove every file of these tasks. */
  remove(taskIds: readonly string[]): Promise<void>;
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
  readonly kind: 'memory' | 'sqlite' | 'redis';
  /** True when other instances share this store (Redis): what is cached in one process may be stale. */
  readonly shared: boolean;
  readonly tasks: TaskStore;
  readonly events: EventStore;
  readonly webhooks: WebhookStore;
  readonly documents: DocumentStore;
  /**
   * Rejects (with a `StoreError`) when the store cannot be used (for `/health`): it writes what
   * is held back and a probe, so it clears itself once writes succeed again.
   */
  check(): Promise<void>;
  /** Call `listener` on every failed write. Returns the function that stops it. */
  onWriteError(listener: WriteErrorListener): () => void;
  /** Write out anything buffered, then close. Idempotent. */
  close(): Promise<void>;
}
