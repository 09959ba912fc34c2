import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { TaskRecord } from '../../src/orchestrator/task.js';
import { agentResult, task, withResults } from './store-contract.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const SECRET_URL = 'https://hooks.example.org/services/T0SECRET/B1SECRET?token=SECRETTOKEN';

/** A database as the first release left it: its schema (up to migration 2), a task and its workflow_start event with the whole webhook_url. */
function firstReleaseDatabase(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-migrate-'));
  dirs.push(dir);
  const db = new Database(path.join(dir, 'orchestrator.db'));
  db.exec(MIGRATIONS[0]!);
  db.exec(MIGRATIONS[1]!);
  db.pragma('user_version = 2');
  const input = { query: 'hooks', num_agents: 1, webhook_url: SECRET_URL };
  db.prepare('INSERT INTO tasks (task_id, status, created_at, record) VALUES (?, ?, ?, ?)').run('search_old', 'completed', '2026-11-01T00:00:00Z', JSON.stringify({ task_id: 'search_old', status: 'completed', input }));
  db.prepare('INSERT INTO events (task_id, seq, event) VALUES (?, ?, ?)').run('search_old', 1, JSON.stringify({ event_type: 'workflow_start', task_id: 'search_old', seq: 1, data: { input } }));
  db.prepare('INSERT INTO events (task_id, seq, event) VALUES (?, ?, ?)').run('search_old', 2, JSON.stringify({ event_type: 'agent_complete', task_id: 'search_old', seq: 2, data: { content: 'kept as it was' } }));
  db.prepare('INSERT INTO webhooks (id, task_id, url, events, created_at) VALUES (?, ?, ?, ?, ?)').run('wh_1', 'search_old', SECRET_URL, '[]', '2026-11-01T00:00:00Z');
  db.close();
  return dir;
}

describe('migration 3: webhook URLs of tasks stored by the first release', () => {
  it('keeps only the origin in task records and workflow_start events, and the whole URL in the registration', () => {
    const dir = firstReleaseDatabase();
    createSqliteStore(dir).close();
    const db = new Database(path.join(dir, 'orchestrator.db'), { readonly: true });
    try {
      const record = db.prepare('SELECT record FROM tasks').pluck().get() as string;
      const events = db.prepare('SELECT event FROM events ORDER BY seq').pluck().all() as string[];
      expect(JSON.parse(record).input.webhook_url).toBe('https://hooks.example.org/[redacted]');
      expect(JSON.parse(events[0]!).data.input.webhook_url).toBe('https://hooks.example.org/[redacted]');
      expect(`${record}${events.join('')}`).not.toContain('SECRET');
      expect(JSON.parse(events[1]!).data.content).toBe('kept as it was');
      expect(db.prepare('SELECT url FROM webhooks').pluck().get()).toBe(SECRET_URL);
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    } finally {
      db.close();
    }
  });
});

/** A database as the release before task_results left it (migrations 1–3), holding these whole records. */
function wholeRecordDatabase(records: TaskRecord[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-migrate-'));
  dirs.push(dir);
  const db = new Database(path.join(dir, 'orchestrator.db'));
  // Migration 3 calls it (on no rows here).
  db.function('redact_webhook_url', (url: unknown) => url);
  for (const sql of MIGRATIONS.slice(0, 3)) db.exec(sql);
  db.pragma('user_version = 3');
  const insert = db.prepare('INSERT INTO tasks (task_id, status, created_at, finished_at, record) VALUES (?, ?, ?, ?, ?)');
  for (const t of records) insert.run(t.task_id, t.status, t.created_at, t.completed_at, JSON.stringify(t));
  db.close();
  return dir;
}

describe('migration 4: agent results get a row each', () => {
  it('moves the results of stored records into task_results, and reads back the very same records', async () => {
    const synthesis = { ...agentResult(9), role: 'synthesizer' as const, content: 'quote " backslash \\ newline \n ünïcode ✓' };
    const done = withResults('search_done', [agentResult(1), agentResult(2), agentResult(3)], [synthesis], 'completed');
    const running = withResults('search_running', [agentResult(4)]);
    const noSyntheses = task('search_partial', 'failed', { result: { final_synthesis: 'x', agent_results: [agentResult(5)] } as TaskRecord['result'] });
    const pending = task('search_pending');
    const records = [done, running, noSyntheses, pending];
    const dir = wholeRecordDatabase(records);

    const store = createSqliteStore(dir);
    for (const t of records) {
      expect(await store.tasks.get(t.task_id)).toEqual(t);
      // Keys in the same order: the API answers with the same JSON as before.
      expect(JSON.stringify(await store.tasks.get(t.task_id))).toBe(JSON.stringify(t));
    }
    expect((await store.tasks.list({ limit: 10 })).tasks).toEqual([...records].reverse());
    expect(await store.tasks.byStatus(['running', 'completed'])).toEqual([done, running]);
    // A save after the upgrade carries on from what was moved.
    running.result!.agent_results.push(agentResult(6));
    store.tasks.save(running);
    expect(await store.tasks.get('search_running')).toEqual(running);
    await store.close();

    const db = new Database(path.join(dir, 'orchestrator.db'), { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      const counts = db.prepare('SELECT task_id, list, count(*) AS n FROM task_results GROUP BY task_id, list ORDER BY task_id, list').all();
      expect(counts).toEqual([
        { task_id: 'search_done', list: 'agent_results', n: 3 },
        { task_id: 'search_done', list: 'synthesis_results', n: 1 },
        { task_id: 'search_partial', list: 'agent_results', n: 1 },
        { task_id: 'search_running', list: 'agent_results', n: 2 },
      ]);
      const row = JSON.parse(db.prepare("SELECT record FROM tasks WHERE task_id = 'search_done'").pluck().get() as string) as TaskRecord;
      expect(row.result).toMatchObject({ agent_results: [], synthesis_results: [] });
      // A list the record did not have is not added.
      const partial = JSON.parse(db.prepare("SELECT record FROM tasks WHERE task_id = 'search_partial'").pluck().get() as string) as TaskRecord;
      expect(partial.result).not.toHaveProperty('synthesis_results');
    } finally {
      db.close();
    }
  });
});
