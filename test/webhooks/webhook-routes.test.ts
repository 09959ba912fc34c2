import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { SECRET_FILE } from '../../src/webhooks/signing.js';
import { waitFor, type TestServer } from '../helpers/test-server.js';
import { detailPaths, expectError, useServers } from '../http/route-harness.js';
import { trackOutbox } from './outbox.js';
import { startReceiver, type Receiver, type ReceiverAnswer } from './receiver.js';

const servers = useServers();
const receivers: Receiver[] = [];
afterEach(async () => {
  for (const r of receivers.splice(0)) await r.close();
});

/** Tests reach their own loopback receiver, so private targets are allowed unless a test says otherwise. */
const ENV = { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_DELAYS: '0.05,0.05,0.05', WEBHOOK_TIMEOUT_MS: '2000' };

/** The secret the server signs with: generated at start and kept in DATA_DIR. */
const secretOf = (server: TestServer) => fs.readFileSync(path.join(server.config.dataDir, SECRET_FILE), 'utf8').trim();

async function receiverFor(server: () => TestServer, answer: (i: number) => ReceiverAnswer = () => ({ status: 200 })) {
  const receiver = await startReceiver(() => secretOf(server()), (r) => answer(r.index));
  receivers.push(receiver);
  return receiver;
}

const health = async (server: TestServer) => (await request(server.url).get('/health').expect(200)).body.registered_webhooks as number;
const finished = (server: TestServer, id: string) => waitFor(async () => (await server.services.orchestrator.get(id)).completed_at);

describe('webhook_url on the orchestrate routes', () => {
  it('delivers workflow_complete signed, retried after two 500s with the same webhook-id', async () => {
    const { server } = await servers.withFake({}, ENV);
    const receiver = await receiverFor(() => server, (i) => ({ status: i < 2 ? 500 : 200 }));
    const res = await request(server.url)
      .post('/tools/orchestrate_search')
      .send({ query: 'webhooks', num_agents: 2, webhook_url: `${receiver.url}/done` })
      .expect(202);
    const taskId = res.body.task_id as string;
    await waitFor(() => receiver.answered === 3);
    expect(receiver.requests).toHaveLength(3);
    const ids = new Set(receiver.requests.map((r) => r.headers['webhook-id']));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^msg_[0-9a-f]{32}$/);
    for (const r of receiver.requests) expect(r.signatureValid, 'signature verifies with the secret in DATA_DIR').toBe(true);
    const body = JSON.parse(receiver.requests[2]!.body);
    expect(body).toMatchObject({
      type: 'workflow_complete',
      timestamp: expect.any(String),
      data: { event_type: 'workflow_complete', task_id: taskId, seq: expect.any(Number), data: { status: 'completed' } },
    });
    expect(body.timestamp).toBe(body.data.timestamp);
    // Only the default terminal event was wanted.
    expect(receiver.requests.every((r) => JSON.parse(r.body).type === 'workflow_complete')).toBe(true);
  });

  it('never slows the workflow: the task completes while every delivery still hangs', async () => {
    // Each model call takes a while, so deliveries of the early events are open (and hanging) during the run.
    const { server } = await servers.withFake({ delayMs: 100 }, { ...ENV, WEBHOOK_TIMEOUT_MS: '20000' });
    const outbox = trackOutbox(server.services.store);
    const receiver = await receiverFor(() => server, () => 'hang');
    const res = await request(server.url)
      .post('/tools/orchestrate_research')
      .send({
        task: 'quick',
        num_agents: 3,
        webhook_url: `${receiver.url}/all`,
        webhook_events: ['workflow_start', 'agent_start', 'agent_complete', 'workflow_complete'],
      })
      .expect(202);
    const record = await waitFor(async () => {
      const r = await server.services.orchestrator.get(res.body.task_id);
      return r.completed_at ? r : undefined;
    });
    expect(record.status).toBe('completed');
    expect(receiver.requests.length, 'deliveries were under way during the run').toBeGreaterThan(0);
    expect(receiver.answered, 'no delivery had finished when the task did').toBe(0);
    // Every wanted event was enqueued; all still pending while the receiver hangs.
    const types = (await outbox.pending()).map((m) => m.event_type);
    expect(types).toHaveLength(outbox.ids.length);
    expect(new Set(types)).toEqual(new Set(['workflow_start', 'agent_start', 'agent_complete', 'workflow_complete']));
    expect(types.filter((t) => t === 'workflow_complete')).toHaveLength(1);
    expect(types.filter((t) => t === 'workflow_start')).toHaveLength(1);
  });

  it('shows the URL only as its origin and a redacted path: in GET /tasks, the task record, its status and the stream', async () => {
    const { server } = await servers.withFake({}, ENV);
    const receiver = await receiverFor(() => server);
    const secretPath = '/hooks/T0SECRET/B1SECRET?token=SECRETTOKEN';
    const res = await request(server.url)
      .post('/tools/orchestrate_search')
      .send({ query: 'private hooks', num_agents: 1, webhook_url: `${receiver.url}${secretPath}` })
      .expect(202);
    const taskId = res.body.task_id as string;
    await waitFor(() => receiver.answered === 1);
    expect(receiver.requests[0]!.path, 'delivered to the real URL').toBe(secretPath);
    const views = [
      (await request(server.url).get('/tasks').expect(200)).text,
      (await request(server.url).get(`/tasks/${taskId}`).expect(200)).text,
      (await request(server.url).post('/tools/get_orchestration_status').send({ task_id: taskId }).expect(200)).text,
      await (await fetch(`${server.url}/stream/${taskId}`)).text(),
    ];
    for (const view of views) {
      expect(view).not.toContain('SECRET');
      expect(view).toContain(`${receiver.url}/[redacted]`);
    }
    const result = (await request(server.url).post('/tools/get_orchestration_result').send({ task_id: taskId }).expect(200)).text;
    expect(result).not.toContain('SECRET');
  });

  it('refuses a loopback target without WEBHOOK_ALLOW_PRIVATE: 400 at webhook_url, no task, nothing enqueued', async () => {
    const { server, fake } = await servers.withFake();
    const outbox = trackOutbox(server.services.store);
    const receiver = await receiverFor(() => server);
    const port = new URL(receiver.url).port;
    for (const url of [`http://127.0.0.1:${port}/hook`, `http://localhost:${port}/hook`, 'http://169.254.169.254/latest', `http://[::1]:${port}/`]) {
      const res = await request(server.url).post('/tools/orchestrate_search').send({ query: 'x', webhook_url: url });
      const error = expectError(res, 400, 'validation_error');
      expect(detailPaths(error)).toEqual(['webhook_url']);
      expect(error.message).toMatch(/^webhook_url: .*WEBHOOK_ALLOW_PRIVATE/);
    }
    expect((await request(server.url).get('/tasks')).body.tasks).toEqual([]);
    expect(fake.calls).toEqual([]);
    expect(outbox.ids).toEqual([]);
    expect(await health(server)).toBe(0);
    expect(receiver.requests).toEqual([]);
  });

  it('refuses webhook_events without webhook_url, and unknown event types', async () => {
    const { server, fake } = await servers.withFake({}, ENV);
    let res = await request(server.url).post('/tools/orchestrate_search').send({ query: 'x', webhook_events: ['workflow_complete'] });
    expect(detailPaths(expectError(res, 400, 'validation_error'))).toEqual(['webhook_events']);
    res = await request(server.url).post('/tools/orchestrate_search').send({ query: 'x', webhook_url: 'http://127.0.0.1:1/', webhook_events: ['done'] });
    expect(detailPaths(expectError(res, 400, 'validation_error'))).toEqual(['webhook_events.0']);
    expect(fake.calls).toEqual([]);
  });
});

describe('POST /webhook/register and /webhook/unregister', () => {
  /** A task that stays running until cancelled. */
  async function runningTask(env: Record<string, string> = ENV) {
    const { server } = await servers.withFake({ respond: () => ({ hang: true }) }, env);
    const res = await request(server.url).post('/tools/orchestrate_search').send({ query: 'hang', num_agents: 1 }).expect(202);
    return { server, taskId: res.body.task_id as string };
  }

  it('registers (201, default terminal events), counts in /health, and delivers workflow_cancelled', async () => {
    const { server, taskId } = await runningTask();
    const receiver = await receiverFor(() => server);
    expect(await health(server)).toBe(0);
    const res = await request(server.url).post('/webhook/register').send({ task_id: taskId, webhook_url: `${receiver.url}/in` });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toEqual({
      success: true,
      task_id: taskId,
      webhook_id: expect.stringMatching(/^wh_[0-9a-f]+$/),
      webhook_url: `${receiver.url}/in`,
      events: ['workflow_complete', 'workflow_error', 'workflow_cancelled'],
    });
    expect(await health(server)).toBe(1);
    // The same registration again is the same webhook, not a second delivery.
    const again = await request(server.url).post('/webhook/register').send({ task_id: taskId, webhook_url: `${receiver.url}/in` }).expect(201);
    expect(again.body.webhook_id).toBe(res.body.webhook_id);
    expect(await health(server)).toBe(1);

    await request(server.url).post('/tools/cancel_orchestration').send({ task_id: taskId }).expect(200);
    await waitFor(() => receiver.answered === 1);
    expect(receiver.requests).toHaveLength(1);
    expect(JSON.parse(receiver.requests[0]!.body)).toMatchObject({ type: 'workflow_cancelled', data: { task_id: taskId } });
    expect(receiver.requests[0]!.signatureValid).toBe(true);
    // A finished task's registration is no longer active.
    expect(await health(server)).toBe(0);
  });

  it('answers 404 for an unknown task, 409 for a finished one, 400 naming a bad or unknown field', async () => {
    const { server, taskId } = await runningTask();
    const hook = 'http://127.0.0.1:9/x';
    expectError(await request(server.url).post('/webhook/register').send({ task_id: 'search_nope', webhook_url: hook }), 404, 'task_not_found');
    let error = expectError(await request(server.url).post('/webhook/register').send({ task_id: taskId, webhook_url: hook, secret: 'x' }), 400, 'validation_error');
    expect(detailPaths(error)).toEqual(['secret']);
    expect(error.message).toBe('secret: unknown field');
    error = expectError(await request(server.url).post('/webhook/register').send({ task_id: taskId, webhook_url: 'ftp://example.org' }), 400, 'validation_error');
    expect(detailPaths(error)).toEqual(['webhook_url']);
    error = expectError(await request(server.url).post('/webhook/register').send({ task_id: taskId }), 400, 'validation_error');
    expect(detailPaths(error)).toEqual(['webhook_url']);
    error = expectError(
      await request(server.url).post('/webhook/register').send({ task_id: taskId, webhook_url: hook, events: ['workflow_done'] }),
      400,
      'validation_error',
    );
    expect(detailPaths(error)).toEqual(['events.0']);
    expect(await health(server)).toBe(0);

    await request(server.url).post('/tools/cancel_orchestration').send({ task_id: taskId }).expect(200);
    await finished(server, taskId);
    error = expectError(await request(server.url).post('/webhook/register').send({ task_id: taskId, webhook_url: hook }), 409, 'task_already_finished');
    expect(error.message).toContain('cancelled');
  });

  it('takes at most 10 webhooks per task', async () => {
    const { server, taskId } = await runningTask();
    for (let i = 0; i < 10; i++) {
      await request(server.url).post('/webhook/register').send({ task_id: taskId, webhook_url: `http://127.0.0.1:9/${i}` }).expect(201);
    }
    const res = await request(server.url).post('/webhook/register').send({ task_id: taskId, webhook_url: 'http://127.0.0.1:9/more' });
    expect(expectError(res, 400, 'validation_error').message).toBe('webhook_url: a task can have at most 10 webhooks');
    expect(await health(server)).toBe(10);
    await request(server.url).post('/webhook/unregister').send({ task_id: taskId }).expect(200);
  });

  it('refuses a loopback target at /webhook/register without WEBHOOK_ALLOW_PRIVATE', async () => {
    const { server, taskId } = await runningTask({});
    const res = await request(server.url).post('/webhook/register').send({ task_id: taskId, webhook_url: 'http://127.0.0.1:9/x' });
    expect(detailPaths(expectError(res, 400, 'validation_error'))).toEqual(['webhook_url']);
    expect(await health(server)).toBe(0);
  });

  it('unregisters (200 with the count), after which nothing is delivered', async () => {
    const { server, taskId } = await runningTask();
    const outbox = trackOutbox(server.services.store);
    const receiver = await receiverFor(() => server);
    await request(server.url).post('/webhook/register').send({ task_id: taskId, webhook_url: `${receiver.url}/a` }).expect(201);
    await request(server.url)
      .post('/webhook/register')
      .send({ task_id: taskId, webhook_url: `${receiver.url}/b`, events: ['workflow_cancelled', 'stream_closed'] })
      .expect(201);
    expect(await health(server)).toBe(2);
    const res = await request(server.url).post('/webhook/unregister').send({ task_id: taskId });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, task_id: taskId, removed: 2 });
    expect(await health(server)).toBe(0);
    expect((await request(server.url).post('/webhook/unregister').send({ task_id: taskId }).expect(200)).body.removed).toBe(0);

    await request(server.url).post('/tools/cancel_orchestration').send({ task_id: taskId }).expect(200);
    await finished(server, taskId);
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.requests).toEqual([]);
    expect(await outbox.pending()).toEqual([]);

    expectError(await request(server.url).post('/webhook/unregister').send({ task_id: 'search_nope' }), 404, 'task_not_found');
    const error = expectError(await request(server.url).post('/webhook/unregister').send({ task_id: taskId, webhook_url: 'x' }), 400, 'validation_error');
    expect(detailPaths(error)).toEqual(['webhook_url']);
    expect(detailPaths(expectError(await request(server.url).post('/webhook/unregister').send({}), 400, 'validation_error'))).toEqual(['task_id']);
  });
});
