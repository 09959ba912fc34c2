import type Database from 'better-sqlite3';
import { FINAL_STATUSES, type AgentResult, type TaskRecord, type TaskStatus } from '../../orchestrator/task.js';
import { createListTracker, resultListsOf, withoutResults, type ResultListName } from '../result-lists.js';
import type { StoreError } from '../store-error.js';
import type { ListTasksOptions, RetentionPolicy, TaskStore } from '../store.js';
import { FINAL, NO_TASKS, placeholders } from './sql.js';
import type { WriteGuard } from './write-guard.js';

/** Ids per `IN (…)` read or delete. */
const CHUNK = 500;

/** The SQLite task store, plus the saves it holds back while the disk cannot take them. */
export interface SqliteTaskStore extends TaskStore {
  /** Write the held saves; false when some are still held. */
  flushHeld(): boolean;
  readonly held: number;
}

/** Result lists written by a write that must commit before they count as written. */
type Marks = AgentResult[][];

interface ResultRow {
  task_id: string;
  list: ResultListName;
  result: string;
}

/** A stored record with its results put back in their lists, in order. */
function assemble(json: string, rows: readonly ResultRow[]): TaskRecord {
  const t = JSON.parse(json) as TaskRecord;
  for (const row of rows) t.result?.[row.list]?.push(JSON.parse(row.result) as AgentResult);
  return t;
}

/**
 * Task records in two tables: `tasks` holds each record without its agent results, and
 * `task_results` one row per result (`result.agent_results`, `result.synthesis_results`). A
 * running task's results only grow, and a result is not changed once it is in its list, so a save
 * writes the task row and the results added since this store last wrote that list: it knows a
 * list by the array object it saw (a `WeakMap`, gone with the array), and rewrites all of a list
 * it has not seen, or that shrank or changed under it — a task's first save here (after a restart
 * or a takeover), a record read back and saved, a held save.
 */
function createTaskWrites(db: Database.Database) {
  const insertRow = db.prepare('INSERT INTO tasks (task_id, status, created_at, finished_at, record) VALUES (?, ?, ?, ?, ?)');
  const updateRow = db.prepare('UPDATE tasks SET status = ?, finished_at = ?, record = ? WHERE task_id = ?');
  const putResult = db.prepare('INSERT OR REPLACE INTO task_results (task_id, list, idx, result) VALUES (?, ?, ?, ?)');
  const clearList = db.prepare('DELETE FROM task_results WHERE task_id = ? AND list = ?');
  const clearAll = db.prepare('DELETE FROM task_results WHERE task_id = ?');
  const written = createListTracker();
  const finishedAt = (t: TaskRecord) => (FINAL_STATUSES.has(t.status) ? (t.completed_at ?? new Date().toISOString()) : null);

  /** Where writing `list` can start: after what was written of this very array, or 0 (and the stored rows go). */
  const startOf = (t: TaskRecord, list: ResultListName, results: AgentResult[]): number => {
    const kept = written.kept(results);
    if (kept === 0) clearList.run(t.task_id, list);
    return kept;
  };

  const writeResults = (t: TaskRecord, marks: Marks) => {
    const lists = resultListsOf(t);
    if (lists.length === 0) clearAll.run(t.task_id);
    for (const list of lists) {
      const results = t.result![list];
      for (let i = startOf(t, list, results); i < results.length; i++) putResult.run(t.task_id, list, i, JSON.stringify(results[i]));
      marks.push(results);
    }
  };

  const insert = (t: TaskRecord, marks: Marks) => {
    insertRow.run(t.task_id, t.status, t.created_at, finishedAt(t), JSON.stringify(withoutResults(t)));
    writeResults(t, marks);
  };
  const save = (t: TaskRecord, marks: Marks) => {
    const json = JSON.stringify(withoutResults(t));
    if (updateRow.run(t.status, finishedAt(t), json, t.task_id).changes === 0) insertRow.run(t.task_id, t.status, t.created_at, finishedAt(t), json);
    writeResults(t, marks);
  };
  /** Run `fn` in one transaction; what it wrote counts once it has committed. */
  const committed = (fn: (marks: Marks) => void) => {
    const marks: Marks = [];
    db.transaction(() => fn(marks))();
    for (const results of marks) written.mark(results);
  };
  return {
    insert: (t: TaskRecord) => committed((marks) => insert(t, marks)),
    save: (t: TaskRecord) => committed((marks) => save(t, marks)),
    saveAll: (records: readonly TaskRecord[]) => committed((marks) => records.forEach((t) => save(t, marks))),
  };
}

/** Task saves the disk refused: the newest state of each, written later in one transaction; reads see them first. */
function createHeldSaves(guard: WriteGuard, saveAll: (records: readonly TaskRecord[]) => void) {
  const held = new Map<string, TaskRecord>();
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
        guard.write(() => [...held.keys()], () => saveAll(records));
      } catch (error) {
        if ((error as StoreError).unavailable) return false;
        // Refused outright (a bug, not the disk): retrying cannot help; the guard reported it.
      }
      for (const record of records) if (held.get(record.task_id) === record) held.delete(record.task_id);
      return held.size === 0;
    },
  };
}

/** Reads of whole records: each task row with its result rows. */
function createTaskReads(db: Database.Database) {
  const row = db.prepare<[string], { record: string }>('SELECT record FROM tasks WHERE task_id = ?');
  const resultsOf = db.prepare<[string], ResultRow>('SELECT task_id, list, result FROM task_results WHERE task_id = ? ORDER BY list, idx');
  /** Records of rows read together, with their results (read in chunks of ids). */
  const assembleAll = <R extends { task_id: string; record: string }>(rows: R[]): TaskRecord[] => {
    const byTask = new Map<string, ResultRow[]>();
    for (let i = 0; i < rows.length; i += CHUNK) {
      const ids = rows.slice(i, i + CHUNK).map((r) => r.task_id);
      const results = db
        .prepare<string[], ResultRow>(`SELECT task_id, list, result FROM task_results WHERE task_id IN (${placeholders(ids.length)}) ORDER BY task_id, list, idx`)
        .all(...ids);
      for (const result of results) {
        let list = byTask.get(result.task_id);
        if (!list) byTask.set(result.task_id, (list = []));
        list.push(result);
      }
    }
    return rows.map((r) => assemble(r.record, byTask.get(r.task_id) ?? []));
  };
  return {
    get(taskId: string): TaskRecord | undefined {
      const found = row.get(taskId);
      return found && assemble(found.record, resultsOf.all(taskId));
    },
    assembleAll,
  };
}

export function createSqliteTaskStore(db: Database.Database, guard: WriteGuard, flushEvents: () => void, beforeInsert: () => void): SqliteTaskStore {
  const writes = createTaskWrites(db);
  const reads = createTaskReads(db);
  const drop = db.transaction((ids: string[]) => {
    for (const table of ['events', 'outbox', 'webhooks', 'task_results', 'tasks']) {
      db.prepare(`DELETE FROM ${table} WHERE task_id IN (${placeholders(ids.length)})`).run(...ids);
    }
  });
  const held = createHeldSaves(guard, writes.saveAll);
  return {
    get held() {
      return held.held.size;
    },
    flushHeld: held.flush,
    async insert(t) {
      beforeInsert();
      guard.write(NO_TASKS, () => writes.insert(t));
    },
    save(t) {
      // Behind an older held save of the same task: written after it, never before.
      if (held.held.has(t.task_id)) return held.hold(t);
      try {
        guard.write(() => [t.task_id], () => writes.save(t));
      } catch (error) {
        if (!(error as StoreError).unavailable) throw error;
        held.hold(t);
      }
    },
    async get(taskId) {
      return held.get(taskId) ?? reads.get(taskId);
    },
    async list({ status, limit, cursor }: ListTasksOptions) {
      const where = [cursor ? 'ord < ?' : '', status ? 'status = ?' : ''].filter(Boolean);
      const params = [...(cursor ? [Number(cursor)] : []), ...(status ? [status] : []), limit + 1];
      const rows = db
        .prepare<unknown[], { ord: number; task_id: string; record: string }>(
          `SELECT ord, task_id, record FROM tasks ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ord DESC LIMIT ?`,
        )
        .all(...params);
      const page = rows.slice(0, limit);
      const tasks = held.overlay(reads.assembleAll(page), status && [status]);
      return { tasks, next_cursor: rows.length > limit ? String(page.at(-1)!.ord) : null };
    },
    async byStatus(statuses: TaskStatus[]) {
      const rows = db
        .prepare<string[], { task_id: string; record: string }>(`SELECT task_id, record FROM tasks WHERE status IN (${placeholders(statuses.length)}) ORDER BY ord`)
        .all(...statuses);
      return held.overlay(reads.assembleAll(rows), statuses);
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
      for (let i = 0; i < ids.length; i += CHUNK) guard.write(NO_TASKS, () => drop(ids.slice(i, i + CHUNK)));
      return ids;
    },
  };
}
