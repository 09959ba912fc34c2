import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { ORCHESTRATION_TOOLS } from '../../src/tools/orchestration-tools.js';
import { useServers } from '../http/route-harness.js';
import { waitFor, type TestServer } from '../helpers/test-server.js';
import { HTTP_CLIENTS, errorCode, expectRising, type Progress, type TestClient } from './clients.js';

const servers = useServers();

async function finished(client: TestClient, taskId: string) {
  return waitFor(async () => {
    const status = await client.call('get_orchestration_status', { task_id: taskId });
    const record = status.structuredContent!;
    return ['completed', 'failed', 'cancelled'].includes(record.status as string) ? record : undefined;
  }, 20_000, 50);
}

const running = (server: TestServer) =>
  waitFor(async () => (await server.services.orchestrator.list({ limit: 10 })).tasks.find((t) => t.status === 'running'));

describe.each(HTTP_CLIENTS)('MCP over Streamable HTTP: %s', (_label, connect) => {
  it('lists the tools of GET /tools, with the same schemas (plus wait on the tools that start a task)', async () => {
    const server = await servers.plain();
    const client = await connect(server.url);
    const tools = await client.listTools();
    const http = (await request(server.url).get('/tools').expect(200)).body.tools as Array<{ name: string; inputSchema: any }>;
    expect(tools.map((t) => t.name)).toEqual(http.map((t) => t.name));
    expect(tools.map((t) => t.name)).toEqual(ORCHESTRATION_TOOLS.map((t) => t.name));
    for (const tool of tools) {
      const listed = http.find((t) => t.name === tool.name)!.inputSchema;
      const { wait, ...properties } = tool.inputSchema.properties ?? {};
      expect({ ...tool.inputSchema, properties }).toEqual({ ...listed, properties: listed.properties ?? {} });
      expect(wait === undefined).toBe(!tool.name.startsWith('orchestrate_'));
    }
    await client.close();
  });

  it('starts a search and answers its handle at once; status, result and resources follow it to the report', async () => {
    const server = await servers.plain();
    const client = await connect(server.url);
    const started = await client.call('orchestrate_search', { query: 'how are tasks cancelled', num_agents: 2 });
    expect(started.isError).toBeFalsy();
    expect(started.structuredContent).toMatchObject({ success: true, status: 'pending', pattern: 'swarm', stream_url: expect.stringMatching(/^\/stream\/search_/) });
    const taskId = started.structuredContent!.task_id as string;
    expect(started.content[0]!.text).toContain(taskId);

    const record = await finished(client, taskId);
    expect(record.status).toBe('completed');
    const result = await client.call('get_orchestration_result', { task_id: taskId });
    expect(result.structuredContent).toMatchObject({ success: true, task_id: taskId, status: 'completed', result: { final_synthesis: expect.any(String) } });
    const report = result.structuredContent!.result.final_synthesis as string;
    expect(report.length).toBeGreaterThan(0);
    expect(result.content[0]!.text).toContain(report);

    const resources = await client.listResources();
    expect(resources.map((r) => r.uri)).toEqual(expect.arrayContaining([`orchestrator://tasks/${taskId}`, 'orchestrator://patterns/cascade', 'orchestrator://patterns/swarm']));
    const templates = await client.listTemplates();
    expect(templates.map((t) => t.uriTemplate).sort()).toEqual(['orchestrator://patterns/{name}', 'orchestrator://tasks/{task_id}', 'orchestrator://tasks/{task_id}/documents/{format}', 'orchestrator://tasks/{task_id}/report']);
    const [asJson] = await client.read(`orchestrator://tasks/${taskId}`);
    expect(asJson!.mimeType).toBe('application/json');
    expect(JSON.parse(asJson!.text!)).toMatchObject({ task_id: taskId, status: 'completed' });
    const [markdown] = await client.read(`orchestrator://tasks/${taskId}/report`);
    expect(markdown).toMatchObject({ mimeType: 'text/markdown', text: report });
    const [pattern] = await client.read('orchestrator://patterns/cascade');
    expect(JSON.parse(pattern!.text!)).toMatchObject({ name: 'cascade', default_config: expect.any(Object) });
    await expect(client.read('orchestrator://tasks/search_nope')).rejects.toThrow(/search_nope/);
    await client.close();
  });

  it('with wait: true and a progress token, sends rising progress to the end and answers the final record', async () => {
    const server = await servers.plain();
    const client = await connect(server.url);
    const progress: Progress[] = [];
    const done = await client.call('orchestrate_research', { task: 'what does the orchestrator do', num_agents: 2, wait: true }, { onprogress: (p) => progress.push(p) });
    expect(done.isError).toBeFalsy();
    expect(done.structuredContent).toMatchObject({ success: true, status: 'completed', pattern: 'cascade', result: { final_synthesis: expect.any(String) } });
    expect(done.content[0]!.text).toContain(done.structuredContent!.result.final_synthesis);
    expectRising(progress);
    const lastSeq = await server.services.events.lastSeq(done.structuredContent!.task_id);
    expect(progress.at(-1)!.progress).toBe(progress.at(-1)!.total === undefined ? progress.at(-1)!.progress : lastSeq);
    expect(progress.at(-1)!.progress).toBeLessThanOrEqual(lastSeq);
    expect(server.services.events.followerCount(), 'the wait stopped following the task').toBe(0);
    await client.close();
  });

  it('with wait: true but no progress token, sends no progress', async () => {
    const server = await servers.plain();
    const client = await connect(server.url);
    const done = await client.call('orchestrate_search', { query: 'quiet', num_agents: 1, wait: true });
    expect(done.structuredContent).toMatchObject({ status: 'completed' });
    expect(client.stray.filter((n) => n.method === 'notifications/progress')).toEqual([]);
    await client.close();
  });

  it('answers isError with the SPEC code: validation_error, task_not_found, task_not_finished, task_already_finished', async () => {
    const { server } = await servers.withFake({ respond: () => ({ hang: true }) });
    const client = await connect(server.url);
    const invalid = await client.call('orchestrate_search', { query: '', num_agents: 99, bogus: 1 });
    expect(errorCode(invalid)).toBe('validation_error');
    expect(invalid.structuredContent!.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['bogus', 'num_agents', 'query']);
    expect(errorCode(await client.call('orchestrate_search', { query: 'x', wait: 'yes' }))).toBe('validation_error');
    expect(errorCode(await client.call('get_orchestration_status', { task_id: 'search_nope' }))).toBe('task_not_found');
    expect((await server.services.orchestrator.list({ limit: 10 })).tasks).toEqual([]);

    const started = await client.call('orchestrate_research', { task: 'hangs', num_agents: 1 });
    const taskId = started.structuredContent!.task_id as string;
    expect(errorCode(await client.call('get_orchestration_result', { task_id: taskId }))).toBe('task_not_finished');
    const cancelled = await client.call('cancel_orchestration', { task_id: taskId });
    expect(cancelled.structuredContent).toEqual({ success: true, task_id: taskId, cancelled: true, status: 'cancelled' });
    await waitFor(async () => (await server.services.orchestrator.get(taskId)).status === 'cancelled');
    const ended = await client.call('get_orchestration_result', { task_id: taskId });
    expect(ended.structuredContent).toMatchObject({ success: true, task_id: taskId, status: 'cancelled' });
    await client.close();
  });

  it('serves the registry tools and the patterns', async () => {
    const server = await servers.plain();
    const client = await connect(server.url);
    const patterns = await client.call('list_orchestrator_patterns', {});
    expect(patterns.structuredContent!.patterns.map((p: { name: string }) => p.name)).toEqual(['cascade', 'swarm']);
    const tools = await client.call('list_registered_tools', { tags: 'time' });
    expect(tools.structuredContent).toMatchObject({ success: true, count: 1, tools: [{ name: 'current_time' }] });
    const now = await client.call('execute_registered_tool', { tool_name: 'current_time', arguments: { timezone: 'Asia/Tokyo' } });
    expect(now.structuredContent).toMatchObject({ success: true, tool_name: 'current_time', result: { timezone: 'Asia/Tokyo' } });
    expect(errorCode(await client.call('execute_registered_tool', { tool_name: 'nope' }))).toBe('tool_not_found');
    await client.close();
  });

  it('takes webhook_url like HTTP does: a private target is refused, an allowed one registered', async () => {
    const refusing = await servers.plain();
    const client = await connect(refusing.url);
    const refused = await client.call('orchestrate_search', { query: 'x', webhook_url: 'http://127.0.0.1:9/hook' });
    expect(errorCode(refused)).toBe('validation_error');
    expect(refused.structuredContent!.error.details.map((d: { path: string }) => d.path)).toEqual(['webhook_url']);
    expect(refused.content[0]!.text).not.toContain('not available');
    await client.close();

    const allowing = await servers.plain({ WEBHOOK_ALLOW_PRIVATE: 'true' });
    const other = await connect(allowing.url);
    const started = await other.call('orchestrate_search', { query: 'x', num_agents: 1, webhook_url: 'http://127.0.0.1:9/hook' });
    expect(started.structuredContent).toMatchObject({ success: true, status: 'pending' });
    await other.close();
  });

  it('cancelling a wait: true call cancels the task it started', async () => {
    const { server } = await servers.withFake({ respond: () => ({ hang: true }) });
    const client = await connect(server.url);
    const abort = new AbortController();
    const progress: Progress[] = [];
    const call = client.call('orchestrate_research', { task: 'never ends', num_agents: 1, wait: true }, { signal: abort.signal, onprogress: (p) => progress.push(p) });
    const task = await running(server);
    // The planner hangs: after its start nothing more happens until the cancel.
    await waitFor(() => progress.some((p) => p.message === 'agent start: planner'));
    abort.abort(new Error('the user gave up'));
    await expect(call).rejects.toThrow();
    await waitFor(async () => (await server.services.orchestrator.get(task.task_id)).status === 'cancelled');
    await client.close();
  });

  it('a plain handle survives the client going away', async () => {
    const { server } = await servers.withFake({ respond: () => ({ hang: true }) });
    const first = await connect(server.url);
    const started = await first.call('orchestrate_research', { task: 'outlives its client', num_agents: 1 });
    const taskId = started.structuredContent!.task_id as string;
    await running(server);
    await first.close();

    const second = await connect(server.url);
    const status = await second.call('get_orchestration_status', { task_id: taskId });
    expect(status.structuredContent).toMatchObject({ task_id: taskId, status: 'running' });
    await second.call('cancel_orchestration', { task_id: taskId });
    await second.close();
  });
});
