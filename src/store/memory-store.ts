import type { TaskEvent } from '../events/event.js';
import { isFinal, type TaskRecord, type TaskStatus } from '../orchestrator/task.js';
import { createFileDocumentStore } from './file-documents.js';
import { createRecordCopier } from './result-lists.js';
import { createSeqCounter } from './seq-counter.js';
import { createTaskWatchers } from './task-watchers.js';
import type {
  DocumentStore,
  EventStore,
  EventWatcher,
  ListTasksOptions,
  OutboxMessage,
  RetentionPolicy,
  Store,
  StoredListener,
  TaskPage,
  TaskStore,
  UnnumberedEvent,
  WebhookRegistration,
  WebhookStore,
} from './store.js';

const clone = <T>(value: T): T => structuredClone(value);

class MemoryEventStore implements EventStore {
  readonly logs = new Map<string, TaskEvent[]>();
  private readonly listeners = new Set<StoredListener>();
  private readonly seqs = createSeqCounter((taskId) => this.logs.get(taskId)?.length ?? 0);
  private readonly watchers = createTaskWatchers();

  append(unnumbered: UnnumberedEvent): void {
    const event = this.seqs.number(unnumbered);
    let log = this.logs.get(event.task_id);
    if (!log) this.logs.set(event.task_id, (log = []));
    log.push(event);
    for (const listener of [...this.listeners]) listener([event]);
    this.watchers.publish([event]);
  }

  onStored(listener: StoredListener): () => void {
    const own: StoredListener = (events) => listener(events);
    this.listeners.add(own);
    return () => void this.listeners.delete(own);
  }

  watch(taskId: string, listener: EventWatcher): () => void {
    return this.watchers.watch(taskId, listener);
  }

  async after(taskId: string, afterSeq: number): Promise<TaskEvent[]> {
    // seq counts from 1 with no gaps, so seq N sits at index N-1.
    return (this.logs.get(taskId) ?? []).slice(Math.max(0, afterSeq));
  }

  async lastSeq(taskId: string): Promise<number> {
    return this.logs.get(taskId)?.length ?? 0;
  }
}

class MemoryWebhookStore implements WebhookStore {
  readonly registrations = new Map<string, WebhookRegistration>();
  private readonly outbox = new Map<string, OutboxMessage>();

  constructor(private readonly isActive: (taskId: string) => boolean) {}

  async register(registration: WebhookRegistration): Promise<void> {
    this.registrations.set(registration.id, clone(registration));
  }
  async unregister(taskId: string): Promise<number> {
    const ids = [...this.registrations.values()].filter((r) => r.task_id === taskId).map((r) => r.id);
    for (const id of ids) this.registrations.delete(id);
    for (const m of this.outbox.values()) if (ids.includes(m.registration_id) && m.status === 'pending') this.outbox.delete(m.id);
    return ids.length;
  }
  async forTask(taskId: string): Promise<WebhookRegistration[]> {
    return [...this.registrations.values()].filter((r) => r.task_id === taskId).map(clone);
  }
  async countActive(): Promise<number> {
    return [...this.registrations.values()].filter((r) => this.isActive(r.task_id)).length;
  }
  async enqueue(message: OutboxMessage): Promise<void> {
    this.outbox.set(message.id, clone(message));
  }
  async claim(now: number, limit: number, leaseMs: number): Promise<OutboxMessage[]> {
    const due = [...this.outbox.values()]
      .filter((m) => m.status === 'pending' && m.next_attempt_at <= now)
      .sort((a, b) => a.next_attempt_at - b.next_attempt_at || a.created_at.localeCompare(b.created_at))
      .slice(0, limit);
    const claimed = due.map(clone);
    for (const m of due) m.next_attempt_at = now + leaseMs;
    return claimed;
  }
  async update(id: string, change: Pick<OutboxMessage, 'status' | 'attempts' | 'next_attempt_at' | 'last_error'>): Promise<void> {
    const message = this.outbox.get(id);
    if (message) Object.assign(message, change);
  }
  async get(id: string): Promise<OutboxMessage | undefined> {
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
  /** Copies of saved records: each result copied once (see `createRecordCopier`). */
  private readonly copy = createRecordCopier();

  constructor(private readonly onDelete: (taskId: string) => void) {}

  async insert(task: TaskRecord): Promise<void> {
    this.put(task);
  }

  private put(task: TaskRecord): void {
    this.rows.set(task.task_id, { order: this.nextOrder++, task: this.copy(task) });
  }

  save(task: TaskRecord): void {
    const row = this.rows.get(task.task_id);
    if (row) row.task = this.copy(task);
    else this.put(task);
  }

  async get(taskId: string): Promise<TaskRecord | undefined> {
    const row = this.rows.get(taskId);
    return row ? clone(row.task) : undefined;
  }

  async list({ status, limit, cursor }: ListTasksOptions): Promise<TaskPage> {
    const before = cursor ? Number(cursor) : Infinity;
    const rows = [...this.rows.values()]
      .filter((r) => r.order < before && (!status || r.task.status === status))
      .sort((a, b) => b.order - a.order);
    const page = rows.slice(0, limit);
    return { tasks: page.map((r) => clone(r.task)), next_cursor: rows.length > limit ? String(page.at(-1)!.order) : null };
  }

  async byStatus(statuses: TaskStatus[]): Promise<TaskRecord[]> {
    return [...this.rows.values()]
      .filter((r) => statuses.includes(r.task.status))
      .sort((a, b) => a.order - b.order)
      .map((r) => clone(r.task));
  }

  async prune({ maxTasks, olderThan }: RetentionPolicy): Promise<string[]> {
    const finished = [...this.rows.values()].filter((r) => isFinal(r.task.status)).sort((a, b) => b.order - a.order);
    const doomed = finished.filter((r, i) => i >= maxTasks || (r.task.completed_at ?? r.task.created_at) < olderThan).map((r) => r.task.task_id);
    for (const id of doomed) {
      this.rows.delete(id);
      this.onDelete(id);
    }
    return doomed;
  }
}

/**
 * A throwaway store for tests and `STORE=memory`: everything is lost on exit. Documents are kept
 * in memory too, unless a `dataDir` is given for them.
 */
export function createMemoryStore(options: { dataDir?: string } = {}): Store {
  const documents = options.dataDir ? createFileDocumentStore(options.dataDir) : createMemoryDocumentStore();
  const events = new MemoryEventStore();
  const webhooks = new MemoryWebhookStore((id) => {
    const task = tasks.rows.get(id)?.task;
    return !!task && !isFinal(task.status);
  });
  const tasks = new MemoryTaskStore((id) => {
    events.logs.delete(id);
    webhooks.dropTask(id);
    void documents.remove([id]);
  });
  return {
    kind: 'memory',
    tasks,
    events,
    webhooks,
    documents,
    shared: false,
    check: async () => undefined,
    // Memory never fails to write.
    onWriteError: () => () => undefined,
    close: async () => undefined,
  };
}

function createMemoryDocumentStore(): DocumentStore {
  const files = new Map<string, Buffer>();
  return {
    location: 'memory',
    put: async (taskId, extension, content) => void files.set(`${taskId}.${extension}`, Buffer.from(content)),
    get: async (taskId, extension) => files.get(`${taskId}.${extension}`),
    async remove(taskIds) {
      for (const key of [...files.keys()]) if (taskIds.includes(key.slice(0, key.indexOf('.')))) files.delete(key);
    },
  };
}
