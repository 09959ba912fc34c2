import { afterEach, describe, expect, it } from 'vitest';
import type { UpstreamAction, UpstreamRequest } from '../helpers/fake-upstream.js';
import { agentEvents, isSubQuestion, openStream, roleOf, startStack, startTask, waitForFinal, type Stack } from './harness.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** A script whose workers follow `plan` attempt by attempt; everything else answers normally. */
function workerAttempts(plan: UpstreamAction[]) {
  let attempt = 0;
  return (r: UpstreamRequest): UpstreamAction => (roleOf(r) === 'worker' ? (plan[attempt++] ?? { kind: 'answer' }) : { kind: 'answer' });
}

const oneWorker = { num_agents: 1, enable_drummer: false, enable_camina: false };

describe('retries against a real upstream', () => {
  it('retries a 500 and then completes the agent', async () => {
    stack = await startStack({ script: workerAttempts([{ kind: 'error', status: 500 }]) });
    const { server, upstream } = stack;
    const taskId = await startTask(server, 'orchestrate_research', { task: 'retry on 500', ...oneWorker });
    const events = await (await openStream(server, taskId)).ended;
    const record = await waitForFinal(server, taskId);

    expect(record.status).toBe('completed');
    expect(upstream.requests.map(roleOf)).toEqual(['planner', 'worker', 'worker']);
    const worker = agentEvents(events, 'worker-1').map((e) => e.event_type).filter((t) => t !== 'agent_progress');
    expect(worker).toEqual(['agent_start', 'agent_retry', 'agent_complete']);
    const retry = agentEvents(events, 'worker-1', 'agent_retry')[0]!;
    expect(retry.data).toMatchObject({ attempt: 2 });
    expect(String(retry.data.error)).toContain('500');
    expect(record.result!.agent_results.find((a) => a.agent_id === 'worker-1')).toMatchObject({ status: 'completed', attempts: 2 });
  });

  it('honours Retry-After on a 429: agent_retry says 1000 ms and the next request waits about a second', async () => {
    stack = await startStack({
      script: workerAttempts([{ kind: 'error', status: 429, headers: { 'Retry-After': '1' } }]),
      // The test config caps a backoff step at 200 ms; raise the cap so the server's ask is honoured.
      env: () => ({ RETRY_MAX_MS: '5000' }),
    });
    const { server, upstream } = stack;
    const taskId = await startTask(server, 'orchestrate_research', { task: 'retry on 429', ...oneWorker });
    const events = await (await openStream(server, taskId)).ended;
    const record = await waitForFinal(server, taskId);

    expect(record.status).toBe('completed');
    const retries = agentEvents(events, 'worker-1', 'agent_retry');
    expect(retries).toHaveLength(1);
    expect(retries[0]!.data.delay_ms).toBe(1000);
    const [first, second] = upstream.requests.filter((r) => roleOf(r) === 'worker');
    expect(second!.received_at - first!.received_at).toBeGreaterThanOrEqual(900);
    expect(second!.received_at - first!.received_at).toBeLessThan(5000);
  });

  it('retries a connection reset (before the answer, then mid-stream) and keeps only the final attempt’s text', async () => {
    const text = 'the final answer, streamed in one piece after two failures';
    stack = await startStack({
      script: workerAttempts([{ kind: 'reset' }, { kind: 'reset', afterChunks: 2 }, { kind: 'answer', text }]),
    });
    const { server, upstream } = stack;
    const taskId = await startTask(server, 'orchestrate_research', { task: 'retry on reset', ...oneWorker });
    const events = await (await openStream(server, taskId)).ended;
    const record = await waitForFinal(server, taskId);

    expect(record.status).toBe('completed');
    expect(upstream.requests.filter((r) => roleOf(r) === 'worker').map((r) => r.action)).toEqual(['reset', 'reset', 'answer']);
    expect(agentEvents(events, 'worker-1', 'agent_retry').map((e) => e.data.attempt)).toEqual([2, 3]);
    const worker = record.result!.agent_results.find((a) => a.agent_id === 'worker-1')!;
    expect(worker).toMatchObject({ status: 'completed', attempts: 3, content: text });
    // Usage counts only what the upstream reported for complete answers.
    const reported = upstream.requests.filter((r) => roleOf(r) === 'worker').at(-1)!.usage!;
    expect(worker.usage).toEqual({ input_tokens: reported.prompt_tokens, output_tokens: reported.completion_tokens });
    // After the retry the progress count starts over: the last one covers exactly the final text.
    expect(agentEvents(events, 'worker-1', 'agent_progress').at(-1)?.data.chars).toBe(text.length);
  });

  it.each([401, 400])('does not retry a permanent %i: agent_error at once, the other worker completes the task', async (status) => {
    stack = await startStack({ script: (r) => (isSubQuestion(r, 1) ? { kind: 'error', status, message: `nope ${status}` } : { kind: 'answer' }) });
    const { server, upstream } = stack;
    const taskId = await startTask(server, 'orchestrate_research', { task: 'permanent error', num_agents: 2, enable_drummer: false, enable_camina: false });
    const events = await (await openStream(server, taskId)).ended;
    const record = await waitForFinal(server, taskId);

    expect(record.status).toBe('completed');
    expect(upstream.requests.filter((r) => isSubQuestion(r, 1))).toHaveLength(1);
    expect(upstream.requests).toHaveLength(3);
    expect(agentEvents(events, 'worker-1', 'agent_retry')).toHaveLength(0);
    const error = agentEvents(events, 'worker-1', 'agent_error')[0]!;
    expect(error.data).toMatchObject({ attempts: 1, error: { code: 'model_error' } });
    expect(JSON.stringify(error.data.error)).toContain(String(status));
    expect(record.result!.failed_agents).toEqual(['worker-1']);
    expect(record.progress).toMatchObject({ agents_failed: 1, agents_done: 2 });
  });

  it('times out a hanging call after agent_timeout, aborts it at the upstream, and still completes the task', async () => {
    stack = await startStack({ script: (r) => (isSubQuestion(r, 1) ? { kind: 'hang' } : { kind: 'answer' }) });
    const { server, upstream } = stack;
    const taskId = await startTask(server, 'orchestrate_research', {
      task: 'one agent hangs',
      num_agents: 2,
      enable_drummer: false,
      enable_camina: false,
      agent_timeout: 1,
    });
    const events = await (await openStream(server, taskId)).ended;
    const record = await waitForFinal(server, taskId);

    expect(record.status).toBe('completed');
    const error = agentEvents(events, 'worker-1', 'agent_error')[0]!;
    expect(error.data).toMatchObject({ error: { code: 'agent_timeout' } });
    const hung = upstream.requests.filter((r) => isSubQuestion(r, 1));
    expect(hung).toHaveLength(1);
    expect(hung[0]!.closed_early).toBe(true);
    expect(hung[0]!.ended_at! - hung[0]!.received_at).toBeGreaterThanOrEqual(900);
    expect(hung[0]!.ended_at! - hung[0]!.received_at).toBeLessThan(3000);
    expect(record.result!.failed_agents).toEqual(['worker-1']);
    expect(record.result!.agent_results.find((a) => a.agent_id === 'worker-2')?.status).toBe('completed');
    expect(upstream.inFlight).toBe(0);
  });

  it('fails the task with all_agents_failed when every worker fails', async () => {
    stack = await startStack({ script: (r) => (roleOf(r) === 'worker' ? { kind: 'error', status: 400 } : { kind: 'answer' }) });
    const { server, upstream } = stack;
    const taskId = await startTask(server, 'orchestrate_research', { task: 'all fail', num_agents: 3 });
    const events = await (await openStream(server, taskId)).ended;
    const record = await waitForFinal(server, taskId);

    expect(record.status).toBe('failed');
    expect(record.error?.code).toBe('all_agents_failed');
    // No synthesis runs on nothing.
    expect(upstream.requests.map(roleOf)).toEqual(['planner', 'worker', 'worker', 'worker']);
    expect(record.result!.agent_results.filter((a) => a.role === 'worker').map((a) => a.status)).toEqual(['failed', 'failed', 'failed']);
    expect(events.slice(-2).map((e) => e.event_type)).toEqual(['workflow_error', 'stream_closed']);
  });
});
