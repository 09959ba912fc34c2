import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { configProblems } from '../helpers/config-problems.js';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(env: Record<string, string> = {}): Promise<TestServer> {
  const server = await startTestServer({ env });
  servers.push(server);
  return server;
}

/** A request over a real socket with the `Host` a browser on a rebinding name would send. */
function requestWithHost(server: TestServer, host: string, path: string, method = 'GET', body?: string): Promise<{ status: number; json: () => unknown; text: string }> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, headers: { host, ...(body ? { 'content-type': 'application/json' } : {}) } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, json: () => JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const ROUTES: Array<[string, string, string?]> = [
  ['GET', '/tasks'],
  ['GET', '/'],
  ['GET', '/tools'],
  ['POST', '/tools/calculate', JSON.stringify({ expression: '1+1' })],
  ['GET', '/stream/research_x'],
  ['GET', '/openapi.json'],
  ['POST', '/mcp', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' })],
];

describe('the Host check (DNS rebinding)', () => {
  it('refuses a name that is neither loopback nor allowed with 403 forbidden, on the REST API, the console, /stream and /mcp', async () => {
    const server = await serve();
    for (const [method, path, body] of ROUTES) {
      const res = await requestWithHost(server, 'rebind.attacker.example:5060', path, method, body);
      expect(res.status, `${method} ${path}: ${res.text}`).toBe(403);
      expect(res.json()).toMatchObject({ success: false, error: { code: 'forbidden' } });
    }
  });

  it('answers loopback names, with or without a port', async () => {
    const server = await serve();
    const { port } = new URL(server.url);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'localhost', `[::1]:${port}`, '127.0.0.2']) {
      expect((await requestWithHost(server, host, '/tasks')).status, host).toBe(200);
    }
  });

  it('keeps /health open to probes by any name', async () => {
    const server = await serve();
    expect((await requestWithHost(server, 'lb-probe.internal', '/health')).status).toBe(200);
  });

  it('answers the names in ALLOWED_HOSTS and the PUBLIC_BASE_URL host, and no others', async () => {
    const server = await serve({ ALLOWED_HOSTS: 'mcp.example.org, 10.0.0.5', PUBLIC_BASE_URL: 'https://public.example.org/mcp' });
    for (const host of ['mcp.example.org', 'MCP.example.org:443', '10.0.0.5:5060', 'public.example.org']) {
      expect((await requestWithHost(server, host, '/tasks')).status, host).toBe(200);
    }
    for (const host of ['example.org', 'mcp.example.org.attacker.example', '10.0.0.6']) {
      expect((await requestWithHost(server, host, '/tasks')).status, host).toBe(403);
    }
  });

  it('answers the HOST it listens on when that is one address', async () => {
    const server = await serve({ HOST: '127.0.0.1' });
    expect((await requestWithHost(server, '127.0.0.1', '/tools')).status).toBe(200);
  });

  it('rejects an ALLOWED_HOSTS entry that is not a host name', () => {
    expect(configProblems({ ALLOWED_HOSTS: 'https://mcp.example.org' })[0]).toMatch(/^ALLOWED_HOSTS: must be comma-separated host names/);
    expect(configProblems({ ALLOWED_HOSTS: 'mcp.example.org:8080' })[0]).toMatch(/^ALLOWED_HOSTS/);
    expect(configProblems({ ALLOWED_HOSTS: '*.example.org' })[0]).toMatch(/^ALLOWED_HOSTS/);
  });
});
