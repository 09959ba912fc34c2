import { afterEach, describe, expect, it } from 'vitest';
import { agentEvents, openStream, roleOf, startStack, startTask, waitForFinal, type Stack } from './harness.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** The first `failures` worker requests get `action`; later ones are answered. */
function failFirst(failures: number, action: { kind: 'malformed' } | { kind: 'stall' }) {
  let seen = 0;
  return (r: Parameters<NonNullable<Parameters<typeof startStack>[0]>['script'] & object>[0]) => {
    if (roleOf(r) !== 'worker') return { kind: 'answer' as const };
    return seen++ < failures ? action : { kind: 'answer' as const, text: 'recovered answer' };
  };
}

describe('upstream faults', () => {
  it('a malformed stream is retried, then succeeds with only the good attempt\'s text', async () => {
    stack = await startStack({ script: failFirst(1, { kind: 'malformed' }) });
    const { server } = stack;
    const taskId = await startTask(server, 'orchestrate_research', { task: 'malformed', num_agents: 1, enable_drummer: false, enable_camina: false });
    const events = await (await openStream(server, taskId)).ended;
    const record = await waitForFinal(server, taskId);
    expect(record.status).toBe('completed');
    expect(agentEvents(events, 'worker-1', 'agent_retry')).toHaveLength(1);
    expect(record.result!.agent_results.find((a) => a.agent_id === 'worker-1')).toMatchObject({ attempts: 2, content: 'recovered answer' });
  });

  it('a stream that stalls mid-answer is cut after MODEL_IDLE_TIMEOUT_MS and retried', async () => {
    stack = await startStack({ script: failFirst(1, { kind: 'stall' }), env: () => ({ MODEL_IDLE_TIMEOUT_MS: '300' }) });
    const { server, upstream } = stack;
    const taskId = await startTask(server, 'orchestrate_research', { task: 'stall', num_agents: 1, enable_drummer: false, enable_camina: false });
    const events = await (await openStream(server, taskId)).ended;
    const record = await waitForFinal(server, taskId);
    expect(record.status).toBe('completed');
    const [retry] = agentEvents(events, 'worker-1', 'agent_retry');
    expect(String(retry?.data.error)).toMatch(/sent nothing for 300 ms/);
    const workers = upstream.requests.filter((r) => roleOf(r) === 'worker');
    expect(workers[0]!.closed_early).toBe(true);
    expect(record.result!.agent_results.find((a) => a.agent_id === 'worker-1')).toMatchObject({ attempts: 2, content: 'recovered answer' });
  });

  it('a stream that always stalls ends in agent_error at the agent timeout, and retries until then', async () => {
    stack = await startStack({ script: failFirst(100, { kind: 'stall' }), env: () => ({ MODEL_IDLE_TIMEOUT_MS: '200', RETRY_MAX_MS: '50', AGENT_MAX_RETRIES: '10' }) });
    const { server } = stack;
    const taskId = await startTask(server, 'orchestrate_research', { task: 'stall forever', num_agents: 2, agent_timeout: 1, enable_drummer: false, enable_camina: false });
    const events = await (await openStream(server, taskId)).ended;
    const record = await waitForFinal(server, taskId);
    expect(record.status).toBe('failed');
    expect(record.error?.code).toBe('all_agents_failed');
    const errors = events.filter((e) => e.event_type === 'agent_error');
    expect(errors.map((e) => (e.data.error as { code: string }).code)).toEqual(['agent_timeout', 'agent_timeout']);
    expect(agentEvents(events, 'worker-1', 'agent_retry').length).toBeGreaterThanOrEqual(1);
  });

  it('a flaky upstream (every third call fails) still completes the task', async () => {
    let n = 0;
    stack = await startStack({ script: () => (++n % 3 === 0 ? { kind: 'error', status: 503 } : { kind: 'answer' }) });
    const { server } = stack;
    const taskId = await startTask(server, 'orchestrate_research', { task: 'flaky', num_agents: 8 });
    const record = await waitForFinal(server, taskId);
    expect(record.status).toBe('completed');
    expect(record.result!.failed_agents).toEqual([]);
  });
});
