import { afterEach, describe, expect, it } from 'vitest';
import { agentEvents, openStream, roleOf, startStack, startTask, waitForFinal, writePrices, type Stack } from './harness.js';

let stack: Stack | undefined;
const cleanups: Array<() => void> = [];
afterEach(async () => {
  await stack?.close();
  stack = undefined;
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe('openai provider against a fake OpenAI-compatible upstream', () => {
  it('runs an 8-agent research as 12 upstream calls with the requested model, never above MAX_CONCURRENT_AGENTS, with usage and cost from the upstream', async () => {
    const prices = writePrices({ 'openai/gpt-test': { input_per_mtok: 3, output_per_mtok: 7 } });
    cleanups.push(prices.cleanup);
    // Workers stream slowly enough that they overlap: the limit is reached, not just respected.
    stack = await startStack({
      script: (r) => (roleOf(r) === 'worker' ? { kind: 'answer', chunkDelayMs: 15 } : { kind: 'answer' }),
      env: () => ({ PRICES_FILE: prices.file }),
    });
    const { server, upstream } = stack;
    const taskId = await startTask(server, 'orchestrate_research', { task: 'why is the sky blue', num_agents: 8, model: 'gpt-test' });
    const record = await waitForFinal(server, taskId);

    expect(record.status).toBe('completed');
    expect(upstream.requests).toHaveLength(12);
    expect(upstream.requests.map((r) => r.model)).toEqual(Array(12).fill('gpt-test'));
    expect(upstream.requests.every((r) => r.stream && r.headers.authorization === 'Bearer test-key')).toBe(true);
    expect(upstream.requests.map(roleOf).sort()).toEqual(['camina', 'drummer', 'drummer', 'planner', ...Array(8).fill('worker')].sort());
    expect(upstream.maxInFlight).toBeLessThanOrEqual(3);
    expect(upstream.maxInFlight).toBe(3);

    const reported = upstream.requests.map((r) => r.usage!);
    expect(reported.every(Boolean)).toBe(true);
    const input = reported.reduce((sum, u) => sum + u.prompt_tokens, 0);
    const output = reported.reduce((sum, u) => sum + u.completion_tokens, 0);
    expect(record.usage.input_tokens).toBe(input);
    expect(record.usage.output_tokens).toBe(output);
    expect(record.usage.price_known).toBe(true);
    expect(record.usage.cost_usd).toBeCloseTo((input * 3 + output * 7) / 1_000_000, 12);

    const all = [...record.result!.agent_results, ...record.result!.synthesis_results];
    expect(all).toHaveLength(12);
    for (const agent of all) {
      expect(agent.status).toBe('completed');
      expect(agent.attempts).toBe(1);
      expect(agent.cost_usd).toBeCloseTo((agent.usage.input_tokens * 3 + agent.usage.output_tokens * 7) / 1_000_000, 12);
    }
    expect(record.result!.subtasks).toEqual(Array.from({ length: 8 }, (_, i) => `sub-question ${i + 1}`));
    expect(record.provider).toBe('openai');
    expect(record.model).toBe('gpt-test');
  });

  it('streams text as coalesced agent_progress events over GET /stream/:id', async () => {
    const long = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
    stack = await startStack({
      script: (r) => (roleOf(r) === 'worker' ? { kind: 'answer', text: long, chunkSize: 3 } : { kind: 'answer' }),
    });
    const { server, upstream } = stack;
    const taskId = await startTask(server, 'orchestrate_research', {
      task: 'coalescing',
      num_agents: 1,
      enable_drummer: false,
      enable_camina: false,
    });
    const stream = await openStream(server, taskId);
    const events = await stream.ended;
    const record = await waitForFinal(server, taskId);
    expect(record.status).toBe('completed');
    expect(upstream.requests).toHaveLength(2);

    const chunks = Math.ceil(long.length / 3);
    const progress = agentEvents(events, 'worker-1', 'agent_progress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.length).toBeLessThan(chunks / 4);
    expect(progress.map((e) => e.data.delta).join('')).toBe(long);
    expect(progress.at(-1)?.data.chars).toBe(long.length);
    expect(agentEvents(events, 'worker-1', 'agent_complete')[0]?.data.content).toBe(long);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.slice(-2).map((e) => e.event_type)).toEqual(['workflow_complete', 'stream_closed']);
  });

  it('streams slow text incrementally: progress arrives while the answer is still coming', async () => {
    stack = await startStack({
      script: (r) =>
        roleOf(r) === 'worker' ? { kind: 'answer', text: 'aaaa bbbb cccc dddd eeee', chunkSize: 5, chunkDelayMs: 250 } : { kind: 'answer' },
    });
    const { server, upstream } = stack;
    const taskId = await startTask(server, 'orchestrate_research', { task: 'slow', num_agents: 1, enable_drummer: false, enable_camina: false });
    const events = await (await openStream(server, taskId)).ended;
    const worker = upstream.requests.find((r) => roleOf(r) === 'worker')!;
    const progress = agentEvents(events, 'worker-1', 'agent_progress');
    expect(progress.length).toBeGreaterThanOrEqual(3);
    // The first piece was out long before the upstream finished the answer.
    expect(Date.parse(progress[0]!.timestamp)).toBeLessThan(worker.ended_at! - 500);
    expect(progress.map((e) => e.data.delta).join('')).toBe('aaaa bbbb cccc dddd eeee');
  });

  it('runs a tool call the upstream asks for and counts the usage of both steps', async () => {
    stack = await startStack({
      script: (r) => {
        if (roleOf(r) !== 'worker') return { kind: 'answer' };
        if (!r.messages.some((m) => m.role === 'tool')) return { kind: 'tool_call', name: 'calculate', arguments: { expression: '6*7' } };
        return { kind: 'answer', text: 'six times seven is 42' };
      },
    });
    const { server, upstream } = stack;
    const taskId = await startTask(server, 'orchestrate_research', { task: 'arithmetic', num_agents: 1, enable_drummer: false, enable_camina: false });
    const events = await (await openStream(server, taskId)).ended;
    const record = await waitForFinal(server, taskId);

    expect(record.status).toBe('completed');
    const workerRequests = upstream.requests.filter((r) => roleOf(r) === 'worker');
    expect(workerRequests.map((r) => r.action)).toEqual(['tool_call', 'answer']);
    expect(Array.isArray(workerRequests[0]!.body.tools)).toBe(true);
    const toolMessage = workerRequests[1]!.messages.find((m) => m.role === 'tool');
    expect(JSON.stringify(toolMessage?.content)).toContain('42');

    const [call] = agentEvents(events, 'worker-1', 'agent_tool_call');
    expect(call?.data).toMatchObject({ tool_name: 'calculate', input: { expression: '6*7' } });
    const [result] = agentEvents(events, 'worker-1', 'agent_tool_result');
    expect(result?.data).toMatchObject({ tool_call_id: call?.data.tool_call_id, tool_name: 'calculate', is_error: false, output: { result: '42' } });

    const worker = record.result!.agent_results.find((a) => a.agent_id === 'worker-1')!;
    expect(worker).toMatchObject({ status: 'completed', attempts: 1, content: 'six times seven is 42' });
    expect(worker.usage).toEqual({
      input_tokens: workerRequests[0]!.usage!.prompt_tokens + workerRequests[1]!.usage!.prompt_tokens,
      output_tokens: workerRequests[0]!.usage!.completion_tokens + workerRequests[1]!.usage!.completion_tokens,
    });
    expect(record.usage.input_tokens).toBe(upstream.requests.reduce((sum, r) => sum + r.usage!.prompt_tokens, 0));
  });
});

describe('xai provider against the same fake upstream', () => {
  it('runs a small search with the requested model and counts usage', async () => {
    const prices = writePrices({ 'xai/grok-test': { input_per_mtok: 5, output_per_mtok: 11 } });
    cleanups.push(prices.cleanup);
    stack = await startStack({
      env: (url) => ({ XAI_API_KEY: 'xai-key', XAI_BASE_URL: `${url}/v1`, OPENAI_API_KEY: '', DEFAULT_PROVIDER: 'auto', PRICES_FILE: prices.file }),
    });
    const { server, upstream } = stack;
    const taskId = await startTask(server, 'orchestrate_search', { query: 'latest rust async runtimes', num_agents: 2, provider: 'xai', model: 'grok-test' });
    const record = await waitForFinal(server, taskId);

    expect(record.status).toBe('completed');
    expect(record.provider).toBe('xai');
    expect(upstream.requests).toHaveLength(4);
    expect(upstream.requests.map((r) => r.model)).toEqual(Array(4).fill('grok-test'));
    expect(upstream.requests.every((r) => r.headers.authorization === 'Bearer xai-key')).toBe(true);
    expect(upstream.requests.map(roleOf)).toEqual(['planner', 'search', 'search', 'synthesizer']);
    const input = upstream.requests.reduce((sum, r) => sum + r.usage!.prompt_tokens, 0);
    const output = upstream.requests.reduce((sum, r) => sum + r.usage!.completion_tokens, 0);
    expect(record.usage.input_tokens).toBe(input);
    expect(record.usage.output_tokens).toBe(output);
    expect(record.usage.cost_usd).toBeCloseTo((input * 5 + output * 11) / 1_000_000, 12);
    expect(record.result!.final_synthesis).toContain('grok-test');
  });
});
