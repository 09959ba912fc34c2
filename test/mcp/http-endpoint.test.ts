import { afterEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createApp, type App } from '../../src/http/app.js';
import type { McpHttpOptions } from '../../src/mcp/http.js';
import { createLogger } from '../../src/logger.js';
import { createServices, type Services } from '../../src/services.js';
import { LogSink, testConfig } from '../helpers/test-server.js';
import { useServers } from '../http/route-harness.js';
import { MODERN } from './clients.js';

const servers = useServers();

const HANDSHAKE = '2025-06-18';
const initialize = (id = 1) => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: { protocolVersion: HANDSHAKE, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});
const ACCEPT = 'application/json, text/event-stream';

/** The JSON-RPC messages of a response, whether JSON or SSE. */
function messages(res: request.Response): Array<Record<string, any>> {
  if (/^application\/json/.test(res.headers['content-type'] ?? '')) return [res.body];
  return res.text
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => JSON.parse(line.slice(6)) as Record<string, any>);
}

const post = (target: string | App, body: unknown, headers: Record<string, string> = {}) =>
  request(target).post('/mcp').set({ accept: ACCEPT, 'content-type': 'application/json', ...headers }).send(JSON.stringify(body));

describe('/mcp: Host and Origin (DNS rebinding)', () => {
  it.each([
    ['a handshake-era initialize', initialize()],
    ['a tools/list', { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }],
  ])('refuses %s from Origin http://evil.example with 403 forbidden', async (_name, body) => {
    const server = await servers.plain();
    const res = await post(server.url, body, { origin: 'http://evil.example' });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ success: false, error: { code: 'forbidden', message: expect.stringContaining('evil.example') } });
  });

  it('refuses a foreign Host, and an Origin that only starts like an allowed one', async () => {
    const server = await servers.plain({ PUBLIC_BASE_URL: 'https://example.org/mcp' });
    expect((await post(server.url, initialize(), { host: 'evil.example' })).status).toBe(403);
    expect((await post(server.url, initialize(), { origin: 'https://example.org.evil.com' })).status).toBe(403);
    expect((await post(server.url, initialize(), { origin: 'null' })).status).toBe(403);
  });

  it('serves no Origin (non-browser clients), loopback origins, and the public host and origin of PUBLIC_BASE_URL', async () => {
    const server = await servers.plain({ PUBLIC_BASE_URL: 'https://example.org/mcp' });
    const cases: Array<Record<string, string>> = [{}, { origin: 'http://localhost:6274' }, { origin: 'http://127.0.0.1:3000' }, { host: 'example.org', origin: 'https://example.org' }];
    for (const headers of cases) {
      const res = await post(server.url, initialize(), headers);
      expect(res.status, JSON.stringify(headers)).toBe(200);
      expect(messages(res)[0]).toMatchObject({ id: 1, result: { protocolVersion: HANDSHAKE, serverInfo: { name: 'mcp-orchestrator' } } });
    }
  });
});

describe('/mcp: handshake-era sessions', () => {
  it('opens a session on initialize, serves it, and ends it on DELETE', async () => {
    const server = await servers.plain();
    const init = await post(server.url, initialize());
    expect(init.headers['x-accel-buffering']).toBe('no');
    const session = init.headers['mcp-session-id'] as string;
    expect(session).toMatch(/^[0-9a-f-]{36}$/);
    const headers = { 'mcp-session-id': session, 'mcp-protocol-version': HANDSHAKE };
    await post(server.url, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers).expect(202);
    const list = await post(server.url, { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }, headers).expect(200);
    expect(messages(list)[0]!.result.tools).toHaveLength(8);

    await request(server.url).delete('/mcp').set(headers).expect(200);
    const after = await post(server.url, { jsonrpc: '2.0', id: 3, method: 'tools/list', params: {} }, headers);
    expect(after.status).toBe(404);
  });

  it('answers 400 to a request without a session that is not initialize, and 404 to an unknown session', async () => {
    const server = await servers.plain();
    expect((await post(server.url, { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} })).status).toBe(400);
    expect((await request(server.url).get('/mcp').set({ accept: 'text/event-stream' })).status).toBe(400);
    const unknown = await post(server.url, { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }, { 'mcp-session-id': 'nope' });
    expect(unknown.status).toBe(404);
  });

  it('answers a JSON-RPC parse error, not a 500, to a body that is not JSON', async () => {
    const server = await servers.plain();
    const res = await request(server.url).post('/mcp').set({ accept: ACCEPT, 'content-type': 'application/json' }).send('{nope');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ jsonrpc: '2.0', error: { code: -32700 } });
  });
});

describe('/mcp: the newest revision', () => {
  it(`answers a ${MODERN} request without any session, as an SSE stream`, async () => {
    const server = await servers.plain();
    const envelope = {
      'io.modelcontextprotocol/protocolVersion': MODERN,
      'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
      'io.modelcontextprotocol/clientCapabilities': {},
    };
    const res = await post(server.url, { jsonrpc: '2.0', id: 7, method: 'tools/list', params: { _meta: envelope } }, { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/list' });
    expect(res.status, res.text).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(res.headers['x-accel-buffering']).toBe('no');
    expect(res.headers['mcp-session-id']).toBeUndefined();
    expect(messages(res).at(-1)!.result.tools.map((t: { name: string }) => t.name)).toContain('get_orchestration_result');
  });
});

/** Read a streaming response until `predicate` holds for the text so far, then drop the connection. */
async function readUntil(res: Response, predicate: (text: string) => boolean, abort: AbortController): Promise<string> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!predicate(text)) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  abort.abort();
  return text;
}

describe('/mcp: keep-alives on a long call', () => {
  const call = { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'orchestrate_search', arguments: { query: 'long', num_agents: 1, wait: true } } };
  const keepAlive = (text: string) => /^:/m.test(text);

  it(`sends SSE comments while a ${MODERN} wait: true call runs`, async () => {
    const { server } = await servers.withFake({ respond: () => ({ hang: true }) }, { SSE_HEARTBEAT_MS: '100' });
    const envelope = {
      'io.modelcontextprotocol/protocolVersion': MODERN,
      'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
      'io.modelcontextprotocol/clientCapabilities': {},
    };
    const abort = new AbortController();
    const res = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { accept: ACCEPT, 'content-type': 'application/json', 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'orchestrate_search' },
      body: JSON.stringify({ ...call, params: { ...call.params, _meta: envelope } }),
      signal: abort.signal,
    });
    expect(res.status, await (res.ok ? Promise.resolve('') : res.text())).toBe(200);
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    expect(keepAlive(await readUntil(res, keepAlive, abort))).toBe(true);
  });

  it('sends SSE comments while a handshake-era wait: true call runs', async () => {
    const { server } = await servers.withFake({ respond: () => ({ hang: true }) }, { SSE_HEARTBEAT_MS: '100' });
    const session = (await post(server.url, initialize())).headers['mcp-session-id'] as string;
    const abort = new AbortController();
    const res = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { accept: ACCEPT, 'content-type': 'application/json', 'mcp-session-id': session, 'mcp-protocol-version': HANDSHAKE },
      body: JSON.stringify(call),
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(keepAlive(await readUntil(res, keepAlive, abort))).toBe(true);
  });
});

describe('/mcp: a cancelled handshake-era call', () => {
  it('ends the response of a wait: true call once the client sends notifications/cancelled', async () => {
    const { server } = await servers.withFake({ respond: () => ({ hang: true }) }, { SSE_HEARTBEAT_MS: '100' });
    const session = (await post(server.url, initialize())).headers['mcp-session-id'] as string;
    const headers = { accept: ACCEPT, 'content-type': 'application/json', 'mcp-session-id': session, 'mcp-protocol-version': HANDSHAKE };
    const call = { jsonrpc: '2.0', id: 21, method: 'tools/call', params: { name: 'orchestrate_search', arguments: { query: 'cancel me', num_agents: 1, wait: true } } };
    const res = await fetch(`${server.url}/mcp`, { method: 'POST', headers, body: JSON.stringify(call) });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    // A first keep-alive: the call is running.
    expect((await reader.read()).done).toBe(false);
    const cancel = { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 21, reason: 'user' } };
    expect((await fetch(`${server.url}/mcp`, { method: 'POST', headers, body: JSON.stringify(cancel) })).status).toBe(202);
    // No answer is sent for a cancelled request (MCP), and the response ends instead of sending keep-alives for ever.
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    expect(text).not.toMatch(/"id":21/);
    const tasks = await server.services.orchestrator.list({ limit: 5 });
    expect(tasks.tasks[0]!.status).toBe('cancelled');
  });
});

describe('/mcp: session limit', () => {
  let services: Services | undefined;
  afterEach(async () => services?.close());

  it('drops the least recently used idle session when full', async () => {
    const config = testConfig();
    services = await createServices(config, createLogger({ level: 'silent', destination: new LogSink() }));
    const mcp: McpHttpOptions = { maxSessions: 1 };
    const app = createApp({ ...services, sse: config.sse, mcp });
    const first = (await post(app, initialize())).headers['mcp-session-id'] as string;
    const second = (await post(app, initialize())).headers['mcp-session-id'] as string;
    expect(second).not.toBe(first);
    const list = (session: string) => post(app, { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }, { 'mcp-session-id': session, 'mcp-protocol-version': HANDSHAKE });
    expect((await list(first)).status).toBe(404);
    expect((await list(second)).status).toBe(200);
  });
});
