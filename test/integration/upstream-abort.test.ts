import { afterEach, describe, expect, it } from 'vitest';
import { researchInputSchema } from '../../src/orchestrator/inputs.js';
import type { UpstreamAction } from '../helpers/fake-upstream.js';
import { waitFor } from '../helpers/test-server.js';
import {
  getTask,
  isSubQuestion,
  openStream,
  post,
  roleOf,
  sleep,
  startStack,
  startTask,
  waitForFinal,
  writePrices,
  type Stack,
} from './harness.js';

let stack: Stack | undefined;
const cleanups: Array<() => void> = [];
afterEach(async () => {
  await stack?.close();
  stack = undefined;
  for (const cleanup of cleanups.splice(0)) cleanup();
});

const stalls: Record<string, UpstreamAction> = {
  hangs: { kind: 'hang' },
  // About a minute of text at one chunk per 200 ms: still streaming when the cancel comes.
  'streams slowly': { kind: 'answer', text: 'x'.repeat(300), chunkSize: 1, chunkDelayMs: 200 },
};

describe('aborting work at the upstream', () => {
  it.each(Object.keys(stalls))('cancel while the upstream %s closes every call at once and starts no new one', async (name) => {
    stack = await startStack({ script: (r) => (roleOf(r) === 'worker' ? stalls[name] : { kind: 'answer' }) });
    const { server, upstream } = stack;
    // Four workers, three slots: the fourth is waiting for a slot when the cancel comes.
    const taskId = await startTask(server, 'orchestrate_research', { task: 'cancel me', num_agents: 4 });
    const stream = await openStream(server, taskId);
    await waitFor(() => upstream.inFlight === 3 && upstream.requests.filter((r) => roleOf(r) === 'worker').length === 3, 5000);
    const before = upstream.requests.length;

    const cancelledAt = Date.now();
    const res = await post(server, '/tools/cancel_orchestration', { task_id: taskId });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, task_id: taskId, cancelled: true, status: 'cancelled' });

    // Every call in flight is closed by the client (undici may open a fresh idle connection
    // afterwards, so the test watches the requests' own connections, not the socket count).
    await waitFor(() => upstream.inFlight === 0, 1500);
    const workers = upstream.requests.filter((r) => roleOf(r) === 'worker');
    for (const w of workers) {
      expect(w.closed_early).toBe(true);
      expect(w.ended_at! - cancelledAt).toBeLessThan(1000);
    }
    const events = await stream.ended;
    expect(events.slice(-2).map((e) => e.event_type)).toEqual(['workflow_cancelled', 'stream_closed']);

    await sleep(600);
    expect(upstream.requests).toHaveLength(before);
    const record = await getTask(server, taskId);
    expect(record.status).toBe('cancelled');
    // The fourth worker never reached the upstream: it was waiting for a slot when the cancel came.
    expect(upstream.requests.filter((r) => isSubQuestion(r, 4))).toHaveLength(0);
    const workerStatuses = record.result?.agent_results.filter((a) => a.role === 'worker').map((a) => a.status);
    expect(workerStatuses).toEqual(['cancelled', 'cancelled', 'cancelled', 'cancelled']);
    const again = await post(server, '/tools/cancel_orchestration', { task_id: taskId });
    expect(again.status).toBe(200);
    expect((await getTask(server, taskId)).status).toBe('cancelled');
  });

  it('ends a task at its timeout: calls aborted at the upstream, failed with code timeout, planner result kept', async () => {
    stack = await startStack({ script: (r) => (roleOf(r) === 'worker' ? { kind: 'hang' } : { kind: 'answer' }) });
    const { server, upstream } = stack;
    // The HTTP schema's minimum timeout is 10 s; the orchestrator itself takes any, so the test stays quick.
    const input = { ...researchInputSchema.parse({ task: 'time out', num_agents: 2, model: 'gpt-test' }), timeout: 1 };
    const accepted = await server.services.orchestrator.submit('cascade', input);
    const record = await waitForFinal(server, accepted.task_id, 5000);

    expect(record.status).toBe('failed');
    expect(record.error?.code).toBe('timeout');
    expect(record.result?.agent_results.find((a) => a.role === 'planner')?.status).toBe('completed');
    // The plan survives the timeout with the rest of the partial result.
    expect(record.result?.subtasks).toEqual(['sub-question 1', 'sub-question 2']);
    const workers = upstream.requests.filter((r) => roleOf(r) === 'worker');
    expect(workers).toHaveLength(2);
    expect(workers.every((w) => w.closed_early)).toBe(true);
    await waitFor(() => upstream.inFlight === 0, 1000);
    await sleep(300);
    expect(upstream.requests).toHaveLength(3);
    const events = await server.services.events.history(accepted.task_id);
    expect(events.slice(-2).map((e) => e.event_type)).toEqual(['workflow_error', 'stream_closed']);
  });

  it('stops at max_total_cost: failed with budget_exceeded, other calls aborted, finished results kept', async () => {
    const prices = writePrices({ 'openai/gpt-test': { input_per_mtok: 1, output_per_mtok: 1 } });
    cleanups.push(prices.cleanup);
    const small = { prompt_tokens: 10, completion_tokens: 10 };
    const large = { prompt_tokens: 1000, completion_tokens: 1000 };
    stack = await startStack({
      env: () => ({ PRICES_FILE: prices.file }),
      script: (r) => {
        if (roleOf(r) === 'planner') return { kind: 'answer', usage: small };
        if (isSubQuestion(r, 1)) return { kind: 'answer', usage: large, delayMs: 100 };
        return { kind: 'hang' };
      },
    });
    const { server, upstream } = stack;
    // Planner: $0.00002, under budget; worker-1: $0.002 more, over it.
    const taskId = await startTask(server, 'orchestrate_research', { task: 'expensive', num_agents: 3, model: 'gpt-test', max_total_cost: 0.001 });
    const record = await waitForFinal(server, taskId);

    expect(record.status).toBe('failed');
    expect(record.error?.code).toBe('budget_exceeded');
    expect(record.usage.cost_usd).toBeCloseTo(0.00202, 10);
    const byId = Object.fromEntries(record.result!.agent_results.map((a) => [a.agent_id, a.status]));
    expect(byId).toEqual({ planner: 'completed', 'worker-1': 'completed', 'worker-2': 'cancelled', 'worker-3': 'cancelled' });
    expect(record.result!.agent_results.find((a) => a.agent_id === 'worker-1')?.content).toContain('gpt-test');
    const hung = upstream.requests.filter((r) => roleOf(r) === 'worker' && !isSubQuestion(r, 1));
    expect(hung).toHaveLength(2);
    await waitFor(() => upstream.inFlight === 0, 1000);
    expect(hung.every((r) => r.closed_early)).toBe(true);
    await sleep(300);
    expect(upstream.requests).toHaveLength(4);
  });
});
