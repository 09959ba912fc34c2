import { afterEach, describe, expect, it } from 'vitest';
import { ORCHESTRATION_TOOLS } from '../../src/tools/orchestration-tools.js';
import { BUILT_CLI, cleanupChildren, run, type Child } from '../helpers/child-process.js';
import { waitFor } from '../helpers/test-server.js';
import { useServers } from '../http/route-harness.js';
import { errorCode, expectRising, stdioClient, unexpectedErrors, stdioParams, type Progress } from './clients.js';

afterEach(cleanupChildren);
const servers = useServers();

/** Every line the child wrote on stdout, parsed; each must be a JSON-RPC 2.0 message. */
function protocolLines(child: Child): Array<Record<string, any>> {
  return child
    .stdout()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const message = JSON.parse(line) as Record<string, any>;
      expect(message.jsonrpc, line).toBe('2.0');
      return message;
    });
}

// Each child is the built CLI (dist/, built by test/global-setup.ts): a second or so of start-up.
describe('mcp-orchestrator mcp (stdio)', { timeout: 90_000 }, () => {
  it('writes nothing but JSON-RPC on stdout, logs on stderr, and exits 0 when stdin closes', async () => {
    const child = run(BUILT_CLI, ['mcp'], { LOG_LEVEL: 'debug' });
    const send = (message: unknown) => child.proc.stdin.write(`${JSON.stringify(message)}\n`);
    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
    await waitFor(() => protocolLines(child).find((m) => m.id === 1), 60_000);
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} });
    send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'orchestrate_search', arguments: { query: 'stdio', num_agents: 1, wait: true }, _meta: { progressToken: 'p' } } });
    const done = await waitFor(() => protocolLines(child).find((m) => m.id === 3), 60_000);
    expect(done.result.structuredContent).toMatchObject({ status: 'completed' });

    const lines = protocolLines(child);
    expect(lines.find((m) => m.id === 2)!.result.tools.map((t: { name: string }) => t.name)).toEqual(ORCHESTRATION_TOOLS.map((t) => t.name));
    const progress = lines.filter((m) => m.method === 'notifications/progress').map((m) => m.params as Progress & { progressToken: string });
    expect(progress.every((p) => p.progressToken === 'p')).toBe(true);
    expectRising(progress, { complete: true });
    // The last progress goes out before the answer.
    expect(lines.findIndex((m) => m.method === 'notifications/progress' && m.params.total !== undefined)).toBeLessThan(lines.findIndex((m) => m.id === 3));

    child.proc.stdin.end();
    expect(await child.exited).toEqual({ code: 0, signal: null });
    const logs = child.stderr().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string });
    expect(logs.map((l) => l.msg)).toContain('MCP stdio runs tasks in this process');
  });

  it('serves a v2 client on the newest revision and a v1 client on the handshake era, on the same DATA_DIR', async () => {
    const params = stdioParams();
    const modern = await stdioClient('v2', params);
    expect((await modern.listTools()).map((t) => t.name)).toEqual(ORCHESTRATION_TOOLS.map((t) => t.name));
    const progress: Progress[] = [];
    const done = await modern.call('orchestrate_search', { query: 'what is a swarm', num_agents: 2, wait: true }, { onprogress: (p) => progress.push(p) });
    expect(done.structuredContent).toMatchObject({ success: true, status: 'completed', result: { final_synthesis: expect.any(String) } });
    expectRising(progress);
    expect(errorCode(await modern.call('orchestrate_search', { query: 'x', num_agents: 0 }))).toBe('validation_error');
    expect(unexpectedErrors(modern.errors)).toEqual([]);
    await modern.close();

    // A second process on the same store sees the task the first one ran.
    const taskId = done.structuredContent!.task_id as string;
    const handshake = await stdioClient('v1', params);
    const [report] = await handshake.read(`orchestrator://tasks/${taskId}/report`);
    expect(report).toMatchObject({ mimeType: 'text/markdown', text: done.structuredContent!.result.final_synthesis });
    const started = await handshake.call('orchestrate_research', { task: 'handle over stdio', num_agents: 1 });
    expect(started.structuredContent).toMatchObject({ success: true, status: 'pending', task_id: expect.stringMatching(/^research_/) });
    expect(unexpectedErrors(handshake.errors)).toEqual([]);
    await handshake.close();
  });

  it(`with --remote, forwards to the HTTP server: tasks run there, wait follows its stream, and cancelling a wait cancels there`, async () => {
    const { server } = await servers.withFake({ respond: (call) => (call.prompt.includes('qqhangqq') ? { hang: true } : `answer ${call.index}`) });
    const client = await stdioClient('v2', stdioParams(['--remote', server.url]));
    const progress: Progress[] = [];
    const done = await client.call('orchestrate_research', { task: 'remote work', num_agents: 2, wait: true }, { onprogress: (p) => progress.push(p) });
    expect(done.structuredContent).toMatchObject({ status: 'completed', pattern: 'cascade' });
    expectRising(progress);
    expect((await server.services.orchestrator.get(done.structuredContent!.task_id)).status).toBe('completed');
    expect(errorCode(await client.call('get_orchestration_status', { task_id: 'research_nope' }))).toBe('task_not_found');

    const abort = new AbortController();
    const steps: Progress[] = [];
    const waiting = client.call('orchestrate_search', { query: 'qqhangqq', num_agents: 1, wait: true }, { signal: abort.signal, onprogress: (p) => steps.push(p) });
    const task = await waitFor(async () => (await server.services.orchestrator.list({ limit: 10 })).tasks.find((t) => t.status === 'running'));
    // The planner hangs: after its start nothing more happens until the cancel.
    await waitFor(() => steps.some((p) => p.message === 'agent start: planner'));
    abort.abort(new Error('enough'));
    await expect(waiting).rejects.toThrow();
    await waitFor(async () => (await server.services.orchestrator.get(task.task_id)).status === 'cancelled');
    expect(unexpectedErrors(client.errors)).toEqual([]);
    await client.close();
  });

  it(`refuses a --remote that is not a URL with exit code 2`, async () => {
    const child = run(BUILT_CLI, ['mcp', '--remote', 'not a url'], {});
    expect(await child.exited).toEqual({ code: 2, signal: null });
    expect(child.stdout()).toBe('');
    expect(child.stderr()).toContain('--remote');
  });
});
