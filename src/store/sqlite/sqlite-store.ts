import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StoreError, toStoreError } from '../store-error.js';
import type { OutboxMessage, Store, WebhookStore } from '../store.js';
import { createFileDocumentStore } from '../file-documents.js';
import { migrate } from './migrations.js';
import { createSqliteEventStore } from './sqlite-events.js';
import { createSqliteTaskStore } from './sqlite-tasks.js';
import { FINAL, NO_TASKS, placeholders } from './sql.js';
import { createWriteGuard, type WriteGuard } from './write-guard.js';


function createWebhookStore(db: Database.Database, guard: WriteGuard): WebhookStore {
  const toMessage = (row: Record<string, unknown>) => row as unknown as OutboxMessage;
  return {
    register: async (r) =>
      guard.write(NO_TASKS, () => void db.prepare('INSERT INTO webhooks (id, task_id, url, events, created_at) VALUES (?, ?, ?, ?, ?)').run(r.id, r.task_id, r.url, JSON.stringify(r.events), r.created_at)),
    unregister: async (taskId) =>
      guard.write(NO_TASKS, () =>
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
      guard.write(NO_TASKS, () =>
        void db
          .prepare(
            'INSERT INTO outbox (id, registration_id, task_id, url, event_type, payload, attempts, next_attempt_at, status, last_error, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
          )
          .run(m.id, m.registration_id, m.task_id, m.url, m.event_type, m.payload, m.attempts, m.next_attempt_at, m.status, m.last_error, m.created_at),
      ),
    claim: async (now, limit, leaseMs) =>
      guard.write(NO_TASKS, () =>
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
      guard.write(NO_TASKS, () => void db.prepare('UPDATE outbox SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?').run(c.status, c.attempts, c.next_attempt_at, c.last_error, id)),
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
    // better-sqlite3 builds SQLite with a 16 MB page cache; the hot pages (running tasks, recent
    // events) fit in far less, and the OS keeps the file cached anyway. 2 MB, SQLite's own default,
    // keeps the process small: the cache no longer grows with the database for its first 16 MB.
    db.pragma('cache_size = -2000');
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
  const tasks = createSqliteTaskStore(db, guard, events.flush, heldWrittenFirst);
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
      guard.write(NO_TASKS, () => probe.run(new Date().toISOString()));
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
