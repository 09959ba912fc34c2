import { describe, expect, it } from 'vitest';
import request from 'supertest';
import type { TestServer } from '../helpers/test-server.js';
import { useServers } from './route-harness.js';

const servers = useServers();

/** Start a task with these request headers; answer its id, stream_url and status_url. */
async function start(server: TestServer, headers: Record<string, string> = {}, tool = 'orchestrate_research') {
  const req = request(server.url).post(`/tools/${tool}`);
  for (const [name, value] of Object.entries(headers)) req.set(name, value);
  const res = await req.send(tool === 'orchestrate_research' ? { task: 'where am I', num_agents: 1 } : { query: 'where am I', num_agents: 1 });
  expect(res.status, res.text).toBe(202);
  return res.body as { task_id: string; stream_url: string; status_url: string };
}

/** Behind a proxy this server trusts (the client is on loopback, as Caddy is). */
const hanging = (env: Record<string, string> = { TRUST_PROXY: 'loopback' }) => servers.withFake({ respond: () => ({ hang: true }) }, env);

describe('stream_url and status_url', () => {
  it('are paths relative to the host the client used when nothing says otherwise', async () => {
    const { server } = await hanging();
    const research = await start(server);
    expect(research.stream_url).toBe(`/stream/${research.task_id}`);
    expect(research.status_url).toBe(`/tasks/${research.task_id}`);
    const search = await start(server, {}, 'orchestrate_search');
    expect(search.stream_url).toBe(`/stream/${search.task_id}`);
  });

  it('start with X-Forwarded-Prefix, as Caddy sends it behind /mcp', async () => {
    const { server } = await hanging();
    const a = await start(server, { 'X-Forwarded-Prefix': '/mcp' });
    expect(a.stream_url).toBe(`/mcp/stream/${a.task_id}`);
    expect(a.status_url).toBe(`/mcp/tasks/${a.task_id}`);
    const b = await start(server, { 'X-Forwarded-Prefix': '/mcp/' });
    expect(b.stream_url).toBe(`/mcp/stream/${b.task_id}`);
    const c = await start(server, { 'X-Forwarded-Prefix': '/apps/mcp-v2' });
    expect(c.stream_url).toBe(`/apps/mcp-v2/stream/${c.task_id}`);
  });

  it('are absolute with X-Forwarded-Host, -Proto and -Prefix', async () => {
    const { server } = await hanging();
    const a = await start(server, { 'X-Forwarded-Host': 'example.org', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Prefix': '/mcp' });
    expect(a.stream_url).toBe(`https://example.org/mcp/stream/${a.task_id}`);
    expect(a.status_url).toBe(`https://example.org/mcp/tasks/${a.task_id}`);
    const b = await start(server, { 'X-Forwarded-Host': 'example.org:8443, proxy.internal', 'X-Forwarded-Proto': 'https,http' });
    expect(b.stream_url).toBe(`https://example.org:8443/stream/${b.task_id}`);
  });

  it('use PUBLIC_BASE_URL over any forwarded header', async () => {
    const { server } = await servers.withFake({ respond: () => ({ hang: true }) }, { PUBLIC_BASE_URL: 'https://example.org/mcp' });
    const a = await start(server);
    expect(a.stream_url).toBe(`https://example.org/mcp/stream/${a.task_id}`);
    expect(a.status_url).toBe(`https://example.org/mcp/tasks/${a.task_id}`);
    const b = await start(server, { 'X-Forwarded-Host': 'evil.example', 'X-Forwarded-Proto': 'http', 'X-Forwarded-Prefix': '/other' });
    expect(b.stream_url).toBe(`https://example.org/mcp/stream/${b.task_id}`);
  });

  it('do not double the slash when PUBLIC_BASE_URL ends with one', async () => {
    const { server } = await servers.withFake({ respond: () => ({ hang: true }) }, { PUBLIC_BASE_URL: 'https://example.org/mcp/' });
    const a = await start(server);
    expect(a.stream_url).toBe(`https://example.org/mcp/stream/${a.task_id}`);
  });

  it.each([
    ['a prefix without a leading slash', { 'X-Forwarded-Prefix': 'mcp' }],
    ['a prefix with spaces', { 'X-Forwarded-Prefix': '/mcp /x' }],
    ['a javascript: prefix', { 'X-Forwarded-Prefix': 'javascript:alert(1)' }],
    ['a protocol-relative prefix', { 'X-Forwarded-Prefix': '//evil.example' }],
    ['a prefix with markup', { 'X-Forwarded-Prefix': '/"><script>alert(1)</script>' }],
    ['a prefix with a query', { 'X-Forwarded-Prefix': '/mcp?x=1' }],
    ['a host with a path', { 'X-Forwarded-Host': 'evil.example/path' }],
    ['a host with spaces', { 'X-Forwarded-Host': 'evil example' }],
    ['a javascript: host', { 'X-Forwarded-Host': 'javascript:alert(1)' }],
    ['a host with credentials', { 'X-Forwarded-Host': 'user@evil.example' }],
  ])('ignore %s', async (_name, headers) => {
    const { server } = await hanging();
    const a = await start(server, headers);
    expect(a.stream_url).toBe(`/stream/${a.task_id}`);
    expect(a.status_url).toBe(`/tasks/${a.task_id}`);
  });

  it('ignore a malformed proto (the connection decides) and keep a good prefix next to a bad host', async () => {
    const { server } = await hanging();
    const a = await start(server, { 'X-Forwarded-Host': 'example.org', 'X-Forwarded-Proto': 'javascript:' });
    expect(a.stream_url).toBe(`http://example.org/stream/${a.task_id}`);
    const b = await start(server, { 'X-Forwarded-Host': 'example.org', 'X-Forwarded-Proto': 'https\tx' });
    expect(b.stream_url).toBe(`http://example.org/stream/${b.task_id}`);
    const c = await start(server, { 'X-Forwarded-Host': 'bad host', 'X-Forwarded-Prefix': '/mcp' });
    expect(c.stream_url).toBe(`/mcp/stream/${c.task_id}`);
  });

  it('ignore every X-Forwarded-* header from a peer TRUST_PROXY does not trust (the default)', async () => {
    const forged = { 'X-Forwarded-Host': 'phish.example', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Prefix': '/login' };
    for (const env of [{}, { TRUST_PROXY: 'false' }, { TRUST_PROXY: '10.0.0.0/8' }] as Array<Record<string, string>>) {
      const { server } = await hanging(env);
      const a = await start(server, forged);
      expect(a.stream_url).toBe(`/stream/${a.task_id}`);
      expect(a.status_url).toBe(`/tasks/${a.task_id}`);
      const openapi = (await request(server.url).get('/openapi.json').set(forged).expect(200)).body as { servers: Array<{ url: string }> };
      expect(openapi.servers[0]!.url).toBe('/');
    }
  });

  it('never carry a line break or a space, whatever the headers say', async () => {
    const { server } = await hanging();
    const a = await start(server, { 'X-Forwarded-Host': 'example.org', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Prefix': '/mcp%0d%0aSet-Cookie:%20x=1' });
    expect(a.stream_url).not.toMatch(/[\r\n\s]/);
    expect(a.status_url).not.toMatch(/[\r\n\s]/);
  });
});
