import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TaskEvent } from '../../src/events/event.js';
import { createLogger } from '../../src/logger.js';
import { isStoreError, type StoreError } from '../../src/store/store-error.js';
import { createRedisStore } from '../../src/store/redis/redis-store.js';
import type { OutboxMessage, Store, UnnumberedEvent } from '../../src/store/store.js';
import { LogSink } from '../helpers/log-sink.js';
import { freePort } from '../helpers/ports.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import type { AgentResult } from '../../src/orchestrator/task.js';
import { agentResult, describeStoreContract, task, withResults } from './store-contract.js';

const event = (taskId: string, data: Record<string, unknown> = {}): UnnumberedEvent => ({
  event_type: 'agent_progress',
  task_id: taskId,
  timestamp: new Date().toISOString(),
  data,
});

const message = (id: string, taskId: string, next: number, extra: Partial<OutboxMessage> = {}): OutboxMessage => ({
  id,
  registration_id: `wh_${taskId}`,
  task_id: taskId,
  url: 'https://example.org/hook',
  event_type: 'workflow_complete',
  payload: JSON.stringify({ id, text: 'a/b "quoted" é' }),
  attempts: 0,
  next_attempt_at: next,
  status: 'pending',
  last_error: null,
  created_at: new Date().toISOString(),
  ...extra,
});

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Wait until `condition` holds (polled), failing after `timeoutMs`: for things that happen in the background. */
async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const settles = (promise: Promise<unknown>) => promise.then(() => true, () => false);

/** A TCP proxy to Redis that can swallow the next reply and drop that connection: a reply lost after Redis ran the command. */
async function startLossyProxy(port: number) {
  const state = { cutNextReply: false, cuts: 0 };
  const sockets = new Set<net.Socket>();
  const proxy = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', end);
      socket.on('close', end);
    }
    client.on('data', (data) => upstream.write(data));
    upstream.on('data', (data) => {
      if (!state.cutNextReply) return void client.write(data);
      state.cutNextReply = false;
      state.cuts++;
      end();
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `redis://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`,
    state,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}

let server: RedisServer;
let raw: Redis;
let prefix: string;
let sink: LogSink;
const opened: Store[] = [];
let serial = 0;

async function open(options: { retryMs?: number; logSink?: LogSink } = {}): Promise<Store> {
  const logger = createLogger({ level: 'info', destination: options.logSink ?? sink });
  const store = await createRedisStore({ url: server.url, prefix, logger, retryMs: options.retryMs });
  opened.push(store);
  return store;
}

beforeAll(async () => {
  server = await startRedis();
  raw = new Redis(server.url, { maxRetriesPerRequest: null });
  raw.on('error', () => undefined);
});

afterAll(async () => {
  raw.disconnect();
  await server.stop();
});

beforeEach(() => {
  prefix = `test${++serial}:`;
  sink = new LogSink();
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

// What every store does, on Redis (each test under its own prefix).
describeStoreContract('redis', async () => ({
  store: await createRedisStore({ url: server.url, prefix: `contract${++serial}:`, logger: createLogger({ level: 'silent', destination: sink }) }),
}));

describe('Redis store: tasks', () => {
  it('inserts, saves and reads tasks; lists newest first by cursor and status; byStatus oldest first', async () => {
    const store = await open();
    expect(store).toMatchObject({ kind: 'redis', shared: true });
    for (const id of ['a', 'b', 'c', 'd', 'e']) await store.tasks.insert(task(id));
    store.tasks.save({ ...task('b', 'running'), title: 'changed' });
    store.tasks.save(task('d', 'completed'));
    await store.check();

    // A second instance reads only Redis: the indexes were written, not just this process's view.
    const other = await open();
    expect(await other.tasks.get('b')).toMatchObject({ status: 'running', title: 'changed' });
    expect(await other.tasks.get('missing')).toBeUndefined();
    const first = await other.tasks.list({ limit: 2 });
    expect(first.tasks.map((t) => t.task_id)).toEqual(['e', 'd']);
    const second = await other.tasks.list({ limit: 2, cursor: first.next_cursor! });
    expect(second.tasks.map((t) => t.task_id)).toEqual(['c', 'b']);
    const last = await other.tasks.list({ limit: 2, cursor: second.next_cursor! });
    expect(last).toEqual({ tasks: [expect.objectContaining({ task_id: 'a' })], next_cursor: null });
    expect((await other.tasks.list({ limit: 5 })).next_cursor).toBeNull();
    expect((await other.tasks.list({ limit: 10, status: 'running' })).tasks.map((t) => t.task_id)).toEqual(['b']);
    const pendingPage = await other.tasks.list({ limit: 2, status: 'pending' });
    expect(pendingPage.tasks.map((t) => t.task_id)).toEqual(['e', 'c']);
    expect((await other.tasks.list({ limit: 2, status: 'pending', cursor: pendingPage.next_cursor! })).tasks.map((t) => t.task_id)).toEqual(['a']);
    expect((await other.tasks.byStatus(['running', 'pending'])).map((t) => t.task_id)).toEqual(['a', 'b', 'c', 'e']);

    // The per-status indexes moved with the saves.
    expect(await raw.zrange(`${prefix}tasks:st:running`, 0, -1)).toEqual(['b']);
    expect(await raw.zrange(`${prefix}tasks:st:pending`, 0, -1)).toEqual(['a', 'c', 'e']);
    expect(await raw.zrange(`${prefix}tasks:st:completed`, 0, -1)).toEqual(['d']);
  });

  it('refuses to insert a task id twice, as a store error that is not "unavailable"', async () => {
    const store = await open();
    await store.tasks.insert(task('x'));
    const error = await store.tasks.insert(task('x')).catch((e: unknown) => e);
    expect(isStoreError(error)).toBe(true);
    expect(error).toMatchObject({ kind: 'constraint', unavailable: false });
  });

  it('reads its own saves before Redis has them (get, list, byStatus)', async () => {
    const store = await open();
    await store.tasks.insert(task('a'));
    await store.tasks.insert(task('b'));
    // The save is sent on the next tick; these reads are sent now, ahead of it on the same
    // connection, so Redis answers them with the old state and only the pending save can say `running`.
    store.tasks.save(task('a', 'running'));
    const [got, page, running, pending] = await Promise.all([
      store.tasks.get('a'),
      store.tasks.list({ limit: 10 }),
      store.tasks.byStatus(['running']),
      store.tasks.byStatus(['pending']),
    ]);
    expect(got?.status).toBe('running');
    expect(page.tasks.map((t) => [t.task_id, t.status])).toEqual([['b', 'pending'], ['a', 'running']]);
    expect(running.map((t) => t.task_id)).toEqual(['a']);
    expect(pending.map((t) => t.task_id)).toEqual(['b']);
    await store.check();
    expect(await raw.hget(`${prefix}task:a`, 'status')).toBe('running');
  });

  it('prunes finished tasks past the count and the age, with their events, webhooks, outbox and documents', async () => {
    const store = await open();
    const old = '2020-01-01T00:00:00.000Z';
    await store.tasks.insert(task('f1', 'completed', { created_at: old, completed_at: old }));
    for (const id of ['f2', 'f3', 'f4', 'p1']) await store.tasks.insert(task(id, id === 'p1' ? 'pending' : 'completed'));
    for (const id of ['f1', 'f2', 'f4', 'p1']) {
      store.events.append(event(id));
      await store.webhooks.register({ id: `wh_${id}`, task_id: id, url: 'https://example.org/hook', events: ['workflow_complete'], created_at: old });
      await store.webhooks.enqueue(message(`m_${id}`, id, 0));
      await store.documents.put(id, 'md', Buffer.from(`# ${id}`));
    }
    await store.check();

    const pruned = await store.tasks.prune({ maxTasks: 2, olderThan: '2021-01-01T00:00:00.000Z' });
    expect(pruned.sort()).toEqual(['f1', 'f2']);
    for (const id of ['f1', 'f2']) {
      expect(await store.tasks.get(id)).toBeUndefined();
      expect(await store.events.after(id, 0)).toEqual([]);
      expect(await store.events.lastSeq(id)).toBe(0);
      expect(await store.webhooks.forTask(id)).toEqual([]);
      expect(await store.webhooks.get(`m_${id}`)).toBeUndefined();
      expect(await store.documents.get(id, 'md')).toBeUndefined();
      expect(await raw.keys(`${prefix}*${id}*`)).toEqual([]);
    }
    // Members are `<enqueue number>:<id>`.
    expect((await raw.zrange(`${prefix}obdue`, 0, -1)).map((m) => m.slice(17))).toEqual(['m_f4', 'm_p1']);
    expect((await store.tasks.list({ limit: 10 })).tasks.map((t) => t.task_id)).toEqual(['p1', 'f4', 'f3']);
    expect(await store.events.lastSeq('f4')).toBe(1);
    expect((await store.documents.get('p1', 'md'))?.toString()).toBe('# p1');
    // Nothing more is due.
    expect(await store.tasks.prune({ maxTasks: 2, olderThan: '2021-01-01T00:00:00.000Z' })).toEqual([]);
  });

  it('prunes more tasks than fit in one script call', async () => {
    const store = await open();
    for (let i = 0; i < 250; i++) store.tasks.save(task(`t${i}`, 'failed'));
    await store.check();
    const pruned = await store.tasks.prune({ maxTasks: 5, olderThan: '2000-01-01T00:00:00.000Z' });
    expect(pruned).toHaveLength(245);
    expect((await store.tasks.list({ limit: 100 })).tasks.map((t) => t.task_id)).toEqual(['t249', 't248', 't247', 't246', 't245']);
  });
});

describe('Redis store: saves write what changed', () => {
  const RESULT = 2_000;
  /** What one result is as JSON, in UTF-8. */
  const BYTES = Buffer.byteLength(JSON.stringify(agentResult(1, RESULT)));
  /** Bytes Redis has read from all its clients (the server's own count). */
  const received = async () => Number(/total_net_input_bytes:(\d+)/.exec(await raw.info('stats'))![1]);
  /** Save the record once per new result, each save flushed; what Redis received for each. */
  const grow = async (store: Store, record: ReturnType<typeof withResults>, from: number, to: number) => {
    const sizes: number[] = [];
    for (let n = from; n <= to; n++) {
      const before = await received();
      record.result!.agent_results.push(agentResult(n, RESULT));
      record.progress.agents_done = n;
      store.tasks.save(record);
      await store.check();
      sizes.push((await received()) - before);
    }
    return sizes;
  };

  it('a save sends the task row and the new result, whatever the number of results before it', async () => {
    const store = await open();
    await store.tasks.insert(task('a', 'running'));
    const record = withResults('a', []);
    const sizes = await grow(store, record, 1, 40);
    // Regression: every save sent the whole record again, 40 results' worth by the last one.
    expect(sizes[39]! - sizes[1]!).toBeLessThan(100);
    expect(sizes[39]!).toBeLessThan(1.5 * BYTES);
    // Another instance reads the whole record back, by get, list and byStatus.
    const other = await open();
    expect(await other.tasks.get('a')).toEqual(record);
    expect((await other.tasks.list({ limit: 1 })).tasks).toEqual([record]);
    expect(await other.tasks.byStatus(['running'])).toEqual([record]);
    expect(await raw.hget(`${prefix}task:a`, 'n:agent_results')).toBe('40');
  });

  it("another instance's first save of a task sends its results once, then only the new ones", async () => {
    const a = await open();
    await a.tasks.insert(task('a', 'running'));
    const record = withResults('a', [], [{ ...agentResult(99), role: 'synthesizer' }]);
    await grow(a, record, 1, 10);
    const b = await open();
    const taken = (await b.tasks.get('a'))!;
    expect(taken).toEqual(record);
    const sizes = await grow(b, taken, 11, 12);
    expect(sizes[0]!).toBeGreaterThan(11 * BYTES);
    expect(sizes[1]!).toBeLessThan(1.5 * BYTES);
    expect(await a.tasks.get('a')).toEqual(taken);
  });

  it('writes a list whole when it was replaced, emptied or dropped, also while an earlier save is on its way', async () => {
    const store = await open();
    await store.tasks.insert(task('a', 'running'));
    const first = withResults('a', [1, 2, 3, 4, 5].map((n) => agentResult(n)));
    store.tasks.save(first);
    // The first save's round has been sent (next tick) and is not answered yet when the list is replaced by a shorter one.
    await new Promise((resolve) => setImmediate(resolve));
    const replaced = withResults('a', [agentResult(7), agentResult(8)]);
    store.tasks.save(replaced);
    await store.check();
    const other = await open();
    expect(await other.tasks.get('a')).toEqual(replaced);
    expect(await raw.hexists(`${prefix}task:a`, 'r:agent_results:2')).toBe(0);

    // The same array emptied in place, then a record with no result at all.
    replaced.result!.agent_results.length = 0;
    store.tasks.save(replaced);
    await store.check();
    expect(await other.tasks.get('a')).toEqual(replaced);
    const bare = task('a', 'failed');
    store.tasks.save(bare);
    await store.check();
    expect(await other.tasks.get('a')).toEqual(bare);
  });

  it('sends the whole list again when Redis lost what it held', async () => {
    const store = await open();
    await store.tasks.insert(task('a', 'running'));
    const record = withResults('a', []);
    await grow(store, record, 1, 3);
    await raw.del(`${prefix}task:a`);
    const sizes = await grow(store, record, 4, 5);
    expect(sizes[0]!).toBeGreaterThan(4 * BYTES);
    const other = await open();
    expect(await other.tasks.get('a')).toEqual(record);
  });

  it('reads a record written whole, before results had fields of their own', async () => {
    const store = await open();
    const old = withResults('old', [agentResult(1), agentResult(2)]);
    await raw.hset(`${prefix}task:old`, 'ord', '1', 'status', 'running', 'record', JSON.stringify(old));
    await raw.zadd(`${prefix}tasks:all`, 1, 'old');
    await raw.zadd(`${prefix}tasks:st:running`, 1, 'old');
    expect(await store.tasks.get('old')).toEqual(old);
    expect((await store.tasks.list({ limit: 5 })).tasks).toEqual([old]);
    // Its first save here writes it in the new layout.
    const taken = (await store.tasks.get('old'))!;
    taken.result!.agent_results.push(agentResult(3));
    store.tasks.save(taken);
    await store.check();
    expect(await (await open()).tasks.get('old')).toEqual(taken);
    expect(await raw.hget(`${prefix}task:old`, 'n:agent_results')).toBe('3');
  });

  it('writes a save once more, the same, when its reply was lost', async () => {
    const proxy = await startLossyProxy(server.port);
    try {
      const store = await createRedisStore({ url: proxy.url, prefix, logger: createLogger({ level: 'silent', destination: sink }), retryMs: 50 });
      opened.push(store);
      await store.tasks.insert(task('a', 'running'));
      const agents: AgentResult[] = [];
      const record = withResults('a', agents);
      for (let n = 1; n <= 3; n++) {
        agents.push(agentResult(n));
        store.tasks.save(record);
        await store.check();
      }
      proxy.state.cutNextReply = true;
      agents.push(agentResult(4));
      store.tasks.save(record);
      // Redis wrote it; the writer did not hear so, holds it, and writes it again once reconnected.
      await waitFor(async () => (await raw.hget(`${prefix}task:a`, 'n:agent_results')) === '4', 10_000, 'the save to be written');
      await waitFor(() => settles(store.check()), 10_000, 'the store to reconnect');
      agents.push(agentResult(5));
      store.tasks.save(record);
      await store.check();
      expect(proxy.state.cuts).toBe(1);
      expect(await (await open()).tasks.get('a')).toEqual(record);
    } finally {
      await Promise.all(opened.splice(0).map((s) => s.close()));
      await proxy.close();
    }
  });
});

describe('Redis store: events', () => {
  it('numbers the events of two instances appending to one task at once 1..N with no gaps, each in its append order', async () => {
    const [a, b] = [await open(), await open()];
    const stored = { a: [] as TaskEvent[], b: [] as TaskEvent[] };
    a.events.onStored((events) => stored.a.push(...events));
    b.events.onStored((events) => stored.b.push(...events));
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 20; i++) {
        a.events.append(event('t', { from: 'a', i: round * 20 + i }));
        b.events.append(event('t', { from: 'b', i: round * 20 + i }));
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    await waitFor(() => stored.a.length === 100 && stored.b.length === 100, 10_000, 'both instances to store 100 events');

    const all = await a.events.after('t', 0);
    expect(all.map((e) => e.seq)).toEqual(range(1, 200));
    expect(await b.events.lastSeq('t')).toBe(200);
    for (const from of ['a', 'b'] as const) {
      // onStored passes only this instance's own events, in append order, as Redis stored them.
      expect(stored[from].map((e) => e.data.from)).toEqual(Array(100).fill(from));
      expect(stored[from].map((e) => e.data.i)).toEqual(range(0, 99));
      expect(all.filter((e) => e.data.from === from)).toEqual(stored[from]);
    }
    // The two interleaved: neither wrote all of its events before the other began.
    const firstB = all.findIndex((e) => e.data.from === 'b');
    const lastA = all.map((e) => e.data.from).lastIndexOf('a');
    expect(firstB).toBeLessThan(lastA);
  });

  it('replays after a seq, exclusive, and numbers each task on its own', async () => {
    const store = await open();
    const stored: TaskEvent[] = [];
    store.events.onStored((events) => stored.push(...events));
    for (let i = 1; i <= 5; i++) store.events.append(event('x', { i }));
    store.events.append(event('y', { i: 1 }));
    await waitFor(() => stored.length === 6);
    expect((await store.events.after('x', 3)).map((e) => [e.seq, e.data.i])).toEqual([[4, 4], [5, 5]]);
    expect((await store.events.after('x', 0)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(await store.events.after('x', 5)).toEqual([]);
    expect(await store.events.after('y', 0)).toEqual([expect.objectContaining({ seq: 1, task_id: 'y', event_type: 'agent_progress', data: { i: 1 } })]);
    expect(await store.events.lastSeq('x')).toBe(5);
    expect(await store.events.lastSeq('none')).toBe(0);
  });

  it('does not write an append twice when its reply was lost and the batch is resent', async () => {
    const proxy = await startLossyProxy(server.port);
    try {
      const store = await createRedisStore({ url: proxy.url, prefix, logger: createLogger({ level: 'silent', destination: sink }), retryMs: 50 });
      opened.push(store);
      const stored: TaskEvent[] = [];
      store.events.onStored((events) => stored.push(...events));
      for (let i = 1; i <= 3; i++) store.events.append(event('lost', { i }));
      await waitFor(() => stored.length === 3);

      proxy.state.cutNextReply = true;
      store.events.append(event('lost', { i: 4 }));
      store.events.append(event('lost', { i: 5 }));
      await waitFor(() => stored.length === 5, 10_000, 'the resent events to be stored');
      expect(proxy.state.cuts).toBe(1);
      expect(stored.map((e) => [e.seq, e.data.i])).toEqual(range(1, 5).map((i) => [i, i]));
      const other = await open();
      expect((await other.events.after('lost', 0)).map((e) => [e.seq, e.data.i])).toEqual(range(1, 5).map((i) => [i, i]));
    } finally {
      await Promise.all(opened.splice(0).map((s) => s.close()));
      await proxy.close();
    }
  });

  it('delivers to watchers the events another instance appends, in order, until each watcher stops', async () => {
    const [a, b] = [await open(), await open()];
    const first: TaskEvent[] = [];
    const second: TaskEvent[] = [];
    const ownA: TaskEvent[] = [];
    a.events.onStored((events) => ownA.push(...events));
    const stopFirst = a.events.watch('w', (event) => first.push(event));
    const stopSecond = a.events.watch('w', (event) => second.push(event));
    const otherTask: TaskEvent[] = [];
    a.events.watch('other', (event) => otherTask.push(event));
    // SUBSCRIBE is on its own connection: wait until Redis has both subscriptions' channel.
    await waitFor(async () => Number(((await raw.pubsub('NUMSUB', `${prefix}ev:w`)) as [string, number])[1]) === 1);

    for (let i = 1; i <= 10; i++) b.events.append(event('w', { i }));
    await waitFor(() => first.length === 10 && second.length === 10);
    expect(first.map((e) => [e.seq, e.data.i])).toEqual(range(1, 10).map((i) => [i, i]));
    expect(second).toEqual(first);
    expect(first).toEqual(await b.events.after('w', 0));

    // One watcher stops; the other, on the same channel, still gets events.
    stopFirst();
    b.events.append(event('w', { i: 11 }));
    await waitFor(() => second.length === 11);
    expect(first).toHaveLength(10);
    stopSecond();
    await waitFor(async () => Number(((await raw.pubsub('NUMSUB', `${prefix}ev:w`)) as [string, number])[1]) === 0);
    expect(ownA).toEqual([]);
    expect(otherTask).toEqual([]);
  });
});

describe('Redis store: webhooks', () => {
  it('never gives one message to two instances claiming at once; a claimed message comes due again after its lease', async () => {
    const [a, b] = [await open(), await open()];
    for (let i = 0; i < 30; i++) await a.webhooks.enqueue(message(`m${String(i).padStart(2, '0')}`, 't', 1000 + (i % 3)));
    const taken: string[] = [];
    for (let round = 0; round < 30; round++) {
      const [fromA, fromB] = await Promise.all([a.webhooks.claim(5000, 4, 60_000), b.webhooks.claim(5000, 4, 60_000)]);
      if (fromA.length + fromB.length === 0) break;
      taken.push(...[...fromA, ...fromB].map((m) => m.id));
    }
    expect(taken).toHaveLength(30);
    expect(new Set(taken).size).toBe(30);

    // All 30 are leased to 65 000 now; the one enqueued first is taken first, as it was before this claim.
    const [claimed] = await a.webhooks.claim(65_000, 1, 500);
    expect(claimed).toMatchObject({ id: 'm00', next_attempt_at: 65_000, payload: JSON.stringify({ id: 'm00', text: 'a/b "quoted" é' }), last_error: null });
    expect(await a.webhooks.get('m00')).toMatchObject({ next_attempt_at: 65_500, status: 'pending', attempts: 0 });
    expect((await b.webhooks.claim(65_499, 30, 500)).map((m) => m.id)).not.toContain('m00');
    expect((await b.webhooks.claim(65_500, 1, 500)).map((m) => m.id)).toEqual(['m00']);
  });

  it('takes due messages earliest first, and an attempt recorded as delivered or failed is never due again', async () => {
    const store = await open();
    await store.webhooks.enqueue(message('late', 't', 3000));
    await store.webhooks.enqueue(message('early', 't', 1000));
    await store.webhooks.enqueue(message('mid', 't', 2000));
    expect((await store.webhooks.claim(2500, 10, 10_000)).map((m) => m.id)).toEqual(['early', 'mid']);
    await store.webhooks.update('early', { status: 'delivered', attempts: 1, next_attempt_at: 0, last_error: null });
    await store.webhooks.update('mid', { status: 'failed', attempts: 5, next_attempt_at: 0, last_error: 'HTTP 500' });
    await store.webhooks.update('late', { status: 'pending', attempts: 1, next_attempt_at: 500, last_error: 'timeout' });
    await store.webhooks.update('nothing', { status: 'delivered', attempts: 1, next_attempt_at: 0, last_error: null });
    expect((await store.webhooks.claim(1e12, 10, 1)).map((m) => m.id)).toEqual(['late']);
    expect(await store.webhooks.get('mid')).toMatchObject({ status: 'failed', attempts: 5, last_error: 'HTTP 500' });
    expect(await store.webhooks.get('early')).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(await store.webhooks.get('nothing')).toBeUndefined();

    // Due at the same time: taken in the order they were enqueued, not by id.
    for (const id of ['z', 'a', 'm']) await store.webhooks.enqueue(message(id, 't', 7000));
    expect((await store.webhooks.claim(7000, 2, 10)).map((m) => m.id)).toEqual(['z', 'a']);
    expect((await store.webhooks.claim(7000, 2, 10)).map((m) => m.id)).toEqual(['m']);
  });

  it('registers, unregisters (dropping undelivered messages) and counts registrations of unfinished tasks', async () => {
    const store = await open();
    await store.tasks.insert(task('run', 'running'));
    await store.tasks.insert(task('done', 'completed'));
    const reg = (id: string, taskId: string, at: string) => ({ id, task_id: taskId, url: `https://example.org/${id}`, events: ['workflow_complete' as const], created_at: at });
    await store.webhooks.register(reg('r2', 'run', '2024-01-02T00:00:00.000Z'));
    await store.webhooks.register(reg('r1', 'run', '2024-01-01T00:00:00.000Z'));
    await store.webhooks.register(reg('r3', 'done', '2024-01-01T00:00:00.000Z'));
    await store.webhooks.register(reg('r4', 'ghost', '2024-01-01T00:00:00.000Z'));
    expect((await store.webhooks.forTask('run')).map((r) => r.id)).toEqual(['r1', 'r2']);
    expect(await store.webhooks.countActive()).toBe(2);
    // A pending save counts before Redis has it.
    store.tasks.save(task('run', 'completed'));
    expect(await store.webhooks.countActive()).toBe(0);
    store.tasks.save(task('done', 'running'));
    expect(await store.webhooks.countActive()).toBe(1);

    await store.webhooks.enqueue(message('pending', 'run', 0, { registration_id: 'r1' }));
    await store.webhooks.enqueue(message('sent', 'run', 0, { registration_id: 'r2', status: 'delivered' }));
    expect(await store.webhooks.unregister('run')).toBe(2);
    expect(await store.webhooks.forTask('run')).toEqual([]);
    expect(await store.webhooks.get('pending')).toBeUndefined();
    expect(await store.webhooks.get('sent')).toMatchObject({ status: 'delivered' });
    expect(await store.webhooks.claim(1e12, 10, 1)).toEqual([]);
  });
});

describe('Redis store: documents', () => {
  it('keeps documents byte for byte and removes them by task', async () => {
    const store = await open();
    expect(store.documents.location).toBe('redis');
    const every = Buffer.from(range(0, 255).flatMap((b) => [b, 255 - b]));
    const big = randomBytes(300_000);
    await store.documents.put('d', 'pdf', big);
    await store.documents.put('d', 'bin', every);
    await store.documents.put('e', 'md', Buffer.from('# é\r\n'));
    expect((await store.documents.get('d', 'pdf'))!.equals(big)).toBe(true);
    expect((await store.documents.get('d', 'bin'))!.equals(every)).toBe(true);
    expect(await store.documents.get('d', 'docx')).toBeUndefined();
    await store.documents.remove(['d']);
    expect(await store.documents.get('d', 'pdf')).toBeUndefined();
    expect(await store.documents.get('d', 'bin')).toBeUndefined();
    expect((await store.documents.get('e', 'md'))!.toString()).toBe('# é\r\n');
  });
});

describe('Redis store: connecting and closing', () => {
  it('rejects, naming REDIS_URL, when Redis does not answer in time', async () => {
    const port = await freePort();
    const logger = createLogger({ level: 'silent', destination: new LogSink() });
    const error = await createRedisStore({ url: `redis://user:secret@127.0.0.1:${port}`, logger, connectTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(new RegExp(`Cannot connect to Redis at 127\\.0\\.0\\.1:${port} \\(REDIS_URL\\) within 300 ms`));
    expect((error as Error).message).not.toContain('secret');
  });

  it('writes what is buffered on close; close is idempotent', async () => {
    const store = await open();
    await store.tasks.insert(task('c'));
    store.tasks.save(task('c', 'completed'));
    store.events.append(event('c'));
    const closing = store.close();
    expect(store.close()).toBe(closing);
    await closing;
    expect(await raw.hget(`${prefix}task:c`, 'status')).toBe('completed');
    expect(await raw.get(`${prefix}evseq:c`)).toBe('1');
  });
});

describe('Redis store: Redis down', () => {
  it('refuses inserts (503), holds saves and appends, and writes them with contiguous seqs once Redis is back', async () => {
    const logs = new LogSink();
    const store = await open({ retryMs: 100, logSink: logs });
    const other = await open();
    const failures: Array<[StoreError, readonly string[]]> = [];
    store.onWriteError((error, ids) => failures.push([error, ids]));
    const stored: TaskEvent[] = [];
    store.events.onStored((events) => stored.push(...events));
    const watched: TaskEvent[] = [];
    store.events.watch('r', (event) => watched.push(event));
    await store.tasks.insert(task('o'));
    for (let i = 1; i <= 3; i++) store.events.append(event('o', { i }));
    await waitFor(() => stored.length === 3);
    // Subscribed before the restart, so what brings it back is ioredis's resubscribe.
    await waitFor(async () => Number(((await raw.pubsub('NUMSUB', `${prefix}ev:r`)) as [string, number])[1]) === 1);

    const restarted = server.restart({ downMs: 2000 });
    await waitFor(async () => !(await settles(store.check())), 10_000, 'the store to notice Redis is down');

    const refused = await store.tasks.insert(task('o2')).catch((e: unknown) => e);
    expect(isStoreError(refused)).toBe(true);
    expect(refused).toMatchObject({ kind: 'unreachable', unavailable: true, taskCode: 'store_unavailable' });
    expect((refused as Error).message).toMatch(/cannot reach Redis at REDIS_URL/);
    expect(await store.check().catch((e: unknown) => e)).toMatchObject({ unavailable: true });

    store.tasks.save(task('o', 'running'));
    for (let i = 4; i <= 6; i++) store.events.append(event('o', { i }));
    await waitFor(() => failures.some(([, ids]) => ids.includes('o')), 5_000, 'the failed write to be reported');
    expect(await store.tasks.get('o')).toMatchObject({ status: 'running' });
    // Later writes of the same task in the same outage are held without another report.
    store.tasks.save(task('o', 'completed'));
    for (let i = 7; i <= 8; i++) store.events.append(event('o', { i }));
    expect(await store.tasks.get('o')).toMatchObject({ status: 'completed' });
    expect(stored).toHaveLength(3);

    await restarted;
    await waitFor(() => settles(store.check()), 10_000, 'the store to write again');
    await waitFor(() => stored.length === 8, 5_000, 'the held events to be stored');
    expect(stored.map((e) => [e.seq, e.data.i])).toEqual(range(1, 8).map((i) => [i, i]));
    expect((await other.events.after('o', 0)).map((e) => [e.seq, e.data.i])).toEqual(range(1, 8).map((i) => [i, i]));
    expect(await other.tasks.get('o')).toMatchObject({ status: 'completed' });
    expect(await other.tasks.get('o2')).toBeUndefined();

    const reports = failures.filter(([, ids]) => ids.length > 0);
    expect(reports.map(([error, ids]) => [error.unavailable, ids])).toEqual([[true, ['o']]]);
    const warnings = logs.lines.filter((l) => l.level === 40).map((l) => l.msg);
    expect(warnings.filter((m) => String(m).includes('command connection'))).toHaveLength(1);
    expect(warnings.filter((m) => String(m).includes('writes are held'))).toHaveLength(1);

    // The subscriber connection resubscribed: events another instance appends now reach the watcher.
    await waitFor(
      () => {
        other.events.append(event('r'));
        return watched.length > 0;
      },
      10_000,
      'the watcher to get an event after the restart',
    );
    expect(watched[0]!.task_id).toBe('r');
    expect(watched.map((e) => e.seq)).toEqual(range(watched[0]!.seq, watched[0]!.seq + watched.length - 1));
  });
});
