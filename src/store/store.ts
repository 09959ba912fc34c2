import type { TaskRecord, TaskStatus } from '../orchestrator/task.js';
import type { TaskEvent } from '../events/event.js';

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

/** Task persistence. Implementations: memory (now), SQLite (later). */
export interface TaskStore {
  /** Insert a new task. */
  insert(task: TaskRecord): void;
  /** Replace a stored task with its new state. */
  save(task: TaskRecord): void;
  get(taskId: string): TaskRecord | undefined;
  list(options: ListTasksOptions): TaskPage;
  /** Tasks in one of the given statuses, oldest first (for recovery and admission). */
  byStatus(statuses: TaskStatus[]): TaskRecord[];
}

/** Append-only per-task event persistence. */
export interface EventStore {
  append(event: TaskEvent): void;
  /** Events of a task with `seq > afterSeq`, in order. */
  after(taskId: string, afterSeq: number): TaskEvent[];
  /** Highest `seq` stored for a task, 0 when none. */
  lastSeq(taskId: string): number;
}

/** Everything the server persists, behind one handle. */
export interface Store {
  readonly kind: 'memory' | 'sqlite';
  readonly tasks: TaskStore;
  readonly events: EventStore;
  /** Throws when the store cannot be used (for `/health`). */
  check(): void;
  close(): Promise<void>;
}
