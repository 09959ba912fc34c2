import type { Database } from 'better-sqlite3';
import { redactWebhookUrl } from '../../webhooks/redact.js';

/**
 * Schema versions, applied in order; `PRAGMA user_version` records how many ran. Never edit a
 * shipped migration: add the next one.
 */
export const MIGRATIONS: string[] = [
  `
  CREATE TABLE tasks (
    ord INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    finished_at TEXT,
    record TEXT NOT NULL
  );
  CREATE INDEX tasks_by_status ON tasks (status, ord);
  CREATE TABLE events (
    task_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY (task_id, seq)
  ) WITHOUT ROWID;
  CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    task_id TEXT NOT NULL,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX webhooks_by_task ON webhooks (task_id);
  CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    registration_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    url TEXT NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    status TEXT NOT NULL,
    last_error TEXT,
    created_at TEXT NOT NULL
  );
  CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
  CREATE INDEX outbox_by_task ON outbox (task_id);
  `,
  // One row that /health rewrites: a write that fails says the store cannot write (disk full).
  `
  CREATE TABLE store_probe (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    checked_at TEXT NOT NULL
  );
  INSERT INTO store_probe (id, checked_at) VALUES (1, '');
  `,
  // Tasks stored by the first release keep their webhook_url whole in the record and in the
  // workflow_start event: keep only its origin there too (the registration keeps the URL).
  `
  UPDATE tasks SET record = json_set(record, '$.input.webhook_url', redact_webhook_url(json_extract(record, '$.input.webhook_url')))
    WHERE json_extract(record, '$.input.webhook_url') IS NOT NULL;
  UPDATE events SET event = json_set(event, '$.data.input.webhook_url', redact_webhook_url(json_extract(event, '$.data.input.webhook_url')))
    WHERE json_extract(event, '$.event_type') = 'workflow_start' AND json_extract(event, '$.data.input.webhook_url') IS NOT NULL;
  `,
  // A task's agent results get a row each, so a save writes the new ones, not the whole record
  // again: the record keeps its result lists empty in place (its keys keep their order), and
  // reads put the rows back, by index.
  `
  CREATE TABLE task_results (
    task_id TEXT NOT NULL,
    list TEXT NOT NULL,
    idx INTEGER NOT NULL,
    result TEXT NOT NULL,
    PRIMARY KEY (task_id, list, idx)
  ) WITHOUT ROWID;
  INSERT INTO task_results (task_id, list, idx, result)
    SELECT t.task_id, 'agent_results', r.key, json_quote(r.value) FROM tasks t, json_each(t.record, '$.result.agent_results') r
    WHERE json_type(t.record, '$.result.agent_results') = 'array';
  INSERT INTO task_results (task_id, list, idx, result)
    SELECT t.task_id, 'synthesis_results', r.key, json_quote(r.value) FROM tasks t, json_each(t.record, '$.result.synthesis_results') r
    WHERE json_type(t.record, '$.result.synthesis_results') = 'array';
  UPDATE tasks SET record = json_set(record, '$.result.agent_results', json('[]'))
    WHERE json_type(record, '$.result.agent_results') = 'array';
  UPDATE tasks SET record = json_set(record, '$.result.synthesis_results', json('[]'))
    WHERE json_type(record, '$.result.synthesis_results') = 'array';
  `,
];

/** SQL functions migrations use. */
function registerFunctions(db: Database): void {
  db.function('redact_webhook_url', { deterministic: true }, (url: unknown) => {
    if (typeof url !== 'string') return url;
    try {
      return redactWebhookUrl(url);
    } catch {
      return '[redacted]';
    }
  });
}

/** Bring the database up to the newest schema, one transaction per migration. */
export function migrate(db: Database): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`the database schema (version ${current}) is newer than this server knows (${MIGRATIONS.length}); upgrade the server`);
  }
  registerFunctions(db);
  MIGRATIONS.slice(current).forEach((sql, i) => {
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${current + i + 1}`);
    })();
  });
  return MIGRATIONS.length;
}
