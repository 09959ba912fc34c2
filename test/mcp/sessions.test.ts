import fs from 'node:fs';
import http, { type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import express from 'express';
import { McpServer } from '@modelcontextprotocol/server';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { createApp } from '../../src/http/app.js';
import { securityFromConfig } from '../../src/http/middleware/security.js';
import { createLogger } from '../../src/logger.js';
import { mcpRouter, type McpHttpOptions } from '../../src/mcp/http.js';
import { createLegacySessions } from '../../src/mcp/legacy-sessions.js';
import { createServices, type Services, type ServicesOptions } from '../../src/services.js';
import { createFakeModel } from '../helpers/fake-model.js';
import { LogSink, testConfig, waitFor } from '../helpers/test-server.js';

const HANDSHAKE = '2025-06-18';
const KEYS = { a: 'key-a-0123456789', b: 'key-b-0123456789', c: 'key-c-0123456789' };
/** Small caps, so that filling them takes a few requests, not a thousand. */
const CAPS = { maxSessionsPerOwner: 5, maxSessions: 8 } satisfies McpHttpOptions;

interface Exchange {
  status: number;
  headers: IncomingHttpHeaders;
  /** The whole body, once the server ends the response. */
  text: Promise<string>;
  destroy(): void;
}

interface Send {
  method?: string;
  body?: unknown;
  session?: string;
  key?: string;
  /** The client's own address (any of 127/8 is loopback on Linux). */
  localAddress?: string;
}

/** One raw HTTP exchange with `/mcp`, from a chosen local address; resolves at the response head. */
function send(url: string, { method = 'POST', body, session, key, localAddress = '127.0.0.1' }: Send): Promise<Exchange> {
  const headers: Record<string, string> = { accept: 'application/json, text/event-stream', 'content-type': 'application/json' };
  if (session) Object.assign(headers, { 'mcp-session-id': session, 'mcp-protocol-version': HANDSHAKE });
  if (key) headers.authorization = `Bearer ${key}`;
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/mcp`, { method, headers, localAddress, agent: false }, (res) => {
      res.setEncoding('utf8');
      const text = new Promise<string>((done) => {
        let all = '';
        res.on('data', (chunk: string) => (all += chunk));
        res.on('end', () => done(all));
        res.on('close', () => done(all));
      });
      resolve({ status: res.statusCode!, headers: res.headers, text, destroy: () => req.destroy() });
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** The JSON-RPC messages of a body, whether JSON or SSE. */
const messages = (text: string): Array<Record<string, any>> =>
  text.trimStart().startsWith('{') ? [JSON.parse(text)] : text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)));

const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: HANDSHAKE, capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };
const toolsList = { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} };

/** `initialize` (and `notifications/initialized`): the status, and the session id when one opened. */
async function open(url: string, from: Omit<Send, 'body' | 'session'> = {}): Promise<{ status: number; session?: string; error?: Record<string, any> }> {
  const res = await send(url, { ...from, body: initialize });
  const [message] = messages(await res.text);
  const session = res.headers['mcp-session-id'] as string | undefined;
  if (session) await (await send(url, { ...from, session, body: { jsonrpc: '2.0', method: 'notifications/initialized' } })).text;
  return { status: res.status, session, error: message?.error };
}

/** The status of a `tools/list` in `session`. */
async function list(url: string, session: string, from: Omit<Send, 'body' | 'session'> = {}): Promise<number> {
  const res = await send(url, { ...from, session, body: toolsList });
  await res.text;
  return res.status;
}

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listen(app: express.Express): Promise<string> {
  const server: Server = http.createServer(app).listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  cleanups.push(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Keep-alives are what sends an SSE response's head (the Node adapter writes none before its first chunk). */
const HEARTBEAT_MS = 100;

async function services(env: Record<string, string>, options: ServicesOptions = {}): Promise<{ services: Services; config: Config }> {
  const config = testConfig({ RATE_LIMIT_PER_MIN: '0', ORCHESTRATE_RATE_LIMIT_PER_MIN: '0', SSE_HEARTBEAT_MS: String(HEARTBEAT_MS), ...env });
  const made = await createServices(config, createLogger({ level: 'silent', destination: new LogSink() }), { watchCorpus: false, ...options });
  cleanups.push(async () => {
    await made.close();
    fs.rmSync(config.dataDir, { recursive: true, force: true });
  });
  return { services: made, config };
}

/** The whole app (auth, rate-limit keys, `/mcp`) on a loopback port. */
async function startApp(mcp: McpHttpOptions, env: Record<string, string> = {}, options: ServicesOptions = {}): Promise<{ url: string; services: Services }> {
  const { services: made, config } = await services(env, options);
  const app = createApp({ ...made, sse: config.sse, security: securityFromConfig(config), mcp });
  return { url: await listen(app), services: made };
}

/** The SDK's own (v1, handshake-era) client, with an API key. */
async function sdkClient(url: string, key: string): Promise<V1Client> {
  const client = new V1Client({ name: 'mcp-orchestrator-tests', version: '1.0.0' });
  await client.connect(new V1StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
  cleanups.push(() => client.close());
  return client;
}

describe('/mcp sessions: a cap per API key', () => {
  it("regression: a key opening more than the caps never evicts another key's session", async () => {
    const { url } = await startApp(CAPS, { API_KEYS: Object.values(KEYS).join(',') });
    const b = await sdkClient(url, KEYS.b);
    expect((await b.listTools()).tools.length).toBeGreaterThan(0);

    const opened: string[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await open(url, { key: KEYS.a });
      expect(res.status, JSON.stringify(res.error)).toBe(200);
      opened.push(res.session!);
    }
    // B's session was opened first, so it is the least recently used of all: it is still served.
    expect((await b.listTools()).tools.length).toBeGreaterThan(0);
    // A made room by closing its own oldest sessions: its five newest are open, the rest are gone.
    const statuses = await Promise.all(opened.map((s) => list(url, s, { key: KEYS.a })));
    expect(statuses).toEqual([...Array(7).fill(404), ...Array(5).fill(200)]);
    // And a third key can still open one (A holds 5 of the 8).
    expect((await open(url, { key: KEYS.c })).status).toBe(200);
  });

  it('answers 503 when every session is taken and the caller has none of its own to close', async () => {
    const { url } = await startApp(CAPS, { API_KEYS: Object.values(KEYS).join(',') });
    const a = await Promise.all([1, 2, 3, 4, 5].map(async () => (await open(url, { key: KEYS.a })).session!));
    const b = [];
    for (let i = 0; i < 3; i++) b.push((await open(url, { key: KEYS.b })).session!);

    const refused = await open(url, { key: KEYS.c });
    expect(refused).toMatchObject({ status: 503, session: undefined, error: { code: -32000, message: expect.stringMatching(/sessions/) } });
    for (const session of a) expect(await list(url, session, { key: KEYS.a })).toBe(200);
    for (const session of b) expect(await list(url, session, { key: KEYS.b })).toBe(200);

    // With the global cap full, B (under its own cap) makes room by closing its own oldest session.
    expect((await open(url, { key: KEYS.b })).status).toBe(200);
    expect(await list(url, b[0]!, { key: KEYS.b })).toBe(404);
    for (const session of a) expect(await list(url, session, { key: KEYS.a })).toBe(200);
  });

  it('answers 429 when the caller is at its cap and every one of its sessions has a call in flight', async () => {
    const fake = createFakeModel({ respond: () => ({ hang: true }) });
    const { url, services: made } = await startApp({ maxSessionsPerOwner: 1, maxSessions: 8 }, { API_KEYS: Object.values(KEYS).join(','), DEFAULT_PROVIDER: 'openai' }, { providers: { openai: fake.factory } });
    const { session } = await open(url, { key: KEYS.a });
    const call = { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'orchestrate_search', arguments: { query: 'long', num_agents: 1, wait: true } } };
    const busy = await send(url, { session, key: KEYS.a, body: call });
    cleanups.push(() => busy.destroy());
    await waitFor(async () => (await made.orchestrator.list({ limit: 10 })).tasks.find((t) => t.status === 'running'));

    const refused = await open(url, { key: KEYS.a });
    expect(refused).toMatchObject({ status: 429, session: undefined, error: { code: -32000, message: expect.stringMatching(/busy/) } });
    expect(await list(url, session!, { key: KEYS.a })).toBe(200);
    expect((await open(url, { key: KEYS.b })).status).toBe(200);
  });
});

describe('createLegacySessions', () => {
  it('keeps to the cap when one owner opens many sessions at once', async () => {
    const sessions = createLegacySessions({
      build: () => new McpServer({ name: 'test', version: '1' }),
      logger: createLogger({ level: 'silent', destination: new LogSink() }),
      idleMs: 60_000,
      keepAliveMs: 60_000,
      maxRequestBodySize: 1024 * 1024,
      ...CAPS,
    });
    cleanups.push(() => sessions.close());
    // Bodies that arrive a little late, as from slow clients: the initializes overlap.
    const late = () =>
      new Request('http://127.0.0.1/mcp', {
        method: 'POST',
        headers: { accept: 'application/json, text/event-stream', 'content-type': 'application/json' },
        body: new ReadableStream({
          async pull(controller) {
            await delay(10);
            controller.enqueue(new TextEncoder().encode(JSON.stringify(initialize)));
            controller.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
    const answers = await Promise.all(Array.from({ length: 20 }, () => sessions.fetch(late(), { owner: 'key:a', keyId: 'a' })));
    await Promise.all(answers.map((r) => r.text()));
    expect(answers.map((r) => r.status).sort()).toEqual([...Array(5).fill(200), ...Array(15).fill(429)]);
    expect(sessions.size).toBe(5);
  });
});

describe('/mcp sessions: a cap per client address (no API keys)', () => {
  it("an address opening more than the caps never evicts another address's session", async () => {
    const { url } = await startApp(CAPS);
    const other = { localAddress: '127.0.0.2' };
    const { session } = await open(url, other);
    for (let i = 0; i < 12; i++) expect((await open(url)).status).toBe(200);
    expect(await list(url, session!, other)).toBe(200);
  });
});

describe('/mcp sessions: lifetime', () => {
  it('closes a session idle for sessionIdleMs, but not one with a call in flight', async () => {
    const fake = createFakeModel({ respond: () => ({ hang: true }) });
    const { url, services: made } = await startApp({ sessionIdleMs: 100 }, { DEFAULT_PROVIDER: 'openai' }, { providers: { openai: fake.factory } });
    const busy = (await open(url)).session!;
    const call = { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'orchestrate_search', arguments: { query: 'long', num_agents: 1, wait: true } } };
    const running = await send(url, { session: busy, body: call });
    cleanups.push(() => running.destroy());
    await waitFor(async () => (await made.orchestrator.list({ limit: 10 })).tasks.find((t) => t.status === 'running'));

    // Seen after the busy one, so whenever it is idle long enough, the busy one is too (but busy).
    const idle = (await open(url)).session!;
    const stream = await send(url, { method: 'GET', session: idle });
    expect(stream.status).toBe(200);
    await stream.text; // ended by the server's sweep, with no request in between
    expect(await list(url, idle)).toBe(404);
    expect(await list(url, busy)).toBe(200);
  });

  it('close() ends every session and opens no more', async () => {
    const { services: made } = await services({});
    const router = mcpRouter({ ...made, heartbeatMs: HEARTBEAT_MS });
    const app = express();
    app.use(router);
    const url = await listen(app);
    const { session } = await open(url);
    const stream = await send(url, { method: 'GET', session });
    expect(stream.status).toBe(200);

    const closing = router.close();
    expect(router.close()).toBe(closing);
    await closing;
    await stream.text;
    expect(await list(url, session!)).toBe(404);
    expect(await open(url)).toMatchObject({ status: 503, session: undefined });
  });
});
