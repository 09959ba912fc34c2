import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ORCHESTRATION_TOOLS } from '../../src/tools/orchestration-tools.js';
import { createFakeModel } from '../helpers/fake-model.js';
import { openSse, type SseClient } from '../helpers/sse-client.js';
import type { TestServer } from '../helpers/test-server.js';
import { createGate, isPlanner, openAllGates, startServerWith } from '../http/stream-fixtures.js';
import { requireCaddy, startCaddy, validateCaddyfile, type RunningCaddy } from './caddy.js';

// The real Caddy, run with the shipped Caddyfile, in front of the real server, on loopback.
describe('the Caddyfile, run by caddy in front of the server', () => {
  const planner = createGate();
  const model = createFakeModel({
    respond: async (call) => {
      if (isPlanner(call)) {
        await planner.promise; // the task waits here, running, while the test appends events
        return JSON.stringify(['angle 1']);
      }
      return `answer ${call.index}`;
    },
  });
  let server: TestServer;
  let caddy: RunningCaddy;
  const clients: SseClient[] = [];

  beforeAll(async () => {
    requireCaddy();
    // As the shipped systemd env sets it: Caddy on this host is the trusted proxy.
    server = await startServerWith(model, { TRUST_PROXY: 'loopback' });
    caddy = await startCaddy(server.url.replace('http://', ''));
  }, 40_000);
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(async () => {
    openAllGates();
    await caddy?.stop();
    await server?.close();
  });

  it('passes caddy validate, with the defaults and with the variables set', () => {
    for (const env of [{} as Record<string, string>, { SITE_ADDRESS: 'http://127.0.0.1:8088', UPSTREAM: '127.0.0.1:5061', CADDY_ADMIN: 'off' }]) {
      const result = validateCaddyfile(env);
      expect(result.output).toContain('Valid configuration');
      expect(result.status).toBe(0);
    }
  });

  it('answers /mcp/health and /mcp/tools through Caddy', async () => {
    const health = await fetch(`${caddy.url}/mcp/health`);
    expect(health.status).toBe(200);
    expect(health.headers.get('x-request-id')).toBeTruthy();
    expect(await health.json()).toMatchObject({ status: 'healthy', service: 'mcp-orchestrator' });

    const tools = await fetch(`${caddy.url}/mcp/tools`);
    expect(tools.status).toBe(200);
    const body = (await tools.json()) as { tools: Array<{ name: string }>; count: number };
    expect(body.tools.map((t) => t.name)).toEqual(ORCHESTRATION_TOOLS.map((t) => t.name));
  });

  it('serves the API reference under /mcp, its server URL pointing through Caddy', async () => {
    const doc = (await (await fetch(`${caddy.url}/mcp/openapi.json`)).json()) as { servers: Array<{ url: string }> };
    expect(doc.servers[0]!.url).toBe(`${caddy.url}/mcp`);
    expect((await fetch(`${caddy.url}/mcp/docs`)).status).toBe(200);
    const bare = await fetch(`${caddy.url}/mcp`, { redirect: 'manual' });
    expect(bare.status).toBe(308);
    expect(bare.headers.get('location')).toBe('/mcp/');
  });

  it('hands out a stream_url that opens through Caddy, and streams each event as it is appended', async () => {
    const res = await fetch(`${caddy.url}/mcp/tools/orchestrate_search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'tides', num_agents: 1, timeout: 120 }),
    });
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as { task_id: string; stream_url: string; status_url: string };
    // Caddy sends X-Forwarded-Host and the Caddyfile X-Forwarded-Prefix: the URL names the proxy, under /mcp.
    expect(accepted.stream_url).toBe(`${caddy.url}/mcp/stream/${accepted.task_id}`);
    expect(accepted.status_url).toBe(`${caddy.url}/mcp/tasks/${accepted.task_id}`);

    // As a browser would: an `encode` in the Caddyfile would then compress (and buffer) the stream.
    const stream = await openSse(accepted.stream_url, { headers: { 'Accept-Encoding': 'gzip, deflate, br, zstd' } });
    clients.push(stream);
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(stream.headers['content-encoding']).toBeUndefined();
    await stream.until(() => stream.events().some((e) => e.event_type === 'decomposition_start'));

    // One event at a time: the next is appended only once the previous one came out of Caddy.
    // A buffering proxy would hold them until the response ends and time out here.
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      server.services.events.append(accepted.task_id, { event_type: 'agent_progress', agent_id: 'probe', data: { i } });
      await stream.until(() => stream.events().some((e) => e.agent_id === 'probe' && e.data.i === i), 5000);
      latencies.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 10));
    }
    latencies.sort((a, b) => a - b);
    const median = latencies[Math.floor(latencies.length / 2)]!;
    const max = latencies.at(-1)!;
    // Measured here: median ≈ 0.7 ms, max ≈ 4 ms. The bound is 100 ms per frame; the median
    // must meet it, while single frames get 1 s so a loaded CI machine (the whole suite runs in
    // parallel forks) cannot fail the test with a scheduling hiccup. Buffering fails both bounds.
    expect(median, `latencies (ms): ${latencies.map((l) => l.toFixed(1)).join(', ')}`).toBeLessThan(100);
    expect(max).toBeLessThan(1000);

    planner.open();
    await stream.until(() => stream.outcome === 'end', 15_000);
    const types = stream.events().map((e) => e.event_type);
    expect(types.at(-1)).toBe('stream_closed');
    expect(types).toContain('workflow_complete');
    expect(stream.events().map((e) => e.seq)).toEqual(types.map((_, i) => i + 1));

    // The status URL opens through Caddy too, and a reconnect after the end answers 204.
    const status = await fetch(accepted.status_url);
    expect(((await status.json()) as { status: string }).status).toBe('completed');
    const again = await openSse(accepted.stream_url, { lastEventId: String(types.length) });
    expect(again.status).toBe(204);
  });
});
