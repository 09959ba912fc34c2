import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupChildren } from '../helpers/child-process.js';
import { startFakeUpstream, type FakeUpstream, type UpstreamAction } from '../helpers/fake-upstream.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { openTaskStream } from '../helpers/sse-client.js';
import type { TaskRecord } from '../../src/orchestrator/task.js';
import { getTask, isMidTask, post, readStream, startInstance, streamProblems, waitFinished, type Instance } from './cluster.js';

// Three real instances (`src/main.ts`, STORE=redis) on one real redis-server, one fake model
// server on a real socket: what SPEC §8 promises of N instances, tried as a client would.

const MAX_AGENTS = 3;
let redis: RedisServer;
let upstream: FakeUpstream;
let receiver: http.Server;
const received: Array<{ id: string; type: string }> = [];
let workerAction: () => UpstreamAction = () => ({ kind: 'answer', delayMs: 150 });
let a: Instance;
let b: Instance;
let c: Instance;

const env = () => ({
  REDIS_URL: redis.url,
  OPENAI_BASE_URL: `${upstream.url}/v1`,
  MAX_CONCURRENT_AGENTS: String(MAX_AGENTS),
  MAX_ACTIVE_TASKS: '2',
  TAKEOVER_LOCK_MS: '3000',
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_RETRY_DELAYS: '0.2,0.5',
  // The tests poll hard; the shared limits have a test of their own.
  RATE_LIMIT_PER_MIN: '0',
  ORCHESTRATE_RATE_LIMIT_PER_MIN: '0',
});

const research = (marker: string, extra: Record<string, unknown> = {}) => ({
  task: `Research ${marker}: what should a buyer know?`,
  num_agents: 3,
  enable_drummer: false,
  enable_camina: false,
  ...extra,
});

const requestsOf = (marker: string) => upstream.requests.filter((r) => r.prompt.includes(marker));

beforeAll(async () => {
  redis = await startRedis();
  upstream = await startFakeUpstream((request) => (/planner/i.test(request.system) ? undefined : workerAction()));
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ id: String(req.headers['webhook-id']), type: (JSON.parse(body) as { type: string }).type });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  [a, b, c] = await Promise.all([startInstance('a', env()), startInstance('b', env()), startInstance('c', env())]);
}, 120_000);

afterAll(async () => {
  await cleanupChildren();
  await upstream?.close();
  await new Promise((resolve) => receiver?.close(resolve));
  await redis?.stop();
});

describe('three instances on one Redis', () => {
  it('a task submitted on A streams on B and is cancelled from C within a second; no model call starts after', async () => {
    workerAction = () => ({ kind: 'hang' });
    const submitted = await post(a.url, '/tools/orchestrate_research', research('cancel-1'));
    expect(submitted.status).toBe(202);
    const taskId = String(submitted.body.task_id);
    const stream = await openTaskStream(b.url, taskId);
    expect(stream.status).toBe(200);
    // All three workers hold their slots and hang in their model calls.
    await stream.until(() => stream.events().filter((e) => e.event_type === 'agent_start' && e.agent_id?.startsWith('worker')).length === 3, 30_000);
    await expect.poll(() => requestsOf('cancel-1').length, { timeout: 5000 }).toBe(4);
    const cancelAt = Date.now();
    const cancelled = await post(c.url, '/tools/cancel_orchestration', { task_id: taskId });
    const answeredAt = Date.now();
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ cancelled: true, status: 'cancelled' });
    await stream.until(() => stream.events().some((e) => e.event_type === 'stream_closed'), 10_000);
    const terminal = stream.events().find((e) => e.event_type === 'workflow_cancelled');
    expect(terminal).toBeDefined();
    expect(Date.parse(terminal!.timestamp) - cancelAt).toBeLessThan(1000);
    expect(streamProblems(stream.events())).toEqual([]);
    // Every call of the task was made before the cancel, and each was cut off.
    const calls = requestsOf('cancel-1');
    expect(calls).toHaveLength(4);
    expect(calls.every((r) => r.received_at <= cancelAt)).toBe(true);
    expect(answeredAt - cancelAt).toBeLessThan(2000);
    await expect.poll(() => requestsOf('cancel-1').every((r) => r.ended_at !== undefined), { timeout: 5000 }).toBe(true);
    expect((await getTask(a.url, taskId)).status).toBe('cancelled');
  }, 60_000);

  it('keeps the model calls in flight within MAX_CONCURRENT_AGENTS over all three, every instance busy', async () => {
    workerAction = () => ({ kind: 'answer', delayMs: 250 });
    const before = upstream.requests.length;
    const ids: string[] = [];
    for (const [i, instance] of [a, b, c, a, b, c].entries()) {
      const submitted = await post(instance.url, '/tools/orchestrate_research', research(`budget-${i}`));
      expect(submitted.status).toBe(202);
      ids.push(String(submitted.body.task_id));
    }
    const records = await waitFinished(c.url, ids);
    expect(records.map((r) => r.status)).toEqual(Array(6).fill('completed'));
    expect(new Set(records.map((r) => r.instance)).size).toBe(3);
    expect(upstream.requests.length - before).toBe(6 * 4);
    expect(upstream.maxInFlight).toBeLessThanOrEqual(MAX_AGENTS);
    expect(upstream.maxInFlight).toBe(MAX_AGENTS);
  }, 90_000);

  it('delivers a webhook message once, whichever instance runs the task', async () => {
    workerAction = () => ({ kind: 'answer', delayMs: 20 });
    const { port } = receiver.address() as AddressInfo;
    const ids: string[] = [];
    for (const instance of [a, b, c]) {
      const submitted = await post(instance.url, '/tools/orchestrate_research', research(`hook-${instance.name}`, { webhook_url: `http://127.0.0.1:${port}/hook` }));
      expect(submitted.status).toBe(202);
      ids.push(String(submitted.body.task_id));
    }
    await waitFinished(a.url, ids);
    await expect.poll(() => received.filter((m) => m.type === 'workflow_complete').length, { timeout: 15_000 }).toBe(3);
    // Three dispatchers poll the one outbox: a message claimed by one is never sent by another.
    await new Promise((r) => setTimeout(r, 1500));
    expect(received.filter((m) => m.type === 'workflow_complete').length).toBe(3);
    expect(new Set(received.map((m) => m.id)).size).toBe(received.length);
  }, 60_000);

  it('hands the tasks of two instances killed with SIGKILL to the third: finished agents kept, one gap-free stream each', async () => {
    // Each task's first worker answers at once, the others slowly: the kill lands mid-task.
    const seen = new Map<string, number>();
    workerAction = () => ({ kind: 'answer', delayMs: 1500 });
    upstream.setScript((request) => {
      if (/planner/i.test(request.system)) return undefined;
      const marker = /takeover-\d+/.exec(request.prompt)?.[0] ?? '';
      seen.set(marker, (seen.get(marker) ?? 0) + 1);
      return seen.get(marker) === 1 ? { kind: 'answer', delayMs: 50 } : workerAction();
    });
    const ids: string[] = [];
    for (const [i, instance] of [a, b, c, a, b, c].entries()) {
      const submitted = await post(instance.url, '/tools/orchestrate_research', research(`takeover-${i}`));
      ids.push(String(submitted.body.task_id));
    }
    // Two running on each instance (MAX_ACTIVE_TASKS=2); wait until A and B each run a task with a finished worker.
    let before: TaskRecord[] = [];
    await expect
      .poll(async () => {
        before = (await Promise.all(ids.map((id) => getTask(c.url, id)))).filter((r) => (r.instance === 'a' || r.instance === 'b') && r.status === 'running');
        return ['a', 'b'].every((name) => before.some((r) => r.instance === name && isMidTask(r)));
      }, { timeout: 30_000, interval: 100 })
      .toBe(true);
    const finishedBefore = new Map(before.map((r) => [r.task_id, r.result!.agent_results.filter((x) => x.role === 'worker' && x.status === 'completed').map((x) => x.subtask)]));
    const killedAt = Date.now();
    a.child.proc.kill('SIGKILL');
    b.child.proc.kill('SIGKILL');
    await Promise.all([a.child.exited, b.child.exited]);
    const records = await waitFinished(c.url, ids, 30_000);
    const tookMs = Date.now() - killedAt;
    expect(tookMs).toBeLessThan(30_000);
    expect(records.map((r) => r.status)).toEqual(Array(6).fill('completed'));
    // Every task that was running on A or B ended on C.
    expect(records.filter((r) => before.some((v) => v.task_id === r.task_id)).map((r) => r.instance)).toEqual(before.map(() => 'c'));
    for (const record of before) {
      const events = await readStream(c.url, record.task_id);
      expect(streamProblems(events)).toEqual([]);
      expect(events.filter((e) => e.event_type === 'workflow_resumed')).toHaveLength(1);
      expect(events.find((e) => e.event_type === 'workflow_resumed')?.data).toMatchObject({ instance: 'c', previous_instance: record.instance });
      // The planner and the workers that had finished are not asked again.
      const marker = /takeover-\d+/.exec(record.title)![0];
      const calls = requestsOf(marker);
      expect(calls.filter((r) => /planner/i.test(r.system))).toHaveLength(1);
      for (const subtask of finishedBefore.get(record.task_id)!) {
        expect(calls.filter((r) => !/planner/i.test(r.system) && r.prompt.includes(subtask))).toHaveLength(1);
      }
    }
  }, 120_000);

  it('answers 503 while Redis restarts, crashes nothing, and carries on when it is back', async () => {
    upstream.setScript((request) => (/planner/i.test(request.system) ? undefined : workerAction()));
    workerAction = () => ({ kind: 'answer', delayMs: 400 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const submitted = await post(c.url, '/tools/orchestrate_research', research(`restart-${i}`));
      expect(submitted.status).toBe(202);
      ids.push(String(submitted.body.task_id));
    }
    await expect.poll(async () => (await getTask(c.url, ids[0]!)).status, { timeout: 15_000 }).toBe('running');
    const restarted = redis.restart({ downMs: 2000 });
    // A read of the store (the list; a task running here is read from memory) is refused meanwhile.
    await expect.poll(async () => (await fetch(`${c.url}/tasks?limit=5`)).status, { timeout: 10_000, interval: 100 }).toBe(503);
    const refused = await post(c.url, '/tools/orchestrate_research', research('restart-refused'));
    expect([503, 202]).toContain(refused.status);
    if (refused.status === 503) expect(refused.body).toMatchObject({ success: false, error: { code: 'unavailable' } });
    const health = await fetch(`${c.url}/health`);
    expect(health.status).toBe(503);
    expect(((await health.json()) as { store: string }).store).toBe('redis');
    await restarted;
    const records = await waitFinished(c.url, ids, 60_000);
    // Each ended cleanly: completed, or failed because the store could not be written.
    for (const record of records) {
      expect(record.status === 'completed' || record.error?.code === 'store_unavailable').toBe(true);
      expect(streamProblems(await readStream(c.url, record.task_id))).toEqual([]);
    }
    expect(c.child.proc.exitCode).toBeNull();
    const after = await post(c.url, '/tools/orchestrate_research', research('restart-after'));
    expect(after.status).toBe(202);
    const [done] = await waitFinished(c.url, [String(after.body.task_id)]);
    expect(done!.status).toBe('completed');
  }, 120_000);

  it('hands its running tasks to another instance when it is stopped (SIGTERM), and a pending task cancelled elsewhere never runs', async () => {
    const d = await startInstance('d', env());
    workerAction = () => ({ kind: 'answer', delayMs: 1200 });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(String((await post(c.url, '/tools/orchestrate_research', research(`handover-${i}`))).body.task_id));
    const pending = String((await post(c.url, '/tools/orchestrate_research', research('handover-pending'))).body.task_id);
    // C and D take two each (MAX_ACTIVE_TASKS=2); the fifth waits, and is cancelled from D.
    const cancelled = await post(d.url, '/tools/cancel_orchestration', { task_id: pending });
    expect(cancelled.body).toMatchObject({ cancelled: true, status: 'cancelled' });
    await expect.poll(async () => (await Promise.all(ids.map((id) => getTask(d.url, id)))).every((r) => r.status === 'running'), { timeout: 15_000 }).toBe(true);
    const onC = (await Promise.all(ids.map((id) => getTask(d.url, id)))).filter((r) => r.instance === 'c').map((r) => r.task_id);
    expect(onC).toHaveLength(2);
    c.child.proc.kill('SIGTERM');
    expect((await c.child.exited).code).toBe(0);
    const records = await waitFinished(d.url, [...ids, pending], 30_000);
    expect(records.slice(0, 4).map((r) => [r.status, r.instance])).toEqual(Array(4).fill(['completed', 'd']));
    for (const id of onC) {
      const events = await readStream(d.url, id);
      expect(streamProblems(events)).toEqual([]);
      expect(events.find((e) => e.event_type === 'workflow_resumed')?.data).toMatchObject({ instance: 'd', previous_instance: 'c' });
    }
    expect(records[4]!.status).toBe('cancelled');
    expect(requestsOf('handover-pending')).toHaveLength(0);
    expect(streamProblems(await readStream(d.url, pending))).toEqual([]);
  }, 120_000);
});
