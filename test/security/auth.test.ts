import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { expectError, useServers } from '../http/route-harness.js';

const servers = useServers();
const KEY = 'k-4f1c2a9d8e7b6a5c';
const OTHER = 'k-second-key-0123456789';
const AUTH_ENV = { API_KEYS: `${KEY}, ${OTHER}` };

/** One request per kind of route, as a client without a key would try them. */
const ROUTES: Array<[method: 'get' | 'post', path: string, body?: object]> = [
  ['get', '/tools'],
  ['post', '/tools/orchestrate_research', { task: 'x' }],
  ['post', '/tools/orchestrate_search', { query: 'x' }],
  ['post', '/tools/get_orchestration_status', { task_id: 'research_nope' }],
  ['post', '/tools/cancel_orchestration', { task_id: 'research_nope' }],
  ['get', '/tools/list_orchestrator_patterns'],
  ['post', '/tools/list_registered_tools', {}],
  ['post', '/tools/execute_registered_tool', { tool_name: 'calculate', arguments: {} }],
  ['get', '/tasks'],
  ['get', '/tasks/research_nope'],
  ['get', '/stream/research_nope'],
  ['post', '/webhook/register', { task_id: 'research_nope', webhook_url: 'https://example.org/hook' }],
  ['post', '/webhook/unregister', { task_id: 'research_nope' }],
  ['post', '/mcp', { jsonrpc: '2.0', id: 1, method: 'tools/list' }],
  ['get', '/no-such-route'],
];

describe('API_KEYS', () => {
  it.each(ROUTES)('%s %s without a key is 401 unauthorized with WWW-Authenticate: Bearer, and starts nothing', async (method, path, body) => {
    const server = await servers.plain(AUTH_ENV);
    const req = request(server.url)[method](path);
    const res = body ? await req.send(body) : await req;
    expectError(res, 401, 'unauthorized');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer\b/);
    expect(server.services.orchestrator.activeCount + server.services.orchestrator.pendingCount).toBe(0);
  });

  it('leaves /health open', async () => {
    const server = await servers.plain(AUTH_ENV);
    const res = await request(server.url).get('/health');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('healthy');
  });

  it('accepts every configured key as a Bearer token and as X-API-Key', async () => {
    const server = await servers.plain(AUTH_ENV);
    for (const key of [KEY, OTHER]) {
      expect((await request(server.url).get('/tools').set('Authorization', `Bearer ${key}`)).status).toBe(200);
      expect((await request(server.url).get('/tools').set('authorization', `bearer ${key}`)).status).toBe(200);
      expect((await request(server.url).get('/tools').set('X-API-Key', key)).status).toBe(200);
    }
  });

  it.each([
    ['a wrong Bearer key', { Authorization: 'Bearer wrong-key' }],
    ['a key that is a prefix of a real one', { Authorization: `Bearer ${KEY.slice(0, -1)}` }],
    ['a real key with a suffix', { 'X-API-Key': `${KEY}x` }],
    ['a wrong X-API-Key', { 'X-API-Key': 'wrong' }],
    ['Basic auth with the key', { Authorization: `Basic ${Buffer.from(`${KEY}:`).toString('base64')}` }],
    ['the key without a scheme', { Authorization: KEY }],
    ['an empty X-API-Key', { 'X-API-Key': '' }],
  ])('refuses %s with 401', async (_label, headers) => {
    const server = await servers.plain(AUTH_ENV);
    const res = await request(server.url).get('/tools').set(headers);
    expectError(res, 401, 'unauthorized');
  });

  it('runs a whole task with a key: start, status, result', async () => {
    const server = await servers.plain(AUTH_ENV);
    const start = await request(server.url).post('/tools/orchestrate_search').set('X-API-Key', KEY).send({ query: 'solar panels', num_agents: 2 });
    expect(start.status).toBe(202);
    const status = await request(server.url).post('/tools/get_orchestration_status').set('Authorization', `Bearer ${KEY}`).send({ task_id: start.body.task_id });
    expect(status.status).toBe(200);
    expect(status.body.task_id).toBe(start.body.task_id);
  });

  it('without API_KEYS, needs no key (the default)', async () => {
    const server = await servers.plain();
    expect((await request(server.url).get('/tools')).status).toBe(200);
  });

  it('never writes a key or a stream token into the log', async () => {
    const server = await servers.plain({ ...AUTH_ENV, LOG_LEVEL: 'trace' });
    const start = await request(server.url).post('/tools/orchestrate_research').set('Authorization', `Bearer ${KEY}`).send({ task: 'a topic', num_agents: 1 });
    expect(start.status).toBe(202);
    const token = new URL(start.body.stream_url, server.url).searchParams.get('token');
    expect(token).toMatch(/\S{20,}/);
    await request(server.url).get(start.body.stream_url);
    await request(server.url).get(`/tasks?token=${encodeURIComponent(token!)}`).set('X-API-Key', OTHER);
    await request(server.url).get('/tools').set('X-API-Key', 'wrong-but-secret-looking-key');
    const logged = server.logs.text();
    expect(logged).toMatch(/\/stream\//); // the stream request was logged, by path
    for (const secret of [KEY, OTHER, token!, encodeURIComponent(token!), 'wrong-but-secret-looking-key']) expect(logged).not.toContain(secret);
    expect(logged).not.toContain('token=');
  });
});
