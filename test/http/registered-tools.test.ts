import { describe, expect, it } from 'vitest';
import request from 'supertest';
import type { TestServer } from '../helpers/test-server.js';
import { detailPaths, expectError, rawRequest, useServers } from './route-harness.js';

const servers = useServers();

const post = (server: TestServer, tool: string, body?: unknown) => {
  const req = request(server.url).post(`/tools/${tool}`);
  return body === undefined ? req : req.send(body as object);
};

describe('list_orchestrator_patterns', () => {
  const expectPatterns = (body: { success: boolean; patterns: Array<Record<string, unknown>> }) => {
    expect(body.success).toBe(true);
    expect(body.patterns.map((p) => p.name)).toEqual(['cascade', 'swarm']);
    for (const pattern of body.patterns) {
      expect(pattern).toEqual({ name: expect.any(String), display_name: expect.any(String), description: expect.any(String), use_cases: expect.any(Array), default_config: expect.any(Object) });
    }
  };

  it('answers GET and POST alike', async () => {
    const server = await servers.plain();
    const get = await request(server.url).get('/tools/list_orchestrator_patterns');
    expect(get.status).toBe(200);
    expectPatterns(get.body);
    const postEmpty = await post(server, 'list_orchestrator_patterns', {});
    expect(postEmpty.status).toBe(200);
    expect(postEmpty.body).toEqual(get.body);
  });

  it('answers `curl -X POST` with no body and no content type', async () => {
    const server = await servers.plain();
    const res = await rawRequest(server.url, ['POST /tools/list_orchestrator_patterns HTTP/1.1', 'User-Agent: curl/8.5.0', 'Accept: */*']);
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toMatch(/\S/);
    expectPatterns(JSON.parse(res.body));
  });

  it('refuses unknown fields, in the body or the query string', async () => {
    const server = await servers.plain();
    expect(detailPaths(expectError(await post(server, 'list_orchestrator_patterns', { pattern: 'x' }), 400, 'validation_error'))).toEqual(['pattern']);
    expect(detailPaths(expectError(await request(server.url).get('/tools/list_orchestrator_patterns?verbose=1'), 400, 'validation_error'))).toEqual(['verbose']);
  });
});

describe('list_registered_tools', () => {
  type Listing = { name: string; description: string; category: string; tags: string[]; inputSchema: Record<string, unknown> };
  const names = (body: { tools: Listing[] }) => body.tools.map((t) => t.name);

  it('lists every registered tool with name, description, category, tags, source, inputSchema, and a count', async () => {
    const server = await servers.plain();
    const res = await request(server.url).get('/tools/list_registered_tools');
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    expect(res.body.count).toBe(res.body.tools.length);
    expect(names(res.body)).toEqual(expect.arrayContaining(['calculate', 'current_time']));
    for (const tool of res.body.tools as Listing[]) {
      expect(tool).toEqual({ name: expect.any(String), description: expect.any(String), category: expect.any(String), tags: expect.any(Array), source: expect.stringMatching(/^(builtin|web)$/), inputSchema: expect.objectContaining({ type: 'object' }) });
    }
  });

  it('filters by ?category= and by ?tags=a,b (all must match)', async () => {
    const server = await servers.plain();
    const math = await request(server.url).get('/tools/list_registered_tools?category=math').expect(200);
    expect(names(math.body)).toEqual(['calculate']);
    expect(math.body.count).toBe(1);
    const time = await request(server.url).get('/tools/list_registered_tools?tags=time,date').expect(200);
    expect(names(time.body)).toEqual(['current_time']);
    const none = await request(server.url).get('/tools/list_registered_tools?tags=time,math').expect(200);
    expect(none.body).toEqual({ success: true, tools: [], count: 0 });
    const nothing = await request(server.url).get('/tools/list_registered_tools?category=astrology').expect(200);
    expect(nothing.body.count).toBe(0);
  });

  it('filters by a tags array and a category in a POST body', async () => {
    const server = await servers.plain();
    const res = await post(server, 'list_registered_tools', { tags: ['math', 'units'] }).expect(200);
    expect(names(res.body)).toEqual(['calculate']);
    const both = await post(server, 'list_registered_tools', { category: 'time', tags: ['clock'] }).expect(200);
    expect(names(both.body)).toEqual(['current_time']);
  });

  it.each([
    ['tags that are a number', { tags: 5 }, 'tags'],
    ['an empty category', { category: '' }, 'category'],
    ['an unknown field', { kind: 'math' }, 'kind'],
  ])('answers 400 for %s', async (_name, body, path) => {
    const server = await servers.plain();
    expect(detailPaths(expectError(await post(server, 'list_registered_tools', body), 400, 'validation_error'))).toContain(path);
  });

  it('answers 400 for a repeated query parameter instead of guessing', async () => {
    const server = await servers.plain();
    expectError(await request(server.url).get('/tools/list_registered_tools?category=math&category=time'), 400, 'validation_error');
  });
});

describe('POST /tools/execute_registered_tool', () => {
  it('runs calculate with arguments, and with the tool_arguments alias', async () => {
    const server = await servers.plain();
    const res = await post(server, 'execute_registered_tool', { tool_name: 'calculate', arguments: { expression: '2 + 3 * 4' } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, tool_name: 'calculate', result: { expression: '2 + 3 * 4', result: '14', value: 14 } });
    const alias = await post(server, 'execute_registered_tool', { tool_name: 'calculate', tool_arguments: { expression: '2 + 3 * 4' } });
    expect(alias.status).toBe(200);
    expect(alias.body).toEqual(res.body);
  });

  it('runs current_time in a time zone', async () => {
    const server = await servers.plain();
    const res = await post(server, 'execute_registered_tool', { tool_name: 'current_time', arguments: { timezone: 'Asia/Tokyo' } }).expect(200);
    expect(res.body).toMatchObject({ success: true, tool_name: 'current_time', result: { timezone: 'Asia/Tokyo', iso: expect.any(String), local: expect.any(String) } });
    expect(Math.abs(Date.parse(res.body.result.iso) - Date.now())).toBeLessThan(24 * 3600 * 1000);
  });

  it.each([
    ['a mistyped argument', { tool_name: 'calculate', arguments: { expression: 5 } }, ['arguments.expression']],
    ['a missing argument', { tool_name: 'calculate', arguments: {} }, ['arguments.expression']],
    ['no arguments at all', { tool_name: 'calculate' }, ['arguments.expression']],
    ['an unknown argument', { tool_name: 'calculate', arguments: { expression: '1', precision: 2 } }, ['arguments.precision']],
    ['an unknown time zone', { tool_name: 'current_time', arguments: { timezone: 'Mars/Olympus' } }, ['arguments.timezone']],
    ['a 1001-character expression', { tool_name: 'calculate', arguments: { expression: '1'.repeat(1001) } }, ['arguments.expression']],
    ['arguments that are not an object', { tool_name: 'calculate', arguments: 'x' }, ['arguments']],
    ['both arguments and tool_arguments', { tool_name: 'calculate', arguments: { expression: '1' }, tool_arguments: { expression: '2' } }, ['tool_arguments']],
    ['no tool_name', { arguments: { expression: '1' } }, ['tool_name']],
  ])('answers 400 validation_error for %s', async (_name, body, paths) => {
    const server = await servers.plain();
    const error = expectError(await post(server, 'execute_registered_tool', body), 400, 'validation_error');
    expect(detailPaths(error)).toEqual(paths);
  });

  it('answers 404 tool_not_found for an unknown tool', async () => {
    const server = await servers.plain();
    const error = expectError(await post(server, 'execute_registered_tool', { tool_name: 'rm_rf', arguments: {} }), 404, 'tool_not_found');
    expect(error.message).toContain('rm_rf');
  });

  it.each([
    ['import({a: 1}, {override: true})'],
    ['createUnit("furlong", "220 yards")'],
    ['evaluate("1 + 1")'],
    ['parse("1 + 1")'],
    ['zeros(1e5, 1e5)'],
    ['range("1:1e9")'],
    ['1:1e9'],
    ['help(sin)'],
    ['config({number: "BigNumber", precision: 1e9})'],
  ])('refuses %s with 400, not 500', async (expression) => {
    const server = await servers.plain();
    const error = expectError(await post(server, 'execute_registered_tool', { tool_name: 'calculate', arguments: { expression } }), 400, 'validation_error');
    expect(detailPaths(error)).toEqual(['arguments.expression']);
    // The server still calculates afterwards, with its defaults.
    const after = await post(server, 'execute_registered_tool', { tool_name: 'calculate', arguments: { expression: '1/4' } }).expect(200);
    expect(after.body.result).toEqual({ expression: '1/4', result: '0.25', value: 0.25 });
  });

  it('refuses a huge expression: 400 under the body limit, 413 over it', async () => {
    const server = await servers.plain();
    const big = expectError(await post(server, 'execute_registered_tool', { tool_name: 'calculate', arguments: { expression: '1+'.repeat(400_000) + '1' } }), 400, 'validation_error');
    expect(detailPaths(big)).toEqual(['arguments.expression']);
    expectError(await post(server, 'execute_registered_tool', { tool_name: 'calculate', arguments: { expression: '1+'.repeat(600_000) + '1' } }), 413, 'payload_too_large');
  });
});
