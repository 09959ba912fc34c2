import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { waitFor, type TestServer } from '../helpers/test-server.js';
import { detailPaths, expectError, useServers } from './route-harness.js';

const servers = useServers();

const post = (server: TestServer, tool: string, body: unknown) => request(server.url).post(`/tools/${tool}`).send(body as object);

describe('POST /tools/get_orchestration_result', () => {
  it('answers {success, task_id, status, result} once the task completed', async () => {
    const { server } = await servers.withFake();
    const started = await post(server, 'orchestrate_search', { query: 'results please', num_agents: 2 }).expect(202);
    const id = started.body.task_id as string;
    await waitFor(async () => (await server.services.orchestrator.get(id)).status === 'completed');
    const res = await post(server, 'get_orchestration_result', { task_id: id }).expect(200);
    expect(res.body).toMatchObject({
      success: true,
      task_id: id,
      status: 'completed',
      result: { final_synthesis: expect.any(String), agent_results: expect.any(Array), synthesis_results: expect.any(Array) },
    });
    expect(res.body.result.final_synthesis.length).toBeGreaterThan(0);
    expect(res.body.error).toBeUndefined();
  });

  it('answers 409 task_not_finished while the task runs, then the cancelled task with what it had', async () => {
    const { server } = await servers.withFake({ respond: () => ({ hang: true }) });
    const started = await post(server, 'orchestrate_research', { task: 'slow', num_agents: 1 }).expect(202);
    const id = started.body.task_id as string;
    const error = expectError(await post(server, 'get_orchestration_result', { task_id: id }), 409, 'task_not_finished');
    expect(error.message).toContain(id);
    await post(server, 'cancel_orchestration', { task_id: id }).expect(200);
    await waitFor(async () => (await server.services.orchestrator.get(id)).status === 'cancelled');
    const res = await post(server, 'get_orchestration_result', { task_id: id }).expect(200);
    expect(res.body).toMatchObject({ success: true, task_id: id, status: 'cancelled' });
  });

  it('answers 404 task_not_found for an unknown task and 400 validation_error for a bad body', async () => {
    const server = await servers.plain();
    expectError(await post(server, 'get_orchestration_result', { task_id: 'search_nope' }), 404, 'task_not_found');
    const error = expectError(await post(server, 'get_orchestration_result', { task_id: 'x', extra: 1 }), 400, 'validation_error');
    expect(detailPaths(error)).toEqual(['extra']);
  });
});

describe('the MCP-only wait argument', () => {
  it('is refused over HTTP as an unknown field, and nothing starts', async () => {
    const server = await servers.plain();
    const error = expectError(await post(server, 'orchestrate_search', { query: 'x', wait: true }), 400, 'validation_error');
    expect(detailPaths(error)).toEqual(['wait']);
    expect((await server.services.orchestrator.list({ limit: 10 })).tasks).toEqual([]);
  });
});
