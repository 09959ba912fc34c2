import { afterEach, describe, expect, it } from 'vitest';
import { agentEvents, openStream, roleOf, startStack, startTask, waitForFinal, type Stack } from './harness.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('tools for model agents', () => {
  it('a worker searches the corpus through search_documents, then answers citing it', async () => {
    stack = await startStack({
      script: (r) => {
        if (roleOf(r) !== 'worker') return { kind: 'answer' };
        if (!r.messages.some((m) => m.role === 'tool')) return { kind: 'tool_call', name: 'search_documents', arguments: { query: 'Last-Event-ID resume', limit: 3 } };
        return { kind: 'answer', text: 'Reconnect with Last-Event-ID [1].\n\nSources:\n[1] api.md — HTTP API (lines 1-10)' };
      },
    });
    const { server, upstream } = stack;
    const taskId = await startTask(server, 'orchestrate_research', { task: 'resume', num_agents: 1, enable_drummer: false, enable_camina: false });
    const events = await (await openStream(server, taskId)).ended;
    const record = await waitForFinal(server, taskId);
    expect(record.status).toBe('completed');

    const [result] = agentEvents(events, 'worker-1', 'agent_tool_result');
    const output = result?.data.output as { results: Array<{ path: string; lines: string }> };
    expect(output.results[0]).toMatchObject({ path: 'api.md', lines: expect.stringMatching(/^\d+-\d+$/) });
    // The passages reached the model in the second step.
    const second = upstream.requests.filter((r) => roleOf(r) === 'worker')[1]!;
    expect(JSON.stringify(second.messages)).toContain('Last-Event-ID');
    const worker = record.result!.agent_results.find((a) => a.agent_id === 'worker-1')!;
    // The citation is the task's source [1]: the passage the search returned (its real lines, not the
    // model's misremembered 1-10), and the same entry in result.sources.
    const cited = output.results.find((r) => r.path === 'api.md')!;
    expect(worker.citations).toEqual([expect.objectContaining({ n: 1, source: 'api.md', lines: cited.lines })]);
    expect(record.result!.sources[0]).toMatchObject({ n: 1, kind: 'document', path: 'api.md', lines: cited.lines });
    expect(record.result!.unverified_citations).toBe(0);
    expect(worker.content).toContain('Reconnect with Last-Event-ID [1].');
  });

  it('removes and counts a citation of something no agent read', async () => {
    stack = await startStack({
      script: (r) => {
        if (roleOf(r) !== 'worker') return { kind: 'answer' };
        if (!r.messages.some((m) => m.role === 'tool')) return { kind: 'tool_call', name: 'search_documents', arguments: { query: 'Last-Event-ID resume', limit: 3 } };
        return { kind: 'answer', text: 'Reconnect with Last-Event-ID [1]. Also see the invented paper [2] and [3].\n\nSources:\n[1] api.md — HTTP API (lines 1-10)\n[2] https://example.org/never-read\n[3] secret-plans.md — Nowhere (lines 1-2)' };
      },
    });
    const { server } = stack;
    const taskId = await startTask(server, 'orchestrate_research', { task: 'resume', num_agents: 1, enable_drummer: false, enable_camina: false });
    await (await openStream(server, taskId)).ended;
    const record = await waitForFinal(server, taskId);
    expect(record.result!.unverified_citations).toBe(2);
    const worker = record.result!.agent_results.find((a) => a.agent_id === 'worker-1')!;
    expect(worker.content).not.toMatch(/\[2\]|\[3\]|never-read|secret-plans/);
    expect(record.result!.final_synthesis).not.toMatch(/never-read|secret-plans/);
    expect(record.result!.sources.filter((s) => s.path === 'secret-plans.md' || s.url)).toEqual([]);
  });

  it('a tool call that breaks the rules comes back as an error result, and the agent goes on', async () => {
    stack = await startStack({
      script: (r) => {
        if (roleOf(r) !== 'worker') return { kind: 'answer' };
        if (!r.messages.some((m) => m.role === 'tool')) return { kind: 'tool_call', name: 'read_document', arguments: { path: '../../etc/passwd' } };
        return { kind: 'answer', text: 'I could not read that file.' };
      },
    });
    const { server } = stack;
    const taskId = await startTask(server, 'orchestrate_research', { task: 'read a file', num_agents: 1, enable_drummer: false, enable_camina: false });
    const events = await (await openStream(server, taskId)).ended;
    const record = await waitForFinal(server, taskId);
    expect(record.status).toBe('completed');
    const [result] = agentEvents(events, 'worker-1', 'agent_tool_result');
    expect(result?.data).toMatchObject({ tool_name: 'read_document', is_error: true });
    expect(String(result?.data.output)).toMatch(/outside|\.\./);
    expect(JSON.stringify(events)).not.toContain('root:x:0:0');
  });
});
