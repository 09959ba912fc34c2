import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAIN, cleanupChildren, run } from '../helpers/child-process.js';
import { freePort } from '../helpers/ports.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { startInstance } from './cluster.js';

afterEach(cleanupChildren);

describe('STORE=redis at start', { timeout: 60_000 }, () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => redis?.stop());

  it('a Redis that cannot be reached is one line naming REDIS_URL, without its password', async () => {
    const port = await freePort();
    const child = run(MAIN, [], { PORT: '0', STORE: 'redis', REDIS_URL: `redis://:s3cret@127.0.0.1:${port}` });
    expect(await child.exited).toEqual({ code: 1, signal: null });
    const lines = child.stderr().trimEnd().split('\n');
    expect(lines, child.stderr()).toHaveLength(1);
    expect(lines[0]).toMatch(/^config: REDIS_URL: cannot reach redis:\/\/:redacted@127\.0\.0\.1:\d+/);
    expect(child.stderr() + child.stdout()).not.toContain('s3cret');
  });

  it('names Redis and the instance on /health', async () => {
    const instance = await startInstance('health-1', { REDIS_URL: redis.url, OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' });
    const health = (await (await fetch(`${instance.url}/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'healthy', store: 'redis', instance: 'health-1' });
  });
});
