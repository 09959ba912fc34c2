import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TaskEvent } from '../../src/events/event.js';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { MAIN, cleanupChildren, listeningPort, run } from '../helpers/child-process.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { openTaskStream, type SseClient } from '../helpers/sse-client.js';
import { startTestServer, waitFor } from '../helpers/test-server.js';
import { fillFilesystem, mountTmpfs } from './full-disk.js';

/**
 * Regression: with DATA_DIR on a full disk, a failed write in the store's background event flush
 * was an uncaught exception (the process exited, and crash-looped under systemd), and the
 * orchestrate routes answered 500. Here the disk is really full: a small tmpfs as DATA_DIR, filled
 * with a filler file until ENOSPC. Without root (no mount) the same scenario runs in-process with
 * SQLite's `max_page_count` capping the database, which gives the same real SQLITE_FULL.
 */

/** One server on a disk that can be filled and freed. */
interface Harness {
  base: string;
  alive(): boolean;
  /** The last log lines, to show why the server died. */
  logs(): string;
  fill(): void;
  free(): void;
  stop(): Promise<void>;
}

let mount: ReturnType<typeof mountTmpfs>;
let upstream: FakeUpstream | undefined;
let harness: Harness | undefined;

beforeAll(() => {
  mount = mountTmpfs(4); // undefined without root: the max_page_count harness below
});

afterEach(async () => {
  harness?.free(); // a test that failed half-way leaves no full disk behind
  await harness?.stop();
  harness = undefined;
  await cleanupChildren();
  await upstream?.close();
  upstream = undefined;
});

afterAll(() => mount?.unmount());

const ENV = { PORT: '0', STORE: 'sqlite', DEFAULT_PROVIDER: 'local', OPENAI_API_KEY: 'test-key', MAX_ACTIVE_TASKS: '4' };

/** The real server (`src/main.ts`) as a child process, DATA_DIR on the tmpfs. */
async function childOnTmpfs(tmpfs: string, openaiBaseUrl: string): Promise<Harness> {
  const dataDir = path.join(tmpfs, 'data');
  const filler = path.join(tmpfs, 'filler');
  const child = run(MAIN, [], { ...ENV, DATA_DIR: dataDir, OPENAI_BASE_URL: openaiBaseUrl });
  const base = `http://127.0.0.1:${await listeningPort(child)}`;
  return {
    base,
    alive: () => child.proc.exitCode === null && child.proc.signalCode === null,
    logs: () => `${child.stdout().slice(-3000)}${child.stderr().slice(-2000)}`,
    fill: () => fillFilesystem(filler),
    free: () => fs.rmSync(filler, { force: true }),
    async stop() {
      if (child.proc.exitCode === null) child.proc.kill('SIGTERM');
      expect((await child.exited).code).toBe(0);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Without root: the app in-process, its SQLite connection capped at the pages it has. */
async function inProcessWithPageCap(openaiBaseUrl: string): Promise<Harness> {
  let db: Database.Database | undefined;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-disk-full-'));
  const store = createSqliteStore(dataDir, { configure: (handle) => void (db = handle) });
  const server = await startTestServer({ store, env: { ...ENV, OPENAI_BASE_URL: openaiBaseUrl } });
  return {
    base: server.url,
    alive: () => true,
    logs: () => server.logs.text().slice(-3000),
    fill: () => void db!.pragma(`max_page_count = ${db!.pragma('page_count', { simple: true }) as number}`),
    free: () => void db!.pragma('max_page_count = 1073741823'),
    async stop() {
      await server.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** One request; a server that died says so, with its last log lines. */
async function call(url: string, init?: RequestInit) {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (error) {
    throw new Error(`${url}: ${(error as Error).message}; server alive: ${harness?.alive()}\n${harness?.logs()}`, { cause: error });
  }
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}
const post = (base: string, route: string, body: unknown) =>
  call(`${base}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const getJson = (base: string, route: string) => call(`${base}${route}`);

async function replay(base: string, id: string): Promise<TaskEvent[]> {
  const client = await openTaskStream(base, id);
  expect(client.status).toBe(200);
  expect(await client.finished).toBe('end');
  return client.events();
}

const startHarness = (openaiBaseUrl: string) => (mount ? childOnTmpfs(mount.dir, openaiBaseUrl) : inProcessWithPageCap(openaiBaseUrl));

describe('DATA_DIR on a full disk', { timeout: 120_000 }, () => {
  it('refuses a new task with 503 unavailable saying why (it was a 500 internal_error), and takes it once space is back', async () => {
    harness = await startHarness('http://127.0.0.1:9/v1'); // no model server needed: the local provider
    // The longest task there is: its record needs a page of its own, however the disk is filled.
    const body = { task: 'w'.repeat(5000), num_agents: 1 };
    harness.fill();
    const refused = await post(harness.base, '/tools/orchestrate_research', body);
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ success: false, error: { code: 'unavailable', message: expect.stringMatching(/DATA_DIR is full; try again when space is freed/) } });
    expect(harness.alive()).toBe(true);

    harness.free();
    const accepted = await post(harness.base, '/tools/orchestrate_research', body);
    expect(accepted.status).toBe(202);
    await waitFor(async () => (await getJson(harness!.base, `/tasks/${accepted.body.task_id}`)).body.status === 'completed', 20_000, 50);
  });

  it('keeps the process up, fails the running task, answers 503 unavailable, and recovers once space is back', async () => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    // Workers of the long task wait until the disk is full, then answer with a lot of text to store.
    upstream = await startFakeUpstream(async (r) => {
      if (/research planner/.test(r.system)) return undefined;
      await released;
      return { kind: 'answer', text: 'finding '.repeat(40_000), chunkSize: 16_000 };
    });
    harness = await startHarness(`${upstream.url}/v1`);
    const { base } = harness;

    // Healthy first: a task of the offline provider completes.
    const warm = await post(base, '/tools/orchestrate_search', { query: 'event stream resume', num_agents: 1 });
    expect(warm.status).toBe(202);
    await waitFor(async () => (await getJson(base, `/tasks/${warm.body.task_id}`)).body.status === 'completed', 20_000, 50);

    // A task running when the disk fills, with a follower on its stream.
    const long = await post(base, '/tools/orchestrate_research', { task: 'a long task', num_agents: 2, provider: 'openai', model: 'gpt-test' });
    expect(long.status).toBe(202);
    await waitFor(() => upstream!.requests.filter((r) => !/research planner/.test(r.system)).length === 2, 20_000, 20);
    const follower: SseClient = await openTaskStream(base, long.body.task_id);

    harness.fill();
    release();

    // The task ends failed with a clear code; the process does not die.
    const failed = await waitFor(async () => {
      expect(harness!.alive(), harness!.logs()).toBe(true);
      const task = await getJson(base, `/tasks/${long.body.task_id}`);
      return task.body.status === 'failed' ? task.body : undefined;
    }, 30_000, 50);
    expect(failed.error).toMatchObject({ code: 'store_unavailable', message: expect.stringMatching(/full/) });

    // New work is refused with 503 `unavailable` and a message a person understands, never a 500.
    for (const [route, body] of [
      ['/tools/orchestrate_research', { task: 'refused while full' }],
      ['/tools/orchestrate_search', { query: 'refused while full' }],
    ] as const) {
      const refused = await post(base, route, body);
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ success: false, error: { code: 'unavailable', message: expect.stringMatching(/disk holding DATA_DIR is full; try again when space is freed/) } });
    }
    const sick = await getJson(base, '/health');
    expect(sick.status).toBe(503);
    expect(sick.body).toMatchObject({ status: 'unhealthy', store: 'sqlite', store_error: 'full', reason: expect.stringMatching(/store \(sqlite\) unavailable: .*DATA_DIR is full/) });
    expect(harness.alive()).toBe(true);

    // Space is back: everything recovers by itself, no restart.
    harness.free();
    await waitFor(async () => (await getJson(base, '/health')).status === 200, 20_000, 50);
    const after = await post(base, '/tools/orchestrate_search', { query: 'accepted again', num_agents: 1 });
    expect(after.status).toBe(202);
    await waitFor(async () => (await getJson(base, `/tasks/${after.body.task_id}`)).body.status === 'completed', 20_000, 50);

    // The failed task's record and whole log reached the disk; the follower saw exactly the stored log.
    expect((await getJson(base, `/tasks/${long.body.task_id}`)).body).toMatchObject({ status: 'failed', error: { code: 'store_unavailable' } });
    const stored = await replay(base, long.body.task_id);
    expect(stored.map((e) => e.seq)).toEqual(stored.map((_, i) => i + 1));
    expect(stored.slice(-2).map((e) => e.event_type)).toEqual(['workflow_error', 'stream_closed']);
    expect(await follower.finished).toBe('end');
    expect(follower.events()).toEqual(stored);
    expect(harness.alive()).toBe(true);
  });
});
