import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { FINAL_STATUSES, type TaskRecord, type TaskStatus } from '../../orchestrator/task.js';
import { StoreError, toStoreError } from '../store-error.js';
import type { ListTasksOptions, OutboxMessage, RetentionPolicy, Store, TaskStore, WebhookStore } from '../store.js';
import { createFileDocumentStore } from '../file-documents.js';
import { migrate } from './migrations.js';
import { createSqliteEventStore } from './sqlite-events.js';
import { createWriteGuard, type WriteGuard } from './write-guard.js';

const FINAL = [...FINAL_STATUSES];
/** A write that concerns no task in particular (webhooks, retention, the probe). */
const NONE = (): readonly string[] => [];
const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(',');

/** The SQLite task store, plus the saves it holds back while the disk cannot take them. */
interface SqliteTaskStore extends TaskStore {
  /** Write the held saves; false when some are still held. */
  flushHeld(): boolean;
  readonly held: number;
}

/** Task saves the disk refused: the newest state of each, written later in one transaction; reads see them first. */
function createHeldSaves(db: Database.Database, guard: WriteGuard, writeRow: (t: TaskRecord) => void) {
  const held = new Map<string, TaskRecord>();
  const writeAll = db.transaction((records: TaskRecord[]) => records.forEach(writeRow));
  return {
    held,
    get: (taskId: string) => (held.has(taskId) ? structuredClone(held.get(taskId)!) : undefined),
    hold: (t: TaskRecord) => void held.set(t.task_id, structuredClone(t)),
    /** Rows read from the database, with their held state instead where there is one. */
    overlay: (records: TaskRecord[], statuses?: TaskStatus[]) =>
      records.map((t) => (held.has(t.task_id) ? structuredClone(held.get(t.task_id)!) : t)).filter((t) => !statuses || statuses.includes(t.status)),
    flush(): boolean {
      if (held.size === 0) return true;
      const records = [...held.values()];
      try {
        guard.write(() => [...held.keys()], () => writeAll(records));
      } catch (error) {
        if ((error as StoreError).unavailable) return false;
        // Refused outright (a bug, not the disk): retrying cannot help; the guard reported it.
      }
      for (const record of records) if (held.get(record.task_id) === record) held.delete(record.task_id);
      return held.size === 0;
    },
  };
}

function createTaskStore(db: Database.Database, guard: WriteGuard, flushEvents: () => void, beforeInsert: () => void): SqliteTaskStore {
  const insert = db.prepare('INSERT INTO tasks (task_id, status, created_at, finished_at, record) VALUES (?, ?, ?, ?, ?)');
  const save = db.prepare('UPDATE tasks SET status = ?, finished_at = ?, record = ? WHERE task_id = ?');
  const get = db.prepare<[string], { record: string }>('SELECT record FROM tasks WHERE task_id = ?');
  const drop = db.transaction((ids: string[]) => {
    for (const table of ['events', 'outbox', 'webhooks', 'tasks']) {
      db.prepare(`DELETE FROM ${table} WHERE task_id IN (${placeholders(ids.length)})`).run(...ids);
    }
  });
  const finishedAt = (t: TaskRecord) => (FINAL_STATUSES.has(t.status) ? (t.completed_at ?? new Date().toISOString()) : null);
  const insertRow = (t: TaskRecord) => void insert.run(t.task_id, t.status, t.created_at, finishedAt(t), JSON.stringify(t));
  const writeRow = (t: TaskRecord) => {
    if (save.run(t.status, finishedAt(t), JSON.stringify(t), t.task_id).changes === 0) insertRow(t);
  };
  const held = createHeldSaves(db, guard, writeRow);
  return {
    get held() {
      return held.held.size;
    },
    flushHeld: held.flush,
    async insert(t) {
      beforeInsert();
      guard.write(NONE, () => insertRow(t));
    },
    save(t) {
      // Behind an older held save of the same task: written after it, never before.
      if (held.held.has(t.task_id)) return held.hold(t);
      try {
        guard.write(() => [t.task_id], () => writeRow(t));
      } catch (error) {
        if (!(error as StoreError).unavailable) throw error;
        held.hold(t);
      }
    },
    async get(taskId) {
      const mine = held.get(taskId);
      if (mine) return mine;
      const row = get.get(taskId);
      return row ? (JSON.parse(row.record) as TaskRecord) : undefined;
    },
    async list({ status, limit, cursor }: ListTasksOptions) {
      const where = [cursor ? 'ord < ?' : '', status ? 'status = ?' : ''].filter(Boolean);
      const params = [...(cursor ? [Number(cursor)] : []), ...(status ? [status] : []), limit + 1];
      const rows = db
        .prepare<unknown[], { ord: number; record: string }>(
          `SELECT ord, record FROM tasks ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ord DESC LIMIT ?`,
        )
        .all(...params);
      const page = rows.slice(0, limit);
      const tasks = held.overlay(page.map((r) => JSON.parse(r.record) as TaskRecord), status && [status]);
      return { tasks, next_cursor: rows.length > limit ? String(page.at(-1)!.ord) : null };
    },
    async byStatus(statuses: TaskStatus[]) {
      const rows = db
        .prepare<string[], { record: string }>(`SELECT record FROM tasks WHERE status IN (${placeholders(statuses.length)}) ORDER BY ord`)
        .all(...statuses);
      return held.overlay(rows.map((r) => JSON.parse(r.record) as TaskRecord), statuses);
    },
    async prune({ maxTasks, olderThan }: RetentionPolicy) {
      flushEvents();
      const finished = `status IN (${placeholders(FINAL.length)})`;
      const overCount = db
        .prepare<unknown[], { task_id: string }>(`SELECT task_id FROM tasks WHERE ${finished} ORDER BY ord DESC LIMIT -1 OFFSET ?`)
        .all(...FINAL, maxTasks);
      const tooOld = db
        .prepare<unknown[], { task_id: string }>(`SELECT task_id FROM tasks WHERE ${finished} AND finished_at < ?`)
        .all(...FINAL, olderThan);
      const ids = [...new Set([...overCount, ...tooOld].map((r) => r.task_id))].filter((id) => !held.held.has(id));
      for (let i = 0; i < ids.length; i += 500) guard.write(NONE, () => drop(ids.slice(i, i + 500)));
      return ids;
    },
  };
}

function createWebhookStore(db: Database.Database, guard: WriteGuard): WebhookStore {
  const toMessage = (row: Record<string, unknown>) => row as unknown as OutboxMessage;
  return {
    register: async (r) =>
      guard.write(NONE, () => void db.prepare('INSERT INTO webhooks (id, task_id, url, events, created_at) VALUES (?, ?, ?, ?, ?)').run(r.id, r.task_id, r.url, JSON.stringify(r.events), r.created_at)),
    unregister: async (taskId) =>
      guard.write(NONE, () =>
        db.transaction(() => {
          db.prepare("DELETE FROM outbox WHERE task_id = ? AND status = 'pending'").run(taskId);
          return db.prepare('DELETE FROM webhooks WHERE task_id = ?').run(taskId).changes;
        })(),
      ),
    forTask: async (taskId) =>
      db
        .prepare<[string], { id: string; task_id: string; url: string; events: string; created_at: string }>('SELECT * FROM webhooks WHERE task_id = ? ORDER BY created_at')
        .all(taskId)
        .map((r) => ({ ...r, events: JSON.parse(r.events) })),
    countActive: async () =>
      db
        .prepare<string[], { n: number }>(`SELECT count(*) AS n FROM webhooks w JOIN tasks t USING (task_id) WHERE t.status NOT IN (${placeholders(FINAL.length)})`)
        .get(...FINAL)!.n,
    enqueue: async (m) =>
      guard.write(NONE, () =>
        void db
          .prepare(
            'INSERT INTO outbox (id, registration_id, task_id, url, event_type, payload, attempts, next_attempt_at, status, last_error, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
          )
          .run(m.id, m.registration_id, m.task_id, m.url, m.event_type, m.payload, m.attempts, m.next_attempt_at, m.status, m.last_error, m.created_at),
      ),
    claim: async (now, limit, leaseMs) =>
      guard.write(NONE, () =>
        db.transaction(() => {
          const due = db
            .prepare<[number, number], Record<string, unknown>>("SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, created_at LIMIT ?")
            .all(now, limit)
            .map(toMessage);
          const lease = db.prepare('UPDATE outbox SET next_attempt_at = ? WHERE id = ?');
          for (const m of due) lease.run(now + leaseMs, m.id);
          return due;
        })(),
      ),
    update: async (id, c) =>
      guard.write(NONE, () => void db.prepare('UPDATE outbox SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?').run(c.status, c.attempts, c.next_attempt_at, c.last_error, id)),
    async get(id) {
      const row = db.prepare<[string], Record<string, unknown>>('SELECT * FROM outbox WHERE id = ?').get(id);
      return row && toMessage(row);
    },
  };
}

/** Options of `createSqliteStore`. */
export interface SqliteStoreOptions {
  /** File name inside `dataDir` (default `orchestrator.db`). */
  file?: string;
  /** Called with the open connection before migrations: extra PRAGMAs (tests cap `max_page_count` with it). */
  configure?: (db: Database.Database) => void;
  /** While writes are held back after a failure, retry them this often (default 5 s). */
  retryMs?: number;
}

/** Open (and migrate) the database; a disk that refuses (full, read-only) is a `StoreError` saying so. */
function openDatabase(dataDir: string, options: SqliteStoreOptions): Database.Database {
  let db: Database.Database | undefined;
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    db = new Database(path.join(dataDir, options.file ?? 'orchestrator.db'));
    db.pragma('journal_mode = WAL');
    // With WAL, NORMAL survives a process crash (kill -9); only a power loss may lose the last commits.
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    options.configure?.(db);
    migrate(db);
    return db;
  } catch (error) {
    db?.close();
    throw (error as { code?: unknown }).code ? toStoreError(error) : error;
  }
}

/**
 * The durable store: one SQLite file in `dataDir`, WAL mode, versioned migrations. A write the
 * disk refuses (full, I/O error, read-only) never throws out of a background flush: task saves and
 * events are held in memory and written once the disk takes them again (see `Store`).
 */
export function createSqliteStore(dataDir: string, options: SqliteStoreOptions = {}): Store {
  const db = openDatabase(dataDir, options);
  const probe = db.prepare('UPDATE store_probe SET checked_at = ? WHERE id = 1');
  const guard = createWriteGuard({
    hasBacklog: () => events.backlog > 0 || tasks.held > 0,
    drain: () => void drain(),
    retryMs: options.retryMs ?? 5000,
  });
  /** Write everything held back; false when something is still held. */
  const drain = () => events.flush() && tasks.flushHeld();
  /** After a failure, write what is held back first; throws while that still fails. */
  const heldWrittenFirst = () => {
    if (guard.failure && !drain()) throw guard.failure ?? new StoreError('other', 'The task store is not open');
  };
  const events = createSqliteEventStore(db, guard);
  // No new task while earlier writes wait: it would be accepted on a disk that cannot keep it.
  const tasks = createTaskStore(db, guard, events.flush, heldWrittenFirst);
  let closing: Promise<void> | undefined;
  return {
    kind: 'sqlite',
    tasks,
    events,
    webhooks: createWebhookStore(db, guard),
    documents: createFileDocumentStore(dataDir),
    shared: false,
    async check() {
      heldWrittenFirst();
      guard.write(NONE, () => probe.run(new Date().toISOString()));
    },
    onWriteError: guard.onWriteError,
    close() {
      closing ??= Promise.resolve().then(() => closeDatabase(db, guard, drain));
      return closing;
    },
  };
}

function closeDatabase(db: Database.Database, guard: WriteGuard, drain: () => boolean): void {
  if (!db.open) return;
  guard.close();
  // Best effort: what the disk still refuses is lost; a restart ends those tasks `interrupted`.
  drain();
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } catch {
    // A full disk: the WAL stays and is replayed at the next open.
  }
  db.close();
}
