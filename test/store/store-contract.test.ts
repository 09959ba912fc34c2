import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TaskEvent } from '../../src/events/event.js';
import type { AgentResult } from '../../src/orchestrator/task.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { agentResult, appendStored, describeStoreContract, event, task, withResults } from './store-contract.js';

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-store-'));
const removing = (dir: string) => async () => fs.rmSync(dir, { recursive: true, force: true });

describeStoreContract('memory', async () => ({ store: createMemoryStore() }));
describeStoreContract('memory (documents in DATA_DIR)', async () => {
  const dir = tempDir();
  return { store: createMemoryStore({ dataDir: dir }), close: removing(dir) };
});
describeStoreContract('sqlite', async () => {
  const dir = tempDir();
  return { store: createSqliteStore(dir), close: removing(dir) };
});

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const embedded: Array<[string, () => Store]> = [
  ['memory', () => createMemoryStore()],
  ['sqlite', () => createSqliteStore(dir)],
];

describe.each(embedded)('%s store (embedded)', (_name, open) => {
  let store: Store;
  beforeEach(() => {
    store = open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('is not shared with other instances', () => {
    expect(store.shared).toBe(false);
  });

  it('tells onStored listeners within append: memory at once, sqlite at a terminal event', () => {
    const stored: TaskEvent[] = [];
    const stop = store.events.onStored((events) => stored.push(...events));
    for (let i = 0; i < 3; i++) store.events.append(event('a'));
    store.events.append(event('b', 'workflow_complete')); // a terminal event is written at once
    expect(stored.map((e) => `${e.task_id}${e.seq}`)).toEqual(['a1', 'a2', 'a3', 'b1']);
    stop();
  });

  it('replays events appended just before, without waiting for them to be written', async () => {
    for (let i = 0; i < 3; i++) store.events.append(event('a'));
    expect((await store.events.after('a', 0)).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(await store.events.lastSeq('a')).toBe(3);
  });
});

describe('memory store documents', () => {
  it('keeps documents in memory without a dataDir, and in <dataDir>/documents with one', async () => {
    const inMemory = createMemoryStore();
    await inMemory.documents.put('t1', 'pdf', Buffer.from('%PDF'));
    expect(fs.readdirSync(dir)).toEqual([]);
    expect((await inMemory.documents.get('t1', 'pdf'))?.toString()).toBe('%PDF');
    const onDisk = createMemoryStore({ dataDir: dir });
    await onDisk.documents.put('t1', 'pdf', Buffer.from('%PDF'));
    expect(fs.readFileSync(path.join(dir, 'documents', 't1.pdf'), 'utf8')).toBe('%PDF');
    expect(onDisk.documents.location).toBe(path.join(dir, 'documents'));
  });
});

describe('sqlite store durability', () => {
  it('keeps tasks and events across a reopen, and batches appends until the next tick or a read', async () => {
    const a = createSqliteStore(dir);
    await a.tasks.insert(task('x', 'completed'));
    const written: TaskEvent[] = [];
    a.events.onStored((events) => written.push(...events));
    for (let i = 0; i < 100; i++) a.events.append(event('x'));
    // Not written yet: they wait for the next tick.
    expect(written).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(written).toHaveLength(100);
    a.events.append(event('x', 'stream_closed'));
    await a.close();
    const b = createSqliteStore(dir);
    expect((await b.tasks.get('x'))?.status).toBe('completed');
    expect((await b.events.after('x', 0)).map((e) => e.seq)).toEqual(Array.from({ length: 101 }, (_, i) => i + 1));
    expect(await b.events.lastSeq('x')).toBe(101);
    // Numbering goes on from what the file holds.
    expect((await appendStored(b, [event('x')])).map((e) => e.seq)).toEqual([102]);
    await b.close();
    await expect(b.check()).rejects.toThrow();
  });

  it('keeps documents as files in <dataDir>/documents', async () => {
    const store = createSqliteStore(dir);
    await store.documents.put('t1', 'md', Buffer.from('# t1'));
    expect(fs.readFileSync(path.join(dir, 'documents', 't1.md'), 'utf8')).toBe('# t1');
    expect(store.documents.location).toBe(path.join(dir, 'documents'));
    await store.close();
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

/** Bytes bound to the writes of the tasks tables (`UPDATE tasks` starts a save), per save. */
function countSaveBytes(db: Database.Database, saves: number[]): void {
  const prepare = db.prepare.bind(db) as Database.Database['prepare'];
  db.prepare = ((sql: string) => {
    const statement = prepare(sql);
    if (!/^\s*(INSERT|UPDATE)/i.test(sql) || !/\btask(s|_results)\b/.test(sql)) return statement;
    const run = statement.run.bind(statement);
    statement.run = ((...args: unknown[]) => {
      if (/^\s*UPDATE tasks\b/i.test(sql)) saves.push(0);
      if (saves.length) saves[saves.length - 1]! += args.reduce<number>((n, a) => n + (typeof a === 'string' ? Buffer.byteLength(a) : 8), 0);
      return run(...args);
    }) as typeof statement.run;
    return statement;
  }) as Database.Database['prepare'];
}

describe('task saves write what changed', () => {
  const RESULT = 2_000;
  /** What one result is as JSON, in UTF-8 (its padding is two bytes a character). */
  const BYTES = Buffer.byteLength(JSON.stringify(agentResult(1, RESULT)));
  const grow = (store: Store, id: string, agents: AgentResult[], from: number, to: number) => {
    const record = withResults(id, agents);
    for (let n = from; n <= to; n++) {
      agents.push(agentResult(n, RESULT));
      record.progress.agents_done = n;
      store.tasks.save(record);
    }
    return record;
  };

  it('sqlite: a save writes the task row and the new result, whatever the number of results before it', async () => {
    const saves: number[] = [];
    const store = createSqliteStore(dir, { configure: (db) => countSaveBytes(db, saves) });
    await store.tasks.insert(task('a', 'running'));
    const record = grow(store, 'a', [], 1, 40);
    // Regression: every save wrote the whole record again, 40 results' worth by the last one.
    expect(saves).toHaveLength(40);
    expect(saves[39]! - saves[1]!).toBeLessThan(100);
    expect(saves[39]!).toBeLessThan(1.5 * BYTES);
    expect(await store.tasks.get('a')).toEqual(record);
    await store.close();
  });

  it('sqlite: after a reopen, reads the same records; the first save of a task rewrites its results once', async () => {
    const a = createSqliteStore(dir);
    await a.tasks.insert(task('a', 'running'));
    await a.tasks.insert(task('b', 'running'));
    const agents: AgentResult[] = [];
    const record = grow(a, 'a', agents, 1, 10);
    const done = withResults('b', [agentResult(1), agentResult(2)], [{ ...agentResult(3), role: 'synthesizer' }], 'completed');
    a.tasks.save(done);
    const before = { get: await a.tasks.get('a'), list: await a.tasks.list({ limit: 10 }), running: await a.tasks.byStatus(['running']) };
    await a.close();

    const saves: number[] = [];
    const b = createSqliteStore(dir, { configure: (db) => countSaveBytes(db, saves) });
    expect(await b.tasks.get('a')).toEqual(before.get);
    expect(JSON.stringify(await b.tasks.get('a'))).toBe(JSON.stringify(record));
    expect(await b.tasks.get('b')).toEqual(done);
    expect(await b.tasks.list({ limit: 10 })).toEqual(before.list);
    expect(await b.tasks.byStatus(['running'])).toEqual(before.running);
    // This store has not written task a: its first save writes all eleven results, the next one only its new one.
    grow(b, 'a', agents, 11, 12);
    expect(saves[0]!).toBeGreaterThan(11 * BYTES);
    expect(saves[1]!).toBeLessThan(1.5 * BYTES);
    expect((await b.tasks.get('a'))!.result!.agent_results).toEqual(agents);
    await b.close();
  });

  it('memory: a save copies the record and the new result, whatever the number of results before it', async () => {
    const store = createMemoryStore();
    await store.tasks.insert(task('a', 'running'));
    const copied: number[] = [];
    const spy = vi.spyOn(globalThis, 'structuredClone');
    const agents: AgentResult[] = [];
    const record = withResults('a', agents);
    try {
      for (let n = 1; n <= 40; n++) {
        agents.push(agentResult(n, RESULT));
        spy.mockClear();
        store.tasks.save(record);
        copied.push(spy.mock.calls.reduce((bytes, [value]) => bytes + JSON.stringify(value).length, 0));
      }
    } finally {
      spy.mockRestore();
    }
    // Regression: every save copied the whole record, 40 results' worth by the last one.
    expect(copied[39]! - copied[1]!).toBeLessThan(100);
    expect(copied[39]!).toBeLessThan(1.5 * JSON.stringify(agentResult(1, RESULT)).length);
    expect(await store.tasks.get('a')).toEqual(record);
    // What is kept is a copy: changing the saved results afterwards changes nothing stored.
    const stored = (await store.tasks.get('a'))!;
    agents.length = 0;
    expect(await store.tasks.get('a')).toEqual(stored);
  });
});
