import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';

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
