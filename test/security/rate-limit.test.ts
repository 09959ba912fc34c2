import { describe, expect, it } from 'vitest';
import request, { type Response } from 'supertest';
import { openTaskStream } from '../helpers/sse-client.js';
import { HTTP_CLIENTS } from '../mcp/clients.js';
import { expectError, useServers } from '../http/route-harness.js';

const servers = useServers();

/** `r=` (remaining) of the RateLimit header for the policy named `name`. */
function remaining(res: Response, name: string): number | undefined {
  const header = String(res.headers.ratelimit ?? '');
  const match = new RegExp(`"${name}"; r=(\\d+)`).exec(header);
  return match ? Number(match[1]) : undefined;
}

function expectRateLimited(res: Response) {
  expectError(res, 429, 'rate_limited');
  const retryAfter = Number(res.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(res.headers.ratelimit).toMatch(/r=0; t=\d+/);
  expect(res.headers['ratelimit-policy']).toMatch(/q=\d+; w=60/);
}

describe('rate limits', () => {
  it('answers 429 rate_limited with Retry-After and RateLimit headers beyond RATE_LIMIT_PER_MIN; /health is never limited', async () => {
    const server = await servers.plain({ RATE_LIMIT_PER_MIN: '5' });
    for (let i = 0; i < 5; i++) {
      const res = await request(server.url).get('/tools');
      expect(res.status).toBe(200);
      expect(remaining(res, 'requests')).toBe(4 - i);
      expect(res.headers['ratelimit-policy']).toMatch(/^"requests"; q=5; w=60; pk=:[^:]+:$/);
    }
    expectRateLimited(await request(server.url).get('/tools'));
    expectRateLimited(await request(server.url).post('/tools/get_orchestration_status').send({ task_id: 'x' }));
    for (let i = 0; i < 20; i++) {
      const health = await request(server.url).get('/health');
      expect(health.status).toBe(200);
      expect(health.headers.ratelimit).toBeUndefined();
    }
  });

  it('gives each API key its own budget, and the key never appears in the headers', async () => {
    const server = await servers.plain({ API_KEYS: 'key-aaaaaaaa,key-bbbbbbbb', RATE_LIMIT_PER_MIN: '3' });
    const as = (key: string) => request(server.url).get('/tools').set('X-API-Key', key);
    for (let i = 0; i < 3; i++) expect((await as('key-aaaaaaaa')).status).toBe(200);
    expectRateLimited(await as('key-aaaaaaaa'));
    // Bearer or X-API-Key: the same key, the same budget.
    expectRateLimited(await request(server.url).get('/tools').set('Authorization', 'Bearer key-aaaaaaaa'));
    const other = await as('key-bbbbbbbb');
    expect(other.status).toBe(200);
    expect(remaining(other, 'requests')).toBe(2);
    expect(JSON.stringify(other.headers)).not.toContain('key-bbbbbbbb');
  });

  it('counts failed key guesses against the client address', async () => {
    const server = await servers.plain({ API_KEYS: 'real-key-1234', RATE_LIMIT_PER_MIN: '3' });
    for (let i = 0; i < 3; i++) expectError(await request(server.url).get('/tools').set('X-API-Key', `guess-${i}`), 401, 'unauthorized');
    expectRateLimited(await request(server.url).get('/tools').set('X-API-Key', 'guess-4'));
    // The real key has a budget of its own.
    expect((await request(server.url).get('/tools').set('X-API-Key', 'real-key-1234')).status).toBe(200);
  });

  it('refuses the 31st orchestrate call in a minute (default ORCHESTRATE_RATE_LIMIT_PER_MIN=30), research and search together', async () => {
    const server = await servers.plain();
    for (let i = 0; i < 30; i++) {
      const res = i % 2
        ? await request(server.url).post('/tools/orchestrate_research').send({ task: `topic ${i}`, num_agents: 1 })
        : await request(server.url).post('/tools/orchestrate_search').send({ query: `query ${i}`, num_agents: 1 });
      expect(res.status).toBe(202);
    }
    expectRateLimited(await request(server.url).post('/tools/orchestrate_search').send({ query: 'one more', num_agents: 1 }));
    expectRateLimited(await request(server.url).post('/tools/orchestrate_research').send({ task: 'one more', num_agents: 1 }));
    // Other routes still have budget left.
    expect((await request(server.url).get('/tasks')).status).toBe(200);
  });

  it('takes one request of budget per event stream, however long it runs', async () => {
    const server = await servers.plain({ RATE_LIMIT_PER_MIN: '4', SSE_HEARTBEAT_MS: '100' });
    const start = await request(server.url).post('/tools/orchestrate_search').send({ query: 'streams', num_agents: 2 });
    expect(start.status).toBe(202);
    const stream = await openTaskStream(server.url, start.body.task_id);
    await stream.finished;
    expect(stream.frames.at(-1)?.data.event_type).toBe('stream_closed');
    expect(stream.headers.ratelimit).toMatch(/"requests"; r=2;/);
    expect(remaining(await request(server.url).get('/tools'), 'requests')).toBe(1);
  });

  it('ignores X-Forwarded-For unless TRUST_PROXY says so', async () => {
    const spoofed = await servers.plain({ RATE_LIMIT_PER_MIN: '2' });
    for (const ip of ['10.0.0.1', '10.0.0.2']) expect((await request(spoofed.url).get('/tools').set('X-Forwarded-For', ip)).status).toBe(200);
    expectRateLimited(await request(spoofed.url).get('/tools').set('X-Forwarded-For', '10.0.0.3'));

    const proxied = await servers.plain({ RATE_LIMIT_PER_MIN: '2', TRUST_PROXY: 'loopback' });
    for (let i = 0; i < 2; i++) expect((await request(proxied.url).get('/tools').set('X-Forwarded-For', '10.0.0.1')).status).toBe(200);
    expectRateLimited(await request(proxied.url).get('/tools').set('X-Forwarded-For', '10.0.0.1'));
    expect((await request(proxied.url).get('/tools').set('X-Forwarded-For', '10.0.0.2')).status).toBe(200);
  });

  it('RATE_LIMIT_PER_MIN=0 turns the general limit off', async () => {
    const server = await servers.plain({ RATE_LIMIT_PER_MIN: '0' });
    for (let i = 0; i < 5; i++) {
      const res = await request(server.url).get('/tools');
      expect(res.status).toBe(200);
      expect(res.headers.ratelimit).toBeUndefined();
    }
  });

  it.each(HTTP_CLIENTS)('spends MCP orchestrate calls of the %s from the same orchestrate budget', async (_label, connect) => {
    const server = await servers.plain({ ORCHESTRATE_RATE_LIMIT_PER_MIN: '2' });
    const client = await connect(server.url);
    try {
      for (let i = 0; i < 2; i++) expect((await client.call('orchestrate_search', { query: `mcp ${i}`, num_agents: 1 })).isError).toBeFalsy();
      await expect(client.call('orchestrate_research', { task: 'one too many', num_agents: 1 })).rejects.toThrow(/429|rate_limited/);
      // Other tools are not orchestrate calls.
      expect((await client.listTools()).length).toBeGreaterThan(0);
      expect((await client.call('list_orchestrator_patterns', {})).isError).toBeFalsy();
    } finally {
      await client.close();
    }
    expectRateLimited(await request(server.url).post('/tools/orchestrate_search').send({ query: 'http too', num_agents: 1 }));
  });
});
