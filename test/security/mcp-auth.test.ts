import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import { openTaskStream } from '../helpers/sse-client.js';
import { expectError, useServers } from '../http/route-harness.js';
import { MODERN } from '../mcp/clients.js';

const servers = useServers();
const KEY_A = 'mcp-key-aaaaaaaaaaaa';
const KEY_B = 'mcp-key-bbbbbbbbbbbb';
const ENV = { API_KEYS: `${KEY_A},${KEY_B}` };
const info = { name: 'security-tests', version: '1.0.0' };

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close().catch(() => {})));
});

async function v1(url: string, headers: Record<string, string>) {
  const client = new V1Client(info);
  const transport = new V1StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers } });
  await client.connect(transport);
  open.push(client);
  return { client, transport };
}

async function v2(url: string, headers: Record<string, string>) {
  const client = new Client(info, { versionNegotiation: { mode: { pin: MODERN } } });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers } }));
  open.push(client);
  return client;
}

const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: info },
};
const ACCEPT = 'application/json, text/event-stream';

describe('/mcp with API_KEYS', () => {
  it('refuses a request without a key, or with a wrong one, with 401 before any MCP work', async () => {
    const server = await servers.plain(ENV);
    expectError(await request(server.url).post('/mcp').set('Accept', ACCEPT).send(initialize), 401, 'unauthorized');
    expectError(await request(server.url).post('/mcp').set('Accept', ACCEPT).set('Authorization', 'Bearer nope').send(initialize), 401, 'unauthorized');
    await expect(v1(server.url, {})).rejects.toThrow();
    await expect(v2(server.url, { 'X-API-Key': 'nope' })).rejects.toThrow();
  });

  it('serves the v1 client (handshake era) with a Bearer key; its stream_url carries a token that opens that task', async () => {
    const server = await servers.plain(ENV);
    const { client } = await v1(server.url, { Authorization: `Bearer ${KEY_A}` });
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toContain('orchestrate_search');
    const started = await client.callTool({ name: 'orchestrate_search', arguments: { query: 'mcp auth', num_agents: 1 } });
    const { task_id: taskId, stream_url: streamUrl } = started.structuredContent as { task_id: string; stream_url: string };
    expect(streamUrl).toMatch(new RegExp(`^/stream/${taskId}\\?token=`));
    const stream = await openTaskStream(server.url, taskId, { query: { token: new URL(streamUrl, server.url).searchParams.get('token')! } });
    await stream.finished;
    expect(stream.status).toBe(200);
    expect(stream.frames.at(-1)?.data.event_type).toBe('stream_closed');
  });

  it('serves the v2 client (newest revision) with X-API-Key', async () => {
    const server = await servers.plain(ENV);
    const client = await v2(server.url, { 'X-API-Key': KEY_B });
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('orchestrate_research');
  });

  it("refuses one key's handshake-era session to another key", async () => {
    const server = await servers.plain(ENV);
    const { transport } = await v1(server.url, { Authorization: `Bearer ${KEY_A}` });
    const sessionId = transport.sessionId!;
    expect(sessionId).toMatch(/\S/);
    const list = { jsonrpc: '2.0', id: 7, method: 'tools/list' };
    const asSession = (key: string) =>
      request(server.url).post('/mcp').set('Accept', ACCEPT).set('Mcp-Session-Id', sessionId).set('Mcp-Protocol-Version', '2025-06-18').set('X-API-Key', key).send(list);
    const stolen = await asSession(KEY_B);
    expect(stolen.status).toBe(404);
    expect(stolen.text).not.toContain('orchestrate_search');
    const own = await asSession(KEY_A);
    expect(own.status).toBe(200);
    expect(own.text).toContain('orchestrate_search');
  });
});
