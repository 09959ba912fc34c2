import { describe, expect, it } from 'vitest';
import request, { type Response } from 'supertest';
import { openTaskStream } from '../helpers/sse-client.js';
import { useServers } from '../http/route-harness.js';

const servers = useServers();
const ALLOWED = 'http://localhost:3000';
const ENV = { CORS_ORIGINS: `${ALLOWED},https://app.example.org` };

const corsHeaders = (res: Response) => Object.keys(res.headers).filter((h) => h.startsWith('access-control-'));

const preflight = (url: string, origin: string, path = '/tools/orchestrate_research') =>
  request(url)
    .options(path)
    .set('Origin', origin)
    .set('Access-Control-Request-Method', 'POST')
    .set('Access-Control-Request-Headers', 'authorization, x-api-key, content-type, last-event-id');

describe('CORS', () => {
  it('gives an allowed origin its CORS headers, exposing X-Request-Id, Retry-After and RateLimit', async () => {
    const server = await servers.plain(ENV);
    const res = await request(server.url).get('/tools').set('Origin', ALLOWED);
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    const exposed = String(res.headers['access-control-expose-headers']).split(',');
    expect(exposed).toEqual(expect.arrayContaining(['X-Request-Id', 'Retry-After', 'RateLimit', 'RateLimit-Policy']));
    expect(res.headers.vary).toMatch(/Origin/);
  });

  it('answers a preflight with 204, the methods and the headers, even with API_KEYS set', async () => {
    const server = await servers.plain({ ...ENV, API_KEYS: 'cors-key-123' });
    const res = await preflight(server.url, ALLOWED);
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(String(res.headers['access-control-allow-methods']).split(',')).toEqual(expect.arrayContaining(['GET', 'POST']));
    const allowed = String(res.headers['access-control-allow-headers']).toLowerCase().split(',');
    expect(allowed).toEqual(expect.arrayContaining(['authorization', 'x-api-key', 'content-type', 'last-event-id']));
    // The actual request still needs the key.
    const actual = await request(server.url).post('/tools/orchestrate_research').set('Origin', ALLOWED).send({ task: 'x' });
    expect(actual.status).toBe(401);
    expect(actual.headers['access-control-allow-origin']).toBe(ALLOWED); // so the page can read the 401
  });

  it('normalises the origin it compares: scheme and host case, a default port', async () => {
    const server = await servers.plain({ CORS_ORIGINS: 'https://App.Example.org:443' });
    const res = await request(server.url).get('/tools').set('Origin', 'https://app.example.org');
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example.org');
  });

  it.each([
    'http://localhost.evil.com',
    'http://localhost:3000.evil.com',
    'http://evil.com#http://localhost:3000',
    'http://localhost:3000@evil.com',
    'null',
    'https://localhost:3000',
    'http://localhost:30000',
    'http://localhost',
    'http://127.0.0.1:3000',
    'https://app.example.org.evil.com',
    'https://evilapp.example.org',
    '',
  ])('gives the near-miss origin %j no CORS header at all, on requests and preflights', async (origin) => {
    const server = await servers.plain(ENV);
    const res = await request(server.url).get('/tools').set('Origin', origin);
    expect(res.status).toBe(200);
    expect(corsHeaders(res)).toEqual([]);
    const pre = await preflight(server.url, origin);
    expect(corsHeaders(pre)).toEqual([]);
    expect(pre.status).not.toBe(204);
  });

  it('without CORS_ORIGINS, allows no origin', async () => {
    const server = await servers.plain();
    expect(corsHeaders(await request(server.url).get('/tools').set('Origin', ALLOWED))).toEqual([]);
    expect(corsHeaders(await preflight(server.url, ALLOWED))).toEqual([]);
  });

  it('lets an allowed origin open an event stream with its Last-Event-ID', async () => {
    const server = await servers.plain(ENV);
    const start = await request(server.url).post('/tools/orchestrate_search').set('Origin', ALLOWED).send({ query: 'cors stream', num_agents: 1 });
    expect(start.status).toBe(202);
    const stream = await openTaskStream(server.url, start.body.task_id, { headers: { Origin: ALLOWED } });
    await stream.finished;
    expect(stream.status).toBe(200);
    expect(stream.headers['access-control-allow-origin']).toBe(ALLOWED);
    const pre = await preflight(server.url, ALLOWED, `/stream/${start.body.task_id}`).set('Access-Control-Request-Method', 'GET');
    expect(pre.status).toBe(204);
  });

  it('passes CORS_ORIGINS to the /mcp Origin guard', async () => {
    const server = await servers.plain(ENV);
    const body = { jsonrpc: '2.0', id: 1, method: 'ping' };
    const ok = await request(server.url).post('/mcp').set('Origin', 'https://app.example.org').set('Accept', 'application/json, text/event-stream').send(body);
    expect(ok.status).not.toBe(403);
    const refused = await request(server.url).post('/mcp').set('Origin', 'https://app.example.org.evil.com').set('Accept', 'application/json, text/event-stream').send(body);
    expect(refused.status).toBe(403);
  });
});

describe('helmet headers', () => {
  it('sets the headers that fit a JSON API, with a same-origin CSP that does not upgrade plain HTTP', async () => {
    const server = await servers.plain();
    for (const path of ['/tools', '/health', '/no-such-route']) {
      const res = await request(server.url).get(path);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).not.toContain('upgrade-insecure-requests');
      expect(csp).not.toContain("'unsafe-inline'; script"); // no inline scripts
    }
  });

  it('leaves the event stream as the SPEC describes it', async () => {
    const server = await servers.plain();
    const start = await request(server.url).post('/tools/orchestrate_search').send({ query: 'headers', num_agents: 1 });
    const stream = await openTaskStream(server.url, start.body.task_id);
    await stream.finished;
    expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(stream.headers['cache-control']).toMatch(/no-cache/);
    expect(stream.headers['x-accel-buffering']).toBe('no');
    expect(stream.headers['content-encoding']).toBeUndefined();
    expect(stream.frames.at(-1)?.data.event_type).toBe('stream_closed');
  });
});
