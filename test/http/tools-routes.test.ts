import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { ORCHESTRATION_TOOLS } from '../../src/tools/orchestration-tools.js';
import type { FakeModel } from '../helpers/fake-model.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { Store } from '../../src/store/store.js';
import { startTestServer, waitFor, type TestServer } from '../helpers/test-server.js';
import { detailPaths, expectError, useServers } from './route-harness.js';

const servers = useServers();

const TOOL_NAMES = [
  'orchestrate_research',
  'orchestrate_search',
  'get_orchestration_status',
  'get_orchestration_result',
  'cancel_orchestration',
  'list_orchestrator_patterns',
  'list_registered_tools',
  'execute_registered_tool',
];

const post = (server: TestServer, tool: string, body?: unknown) => {
  const req = request(server.url).post(`/tools/${tool}`);
  return body === undefined ? req : req.send(body as object);
};

/** Nothing was started: no task stored, no model called. */
async function expectNothingStarted(server: TestServer, fake?: FakeModel) {
  const list = await request(server.url).get('/tasks');
  expect(list.status).toBe(200);
  expect(list.body.tasks).toEqual([]);
  expect(server.services.orchestrator.activeCount + server.services.orchestrator.pendingCount).toBe(0);
  if (fake) expect(fake.calls).toEqual([]);
}

const finished = (server: TestServer, taskId: string) =>
  waitFor(async () => {
    const record = await server.services.orchestrator.get(taskId);
    return record.completed_at ? record : undefined;
  });

describe('GET /health', () => {
  it('answers 200 with the SPEC fields', async () => {
    const server = await servers.plain();
    const res = await request(server.url).get('/health');
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toMatch(/\S/);
    expect(res.body).toMatchObject({
      status: 'healthy',
      service: 'mcp-orchestrator',
      version: server.services.version,
      uptime_s: expect.any(Number),
      active_tasks: 0,
      active_streams: 0,
      registered_webhooks: expect.any(Number),
    });
    expect(res.body.uptime_s).toBeGreaterThanOrEqual(0);
  });

  it('answers 503 unhealthy with the reason when the store cannot be used', async () => {
    const store = createMemoryStore();
    const broken: Store = {
      ...store,
      check: async () => {
        throw new Error('disk gone');
      },
    };
    const server = await startTestServer({ store: broken });
    try {
      const res = await request(server.url).get('/health');
      expect(res.status).toBe(503);
      expect(res.headers['x-request-id']).toMatch(/\S/);
      expect(res.body).toMatchObject({ status: 'unhealthy', service: 'mcp-orchestrator', reason: expect.stringContaining('disk gone') });
    } finally {
      await server.close();
    }
  });

  it('counts a running task in active_tasks', async () => {
    const { server } = await servers.withFake({ respond: () => ({ hang: true }) });
    await post(server, 'orchestrate_research', { task: 'hang', num_agents: 1 }).expect(202);
    const res = await request(server.url).get('/health');
    expect(res.body.active_tasks).toBe(1);
  });
});

describe('GET /tools', () => {
  it('lists the seven orchestration tools of the one tool table, with name, description and inputSchema', async () => {
    const server = await servers.plain();
    const res = await request(server.url).get('/tools');
    expect(res.status).toBe(200);
    const tools = res.body.tools as Array<{ name: string; description: string; inputSchema: Record<string, unknown> }>;
    expect(res.body.count).toBe(tools.length);
    expect(tools.map((t) => t.name)).toEqual(TOOL_NAMES);
    expect(tools.map((t) => t.name)).toEqual(ORCHESTRATION_TOOLS.map((t) => t.name));
    for (const tool of tools) {
      expect(Object.keys(tool).sort()).toEqual(['description', 'inputSchema', 'name']);
      expect(tool.description.length).toBeGreaterThan(10);
      expect(tool.inputSchema).toMatchObject({ type: 'object' });
    }
    const research = tools.find((t) => t.name === 'orchestrate_research')!;
    expect(research.inputSchema).toMatchObject({ required: ['task'], properties: { task: { type: 'string' }, num_agents: { type: 'integer' } } });
  });
});

describe('POST /tools/orchestrate_research', () => {
  it('answers 202 at once: research_ id, pending, cascade, stream_url and status_url', async () => {
    const { server, fake } = await servers.withFake({ respond: () => ({ hang: true }) });
    const res = await post(server, 'orchestrate_research', { task: 'why is the sky blue', num_agents: 2 });
    expect(res.status).toBe(202);
    const id = res.body.task_id as string;
    expect(id).toMatch(/^research_[A-Za-z0-9]+$/);
    expect(res.body).toEqual({ success: true, task_id: id, status: 'pending', pattern: 'cascade', stream_url: `/stream/${id}`, status_url: `/tasks/${id}` });
    await waitFor(() => fake.calls.length > 0);
  });

  it('fills defaults and keeps what was asked in the record', async () => {
    const { server } = await servers.withFake({ respond: () => ({ hang: true }) });
    const res = await post(server, 'orchestrate_research', { task: '  trimmed  ', model: 'my-model' }).expect(202);
    const record = await server.services.orchestrator.get(res.body.task_id);
    expect(record.input).toMatchObject({ task: 'trimmed', num_agents: 8, enable_drummer: true, enable_camina: true, timeout: 600, agent_timeout: 180, generate_documents: false, provider: 'openai', model: 'my-model' });
    expect(record.title).toBe('trimmed');
  });

  it('accepts a 5000-character task and provider_name as an alias of provider', async () => {
    const { server } = await servers.withFake({ respond: () => ({ hang: true }) });
    await post(server, 'orchestrate_research', { task: 'x'.repeat(5000), num_agents: 1 }).expect(202);
    const alias = await post(server, 'orchestrate_research', { task: 'alias', provider_name: 'openai', num_agents: 1 }).expect(202);
    expect((await server.services.orchestrator.get(alias.body.task_id)).provider).toBe('openai');
    await post(server, 'orchestrate_research', { task: 'same', provider: 'openai', provider_name: 'openai', num_agents: 1 }).expect(202);
  });

  it.each([
    ['no task', {}, 'task'],
    ['an empty task', { task: '' }, 'task'],
    ['a blank task', { task: '   ' }, 'task'],
    ['a 5001-character task', { task: 'x'.repeat(5001) }, 'task'],
    ['a task that is not a string', { task: 42 }, 'task'],
    ['num_agents 0', { task: 't', num_agents: 0 }, 'num_agents'],
    ['num_agents 21', { task: 't', num_agents: 21 }, 'num_agents'],
    ['num_agents "8"', { task: 't', num_agents: '8' }, 'num_agents'],
    ['num_agents 1.5', { task: 't', num_agents: 1.5 }, 'num_agents'],
    ['timeout 5', { task: 't', timeout: 5 }, 'timeout'],
    ['timeout 3601', { task: 't', timeout: 3601 }, 'timeout'],
    ['an unknown provider', { task: 't', provider: 'gemini' }, 'provider'],
    ['conflicting provider and provider_name', { task: 't', provider: 'openai', provider_name: 'xai' }, 'provider_name'],
    ['enable_drummer "yes"', { task: 't', enable_drummer: 'yes' }, 'enable_drummer'],
    ['a non-http webhook_url', { task: 't', webhook_url: 'ftp://example.org/hook' }, 'webhook_url'],
    ['an unknown document format', { task: 't', document_formats: ['odt'] }, 'document_formats.0'],
  ])('answers 400 validation_error for %s, and starts nothing', async (_name, body, path) => {
    const { server, fake } = await servers.withFake();
    const error = expectError(await post(server, 'orchestrate_research', body), 400, 'validation_error');
    expect(detailPaths(error)).toContain(path);
    expect(error.message).toContain(path);
    await expectNothingStarted(server, fake);
  });

  it('names an unknown field in the message and the details', async () => {
    const { server, fake } = await servers.withFake();
    const error = expectError(await post(server, 'orchestrate_research', { task: 't', nmu_agents: 3 }), 400, 'validation_error');
    expect(error.message).toContain('nmu_agents');
    expect(error.details).toEqual([{ path: 'nmu_agents', message: 'unknown field' }]);
    await expectNothingStarted(server, fake);
  });

  it('says "must be between 1 and 20" for num_agents out of range', async () => {
    const { server } = await servers.withFake();
    const error = expectError(await post(server, 'orchestrate_research', { task: 't', num_agents: 21 }), 400, 'validation_error');
    expect(error.message).toBe('num_agents: must be between 1 and 20');
  });

  it('answers 400 naming OPENAI_API_KEY when the openai provider has no key, and starts nothing', async () => {
    const server = await servers.plain();
    const error = expectError(await post(server, 'orchestrate_research', { task: 't', provider: 'openai' }), 400, 'validation_error');
    expect(error.message).toContain('OPENAI_API_KEY');
    expect(detailPaths(error)).toEqual(['provider']);
    await expectNothingStarted(server);
  });

  it('answers 400 naming OPENAI_API_KEY when DEFAULT_PROVIDER=openai has no key and the request names no provider', async () => {
    const server = await servers.plain({ DEFAULT_PROVIDER: 'openai' });
    const error = expectError(await post(server, 'orchestrate_research', { task: 't' }), 400, 'validation_error');
    expect(error.message).toContain('OPENAI_API_KEY');
    await expectNothingStarted(server);
  });

  it('answers 400 naming ANTHROPIC_API_KEY for anthropic without a key, even when another provider works', async () => {
    const { server, fake } = await servers.withFake();
    const error = expectError(await post(server, 'orchestrate_research', { task: 't', provider: 'anthropic' }), 400, 'validation_error');
    expect(error.message).toContain('ANTHROPIC_API_KEY');
    await expectNothingStarted(server, fake);
  });

  it('starts work after rejected requests (the checks above can fail)', async () => {
    const { server, fake } = await servers.withFake();
    expectError(await post(server, 'orchestrate_research', { task: '' }), 400, 'validation_error');
    await expectNothingStarted(server, fake);
    await post(server, 'orchestrate_research', { task: 'ok', num_agents: 1 }).expect(202);
    await waitFor(() => fake.calls.length > 0);
    expect((await request(server.url).get('/tasks')).body.tasks).toHaveLength(1);
  });
});

describe('POST /tools/orchestrate_search', () => {
  it("accepts the old checklist's curl body: 202, search_ id, pending, swarm", async () => {
    const { server, fake } = await servers.withFake({ respond: () => ({ hang: true }) });
    const res = await request(server.url)
      .post('/tools/orchestrate_search')
      .set('Content-Type', 'application/json')
      .send('{"query":"test deployment","max_agents":2,"timeout":30}');
    expect(res.status).toBe(202);
    const id = res.body.task_id as string;
    expect(id).toMatch(/^search_[A-Za-z0-9]+$/);
    expect(res.body).toEqual({ success: true, task_id: id, status: 'pending', pattern: 'swarm', stream_url: `/stream/${id}`, status_url: `/tasks/${id}` });
    expect((await server.services.orchestrator.get(id)).input).toMatchObject({ query: 'test deployment', num_agents: 2, timeout: 30 });
    await waitFor(() => fake.calls.length > 0);
  });

  it('defaults num_agents to 5 and takes max_agents equal to num_agents', async () => {
    const { server } = await servers.withFake({ respond: () => ({ hang: true }) });
    const plain = await post(server, 'orchestrate_search', { query: 'q' }).expect(202);
    expect((await server.services.orchestrator.get(plain.body.task_id)).input).toMatchObject({ num_agents: 5 });
    const both = await post(server, 'orchestrate_search', { query: 'q', num_agents: 3, max_agents: 3, provider_name: 'openai' }).expect(202);
    expect((await server.services.orchestrator.get(both.body.task_id)).input).toMatchObject({ num_agents: 3, provider: 'openai' });
  });

  it.each([
    ['no query', {}, 'query'],
    ['a 2001-character query', { query: 'x'.repeat(2001) }, 'query'],
    ['max_agents 0', { query: 'q', max_agents: 0 }, 'max_agents'],
    ['num_agents 21', { query: 'q', num_agents: 21 }, 'num_agents'],
    ['conflicting num_agents and max_agents', { query: 'q', num_agents: 3, max_agents: 2 }, 'max_agents'],
    ['conflicting provider and provider_name', { query: 'q', provider: 'xai', provider_name: 'openai' }, 'provider_name'],
    ['an unknown agent type', { query: 'q', allowed_agent_types: ['telepathy'] }, 'allowed_agent_types.0'],
    ['timeout 5', { query: 'q', timeout: 5 }, 'timeout'],
    ['an unknown field', { query: 'q', max_agent: 2 }, 'max_agent'],
  ])('answers 400 validation_error for %s, and starts nothing', async (_name, body, path) => {
    const { server, fake } = await servers.withFake();
    const error = expectError(await post(server, 'orchestrate_search', body), 400, 'validation_error');
    expect(detailPaths(error)).toContain(path);
    expect(error.message).toContain(path);
    await expectNothingStarted(server, fake);
  });
});

describe('POST /tools/get_orchestration_status', () => {
  it('answers the full record, with the result once the task completed', async () => {
    const { server } = await servers.withFake();
    const started = await post(server, 'orchestrate_research', { task: 'status please', num_agents: 2 }).expect(202);
    const id = started.body.task_id as string;
    await finished(server, id);
    const res = await post(server, 'get_orchestration_status', { task_id: id });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      success: true,
      task_id: id,
      status: 'completed',
      pattern: 'cascade',
      title: 'status please',
      input: expect.objectContaining({ task: 'status please', num_agents: 2 }),
      provider: 'openai',
      model: expect.any(String),
      created_at: expect.any(String),
      started_at: expect.any(String),
      completed_at: expect.any(String),
      progress: { phase: 'done', agents_total: expect.any(Number), agents_done: expect.any(Number), agents_failed: 0 },
      usage: { input_tokens: expect.any(Number), output_tokens: expect.any(Number), cost_usd: expect.any(Number) },
      result: { final_synthesis: expect.any(String), agent_results: expect.any(Array), synthesis_results: expect.any(Array) },
    });
    expect(res.body.error).toBeUndefined();
    for (const at of ['created_at', 'started_at', 'completed_at']) expect(Number.isNaN(Date.parse(res.body[at]))).toBe(false);
    const worker = (res.body.result.agent_results as Array<Record<string, unknown>>).find((a) => a.role === 'worker');
    expect(worker).toMatchObject({ agent_id: 'worker-1', role: 'worker', subtask: expect.any(String), content: expect.any(String), status: 'completed', error: null, usage: expect.any(Object), cost_usd: expect.any(Number), duration_ms: expect.any(Number), citations: expect.any(Array) });
  });

  it('answers a running task with the results so far and no final synthesis yet', async () => {
    const { server } = await servers.withFake({ respond: () => ({ hang: true }) });
    const started = await post(server, 'orchestrate_research', { task: 'slow', num_agents: 1 }).expect(202);
    const res = await post(server, 'get_orchestration_status', { task_id: started.body.task_id }).expect(200);
    expect(res.body).toMatchObject({ success: true, status: 'running', completed_at: null, progress: { phase: expect.any(String) } });
    expect(res.body.result).toMatchObject({ final_synthesis: '', failed_agents: [], documents: [] });
  });

  it('answers 404 task_not_found for an unknown task', async () => {
    const server = await servers.plain();
    const error = expectError(await post(server, 'get_orchestration_status', { task_id: 'research_nope' }), 404, 'task_not_found');
    expect(error.message).toContain('research_nope');
  });

  it.each([
    ['no task_id', {}],
    ['an empty task_id', { task_id: '' }],
    ['a numeric task_id', { task_id: 42 }],
  ])('answers 400 validation_error on task_id for %s', async (_name, body) => {
    const server = await servers.plain();
    const error = expectError(await post(server, 'get_orchestration_status', body), 400, 'validation_error');
    expect(detailPaths(error)).toEqual(['task_id']);
  });
});

describe('POST /tools/cancel_orchestration', () => {
  it('cancels a running task (200), and again (200); the task ends cancelled', async () => {
    const { server, fake } = await servers.withFake({ respond: () => ({ hang: true }) });
    const started = await post(server, 'orchestrate_research', { task: 'cancel me', num_agents: 1 }).expect(202);
    const id = started.body.task_id as string;
    await waitFor(() => fake.inFlight > 0);
    const first = await post(server, 'cancel_orchestration', { task_id: id });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ success: true, task_id: id, cancelled: true, status: 'cancelled' });
    const again = await post(server, 'cancel_orchestration', { task_id: id });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ success: true, task_id: id, cancelled: true, status: 'cancelled' });
    const record = await finished(server, id);
    expect(record.status).toBe('cancelled');
  });

  it('cancels a pending task before it ever calls a model', async () => {
    const { server, fake } = await servers.withFake({ respond: () => ({ hang: true }) }, { MAX_ACTIVE_TASKS: '1' });
    await post(server, 'orchestrate_research', { task: 'occupies the only slot', num_agents: 1 }).expect(202);
    const queued = await post(server, 'orchestrate_research', { task: 'waits in line', num_agents: 1 }).expect(202);
    const id = queued.body.task_id as string;
    expect((await server.services.orchestrator.get(id)).status).toBe('pending');
    const res = await post(server, 'cancel_orchestration', { task_id: id });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, task_id: id, cancelled: true, status: 'cancelled' });
    expect(await server.services.orchestrator.get(id)).toMatchObject({ status: 'cancelled', started_at: null });
    await post(server, 'cancel_orchestration', { task_id: id }).expect(200);
    expect(fake.calls.some((c) => c.prompt.includes('waits in line'))).toBe(false);
  });

  it('answers 409 task_already_finished for a completed task, and leaves it completed', async () => {
    const { server } = await servers.withFake();
    const started = await post(server, 'orchestrate_research', { task: 'quick', num_agents: 1 }).expect(202);
    const id = started.body.task_id as string;
    expect((await finished(server, id)).status).toBe('completed');
    const error = expectError(await post(server, 'cancel_orchestration', { task_id: id }), 409, 'task_already_finished');
    expect(error.message).toContain(id);
    expect((await server.services.orchestrator.get(id)).status).toBe('completed');
  });

  it('answers 409 task_already_finished for a failed task', async () => {
    const { server } = await servers.withFake({ respond: () => ({ error: new Error('model down') }) }, { AGENT_MAX_RETRIES: '0' });
    const started = await post(server, 'orchestrate_research', { task: 'doomed', num_agents: 1 }).expect(202);
    const id = started.body.task_id as string;
    expect((await finished(server, id)).status).toBe('failed');
    expectError(await post(server, 'cancel_orchestration', { task_id: id }), 409, 'task_already_finished');
  });

  it('answers 404 task_not_found for an unknown task and 400 without task_id', async () => {
    const server = await servers.plain();
    expectError(await post(server, 'cancel_orchestration', { task_id: 'search_nope' }), 404, 'task_not_found');
    const error = expectError(await post(server, 'cancel_orchestration', {}), 400, 'validation_error');
    expect(detailPaths(error)).toEqual(['task_id']);
  });
});

describe('methods and unknown tools', () => {
  it('answers 405 with Allow: POST for GET on a POST-only tool', async () => {
    const server = await servers.plain();
    for (const tool of ['orchestrate_research', 'orchestrate_search', 'get_orchestration_status', 'cancel_orchestration', 'execute_registered_tool']) {
      const res = await request(server.url).get(`/tools/${tool}`);
      expectError(res, 405, 'method_not_allowed');
      expect(res.headers.allow).toBe('POST');
    }
    await expectNothingStarted(server);
  });

  it('answers 404 tool_not_found for an unknown tool, by GET or POST', async () => {
    const server = await servers.plain();
    expect(expectError(await request(server.url).get('/tools/orchestrate'), 404, 'tool_not_found').message).toContain('orchestrate');
    expectError(await post(server, 'orchestrate', { task: 't' }), 404, 'tool_not_found');
    await expectNothingStarted(server);
  });
});
