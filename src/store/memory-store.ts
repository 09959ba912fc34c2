import type { TaskEvent } from '../events/event.js';
import { isFinal, type TaskRecord, type TaskStatus } from '../orchestrator/task.js';
import type {
  EventStore,
  ListTasksOptions,
  OutboxMessage,
  RetentionPolicy,
  Store,
  StoredListener,
  TaskPage,
  TaskStore,
  WebhookRegistration,
  WebhookStore,
} from './store.js';

const clone = <T>(value: T): T => structuredClone(value);

class MemoryEventStore implements EventStore {
  readonly logs = new Map<string, TaskEvent[]>();
  private readonly listeners = new Set<StoredListener>();

  append(event: TaskEvent): void {
    let log = this.logs.get(event.task_id);
    if (!log) this.logs.set(event.task_id, (log = []));
    log.push(event);
    for (const listener of [...this.listeners]) listener([event]);
  }

  onStored(listener: StoredListener): () => void {
    const own: StoredListener = (events) => listener(events);
    this.listeners.add(own);
    return () => void this.listeners.delete(own);
  }

  after(taskId: string, afterSeq: number): TaskEvent[] {
    // seq counts from 1 with no gaps, so seq N sits at index N-1.
    return (this.logs.get(taskId) ?? []).slice(Math.max(0, afterSeq));
  }

  lastSeq(taskId: string): number {
    return this.logs.get(taskId)?.length ?? 0;
  }
}

class MemoryWebhookStore implements WebhookStore {
  readonly registrations = new Map<string, WebhookRegistration>();
  private readonly outbox = new Map<string, OutboxMessage>();

  constructor(private readonly isActive: (taskId: string) => boolean) {}

  register(registration: WebhookRegistration): void {
    this.registrations.set(registration.id, clone(registration));
  }
  unregister(taskId: string): number {
    const ids = [...this.registrations.values()].filter((r) => r.task_id === taskId).map((r) => r.id);
    for (const id of ids) this.registrations.delete(id);
    for (const m of this.outbox.values()) if (ids.includes(m.registration_id) && m.status === 'pending') this.outbox.delete(m.id);
    return ids.length;
  }
  forTask(taskId: string): WebhookRegistration[] {
    return [...this.registrations.values()].filter((r) => r.task_id === taskId).map(clone);
  }
  countActive(): number {
    return [...this.registrations.values()].filter((r) => this.isActive(r.task_id)).length;
  }
  enqueue(message: OutboxMessage): void {
    this.outbox.set(message.id, clone(message));
  }
  due(now: number, limit: number): OutboxMessage[] {
    return [...this.outbox.values()].filter((m) => m.status === 'pending' && m.next_attempt_at <= now).slice(0, limit).map(clone);
  }
  update(id: string, change: Pick<OutboxMessage, 'status' | 'attempts' | 'next_attempt_at' | 'last_error'>): void {
    const message = this.outbox.get(id);
    if (message) Object.assign(message, change);
  }
  get(id: string): OutboxMessage | undefined {
    const m = this.outbox.get(id);
    return m && clone(m);
  }
  dropTask(taskId: string): void {
    for (const [id, r] of this.registrations) if (r.task_id === taskId) this.registrations.delete(id);
    for (const [id, m] of this.outbox) if (m.task_id === taskId) this.outbox.delete(id);
  }
}

class MemoryTaskStore implements TaskStore {
  readonly rows = new Map<string, { order: number; task: TaskRecord }>();
  private nextOrder = 1;

  constructor(private readonly onDelete: (taskId: string) => void) {}

  insert(task: TaskRecord): void {
    this.rows.set(task.task_id, { order: this.nextOrder++, task: clone(task) });
  }

  save(task: TaskRecord): void {
    const row = this.rows.get(task.task_id);
    if (row) row.task = clone(task);
    else this.insert(task);
  }

  get(taskId: string): TaskRecord | undefined {
    const row = this.rows.get(taskId);
    return row ? clone(row.task) : undefined;
  }

  list({ status, limit, cursor }: ListTasksOptions): TaskPage {
    const before = cursor ? Number(cursor) : Infinity;
    const rows = [...this.rows.values()]
      .filter((r) => r.order < before && (!status || r.task.status === status))
      .sort((a, b) => b.order - a.order);
    const page = rows.slice(0, limit);
    return { tasks: page.map((r) => clone(r.task)), next_cursor: rows.length > limit ? String(page.at(-1)!.order) : null };
  }

  byStatus(statuses: TaskStatus[]): TaskRecord[] {
    return [...this.rows.values()]
      .filter((r) => statuses.includes(r.task.status))
      .sort((a, b) => a.order - b.order)
      .map((r) => clone(r.task));
  }

  prune({ maxTasks, olderThan }: RetentionPolicy): string[] {
    const finished = [...this.rows.values()].filter((r) => isFinal(r.task.status)).sort((a, b) => b.order - a.order);
    const doomed = finished.filter((r, i) => i >= maxTasks || (r.task.completed_at ?? r.task.created_at) < olderThan).map((r) => r.task.task_id);
    for (const id of doomed) {
      this.rows.delete(id);
      this.onDelete(id);
    }
    return doomed;
  }
}

/** A throwaway store for tests and `STORE=memory`: everything is lost on exit. */
export function createMemoryStore(): Store {
  const events = new MemoryEventStore();
  const webhooks = new MemoryWebhookStore((id) => {
    const task = tasks.rows.get(id)?.task;
    return !!task && !isFinal(task.status);
  });
  const tasks = new MemoryTaskStore((id) => {
    events.logs.delete(id);
    webhooks.dropTask(id);
  });
  return {
    kind: 'memory',
    tasks,
    events,
    webhooks,
    check: () => undefined,
    // Memory never fails to write.
    onWriteError: () => () => undefined,
    close: async () => undefined,
  };
}
