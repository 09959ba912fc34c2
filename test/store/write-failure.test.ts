import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEventLog } from '../../src/events/event-log.js';
import type { TaskEvent } from '../../src/events/event.js';
import { StoreError, toStoreError } from '../../src/store/store-error.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store, UnnumberedEvent } from '../../src/store/store.js';
import { waitFor } from '../helpers/test-server.js';
import { mountTmpfs, openFullableStore, type FullableStore } from './full-disk.js';
import type { AgentResult } from '../../src/orchestrator/task.js';
import { agentResult, task, withResults } from './store-contract.js';

/**
 * Regression: a SQLite write the disk refused (SQLITE_FULL) was thrown out of the store's
 * background event flush, an uncaught exception that ended the process. These fill a small tmpfs
 * for real (or, without root, cap SQLite's page count: the same SQLITE_FULL).
 */

// About 40 KB each: thirty need more pages than a full disk has. The store numbers them.
const big = (taskId: string, n: number, type: TaskEvent['event_type'] = 'agent_progress'): UnnumberedEvent => ({
  event_type: type,
  task_id: taskId,
  timestamp: new Date().toISOString(),
  data: { n, delta: `${n} `.padEnd(40_000, 'x') },
});
const tick = () => new Promise((resolve) => setImmediate(resolve));

let mount: ReturnType<typeof mountTmpfs>;
let opened: FullableStore | undefined;
beforeAll(() => {
  mount = mountTmpfs(4);
});
afterEach(async () => {
  if (!opened) return;
  opened.free();
  await opened.store.close();
  fs.rmSync(opened.dataDir, { recursive: true, force: true });
  opened = undefined;
});
afterAll(() => mount?.unmount());

describe('SQLite store on a full disk', () => {
  it('holds events a flush cannot write, without throwing, and writes them in order once space is back', async () => {
    opened = openFullableStore(mount?.dir);
    const { store } = opened;
    await store.tasks.insert(task('a', 'running'));
    opened.fill();
    for (let n = 1; n <= 30; n++) store.events.append(big('a', n));
    await tick(); // the background flush: it used to throw here, uncaught
    expect(() => store.events.append(big('a', 31, 'workflow_error'))).not.toThrow(); // a terminal event flushes at once
    expect(await store.events.after('a', 0)).toEqual([]);
    // Nothing is stored yet (the numbers taken are held with the events).
    expect(await store.events.lastSeq('a')).toBe(0);
    await expect(store.check()).rejects.toThrow(/disk holding DATA_DIR is full/);

    opened.free();
    await expect(store.check()).resolves.toBeUndefined();
    const stored = await store.events.after('a', 0);
    expect(stored.map((e) => e.seq)).toEqual(Array.from({ length: 31 }, (_, i) => i + 1));
    // Numbered in the order they were appended, while held back.
    expect(stored.map((e) => e.data.n)).toEqual(Array.from({ length: 31 }, (_, i) => i + 1));
    expect(stored.at(-1)?.event_type).toBe('workflow_error');
    expect(await store.events.lastSeq('a')).toBe(31);
  });

  it('holds a save it cannot write (reads see it), refuses new tasks meanwhile, and writes it once space is back', async () => {
    opened = openFullableStore(mount?.dir);
    const { store, dataDir } = opened;
    await store.tasks.insert(task('a', 'running'));
    opened.fill();
    const failed = task('a', 'failed', { error: { code: 'store_unavailable', message: 'x' }, title: 'y'.repeat(1_000_000) });
    expect(() => store.tasks.save(failed)).not.toThrow();
    expect(await store.tasks.get('a')).toEqual(failed);
    expect((await store.tasks.list({ limit: 10 })).tasks).toEqual([failed]);
    let refused: unknown;
    try {
      await store.tasks.insert(task('b', 'pending'));
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(StoreError);
    expect(refused).toMatchObject({ kind: 'full', unavailable: true, taskCode: 'store_unavailable' });
    expect(await store.tasks.get('b')).toBeUndefined();

    opened.free();
    await store.tasks.insert(task('b', 'pending'));
    await store.close();
    const reopened = createSqliteStore(dataDir);
    expect(await reopened.tasks.get('a')).toEqual(failed);
    expect((await reopened.tasks.get('b'))?.status).toBe('pending');
    await reopened.close();
  });

  it('holds saves of a running task whose results grow, and writes every result once space is back', async () => {
    opened = openFullableStore(mount?.dir);
    const { store, dataDir } = opened;
    await store.tasks.insert(task('a', 'running'));
    const agents: AgentResult[] = [];
    const record = withResults('a', agents);
    const push = (n: number) => {
      // Big enough to need pages the full disk does not have.
      agents.push(agentResult(n, 30_000));
      store.tasks.save(record);
    };
    push(1);
    push(2);
    opened.fill();
    push(3);
    push(4);
    expect(await store.tasks.get('a')).toEqual(record);
    await expect(store.check()).rejects.toThrow(/full/);

    opened.free();
    await store.check();
    expect(await store.tasks.get('a')).toEqual(record);
    // The live task goes on saving after its held saves were written.
    push(5);
    expect(await store.tasks.get('a')).toEqual(record);
    await store.close();
    const reopened = createSqliteStore(dataDir);
    expect(await reopened.tasks.get('a')).toEqual(record);
    await reopened.close();
  });

  it('shows followers only events that are stored, so a replay equals what they saw', async () => {
    opened = openFullableStore(mount?.dir);
    const { store } = opened;
    const log = createEventLog(store.events);
    await store.tasks.insert(task('a', 'running'));
    log.append('a', { event_type: 'workflow_start' });
    await tick();
    const seen: TaskEvent[] = [];
    const stop = log.follow('a', 0, (event) => seen.push(event));
    await vi.waitFor(() => expect(seen.map((e) => e.seq)).toEqual([1]));

    opened.fill();
    for (let i = 0; i < 30; i++) log.append('a', { event_type: 'agent_progress', data: { delta: 'x'.repeat(40_000) } });
    log.append('a', { event_type: 'workflow_error' });
    await tick();
    await tick();
    expect(seen.map((e) => e.seq)).toEqual([1]);

    opened.free();
    await store.check();
    await vi.waitFor(() => expect(seen.map((e) => e.seq)).toEqual(Array.from({ length: 32 }, (_, i) => i + 1)));
    expect(seen).toEqual(await log.history('a'));
    stop();
  });

  it('tells listeners which tasks a failed write concerned, and retries on its own once space is back', async () => {
    opened = openFullableStore(mount?.dir, { retryMs: 20 });
    const { store } = opened;
    const failures: Array<[StoreError, readonly string[]]> = [];
    store.onWriteError((error, ids) => failures.push([error, ids]));
    const stored: TaskEvent[] = [];
    store.events.onStored((events) => stored.push(...events));
    await store.tasks.insert(task('a', 'running'));
    await store.tasks.insert(task('b', 'running'));
    opened.fill();
    for (let i = 1; i <= 30; i++) store.events.append(big(i % 2 ? 'a' : 'b', Math.ceil(i / 2)));
    await tick();
    expect(failures.length).toBeGreaterThan(0);
    expect(failures[0]![0]).toMatchObject({ kind: 'full', storeCode: 'SQLITE_FULL' });
    expect([...failures[0]![1]].sort()).toEqual(['a', 'b']);

    opened.free();
    await waitFor(() => stored.length === 30);
    expect(stored.filter((e) => e.task_id === 'a').map((e) => e.seq)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect(stored.filter((e) => e.task_id === 'a').map((e) => e.data.n)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect(stored.filter((e) => e.task_id === 'b').map((e) => e.seq)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
  });
});

describe('SQLite store refusing a write (a constraint)', () => {
  let db: Database.Database | undefined;
  const open = () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-constraint-'));
    opened = { store: createSqliteStore(dataDir, { configure: (handle) => void (db = handle) }), dataDir, fill: () => undefined, free: () => undefined };
    return opened.store;
  };
  const refuseOne = async (store: Store) => {
    store.events.append(big('a', 1));
    expect(await store.events.after('a', 0)).toHaveLength(1);
    // Seq 2 taken behind the store's back: the next event it numbers 2, and the primary key refuses it.
    db!.prepare('INSERT INTO events (task_id, seq, event) VALUES (?, ?, ?)').run('a', 2, JSON.stringify({ ...big('a', 0), seq: 2 }));
    store.events.append(big('a', 2));
    store.events.append(big('a', 3));
    await tick(); // the background flush: it used to throw here, uncaught, and lose event 3
  };

  it('drops the refused event and still writes the rest', async () => {
    const store = open();
    await refuseOne(store);
    const stored = await store.events.after('a', 0);
    expect(stored.map((e) => e.seq)).toEqual([1, 2, 3]);
    // Seq 2 is the row that was there first; event 2 is gone, event 3 is written after it.
    expect(stored.map((e) => e.data.n)).toEqual([1, 0, 3]);
  });

  it('reports the refusal, with its task, as a store error that is not "unavailable"', async () => {
    const store = open();
    const failures: Array<[StoreError, readonly string[]]> = [];
    store.onWriteError((error, ids) => failures.push([error, ids]));
    await refuseOne(store);
    expect(failures.map(([error, ids]) => [error.kind, error.unavailable, ids])).toEqual([
      ['constraint', false, ['a']],
      ['constraint', false, ['a']],
    ]);
  });
});

describe('toStoreError', () => {
  it.each([
    ['SQLITE_FULL', 'full', /disk holding DATA_DIR is full; try again when space is freed/],
    ['ENOSPC', 'full', /full/],
    ['SQLITE_IOERR_WRITE', 'io', /I\/O error \(SQLITE_IOERR_WRITE\)/],
    ['SQLITE_READONLY_DBMOVED', 'read_only', /read-only/],
    ['SQLITE_CANTOPEN', 'cannot_open', /cannot open/],
    ['SQLITE_BUSY', 'busy', /locked/],
    ['SQLITE_CORRUPT', 'corrupt', /damaged/],
  ])('maps %s to an unavailable store (%s) with a message a person understands', (code, kind, message) => {
    const error = toStoreError(Object.assign(new Error('raw'), { code }));
    expect(error).toMatchObject({ kind, unavailable: true, storeCode: code, taskCode: 'store_unavailable' });
    expect(error.message).toMatch(message);
  });

  it('maps a constraint and anything unknown to a store error that is not "unavailable"', () => {
    expect(toStoreError(Object.assign(new Error('UNIQUE'), { code: 'SQLITE_CONSTRAINT_PRIMARYKEY' }))).toMatchObject({ kind: 'constraint', unavailable: false, taskCode: 'store_error' });
    expect(toStoreError(new TypeError('bad'))).toMatchObject({ kind: 'other', unavailable: false });
  });
});
