import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { TERMINAL_EVENT_TYPES, type TaskEvent } from '../../events/event.js';
import { FINAL_STATUSES, type TaskRecord, type TaskStatus } from '../../orchestrator/task.js';
import type { EventStore, ListTasksOptions, OutboxMessage, RetentionPolicy, Store, TaskStore, WebhookStore } from '../store.js';
import { migrate } from './migrations.js';

const FINAL = [...FINAL_STATUSES];
const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(',');

function createTaskStore(db: Database.Database, flushEvents: () => void): TaskStore {
  const insert = db.prepare('INSERT INTO tasks (task_id, status, created_at, finished_at, record) VALUES (?, ?, ?, ?, ?)');
  const save = db.prepare('UPDATE tasks SET status = ?, finished_at = ?, record = ? WHERE task_id = ?');
  const get = db.prepare<[string], { record: string }>('SELECT record FROM tasks WHERE task_id = ?');
  const drop = db.transaction((ids: string[]) => {
    for (const table of ['events', 'outbox', 'webhooks', 'tasks']) {
      db.prepare(`DELETE FROM ${table} WHERE task_id IN (${placeholders(ids.length)})`).run(...ids);
    }
  });
  const finishedAt = (t: TaskRecord) => (FINAL_STATUSES.has(t.status) ? (t.completed_at ?? new Date().toISOString()) : null);
  return {
    insert: (t) => void insert.run(t.task_id, t.status, t.created_at, finishedAt(t), JSON.stringify(t)),
    save(t) {
      if (save.run(t.status, finishedAt(t), JSON.stringify(t), t.task_id).changes === 0) this.insert(t);
    },
    get(taskId) {
      const row = get.get(taskId);
      return row ? (JSON.parse(row.record) as TaskRecord) : undefined;
    },
    list({ status, limit, cursor }: ListTasksOptions) {
      const where = [cursor ? 'ord < ?' : '', status ? 'status = ?' : ''].filter(Boolean);
      const params = [...(cursor ? [Number(cursor)] : []), ...(status ? [status] : []), limit + 1];
      const rows = db
        .prepare<unknown[], { ord: number; record: string }>(
          `SELECT ord, record FROM tasks ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ord DESC LIMIT ?`,
        )
        .all(...params);
      const page = rows.slice(0, limit);
      return { tasks: page.map((r) => JSON.parse(r.record) as TaskRecord), next_cursor: rows.length > limit ? String(page.at(-1)!.ord) : null };
    },
    byStatus(statuses: TaskStatus[]) {
      return db
        .prepare<string[], { record: string }>(`SELECT record FROM tasks WHERE status IN (${placeholders(statuses.length)}) ORDER BY ord`)
        .all(...statuses)
        .map((r) => JSON.parse(r.record) as TaskRecord);
    },
    prune({ maxTasks, olderThan }: RetentionPolicy) {
      flushEvents();
      const finished = `status IN (${placeholders(FINAL.length)})`;
      const overCount = db
        .prepare<unknown[], { task_id: string }>(`SELECT task_id FROM tasks WHERE ${finished} ORDER BY ord DESC LIMIT -1 OFFSET ?`)
        .all(...FINAL, maxTasks);
      const tooOld = db
        .prepare<unknown[], { task_id: string }>(`SELECT task_id FROM tasks WHERE ${finished} AND finished_at < ?`)
        .all(...FINAL, olderThan);
      const ids = [...new Set([...overCount, ...tooOld].map((r) => r.task_id))];
      for (let i = 0; i < ids.length; i += 500) drop(ids.slice(i, i + 500));
      return ids;
    },
  };
}

/**
 * Events are buffered and written in one transaction per tick, so a burst of appends costs one
 * commit. Reads flush first, and a terminal event is written at once.
 */
function createEventStore(db: Database.Database): EventStore & { flush(): void } {
  const insert = db.prepare('INSERT INTO events (task_id, seq, event) VALUES (?, ?, ?)');
  const after = db.prepare<[string, number], { event: string }>('SELECT event FROM events WHERE task_id = ? AND seq > ? ORDER BY seq');
  const last = db.prepare<[string], { seq: number | null }>('SELECT max(seq) AS seq FROM events WHERE task_id = ?');
  let buffer: TaskEvent[] = [];
  let scheduled = false;
  const writeAll = db.transaction((events: TaskEvent[]) => {
    for (const e of events) insert.run(e.task_id, e.seq, JSON.stringify(e));
  });
  const flush = () => {
    if (buffer.length === 0) return;
    const batch = buffer;
    buffer = [];
    writeAll(batch);
  };
  return {
    flush,
    append(event) {
      buffer.push(event);
      if (TERMINAL_EVENT_TYPES.has(event.event_type) || event.event_type === 'stream_closed') return flush();
      if (scheduled) return;
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        if (db.open) flush();
      });
    },
    after(taskId, afterSeq) {
      flush();
      return after.all(taskId, afterSeq).map((r) => JSON.parse(r.event) as TaskEvent);
    },
    lastSeq(taskId) {
      flush();
      return last.get(taskId)?.seq ?? 0;
    },
  };
}

function createWebhookStore(db: Database.Database): WebhookStore {
  const toMessage = (row: Record<string, unknown>) => row as unknown as OutboxMessage;
  return {
    register: (r) =>
      void db.prepare('INSERT INTO webhooks (id, task_id, url, events, created_at) VALUES (?, ?, ?, ?, ?)').run(r.id, r.task_id, r.url, JSON.stringify(r.events), r.created_at),
    unregister: (taskId) =>
      db.transaction(() => {
        db.prepare("DELETE FROM outbox WHERE task_id = ? AND status = 'pending'").run(taskId);
        return db.prepare('DELETE FROM webhooks WHERE task_id = ?').run(taskId).changes;
      })(),
    forTask: (taskId) =>
      db
        .prepare<[string], { id: string; task_id: string; url: string; events: string; created_at: string }>('SELECT * FROM webhooks WHERE task_id = ? ORDER BY created_at')
        .all(taskId)
        .map((r) => ({ ...r, events: JSON.parse(r.events) })),
    countActive: () =>
      db
        .prepare<string[], { n: number }>(`SELECT count(*) AS n FROM webhooks w JOIN tasks t USING (task_id) WHERE t.status NOT IN (${placeholders(FINAL.length)})`)
        .get(...FINAL)!.n,
    enqueue: (m) =>
      void db
        .prepare(
          'INSERT INTO outbox (id, registration_id, task_id, url, event_type, payload, attempts, next_attempt_at, status, last_error, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(m.id, m.registration_id, m.task_id, m.url, m.event_type, m.payload, m.attempts, m.next_attempt_at, m.status, m.last_error, m.created_at),
    due: (now, limit) =>
      db
        .prepare<[number, number], Record<string, unknown>>("SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, created_at LIMIT ?")
        .all(now, limit)
        .map(toMessage),
    update: (id, c) =>
      void db.prepare('UPDATE outbox SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?').run(c.status, c.attempts, c.next_attempt_at, c.last_error, id),
    get(id) {
      const row = db.prepare<[string], Record<string, unknown>>('SELECT * FROM outbox WHERE id = ?').get(id);
      return row && toMessage(row);
    },
  };
}

/** The durable store: one SQLite file in `dataDir`, WAL mode, versioned migrations. */
export function createSqliteStore(dataDir: string, file = 'orchestrator.db'): Store {
  fs.mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, file));
  db.pragma('journal_mode = WAL');
  // With WAL, NORMAL survives a process crash (kill -9); only a power loss may lose the last commits.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  const events = createEventStore(db);
  let closing: Promise<void> | undefined;
  return {
    kind: 'sqlite',
    tasks: createTaskStore(db, events.flush),
    events,
    webhooks: createWebhookStore(db),
    check() {
      db.prepare('SELECT count(*) FROM tasks WHERE 0').get();
    },
    close() {
      closing ??= Promise.resolve().then(() => {
        if (!db.open) return;
        events.flush();
        db.pragma('wal_checkpoint(TRUNCATE)');
        db.close();
      });
      return closing;
    },
  };
}
