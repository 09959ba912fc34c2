import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TaskEvent } from '../../src/events/event.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { appendStored, describeStoreContract, event, task } from './store-contract.js';

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
