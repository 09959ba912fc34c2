import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { SECRET_FILE } from '../../src/webhooks/signing.js';
import { openSse } from '../helpers/sse-client.js';
import { waitFor, type TestServer } from '../helpers/test-server.js';
import { expectError, useServers } from '../http/route-harness.js';
import { startReceiver, type Receiver } from '../webhooks/receiver.js';
import { parsePromText, sumOf } from './prom-text.js';

const servers = useServers();
const receivers: Receiver[] = [];
afterEach(async () => {
  for (const r of receivers.splice(0)) await r.close();
});

const P = 'mcp_orchestrator_';

async function scrape(server: TestServer, token?: string) {
  const req = request(server.url).get('/metrics');
  if (token) req.set('Authorization', `Bearer ${token}`);
  const res = await req.expect(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return { ...parsePromText(res.text), text: res.text };
}

const finished = (server: TestServer, id: string) => waitFor(async () => (await server.services.orchestrator.get(id)).completed_at, 15_000);

describe('GET /metrics', () => {
  it('parses as Prometheus text with the default process metrics and every metric family', async () => {
    const server = await servers.plain();
    const { types } = await scrape(server);
    expect(types.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
    for (const [name, type] of Object.entries({
      http_request_duration_seconds: 'histogram',
      tasks_started_total: 'counter',
      tasks_finished_total: 'counter',
      tasks_active: 'gauge',
      tasks_pending: 'gauge',
      agent_run_duration_seconds: 'histogram',
      model_tokens_total: 'counter',
      model_cost_usd_total: 'counter',
      stream_clients: 'gauge',
      events_total: 'counter',
      webhook_deliveries_total: 'counter',
    })) {
      expect(types.get(P + name), name).toBe(type);
    }
  });

  it('times requests by route pattern and status, never by raw id or unknown path', async () => {
    const server = await servers.plain();
    await request(server.url).get('/health').expect(200);
    await request(server.url).get('/health').expect(200);
    await request(server.url).get('/tasks/research_secretid123').expect(404);
    await request(server.url).post('/tools/get_orchestration_status').send({ task_id: 'search_otherid456' }).expect(404);
    await request(server.url).post('/tools/no_such_tool_zzz').send({}).expect(404);
    await request(server.url).get('/random/path/abc987').expect(404);
    const { samples, text } = await scrape(server);
    const count = (labels: Record<string, string>) => sumOf(samples, `${P}http_request_duration_seconds_count`, labels);
    expect(count({ route: '/health', status_code: '200', method: 'GET' })).toBe(2);
    expect(count({ route: '/tasks/:taskId', status_code: '404' })).toBe(1);
    expect(count({ route: '/tools/get_orchestration_status', status_code: '404', method: 'POST' })).toBe(1);
    expect(count({ route: '/tools/:name', status_code: '404' })).toBe(1);
    expect(count({ route: '(unmatched)', status_code: '404' })).toBe(1);
    for (const raw of ['secretid123', 'otherid456', 'no_such_tool_zzz', 'abc987']) expect(text).not.toContain(raw);
  });

  it('counts a finished task, its agents, tokens, cost and events by pattern, provider and model', async () => {
    const { server } = await servers.withFake();
    const res = await request(server.url).post('/tools/orchestrate_search').send({ query: 'metrics', num_agents: 2 }).expect(202);
    await finished(server, res.body.task_id as string);
    const { samples } = await scrape(server);
    const model = { provider: 'openai', model: 'gpt-4o-mini' };
    expect(sumOf(samples, `${P}tasks_started_total`, { pattern: 'swarm' })).toBe(1);
    expect(sumOf(samples, `${P}tasks_finished_total`, { pattern: 'swarm', status: 'completed' })).toBe(1);
    expect(sumOf(samples, `${P}agent_run_duration_seconds_count`, { ...model, outcome: 'completed' })).toBeGreaterThanOrEqual(3);
    const record = await server.services.orchestrator.get(res.body.task_id as string);
    expect(sumOf(samples, `${P}model_tokens_total`, { ...model, direction: 'input' })).toBe(record.usage.input_tokens);
    expect(sumOf(samples, `${P}model_tokens_total`, { ...model, direction: 'output' })).toBe(record.usage.output_tokens);
    expect(sumOf(samples, `${P}model_cost_usd_total`, model)).toBeCloseTo(record.usage.cost_usd, 12);
    expect(record.usage.cost_usd).toBeGreaterThan(0);
    expect(sumOf(samples, `${P}events_total`, { event_type: 'workflow_start' })).toBe(1);
    expect(sumOf(samples, `${P}events_total`, { event_type: 'stream_closed' })).toBe(1);
  });

  it('reports active and pending tasks and open stream clients at scrape time', async () => {
    const { server } = await servers.withFake({ respond: () => ({ hang: true }) }, { MAX_ACTIVE_TASKS: '1' });
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await request(server.url).post('/tools/orchestrate_search').send({ query: `q${i}`, num_agents: 1 }).expect(202);
      ids.push(res.body.task_id as string);
    }
    const stream = await openSse(`${server.url}/stream/${ids[0]}`);
    await waitFor(() => server.app.streams.size === 1);
    let { samples } = await scrape(server);
    expect(sumOf(samples, `${P}tasks_active`)).toBe(1);
    expect(sumOf(samples, `${P}tasks_pending`)).toBe(1);
    expect(sumOf(samples, `${P}stream_clients`)).toBe(1);
    for (const id of ids) await request(server.url).post('/tools/cancel_orchestration').send({ task_id: id }).expect(200);
    await stream.finished;
    await waitFor(() => server.services.orchestrator.activeCount === 0);
    ({ samples } = await scrape(server));
    expect(sumOf(samples, `${P}tasks_active`)).toBe(0);
    expect(sumOf(samples, `${P}tasks_pending`)).toBe(0);
    expect(sumOf(samples, `${P}stream_clients`)).toBe(0);
    expect(sumOf(samples, `${P}tasks_finished_total`, { pattern: 'swarm', status: 'cancelled' })).toBe(2);
  });

  it('counts webhook deliveries by outcome', async () => {
    const { server } = await servers.withFake({}, { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_DELAYS: '0.05', WEBHOOK_TIMEOUT_MS: '2000' });
    const secret = () => fs.readFileSync(path.join(server.config.dataDir, SECRET_FILE), 'utf8').trim();
    let calls = 0;
    const receiver = await startReceiver(secret, () => ({ status: calls++ === 0 ? 503 : 200 }));
    receivers.push(receiver);
    const res = await request(server.url)
      .post('/tools/orchestrate_search')
      .send({ query: 'hooks', num_agents: 1, webhook_url: `${receiver.url}/done` })
      .expect(202);
    await finished(server, res.body.task_id as string);
    await waitFor(() => receiver.answered >= 2);
    await waitFor(async () => sumOf((await scrape(server)).samples, `${P}webhook_deliveries_total`, { outcome: 'delivered' }) === 1);
    const { samples } = await scrape(server);
    expect(sumOf(samples, `${P}webhook_deliveries_total`, { outcome: 'retry' })).toBe(1);
    expect(sumOf(samples, `${P}webhook_deliveries_total`, { outcome: 'failed' })).toBe(0);
  });

  it('keeps each server’s counts apart (a registry per app, not the global one)', async () => {
    const a = await servers.plain();
    const b = await servers.plain();
    for (let i = 0; i < 3; i++) await request(a.url).get('/tools').expect(200);
    const count = async (s: TestServer) => sumOf((await scrape(s)).samples, `${P}http_request_duration_seconds_count`, { route: '/tools' });
    expect(await count(a)).toBe(3);
    expect(await count(b)).toBe(0);
  });
});

describe('METRICS_TOKEN', () => {
  it('wants the token as a bearer when set: 401 in the SPEC shape without it or with a wrong one', async () => {
    const server = await servers.plain({ METRICS_TOKEN: 'scrape-secret-1' });
    expectError(await request(server.url).get('/metrics'), 401, 'unauthorized');
    const wrong = await request(server.url).get('/metrics').set('Authorization', 'Bearer scrape-secret-2');
    expectError(wrong, 401, 'unauthorized');
    expect(wrong.headers['www-authenticate']).toMatch(/^Bearer/);
    expectError(await request(server.url).get('/metrics').set('Authorization', 'scrape-secret-1'), 401, 'unauthorized');
    await scrape(server, 'scrape-secret-1');
  });

  it('is independent of API keys: an API key does not open it, and without a token it needs no key', async () => {
    const guarded = await servers.plain({ API_KEYS: 'key-aaaaaaaaaaaaaaaa', METRICS_TOKEN: 'scrape-secret-1' });
    expectError(await request(guarded.url).get('/metrics').set('Authorization', 'Bearer key-aaaaaaaaaaaaaaaa'), 401, 'unauthorized');
    await scrape(guarded, 'scrape-secret-1');
    const open = await servers.plain({ API_KEYS: 'key-aaaaaaaaaaaaaaaa' });
    expectError(await request(open.url).get('/tools'), 401, 'unauthorized');
    await scrape(open);
  });
});
