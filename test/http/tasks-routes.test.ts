import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { waitFor, type TestServer } from '../helpers/test-server.js';
import { detailPaths, expectError, useServers } from './route-harness.js';

const servers = useServers();

async function research(server: TestServer, body: Record<string, unknown>): Promise<string> {
  const res = await request(server.url).post('/tools/orchestrate_research').send({ num_agents: 1, ...body });
  expect(res.status, res.text).toBe(202);
  return res.body.task_id as string;
}

const finished = (server: TestServer, taskId: string) =>
  waitFor(async () => {
    const record = await server.services.orchestrator.get(taskId);
    return record.completed_at ? record : undefined;
  });

type Listed = { task_id: string; status: string; has_result: boolean; result?: unknown };
const list = async (server: TestServer, query = '') => {
  const res = await request(server.url).get(`/tasks${query}`);
  expect(res.status, res.text).toBe(200);
  return res.body as { success: boolean; tasks: Listed[]; count: number; next_cursor: string | null };
};

describe('GET /tasks', () => {
  it('answers an empty list on a fresh server', async () => {
    const server = await servers.plain();
    expect(await list(server)).toEqual({ success: true, tasks: [], count: 0, next_cursor: null });
  });

  it('lists newest first, without results (has_result says whether there is one)', async () => {
    const { server } = await servers.withFake();
    const ids: string[] = [];
    for (const task of ['first', 'second', 'third']) ids.push(await research(server, { task }));
    for (const id of ids) await finished(server, id);
    const page = await list(server);
    expect(page.tasks.map((t) => t.task_id)).toEqual([...ids].reverse());
    expect(page.count).toBe(3);
    for (const task of page.tasks) {
      expect(task.status).toBe('completed');
      expect(task.has_result).toBe(true);
      expect(task.result).toBeUndefined();
    }
  });

  it('filters by ?status=', async () => {
    const { server } = await servers.withFake({ respond: () => ({ hang: true }) }, { MAX_ACTIVE_TASKS: '1' });
    const running = await research(server, { task: 'runs' });
    const pending = await research(server, { task: 'waits' });
    const cancelled = await research(server, { task: 'is cancelled' });
    await request(server.url).post('/tools/cancel_orchestration').send({ task_id: cancelled }).expect(200);
    const ids = async (status: string) => (await list(server, `?status=${status}`)).tasks.map((t) => t.task_id);
    expect(await ids('running')).toEqual([running]);
    expect(await ids('pending')).toEqual([pending]);
    expect(await ids('cancelled')).toEqual([cancelled]);
    expect(await ids('completed')).toEqual([]);
    expect(await ids('failed')).toEqual([]);
    expect((await list(server)).tasks.map((t) => t.task_id)).toEqual([cancelled, pending, running]);
  });

  it('pages with ?limit and cursors, every task once, in order', async () => {
    const { server } = await servers.withFake({ respond: () => ({ hang: true }) }, { MAX_ACTIVE_TASKS: '1' });
    const created: string[] = [];
    for (let i = 0; i < 7; i++) created.push(await research(server, { task: `task ${i}` }));
    const all = await list(server, '?limit=100');
    expect(all.tasks.map((t) => t.task_id)).toEqual([...created].reverse());
    expect(all.next_cursor).toBeNull();

    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(server, `?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      sizes.push(page.tasks.length);
      seen.push(...page.tasks.map((t) => t.task_id));
      cursor = page.next_cursor;
    } while (cursor && sizes.length < 10);
    expect(sizes).toEqual([3, 3, 1]);
    expect(seen).toEqual(all.tasks.map((t) => t.task_id));
    expect(new Set(seen).size).toBe(7);
  });

  it('pages a status filter with cursors too', async () => {
    const { server } = await servers.withFake({ respond: () => ({ hang: true }) }, { MAX_ACTIVE_TASKS: '1' });
    for (let i = 0; i < 5; i++) await research(server, { task: `task ${i}` });
    const first = await list(server, '?status=pending&limit=2');
    expect(first.tasks).toHaveLength(2);
    const second = await list(server, `?status=pending&limit=2&cursor=${first.next_cursor}`);
    expect(second.tasks).toHaveLength(2);
    expect(second.next_cursor).toBeNull();
    expect(new Set([...first.tasks, ...second.tasks].map((t) => t.task_id)).size).toBe(4);
  });

  it('defaults to 20 per page', async () => {
    const { server } = await servers.withFake({ respond: () => ({ hang: true }) }, { MAX_ACTIVE_TASKS: '1' });
    for (let i = 0; i < 21; i++) await research(server, { task: `task ${i}` });
    const page = await list(server);
    expect(page.tasks).toHaveLength(20);
    expect(page.next_cursor).not.toBeNull();
  });

  it.each([
    ['an unknown status', '?status=done', 'status'],
    ['limit 0', '?limit=0', 'limit'],
    ['limit 101', '?limit=101', 'limit'],
    ['a non-numeric limit', '?limit=ten', 'limit'],
    ['a fractional limit', '?limit=1.5', 'limit'],
    ['a malformed cursor', '?cursor=abc', 'cursor'],
    ['a negative cursor', '?cursor=-1', 'cursor'],
    ['an unknown parameter', '?sort=asc', 'sort'],
    ['a repeated status', '?status=pending&status=running', 'status'],
  ])('answers 400 validation_error for %s', async (_name, query, path) => {
    const server = await servers.plain();
    const error = expectError(await request(server.url).get(`/tasks${query}`), 400, 'validation_error');
    expect(detailPaths(error)).toContain(path);
  });
});

describe('GET /tasks/:taskId', () => {
  it('answers the full record, with its result after completion', async () => {
    const { server } = await servers.withFake();
    const id = await research(server, { task: 'full record', num_agents: 2 });
    await finished(server, id);
    const res = await request(server.url).get(`/tasks/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      success: true,
      task_id: id,
      status: 'completed',
      pattern: 'cascade',
      title: 'full record',
      input: expect.any(Object),
      provider: 'openai',
      model: expect.any(String),
      created_at: expect.any(String),
      started_at: expect.any(String),
      completed_at: expect.any(String),
      progress: { phase: 'done', agents_total: expect.any(Number), agents_done: expect.any(Number), agents_failed: 0 },
      usage: { input_tokens: expect.any(Number), output_tokens: expect.any(Number), cost_usd: expect.any(Number) },
      result: { final_synthesis: expect.any(String), agent_results: expect.any(Array), synthesis_results: expect.any(Array), documents: [] },
    });
    expect(res.body.result.final_synthesis.length).toBeGreaterThan(0);
    expect(res.body.result.agent_results.filter((a: { role: string }) => a.role === 'worker')).toHaveLength(2);
    // The same record as the status tool gives.
    const status = await request(server.url).post('/tools/get_orchestration_status').send({ task_id: id }).expect(200);
    expect(status.body).toEqual(res.body);
  });

  it('answers 404 task_not_found for an unknown task', async () => {
    const server = await servers.plain();
    const error = expectError(await request(server.url).get('/tasks/research_doesnotexist'), 404, 'task_not_found');
    expect(error.message).toContain('research_doesnotexist');
  });
});

describe('GET /tasks/:taskId/documents/markdown', () => {
  it('serves the Markdown report of a task run with generate_documents', async () => {
    const { server } = await servers.withFake({ respond: (c) => `finding ${c.index} https://example.org/${c.index}` });
    const id = await research(server, { task: 'write it down', generate_documents: true, num_agents: 2 });
    const record = await finished(server, id);
    expect(record.status).toBe('completed');
    const status = await request(server.url).get(`/tasks/${id}`).expect(200);
    expect(status.body.result.documents).toEqual([
      { format: 'markdown', filename: `${id}.md`, size: expect.any(Number), bytes: expect.any(Number), content_type: 'text/markdown; charset=utf-8', url: `/tasks/${id}/documents/markdown` },
    ]);
    const doc = await request(server.url).get(`/tasks/${id}/documents/markdown`);
    expect(doc.status).toBe(200);
    expect(doc.headers['content-type']).toMatch(/^text\/markdown/);
    expect(doc.headers['x-request-id']).toMatch(/\S/);
    expect(doc.text).toMatch(/^# write it down/);
    expect(Buffer.byteLength(doc.text)).toBe(status.body.result.documents[0].bytes);
  });

  it('hands out the document URL from where the client stands', async () => {
    const { server } = await servers.withFake({}, { TRUST_PROXY: 'loopback' });
    const id = await research(server, { task: 'behind a proxy', generate_documents: true });
    await finished(server, id);
    const res = await request(server.url).get(`/tasks/${id}`).set('X-Forwarded-Prefix', '/mcp').expect(200);
    expect(res.body.result.documents[0].url).toBe(`/mcp/tasks/${id}/documents/markdown`);
  });

  it('answers 404 not_found for a task without documents, or an unknown format', async () => {
    const { server } = await servers.withFake();
    const id = await research(server, { task: 'no documents' });
    await finished(server, id);
    expectError(await request(server.url).get(`/tasks/${id}/documents/markdown`), 404, 'not_found');
    expectError(await request(server.url).get(`/tasks/${id}/documents/pdf`), 404, 'not_found');
  });

  it('answers 404 not_found while the task is still running, and task_not_found for an unknown task', async () => {
    const { server } = await servers.withFake({ respond: () => ({ hang: true }) });
    const id = await research(server, { task: 'not yet', generate_documents: true });
    expectError(await request(server.url).get(`/tasks/${id}/documents/markdown`), 404, 'not_found');
    expectError(await request(server.url).get('/tasks/research_nope/documents/markdown'), 404, 'task_not_found');
  });
});
