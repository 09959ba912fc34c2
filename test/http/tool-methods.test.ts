import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { ORCHESTRATION_TOOLS } from '../../src/tools/orchestration-tools.js';
import { expectError, useServers } from './route-harness.js';

const servers = useServers();
const OTHER_METHODS = ['put', 'patch', 'delete'] as const;

// Regression: PUT, PATCH and DELETE on a tool route answered 404, as if the tool did not exist.
describe('methods a tool route does not take', () => {
  it('answers 405 method_not_allowed with Allow: POST on a POST-only tool, and starts nothing', async () => {
    const server = await servers.plain();
    for (const method of OTHER_METHODS) {
      for (const tool of ['orchestrate_research', 'execute_registered_tool', 'cancel_orchestration']) {
        const res = await request(server.url)[method](`/tools/${tool}`).send({ task: 'x', task_id: 'x' });
        const error = expectError(res, 405, 'method_not_allowed');
        expect(res.headers.allow, `${method} ${tool}`).toBe('POST');
        expect(error.message).toContain(tool);
      }
    }
    expect((await server.services.orchestrator.list({ limit: 10 })).tasks).toEqual([]);
  });

  it('answers 405 with Allow: GET, POST on a tool that also takes GET', async () => {
    const server = await servers.plain();
    for (const method of OTHER_METHODS) {
      for (const tool of ['list_orchestrator_patterns', 'list_registered_tools']) {
        const res = await request(server.url)[method](`/tools/${tool}`);
        expectError(res, 405, 'method_not_allowed');
        expect(res.headers.allow, `${method} ${tool}`).toBe('GET, POST');
      }
    }
  });

  it('gives every tool of the table an Allow header that matches what it takes', async () => {
    const server = await servers.plain();
    for (const tool of ORCHESTRATION_TOOLS) {
      const res = await request(server.url).put(`/tools/${tool.name}`).send({});
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe(tool.allowGet ? 'GET, POST' : 'POST');
    }
  });

  it('still answers 404 tool_not_found for an unknown tool, whatever the method', async () => {
    const server = await servers.plain();
    for (const method of OTHER_METHODS) {
      const res = await request(server.url)[method]('/tools/no_such_tool');
      expect(expectError(res, 404, 'tool_not_found').message).toContain('no_such_tool');
      expect(res.headers.allow).toBeUndefined();
    }
  });

  it('answers HEAD on a POST-only tool as GET: 405 with Allow: POST', async () => {
    const server = await servers.plain();
    const res = await request(server.url).head('/tools/execute_registered_tool');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
  });
});
