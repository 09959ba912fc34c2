import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import express from 'express';
import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler } from '../../src/http/middleware/error-handler.js';
import { createRateLimits, ORCHESTRATE_ROUTES, type RateLimitOptions } from '../../src/http/middleware/rate-limit.js';
import type { ApiKeyAuth } from '../../src/http/middleware/auth.js';
import { createLogger } from '../../src/logger.js';
import { LogSink } from '../helpers/log-sink.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';

// Two "instances": separate Express apps, each with its own Redis connection and its own
// createRateLimits, on real sockets, in front of one real redis-server.

/** The client is whoever `X-Client` names (a stand-in for the API key's id). */
const auth: ApiKeyAuth = {
  keyIdOf: (headers) => (headers instanceof Headers ? headers.get('x-client') : (headers['x-client'] as string | undefined)) ?? undefined,
  middleware: (_req, _res, next) => next(),
};

interface Instance {
  url: string;
  sink: LogSink;
  client: Redis;
  close(): Promise<void>;
}

let redis: RedisServer;
const instances: Instance[] = [];

async function startInstance(options: Omit<RateLimitOptions, 'redis'>, prefix: string | undefined, clientOptions: RedisOptions = {}): Promise<Instance> {
  const client = new Redis(redis.url, { retryStrategy: () => 50, ...clientOptions });
  client.on('error', () => undefined); // reconnects by itself; the limiter logs what it refuses
  const sink = new LogSink();
  const limits = createRateLimits(
    { ...options, redis: prefix === undefined ? undefined : { sendCommand: (command, ...args) => client.call(command!, ...args), prefix } },
    auth,
    createLogger({ level: 'info', destination: sink }),
  );
  const app = express();
  app.use(limits.general);
  app.post(ORCHESTRATE_ROUTES, limits.orchestrate);
  app.get('/tools', (_req, res) => res.json({ ok: true }));
  app.post(ORCHESTRATE_ROUTES, (_req, res) => res.status(202).json({ ok: true }));
  // What /mcp does for a tools/call of an orchestrate tool.
  app.post('/mcp-call', async (req, res) => {
    const retryAfter = await limits.takeOrchestrate(limits.keyOf(req), Number(req.query.count ?? 1));
    res.json({ retryAfter: retryAfter ?? null });
  });
  app.use(errorHandler);
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const instance: Instance = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sink,
    client,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      client.disconnect();
    },
  };
  instances.push(instance);
  return instance;
}

const get = (instance: Instance, client = 'alice') => fetch(`${instance.url}/tools`, { headers: { 'x-client': client } });
const orchestrate = (instance: Instance, client = 'alice') =>
  fetch(`${instance.url}/tools/orchestrate_search`, { method: 'POST', headers: { 'x-client': client } });
/** What /mcp does for `count` tools/calls of an orchestrate tool: the seconds to wait, or null. */
async function mcpCall(instance: Instance, count = 1, client = 'alice') {
  const res = await fetch(`${instance.url}/mcp-call?count=${count}`, { method: 'POST', headers: { 'x-client': client } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { retryAfter: number | null }).retryAfter;
}
const remaining = (res: Response) => Number(/"requests"; r=(\d+)/.exec(res.headers.get('ratelimit') ?? '')?.[1]);

async function expectRateLimited(res: Response) {
  expect(res.status).toBe(429);
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(((await res.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
}

/** Is anything accepting connections on `port`? */
const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('rate limits shared through Redis', () => {
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    await Promise.all(instances.splice(0).map((i) => i.close()));
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('gives a client one budget across instances: 3 requests to A and 3 to B, the 6th is 429 with Retry-After', async () => {
    const prefix = `test:${randomUUID()}:`;
    const [a, b] = [await startInstance({ perMin: 5, orchestratePerMin: 0 }, prefix), await startInstance({ perMin: 5, orchestratePerMin: 0 }, prefix)];
    const left: number[] = [];
    for (const instance of [a, a, a, b, b]) {
      const res = await get(instance);
      expect(res.status).toBe(200);
      left.push(remaining(res));
    }
    expect(left).toEqual([4, 3, 2, 1, 0]);
    await expectRateLimited(await get(b));
    await expectRateLimited(await get(a));
    // Another client has a budget of its own, on either instance.
    expect((await get(b, 'bob')).status).toBe(200);
    // The counts live in Redis under the prefix, not in either process.
    expect(await a.client.keys(`${prefix}*`)).toEqual(expect.arrayContaining([`${prefix}requests:key:alice`, `${prefix}requests:key:bob`]));
  });

  it('without the redis option each instance still counts alone (what the shared budget replaces)', async () => {
    const [a, b] = [await startInstance({ perMin: 5, orchestratePerMin: 0 }, undefined), await startInstance({ perMin: 5, orchestratePerMin: 0 }, undefined)];
    for (const instance of [a, a, a, b, b, b]) expect((await get(instance)).status).toBe(200);
  });

  it('spends MCP orchestrate calls (takeOrchestrate) and the HTTP orchestrate routes of every instance from one budget', async () => {
    const prefix = `test:${randomUUID()}:`;
    const options = { perMin: 0, orchestratePerMin: 4 };
    const [a, b] = [await startInstance(options, prefix), await startInstance(options, prefix)];
    expect((await orchestrate(a)).status).toBe(202);
    expect(await mcpCall(b)).toBeNull();
    expect(await mcpCall(a, 2)).toBeNull(); // a batch of two calls: 4 of 4 spent
    const retryAfter = await mcpCall(b);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    await expectRateLimited(await orchestrate(a));
    await expectRateLimited(await orchestrate(b));
    // The general budget is separate (off here), so other routes still answer.
    expect((await get(b)).status).toBe(200);
  });

  it('lets requests through while Redis is down (logged), and limits again once it is back, even when it was down as the limits were made', async () => {
    const prefix = `test:${randomUUID()}:`;
    // Redis goes away before the instance is built: its scripts cannot be loaded at start.
    const back = redis.restart({ downMs: 1500 });
    await until(async () => !(await listening(redis.port)));
    const a = await startInstance({ perMin: 2, orchestratePerMin: 2 }, prefix, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    for (let i = 0; i < 4; i++) expect((await get(a)).status).toBe(200);
    expect(await mcpCall(a, 3, 'carol')).toBeNull();
    expect(a.sink.text()).toContain('allowing request without rate-limiting');
    expect(a.sink.text()).toContain('orchestrate call allowed without limiting');

    await back;
    await until(() => a.client.status === 'ready');
    expect((await get(a)).status).toBe(200);
    expect((await get(a)).status).toBe(200);
    await expectRateLimited(await get(a));
    // The general budget of carol (another client) is untouched by alice's requests.
    expect(await mcpCall(a, 2, 'carol')).toBeNull();
    expect(await mcpCall(a, 1, 'carol')).toBeGreaterThanOrEqual(1);
  });
});
