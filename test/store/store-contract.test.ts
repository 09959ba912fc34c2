import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TaskEvent } from '../../src/events/event.js';
import { emptyUsage, type TaskRecord, type TaskStatus } from '../../src/orchestrator/task.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { OutboxMessage, Store } from '../../src/store/store.js';

function task(id: string, status: TaskStatus = 'pending', extra: Partial<TaskRecord> = {}): TaskRecord {
  return {
    task_id: id,
    status,
    pattern: 'swarm',
    title: id,
    input: { query: id },
    provider: 'local',
    model: 'extractive',
    created_at: new Date().toISOString(),
    started_at: null,
    completed_at: status === 'completed' || status === 'failed' || status === 'cancelled' ? new Date().toISOString() : null,
    progress: { phase: 'queued', agents_total: 0, agents_done: 0, agents_failed: 0 },
    usage: emptyUsage(),
    ...extra,
  };
}

const event = (taskId: string, seq: number, type: TaskEvent['event_type'] = 'agent_progress'): TaskEvent => ({
  event_type: type,
  task_id: taskId,
  seq,
  timestamp: new Date().toISOString(),
  data: { n: seq },
});

const message = (id: string, taskId: string, next = 0): OutboxMessage => ({
  id,
  registration_id: `wh_${taskId}`,
  task_id: taskId,
  url: 'https://example.org/hook',
  event_type: 'workflow_complete',
  payload: '{}',
  attempts: 0,
  next_attempt_at: next,
  status: 'pending',
  last_error: null,
  created_at: new Date().toISOString(),
});

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-store-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const factories: Array<[string, () => Store]> = [
  ['memory', () => createMemoryStore()],
  ['sqlite', () => createSqliteStore(dir)],
];

describe.each(factories)('%s store', (_name, open) => {
  let store: Store;
  beforeEach(() => {
    store = open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('inserts, saves and reads tasks', () => {
    store.tasks.insert(task('a'));
    store.tasks.save({ ...task('a', 'running'), title: 'changed' });
    expect(store.tasks.get('a')).toMatchObject({ status: 'running', title: 'changed' });
    expect(store.tasks.get('missing')).toBeUndefined();
    // What comes back is a copy: changing it changes nothing stored.
    store.tasks.get('a')!.title = 'mutated';
    expect(store.tasks.get('a')!.title).toBe('changed');
  });

  it('lists newest first, filters by status, and pages with a cursor without repeats', () => {
    for (let i = 0; i < 7; i++) store.tasks.insert(task(`t${i}`, i % 2 ? 'completed' : 'pending'));
    const first = store.tasks.list({ limit: 3 });
    expect(first.tasks.map((t) => t.task_id)).toEqual(['t6', 't5', 't4']);
    const second = store.tasks.list({ limit: 3, cursor: first.next_cursor! });
    const third = store.tasks.list({ limit: 3, cursor: second.next_cursor! });
    expect([...second.tasks, ...third.tasks].map((t) => t.task_id)).toEqual(['t3', 't2', 't1', 't0']);
    expect(third.next_cursor).toBeNull();
    expect(store.tasks.list({ limit: 10, status: 'completed' }).tasks.map((t) => t.task_id)).toEqual(['t5', 't3', 't1']);
    expect(store.tasks.byStatus(['pending']).map((t) => t.task_id)).toEqual(['t0', 't2', 't4', 't6']);
  });

  it('appends events and replays them after any seq', async () => {
    for (let seq = 1; seq <= 5; seq++) store.events.append(event('a', seq));
    expect(store.events.lastSeq('a')).toBe(5);
    expect(store.events.after('a', 0).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(store.events.after('a', 3)).toEqual([event('a', 4), event('a', 5)].map((e, i) => ({ ...e, timestamp: store.events.after('a', 3)[i]!.timestamp })));
    expect(store.events.after('a', 5)).toEqual([]);
    expect(store.events.lastSeq('none')).toBe(0);
  });

  it('tells onStored listeners about each event once it is written, once and in order', async () => {
    const stored: TaskEvent[] = [];
    const stop = store.events.onStored((events) => stored.push(...events));
    for (let seq = 1; seq <= 3; seq++) store.events.append(event('a', seq));
    store.events.append(event('b', 1, 'workflow_complete')); // a terminal event is written at once
    expect(stored.map((e) => `${e.task_id}${e.seq}`)).toEqual(['a1', 'a2', 'a3', 'b1']);
    stop();
    store.events.append(event('a', 4));
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.events.after('a', 3)).toHaveLength(1);
    expect(stored).toHaveLength(4);
  });

  it('prunes finished tasks past the count and the age, with their events and webhooks', () => {
    const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
    store.tasks.insert(task('old', 'completed', { completed_at: old }));
    for (let i = 0; i < 4; i++) store.tasks.insert(task(`done${i}`, 'failed'));
    store.tasks.insert(task('running', 'running'));
    store.events.append(event('old', 1));
    store.events.append(event('done0', 1));
    store.webhooks.register({ id: 'wh1', task_id: 'done0', url: 'https://x.org', events: ['workflow_complete'], created_at: old });
    store.webhooks.enqueue(message('msg_1', 'done0'));
    const pruned = store.tasks.prune({ maxTasks: 3, olderThan: new Date(Date.now() - 30 * 86_400_000).toISOString() });
    expect(pruned.sort()).toEqual(['done0', 'old']);
    expect(store.tasks.get('old')).toBeUndefined();
    expect(store.events.after('done0', 0)).toEqual([]);
    expect(store.webhooks.forTask('done0')).toEqual([]);
    expect(store.webhooks.get('msg_1')).toBeUndefined();
    expect(store.tasks.get('running')).toBeDefined();
  });

  it('keeps webhook registrations and an outbox of due messages', () => {
    store.tasks.insert(task('a', 'running'));
    store.tasks.insert(task('b', 'completed'));
    store.webhooks.register({ id: 'wh_a', task_id: 'a', url: 'https://x.org/a', events: ['workflow_complete', 'workflow_error'], created_at: new Date().toISOString() });
    store.webhooks.register({ id: 'wh_b', task_id: 'b', url: 'https://x.org/b', events: ['workflow_complete'], created_at: new Date().toISOString() });
    expect(store.webhooks.forTask('a')[0]).toMatchObject({ url: 'https://x.org/a', events: ['workflow_complete', 'workflow_error'] });
    expect(store.webhooks.countActive()).toBe(1);
    store.webhooks.enqueue(message('m1', 'a', 100));
    store.webhooks.enqueue(message('m2', 'a', 5000));
    expect(store.webhooks.due(1000, 10).map((m) => m.id)).toEqual(['m1']);
    store.webhooks.update('m1', { status: 'pending', attempts: 1, next_attempt_at: 9000, last_error: 'HTTP 500' });
    expect(store.webhooks.due(6000, 10).map((m) => m.id)).toEqual(['m2']);
    store.webhooks.update('m2', { status: 'delivered', attempts: 1, next_attempt_at: 0, last_error: null });
    expect(store.webhooks.get('m2')).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(store.webhooks.unregister('a')).toBe(1);
    expect(store.webhooks.get('m1')).toBeUndefined();
    expect(store.webhooks.get('m2')).toBeDefined();
  });

  it('answers check() while open', () => {
    expect(() => store.check()).not.toThrow();
  });
});

describe('sqlite store durability', () => {
  it('keeps tasks and events across a reopen, and batches appends until the next tick or a read', async () => {
    const a = createSqliteStore(dir);
    a.tasks.insert(task('x', 'completed'));
    for (let seq = 1; seq <= 100; seq++) a.events.append(event('x', seq));
    a.events.append(event('x', 101, 'stream_closed'));
    await a.close();
    const b = createSqliteStore(dir);
    expect(b.tasks.get('x')?.status).toBe('completed');
    expect(b.events.after('x', 0)).toHaveLength(101);
    expect(b.events.lastSeq('x')).toBe(101);
    await b.close();
    expect(() => b.check()).toThrow();
  });

  it('refuses a database from a newer version of the server', async () => {
    const a = createSqliteStore(dir);
    await a.close();
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path.join(dir, 'orchestrator.db'));
    db.pragma('user_version = 99');
    db.close();
    expect(() => createSqliteStore(dir)).toThrow(/newer than this server knows/);
  });
});
