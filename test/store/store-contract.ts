/**
 * The behaviour every `Store` must have, whatever keeps it (memory, SQLite, Redis). Call
 * `describeStoreContract` from a test file with a factory that opens an empty store; nothing in
 * here depends on how a store writes (batches, network), only on what the interface promises, so
 * writes are waited for through `onStored` rather than assumed to be done when `append` returns.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EventType, TaskEvent } from '../../src/events/event.js';
import { createLogger } from '../../src/logger.js';
import { createRetention } from '../../src/orchestrator/retention.js';
import { emptyUsage, type AgentResult, type TaskRecord, type TaskStatus } from '../../src/orchestrator/task.js';
import type { OutboxMessage, Store, UnnumberedEvent } from '../../src/store/store.js';

/** What a store factory gives: the store, and what to clean up after it is closed (a temp dir, a Redis prefix). */
export interface OpenedStore {
  store: Store;
  /** Runs after `store.close()`. */
  close?: () => Promise<void>;
}

/** How long to wait for a write a store makes later (a batch, a round trip). */
const WRITE_TIMEOUT_MS = 5000;

/** A task record as the orchestrator inserts it: `status` (pending by default), finished ones with `completed_at` set, and `extra` on top. */
export function task(id: string, status: TaskStatus = 'pending', extra: Partial<TaskRecord> = {}): TaskRecord {
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

/** One agent's result, as a task context records it (`content` of `size` characters). */
export function agentResult(n: number, size = 100): AgentResult {
  return {
    agent_id: `worker-${n}`,
    role: 'worker',
    agent_type: 'general',
    subtask: `sub-question ${n}`,
    content: `finding ${n} [1] `.padEnd(size, 'é'),
    status: n % 7 === 3 ? 'failed' : 'completed',
    error: n % 7 === 3 ? { code: 'model_error', message: 'boom' } : null,
    usage: { input_tokens: 100 + n, output_tokens: 20 + n },
    cost_usd: n / 1e7,
    duration_ms: n,
    attempts: 1,
    citations: [{ n: 1, source: 'docs/a.md', lines: '1-2' }],
  };
}

/** A running task with a result holding these lists (the same arrays, as the task runner saves them). */
export function withResults(id: string, agents: AgentResult[], syntheses: AgentResult[] = [], status: TaskStatus = 'running'): TaskRecord {
  return task(id, status, {
    progress: { phase: 'agents', agents_total: 20, agents_done: agents.length, agents_failed: 0 },
    result: {
      final_synthesis: '',
      agent_results: agents,
      synthesis_results: syntheses,
      subtasks: ['a', 'b'],
      failed_agents: [],
      documents: [],
      sources: [],
      unverified_citations: 0,
    },
  });
}

/** An event as a producer hands it to the store: no `seq`. */
export function event(taskId: string, type: EventType = 'agent_progress', data: Record<string, unknown> = {}, agentId?: string): UnnumberedEvent {
  return { event_type: type, task_id: taskId, timestamp: new Date().toISOString(), data, ...(agentId === undefined ? {} : { agent_id: agentId }) };
}

export function message(id: string, taskId: string, next = 0): OutboxMessage {
  return {
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
  };
}

/** Append `events` and resolve with them as numbered, once the store says all of them are written. */
export async function appendStored(store: Store, events: UnnumberedEvent[]): Promise<TaskEvent[]> {
  const stored: TaskEvent[] = [];
  const stop = store.events.onStored((batch) => stored.push(...batch));
  try {
    for (const e of events) store.events.append(e);
    await vi.waitFor(() => expect(stored).toHaveLength(events.length), { timeout: WRITE_TIMEOUT_MS });
    return stored;
  } finally {
    stop();
  }
}

const seqsOf = (events: TaskEvent[]) => events.map((e) => e.seq);
const bytes = (text: string) => Buffer.from(text, 'utf8');

export function describeStoreContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`${name} store (contract)`, () => {
    let store: Store;
    let cleanUp: (() => Promise<void>) | undefined;
    beforeEach(async () => {
      ({ store, close: cleanUp } = await open());
    });
    afterEach(async () => {
      await store.close();
      await cleanUp?.();
    });

    it('inserts, saves and reads tasks', async () => {
      await store.tasks.insert(task('a'));
      store.tasks.save({ ...task('a', 'running'), title: 'changed' });
      expect(await store.tasks.get('a')).toMatchObject({ status: 'running', title: 'changed' });
      expect(await store.tasks.get('missing')).toBeUndefined();
      // What comes back is a copy: changing it changes nothing stored.
      (await store.tasks.get('a'))!.title = 'mutated';
      expect((await store.tasks.get('a'))!.title).toBe('changed');
    });

    it('reads back a running task saved as its results grow (get, list, byStatus), keys in their order', async () => {
      await store.tasks.insert(task('a'));
      await store.tasks.insert(task('b'));
      const agents: AgentResult[] = [];
      const syntheses: AgentResult[] = [];
      const record = withResults('a', agents, syntheses);
      for (let n = 1; n <= 12; n++) {
        agents.push(agentResult(n));
        if (n % 5 === 0) syntheses.push({ ...agentResult(100 + n), role: 'drummer' });
        record.progress.agents_done = n;
        store.tasks.save(record);
      }
      // A task with a result but no lists of results, and one without a result.
      const bare = task('b', 'running', { result: { final_synthesis: 'x' } as TaskRecord['result'] });
      store.tasks.save(bare);
      const expected = structuredClone(record);
      await vi.waitFor(async () => expect(await store.tasks.get('a')).toEqual(expected), { timeout: WRITE_TIMEOUT_MS });
      expect(JSON.stringify(await store.tasks.get('a'))).toBe(JSON.stringify(expected));
      expect(await store.tasks.get('b')).toEqual(bare);
      expect((await store.tasks.list({ limit: 10 })).tasks).toEqual([bare, expected]);
      expect(await store.tasks.byStatus(['running'])).toEqual([expected, bare]);
      // A record read back, changed and saved (new arrays, as after a restart) keeps the change.
      const read = (await store.tasks.get('a'))!;
      read.result!.agent_results = read.result!.agent_results.slice(0, 3);
      read.result!.synthesis_results.push(agentResult(200));
      read.status = 'completed';
      store.tasks.save(read);
      await vi.waitFor(async () => expect(await store.tasks.get('a')).toEqual(read), { timeout: WRITE_TIMEOUT_MS });
      // With its results (a store leaves a task it still has writes for to a later prune).
      await vi.waitFor(async () => expect(await store.tasks.prune({ maxTasks: 0, olderThan: new Date(0).toISOString() })).toEqual(['a']), { timeout: WRITE_TIMEOUT_MS });
      expect(await store.tasks.get('a')).toBeUndefined();
    });

    it('lists newest first, filters by status, and pages with a cursor without repeats', async () => {
      for (let i = 0; i < 7; i++) await store.tasks.insert(task(`t${i}`, i % 2 ? 'completed' : 'pending'));
      const first = await store.tasks.list({ limit: 3 });
      expect(first.tasks.map((t) => t.task_id)).toEqual(['t6', 't5', 't4']);
      const second = await store.tasks.list({ limit: 3, cursor: first.next_cursor! });
      const third = await store.tasks.list({ limit: 3, cursor: second.next_cursor! });
      expect([...second.tasks, ...third.tasks].map((t) => t.task_id)).toEqual(['t3', 't2', 't1', 't0']);
      expect(third.next_cursor).toBeNull();
      expect((await store.tasks.list({ limit: 10, status: 'completed' })).tasks.map((t) => t.task_id)).toEqual(['t5', 't3', 't1']);
      expect((await store.tasks.byStatus(['pending'])).map((t) => t.task_id)).toEqual(['t0', 't2', 't4', 't6']);
    });

    it('numbers each task’s events 1..N in append order, with no gaps, apart from other tasks', async () => {
      const appended = [
        event('a', 'workflow_start', { n: 1 }),
        event('b', 'workflow_start', { n: 1 }),
        event('a', 'agent_progress', { n: 2 }, 'agent_1'),
        event('a', 'agent_progress', { n: 3 }),
        event('b', 'agent_progress', { n: 2 }),
        event('a', 'agent_progress', { n: 4 }),
        event('b', 'agent_progress', { n: 3 }),
        event('a', 'agent_progress', { n: 5 }),
      ];
      const stored = await appendStored(store, appended);
      // Told in append order, numbered as appended.
      expect(stored.map((e) => `${e.task_id}${e.seq}`)).toEqual(['a1', 'b1', 'a2', 'a3', 'b2', 'a4', 'b3', 'a5']);
      expect(stored.map((e) => e.data.n)).toEqual(appended.map((e) => e.data.n));
      const a = await store.events.after('a', 0);
      expect(seqsOf(a)).toEqual([1, 2, 3, 4, 5]);
      expect(a.map((e) => e.data.n)).toEqual([1, 2, 3, 4, 5]);
      // Stored as handed over, with the number added.
      expect(a[1]).toEqual({ ...appended[2], seq: 2 });
      expect(a[0]).toEqual({ ...appended[0], seq: 1 });
      expect(a[0]).not.toHaveProperty('agent_id');
      expect(seqsOf(await store.events.after('b', 0))).toEqual([1, 2, 3]);
      expect(await store.events.lastSeq('a')).toBe(5);
      expect(await store.events.lastSeq('b')).toBe(3);
      expect(await store.events.lastSeq('none')).toBe(0);
    });

    it('goes on numbering where a task’s events left off, across a stream_closed', async () => {
      await appendStored(store, [event('a'), event('a'), event('a', 'stream_closed')]);
      const more = await appendStored(store, [event('a'), event('a')]);
      expect(seqsOf(more)).toEqual([4, 5]);
      expect(seqsOf(await store.events.after('a', 0))).toEqual([1, 2, 3, 4, 5]);
      expect(await store.events.lastSeq('a')).toBe(5);
    });

    it('replays the events after a seq, that seq excluded', async () => {
      const stored = await appendStored(store, [1, 2, 3, 4, 5].map((n) => event('a', 'agent_progress', { n })));
      expect(await store.events.after('a', 3)).toEqual(stored.slice(3));
      expect(seqsOf(await store.events.after('a', 4))).toEqual([5]);
      expect(await store.events.after('a', 5)).toEqual([]);
      expect(await store.events.after('a', 99)).toEqual([]);
      expect(await store.events.after('none', 0)).toEqual([]);
    });

    it('tells onStored listeners about each event once it is written, once and in order', async () => {
      const heard: TaskEvent[] = [];
      const stop = store.events.onStored((events) => heard.push(...events));
      const stored = await appendStored(store, [event('a'), event('a'), event('a'), event('b', 'workflow_complete')]);
      expect(heard).toEqual(stored);
      expect(heard.map((e) => `${e.task_id}${e.seq}`)).toEqual(['a1', 'a2', 'a3', 'b1']);
      stop();
      // Written (another listener hears it), but not told to the stopped one.
      await appendStored(store, [event('a')]);
      expect(await store.events.after('a', 3)).toHaveLength(1);
      expect(heard).toHaveLength(4);
    });

    it('watch delivers one task’s events as they are written, in order, until stopped', async () => {
      const watched: TaskEvent[] = [];
      const stop = store.events.watch('a', (event) => watched.push(event));
      const stored = await appendStored(store, [event('a'), event('b'), event('a'), event('b'), event('a', 'workflow_complete')]);
      await vi.waitFor(() => expect(seqsOf(watched)).toEqual([1, 2, 3]), { timeout: WRITE_TIMEOUT_MS });
      expect(watched).toEqual(stored.filter((e) => e.task_id === 'a'));
      expect(watched).toEqual(await store.events.after('a', 0));
      stop();
      await appendStored(store, [event('a')]);
      // Give a late notification the chance to arrive: it must not.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(seqsOf(watched)).toEqual([1, 2, 3]);
    });

    it('prunes finished tasks past the count and the age, with their events and webhooks', async () => {
      const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
      await store.tasks.insert(task('old', 'completed', { completed_at: old }));
      for (let i = 0; i < 4; i++) await store.tasks.insert(task(`done${i}`, 'failed'));
      await store.tasks.insert(task('running', 'running'));
      await appendStored(store, [event('old'), event('done0'), event('done3'), event('running')]);
      await store.webhooks.register({ id: 'wh1', task_id: 'done0', url: 'https://x.org', events: ['workflow_complete'], created_at: old });
      await store.webhooks.enqueue(message('msg_1', 'done0'));
      const pruned = await store.tasks.prune({ maxTasks: 3, olderThan: new Date(Date.now() - 30 * 86_400_000).toISOString() });
      expect(pruned.sort()).toEqual(['done0', 'old']);
      expect(await store.tasks.get('old')).toBeUndefined();
      expect(await store.tasks.get('done0')).toBeUndefined();
      expect(await store.events.after('done0', 0)).toEqual([]);
      expect(await store.events.after('old', 0)).toEqual([]);
      expect(await store.webhooks.forTask('done0')).toEqual([]);
      expect(await store.webhooks.get('msg_1')).toBeUndefined();
      // What is kept keeps its events.
      expect(await store.tasks.get('running')).toBeDefined();
      expect(await store.tasks.get('done3')).toBeDefined();
      expect(seqsOf(await store.events.after('done3', 0))).toEqual([1]);
      expect(seqsOf(await store.events.after('running', 0))).toEqual([1]);
    });

    it('retention prunes a task’s documents with it, and keeps the others’', async () => {
      const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
      await store.tasks.insert(task('old', 'completed', { completed_at: old }));
      await store.tasks.insert(task('new', 'completed'));
      await appendStored(store, [event('old'), event('new')]);
      for (const id of ['old', 'new']) {
        await store.documents.put(id, 'pdf', bytes(`${id} pdf`));
        await store.documents.put(id, 'md', bytes(`${id} md`));
      }
      const retention = createRetention({ store, maxTasks: 10, maxAgeDays: 30, logger: createLogger({ level: 'silent' }) });
      expect(await retention.prune()).toEqual(['old']);
      expect(await store.tasks.get('old')).toBeUndefined();
      expect(await store.events.after('old', 0)).toEqual([]);
      expect(await store.documents.get('old', 'pdf')).toBeUndefined();
      expect(await store.documents.get('old', 'md')).toBeUndefined();
      expect((await store.documents.get('new', 'pdf'))?.toString()).toBe('new pdf');
      expect((await store.documents.get('new', 'md'))?.toString()).toBe('new md');
      expect(seqsOf(await store.events.after('new', 0))).toEqual([1]);
    });

    it('keeps webhook registrations and an outbox of due messages', async () => {
      await store.tasks.insert(task('a', 'running'));
      await store.tasks.insert(task('b', 'completed'));
      await store.webhooks.register({ id: 'wh_a', task_id: 'a', url: 'https://x.org/a', events: ['workflow_complete', 'workflow_error'], created_at: new Date().toISOString() });
      await store.webhooks.register({ id: 'wh_b', task_id: 'b', url: 'https://x.org/b', events: ['workflow_complete'], created_at: new Date().toISOString() });
      expect((await store.webhooks.forTask('a'))[0]).toMatchObject({ url: 'https://x.org/a', events: ['workflow_complete', 'workflow_error'] });
      expect(await store.webhooks.forTask('none')).toEqual([]);
      expect(await store.webhooks.countActive()).toBe(1);
      await store.webhooks.enqueue(message('m1', 'a', 100));
      await store.webhooks.enqueue(message('m2', 'a', 5000));
      expect((await store.webhooks.claim(1000, 10, 60_000)).map((m) => m.id)).toEqual(['m1']);
      await store.webhooks.update('m1', { status: 'pending', attempts: 1, next_attempt_at: 9000, last_error: 'HTTP 500' });
      expect(await store.webhooks.get('m1')).toMatchObject({ status: 'pending', attempts: 1, next_attempt_at: 9000, last_error: 'HTTP 500' });
      expect((await store.webhooks.claim(6000, 10, 60_000)).map((m) => m.id)).toEqual(['m2']);
      await store.webhooks.update('m2', { status: 'delivered', attempts: 1, next_attempt_at: 0, last_error: null });
      expect(await store.webhooks.get('m2')).toMatchObject({ status: 'delivered', attempts: 1 });
      // Delivered is never due again.
      expect((await store.webhooks.claim(10_000_000, 10, 60_000)).map((m) => m.id)).toEqual(['m1']);
      expect(await store.webhooks.unregister('a')).toBe(1);
      expect(await store.webhooks.forTask('a')).toEqual([]);
      // Undelivered messages go with the registration; delivered ones stay.
      expect(await store.webhooks.get('m1')).toBeUndefined();
      expect(await store.webhooks.get('m2')).toBeDefined();
      expect(await store.webhooks.countActive()).toBe(0);
    });

    it('claims due messages oldest first, up to the limit, as they were before the claim', async () => {
      await store.tasks.insert(task('a', 'running'));
      await store.webhooks.enqueue(message('m3', 'a', 300));
      await store.webhooks.enqueue(message('m1', 'a', 100));
      await store.webhooks.enqueue(message('m2', 'a', 200));
      await store.webhooks.enqueue(message('later', 'a', 5000));
      const claimed = await store.webhooks.claim(1000, 2, 500);
      expect(claimed.map((m) => m.id)).toEqual(['m1', 'm2']);
      expect(claimed[0]).toMatchObject({ ...message('m1', 'a', 100), created_at: claimed[0]!.created_at });
      expect((await store.webhooks.claim(1000, 10, 500)).map((m) => m.id)).toEqual(['m3']);
      expect(await store.webhooks.claim(1000, 10, 500)).toEqual([]);
    });

    it('does not hand a claimed message out again until its lease has passed', async () => {
      await store.tasks.insert(task('a', 'running'));
      await store.webhooks.enqueue(message('m1', 'a', 100));
      expect((await store.webhooks.claim(1000, 10, 500)).map((m) => m.id)).toEqual(['m1']);
      // Its next attempt is pushed to the end of the lease.
      expect(await store.webhooks.get('m1')).toMatchObject({ status: 'pending', attempts: 0, next_attempt_at: 1500 });
      expect(await store.webhooks.claim(1000, 10, 500)).toEqual([]);
      expect(await store.webhooks.claim(1499, 10, 500)).toEqual([]);
      // The claimer died without an update: once the lease is over, it is due again (and leased again).
      expect((await store.webhooks.claim(1500, 10, 500)).map((m) => m.id)).toEqual(['m1']);
      expect(await store.webhooks.claim(1999, 10, 500)).toEqual([]);
      // An update ends the lease: it is due when the update says.
      await store.webhooks.update('m1', { status: 'pending', attempts: 1, next_attempt_at: 2100, last_error: 'HTTP 503' });
      expect(await store.webhooks.claim(2050, 10, 500)).toEqual([]);
      expect((await store.webhooks.claim(2100, 10, 500)).map((m) => m.id)).toEqual(['m1']);
    });

    it('claims each message once when dispatchers claim at the same moment', async () => {
      await store.tasks.insert(task('a', 'running'));
      for (let i = 0; i < 6; i++) await store.webhooks.enqueue(message(`m${i}`, 'a', 100 + i));
      const claims = await Promise.all([1, 2, 3].map(() => store.webhooks.claim(1000, 4, 500)));
      const ids = claims.flat().map((m) => m.id);
      expect(ids.sort()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
    });

    it('keeps documents by task and extension, and removes every file of a task', async () => {
      expect(typeof store.documents.location).toBe('string');
      await store.documents.put('a', 'pdf', bytes('%PDF a'));
      await store.documents.put('a', 'md', bytes('# a'));
      await store.documents.put('a_b', 'pdf', bytes('%PDF a_b'));
      await store.documents.put('b', 'docx', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0xff, 0x00]));
      expect((await store.documents.get('a', 'pdf'))?.toString()).toBe('%PDF a');
      expect((await store.documents.get('a', 'md'))?.toString()).toBe('# a');
      // Binary content comes back byte for byte.
      expect([...(await store.documents.get('b', 'docx'))!]).toEqual([0x50, 0x4b, 0x03, 0x04, 0xff, 0x00]);
      expect(await store.documents.get('a', 'docx')).toBeUndefined();
      expect(await store.documents.get('missing', 'pdf')).toBeUndefined();
      // A second put replaces the first.
      await store.documents.put('a', 'pdf', bytes('%PDF a, again'));
      expect((await store.documents.get('a', 'pdf'))?.toString()).toBe('%PDF a, again');
      await store.documents.remove(['a', 'missing']);
      expect(await store.documents.get('a', 'pdf')).toBeUndefined();
      expect(await store.documents.get('a', 'md')).toBeUndefined();
      // Only that task's files, not one whose id starts the same.
      expect((await store.documents.get('a_b', 'pdf'))?.toString()).toBe('%PDF a_b');
      expect(await store.documents.get('b', 'docx')).toBeDefined();
      await store.documents.remove([]);
      expect(await store.documents.get('b', 'docx')).toBeDefined();
    });

    it('answers check() while open', async () => {
      await expect(store.check()).resolves.toBeUndefined();
    });
  });
}
