import type Database from 'better-sqlite3';
import { endsWorkflow, eventJson, type TaskEvent } from '../../events/event.js';
import type { StoreError } from '../store-error.js';
import { createSeqCounter } from '../seq-counter.js';
import { createTaskWatchers } from '../task-watchers.js';
import type { EventStore, StoredListener } from '../store.js';
import type { WriteGuard } from './write-guard.js';

/** The SQLite event store, plus what the store around it needs to drain and close. */
export interface SqliteEventStore extends EventStore {
  /** Write what is buffered; false when some of it could not be written (it stays buffered). */
  flush(): boolean;
  /** Events buffered and not written yet. */
  readonly backlog: number;
}

const taskIdsOf = (events: TaskEvent[]) => [...new Set(events.map((e) => e.task_id))];

/**
 * Events are buffered and written in one transaction per tick, so a burst of appends costs one
 * commit; reads flush first, and a terminal event is written at once. Only events that are
 * written are passed to the `onStored` listeners (the event log shows them to followers then), so
 * a follower never sees an event a replay would not give. A batch that cannot be written (disk
 * full) stays buffered, in order, and is written when the store can write again; an event the
 * database refuses outright (a constraint) is dropped and reported.
 */
export function createSqliteEventStore(db: Database.Database, guard: WriteGuard): SqliteEventStore {
  const insert = db.prepare('INSERT INTO events (task_id, seq, event) VALUES (?, ?, ?)');
  const after = db.prepare<[string, number], { event: string }>('SELECT event FROM events WHERE task_id = ? AND seq > ? ORDER BY seq');
  const last = db.prepare<[string], { seq: number | null }>('SELECT max(seq) AS seq FROM events WHERE task_id = ?');
  const listeners = new Set<StoredListener>();
  const buffer: TaskEvent[] = [];
  let scheduled = false;
  // Set while writing or telling listeners: a flush asked for then waits for the next tick, so
  // listeners always get events in order.
  let busy = false;
  // Events held back count too: the next one must not reuse their numbers.
  const lastSeq = (taskId: string) =>
    buffer.reduce((max, e) => (e.task_id === taskId ? Math.max(max, e.seq) : max), last.get(taskId)?.seq ?? 0);
  const seqs = createSeqCounter(lastSeq);
  const insertOne = (e: TaskEvent) => insert.run(e.task_id, e.seq, eventJson(e));
  const writeAll = db.transaction((events: TaskEvent[]) => {
    for (const e of events) insertOne(e);
  });

  const watchers = createTaskWatchers();
  const publish = (events: TaskEvent[]) => {
    for (const listener of [...listeners]) listener(events);
    watchers.publish(events);
  };

  /** After a batch was refused (not merely held back): write one by one, dropping what is refused. */
  const writeEach = (batch: TaskEvent[]): TaskEvent[] => {
    const written: TaskEvent[] = [];
    for (const event of batch) {
      try {
        guard.write(() => [event.task_id], () => insertOne(event));
        written.push(event);
      } catch (error) {
        if ((error as StoreError).unavailable) break;
      }
      buffer.splice(buffer.indexOf(event), 1);
    }
    return written;
  };

  const writeBuffer = (): TaskEvent[] => {
    const batch = buffer.slice();
    try {
      guard.write(() => taskIdsOf(batch), () => writeAll(batch));
    } catch (error) {
      return (error as StoreError).unavailable ? [] : writeEach(batch);
    }
    buffer.splice(0, batch.length);
    return batch;
  };

  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      if (db.open) flush();
    });
  };

  function flush(): boolean {
    if (buffer.length === 0) return true;
    if (busy || !db.open) {
      if (db.open) schedule();
      return false;
    }
    busy = true;
    try {
      const written = writeBuffer();
      if (written.length) publish(written);
    } finally {
      busy = false;
    }
    return buffer.length === 0;
  }

  return {
    flush,
    get backlog() {
      return buffer.length;
    },
    append(unnumbered) {
      const event = seqs.number(unnumbered);
      buffer.push(event);
      if (endsWorkflow(event)) flush();
      else schedule();
    },
    onStored(listener) {
      const own: StoredListener = (events) => listener(events);
      listeners.add(own);
      return () => void listeners.delete(own);
    },
    watch: watchers.watch,
    async after(taskId, afterSeq) {
      flush();
      return after.all(taskId, afterSeq).map((r) => JSON.parse(r.event) as TaskEvent);
    },
    async lastSeq(taskId) {
      flush();
      return last.get(taskId)?.seq ?? 0;
    },
  };
}
