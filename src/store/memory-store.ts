import type { TaskRecord, TaskStatus } from '../orchestrator/task.js';
import type { TaskEvent } from '../events/event.js';
import type { EventStore, ListTasksOptions, Store, TaskPage, TaskStore } from './store.js';

const clone = <T>(value: T): T => structuredClone(value);

class MemoryTaskStore implements TaskStore {
  private readonly rows = new Map<string, { order: number; task: TaskRecord }>();
  private nextOrder = 1;

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
    const more = rows.length > limit;
    return { tasks: page.map((r) => clone(r.task)), next_cursor: more ? String(page.at(-1)!.order) : null };
  }

  byStatus(statuses: TaskStatus[]): TaskRecord[] {
    return [...this.rows.values()]
      .filter((r) => statuses.includes(r.task.status))
      .sort((a, b) => a.order - b.order)
      .map((r) => clone(r.task));
  }
}

class MemoryEventStore implements EventStore {
  private readonly logs = new Map<string, TaskEvent[]>();

  append(event: TaskEvent): void {
    let log = this.logs.get(event.task_id);
    if (!log) this.logs.set(event.task_id, (log = []));
    log.push(event);
  }

  after(taskId: string, afterSeq: number): TaskEvent[] {
    const log = this.logs.get(taskId) ?? [];
    // seq counts from 1 with no gaps, so seq N sits at index N-1.
    return log.slice(Math.max(0, afterSeq));
  }

  lastSeq(taskId: string): number {
    return this.logs.get(taskId)?.length ?? 0;
  }
}

/** A throwaway store for tests and `STORE=memory`: everything is lost on exit. */
export function createMemoryStore(): Store {
  return {
    kind: 'memory',
    tasks: new MemoryTaskStore(),
    events: new MemoryEventStore(),
    check: () => undefined,
    close: async () => undefined,
  };
}
