import { afterEach, describe, expect, it } from 'vitest';
import { researchInputSchema, searchInputSchema } from '../../src/orchestrator/inputs.js';
import type { TaskRecord } from '../../src/orchestrator/task.js';
import { createFakeModel, type FakeModel } from '../helpers/fake-model.js';
import { startTestServer, waitFor, type TestServer } from '../helpers/test-server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const research = (extra: Record<string, unknown> = {}) => researchInputSchema.parse({ task: 'scheduling test', ...extra });
const search = (extra: Record<string, unknown> = {}) => searchInputSchema.parse({ query: 'scheduling test', ...extra });

/** Submit tasks one after the other, so they are queued in this order; their ids. */
async function submitAll(count: number, submit: (i: number) => Promise<TaskRecord>): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push((await submit(i)).task_id);
  return ids;
}

async function start(fake: FakeModel, env: Record<string, string> = {}) {
  server = await startTestServer({ env: { DEFAULT_PROVIDER: 'openai', ...env }, providers: { openai: fake.factory } });
  return server.services.orchestrator;
}

const finished = (s: TestServer, id: string) => async () => {
  const r = await s.services.orchestrator.get(id);
  return ['completed', 'failed', 'cancelled'].includes(r.status) ? r : undefined;
};

describe('concurrency limits', () => {
  it('never has more than MAX_CONCURRENT_AGENTS model calls in flight across tasks', async () => {
    const fake = createFakeModel({ delayMs: 15 });
    const orchestrator = await start(fake, { MAX_CONCURRENT_AGENTS: '3', MAX_AGENTS_PER_TASK: '8' });
    const ids = await submitAll(3, () => orchestrator.submit('cascade', research({ num_agents: 6 })));
    for (const id of ids) await waitFor(finished(server!, id));
    expect(fake.maxInFlight).toBe(3);
    expect(fake.calls.length).toBe(3 * (1 + 6 + 2 + 1));
  });

  it('never has more than MAX_AGENTS_PER_TASK calls in flight for one task', async () => {
    const fake = createFakeModel({ delayMs: 15 });
    const orchestrator = await start(fake, { MAX_CONCURRENT_AGENTS: '50', MAX_AGENTS_PER_TASK: '2' });
    const { task_id } = await orchestrator.submit('swarm', search({ num_agents: 8 }));
    await waitFor(finished(server!, task_id));
    expect(fake.maxInFlight).toBe(2);
  });

  it('runs at most MAX_ACTIVE_TASKS at once; the rest wait as pending and start in order', async () => {
    const released = new Set<string>();
    const waiting = new Map<string, Array<() => void>>();
    const fake = createFakeModel({
      respond: (c) => {
        const name = /task-\d/.exec(c.prompt)![0];
        const answer = c.system.includes('planner') ? '["a"]' : 'done';
        if (released.has(name)) return answer;
        return new Promise((resolve) => waiting.set(name, [...(waiting.get(name) ?? []), () => resolve(answer)]));
      },
    });
    const orchestrator = await start(fake, { MAX_ACTIVE_TASKS: '2' });
    const ids = await submitAll(4, (i) => orchestrator.submit('swarm', search({ query: `task-${i + 1}`, num_agents: 1 })));
    const statuses = async () => Promise.all(ids.map(async (id) => (await orchestrator.get(id)).status));
    const release = (n: number) => {
      released.add(`task-${n}`);
      for (const go of waiting.get(`task-${n}`) ?? []) go();
    };
    await waitFor(() => waiting.size === 2);
    expect(await statuses()).toEqual(['running', 'running', 'pending', 'pending']);
    expect((await orchestrator.get(ids[2]!)).progress.phase).toBe('queued');
    release(2);
    await waitFor(async () => (await statuses())[1] === 'completed');
    // The third task, not the fourth, takes the free slot.
    await waitFor(async () => (await statuses())[2] === 'running');
    expect(await statuses()).toEqual(['running', 'completed', 'running', 'pending']);
    [1, 3, 4].forEach(release);
    for (const id of ids) await waitFor(finished(server!, id));
    const started = await Promise.all(ids.map(async (id) => (await orchestrator.get(id)).started_at!));
    expect(started[3]! >= started[2]!).toBe(true);
    expect(started[2]! >= started[1]!).toBe(true);
  });

  it('keeps accepting after many tasks (the old server refused every task after 50)', async () => {
    const fake = createFakeModel();
    const orchestrator = await start(fake, { MAX_ACTIVE_TASKS: '5' });
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) ids.push((await orchestrator.submit('swarm', search({ num_agents: 1 }))).task_id);
    for (const id of ids) await waitFor(finished(server!, id));
    expect((await Promise.all(ids.map((id) => orchestrator.get(id)))).every((r) => r.status === 'completed')).toBe(true);
  });
});

describe('cancel', () => {
  it('aborts in-flight calls at once, starts none afterwards, and stays cancelled', async () => {
    const fake = createFakeModel({ respond: (c) => (c.system.includes('planner') ? '["a","b","c","d"]' : { hang: true }) });
    const orchestrator = await start(fake, { MAX_AGENTS_PER_TASK: '2' });
    const { task_id } = await orchestrator.submit('cascade', research({ num_agents: 4 }));
    await waitFor(() => fake.inFlight === 2);
    const callsAtCancel = fake.calls.length;
    expect(await orchestrator.cancel(task_id)).toEqual({ task_id, cancelled: true, status: 'cancelled' });
    const record = await waitFor(finished(server!, task_id));
    expect(record.status).toBe('cancelled');
    expect(fake.aborted).toBe(2);
    await new Promise((r) => setTimeout(r, 50));
    expect(fake.calls.length).toBe(callsAtCancel);
    expect(fake.inFlight).toBe(0);
    const types = (await server!.services.events.history(task_id)).map((e) => e.event_type);
    expect(types.slice(-2)).toEqual(['workflow_cancelled', 'stream_closed']);
    expect(types).not.toContain('workflow_error');
    expect((await orchestrator.cancel(task_id)).status).toBe('cancelled');
  });

  it('cancels a pending task without running it', async () => {
    const fake = createFakeModel({ respond: () => ({ hang: true }) });
    const orchestrator = await start(fake, { MAX_ACTIVE_TASKS: '1' });
    const first = (await orchestrator.submit('swarm', search({ num_agents: 1 }))).task_id;
    const second = (await orchestrator.submit('swarm', search({ num_agents: 1 }))).task_id;
    expect(orchestrator.pendingCount).toBe(1);
    await orchestrator.cancel(second);
    expect(orchestrator.pendingCount).toBe(0);
    await orchestrator.cancel(first);
    await waitFor(finished(server!, first));
    expect((await orchestrator.get(second)).status).toBe('cancelled');
    expect(fake.calls.every((c) => c.index === 0)).toBe(true);
    expect((await server!.services.events.history(second)).map((e) => e.event_type)).toEqual(['workflow_cancelled', 'stream_closed']);
  });

  it('refuses to cancel a finished task', async () => {
    const fake = createFakeModel();
    const orchestrator = await start(fake);
    const { task_id } = await orchestrator.submit('swarm', search({ num_agents: 1 }));
    await waitFor(finished(server!, task_id));
    await expect(orchestrator.cancel(task_id)).rejects.toThrow(/already completed/);
  });
});

describe('failures and fallbacks', () => {
  it('completes when some workers fail, naming them', async () => {
    const fake = createFakeModel({
      respond: (c) => (c.system.includes('planner') ? '["one","two","three"]' : c.prompt.includes('two') && !c.system.includes('synthesizer') ? { error: Object.assign(new Error('bad request'), { name: 'AI_APICallError' }) } : 'ok'),
    });
    const orchestrator = await start(fake, { AGENT_MAX_RETRIES: '0' });
    const { task_id } = await orchestrator.submit('cascade', research({ num_agents: 3 }));
    const record = (await waitFor(finished(server!, task_id))) as TaskRecord;
    expect(record.status).toBe('completed');
    expect(record.result?.failed_agents).toEqual(['worker-2']);
    expect(record.progress.agents_failed).toBe(1);
  });

  it('fails with all_agents_failed when every worker fails, keeping what it had', async () => {
    const fake = createFakeModel({ respond: (c) => (c.system.includes('planner') ? '["x","y"]' : { error: new Error('down') }) });
    const orchestrator = await start(fake, { AGENT_MAX_RETRIES: '1' });
    const { task_id } = await orchestrator.submit('cascade', research({ num_agents: 2 }));
    const record = await waitFor(finished(server!, task_id));
    expect(record.status).toBe('failed');
    expect(record.error?.code).toBe('all_agents_failed');
    expect(record.result?.agent_results.find((a) => a.role === 'planner')?.status).toBe('completed');
    expect((await server!.services.events.history(task_id)).filter((e) => e.event_type === 'agent_retry')).toHaveLength(2);
  });

  it('falls back to the request itself (never filler angles) when the planner fails, and to concatenation without camina', async () => {
    const fake = createFakeModel({ respond: (c) => (c.system.includes('planner') ? { error: new Error('planner down') } : `text ${c.index}`) });
    const orchestrator = await start(fake, { AGENT_MAX_RETRIES: '0' });
    const { task_id } = await orchestrator.submit('cascade', research({ num_agents: 3, enable_drummer: false, enable_camina: false }));
    const record = await waitFor(finished(server!, task_id));
    expect(record.status).toBe('completed');
    // "scheduling test" names no parts: one sub-question, the request itself; num_agents is only a bound.
    expect(record.result?.subtasks).toEqual(['scheduling test']);
    expect(record.result?.synthesis_results).toEqual([]);
    expect(record.result?.final_synthesis).toContain('text 1');
    expect(fake.calls).toHaveLength(2);
    expect(record.progress.agents_total).toBe(2);
  });

  it('ends budget_exceeded past max_total_cost and keeps partial results', async () => {
    const fake = createFakeModel({ respond: (c) => (c.system.includes('planner') ? '["a","b"]' : 'x'.repeat(2000)) });
    const orchestrator = await start(fake);
    const { task_id } = await orchestrator.submit('cascade', research({ num_agents: 2, model: 'gpt-4o', max_total_cost: 0.000001 }));
    const record = await waitFor(finished(server!, task_id));
    expect(record.status).toBe('failed');
    expect(record.error?.code).toBe('budget_exceeded');
    expect(record.usage.cost_usd).toBeGreaterThan(0.000001);
    expect(record.result?.agent_results.length).toBeGreaterThan(0);
  });
});

describe('swarm pattern', () => {
  it('types agents by keywords within allowed types and makes n + 2 calls', async () => {
    const fake = createFakeModel({
      respond: (c) => (c.system.includes('planner') ? '["latest news on X", "academic papers on X", "youtube videos about X"]' : 'finding'),
    });
    const orchestrator = await start(fake);
    const { task_id } = await orchestrator.submit('swarm', search({ num_agents: 3, allowed_agent_types: ['news', 'academic', 'general'] }));
    const record = await waitFor(finished(server!, task_id));
    expect(record.result?.agent_results.filter((a) => a.role === 'worker').map((a) => a.agent_type)).toEqual(['news', 'academic', 'general']);
    expect(fake.calls).toHaveLength(5);
    expect(record.result?.synthesis_results.map((s) => s.agent_id)).toEqual(['synthesizer']);
  });
});

describe('a store that fails at the end of a task', () => {
  it('is logged as a crash, not an unhandled rejection, and the server goes on', async () => {
    const { createMemoryStore } = await import('../../src/store/memory-store.js');
    const store = createMemoryStore();
    const save = store.tasks.save.bind(store.tasks);
    store.tasks.save = (task) => {
      if (task.progress.phase === 'done' && task.task_id.startsWith('search_') && task.status !== 'cancelled') throw new Error('disk full');
      save(task);
    };
    const fake = createFakeModel();
    server = await startTestServer({ env: { DEFAULT_PROVIDER: 'openai' }, providers: { openai: fake.factory }, store });
    const { task_id } = await server.services.orchestrator.submit('swarm', search({ num_agents: 1 }));
    await waitFor(() => server!.logs.lines.some((l) => l.msg === 'task crashed' && l.task_id === task_id));
    await waitFor(() => server!.services.orchestrator.activeCount === 0);
    // The slot was freed: the next task runs.
    const next = await server.services.orchestrator.submit('cascade', research({ num_agents: 1 }));
    await waitFor(finished(server, next.task_id));
    expect((await server.services.orchestrator.get(next.task_id)).status).toBe('completed');
  });
});
