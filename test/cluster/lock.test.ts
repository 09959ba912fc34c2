import { describe, expect, it } from 'vitest';
import { createRedisLock } from '../../src/cluster/lock.js';
import { sinkLogger, sleep, useRedis } from './connections.js';

const db = useRedis();
let n = 0;

/** The same lock as two instances see it, each over its own connection. */
function twoInstances(ttlMs: number) {
  const key = `test:lock:${++n}`;
  const { logger, sink } = sinkLogger();
  const open = () => createRedisLock({ redis: db.connections.open(), key, ttlMs, logger });
  return { key, sink, a: open(), b: open() };
}

describe('createRedisLock', () => {
  it('runs exactly one of two concurrent tryRuns', async () => {
    const { a, b } = twoInstances(5000);
    let running = 0;
    const work = async () => {
      running += 1;
      expect(running).toBe(1);
      await sleep(100);
      running -= 1;
      return 'done';
    };
    const results = await Promise.all([a.tryRun(work), b.tryRun(work)]);
    expect(results.filter((r) => r.ran)).toEqual([{ ran: true, value: 'done' }]);
    expect(results.filter((r) => !r.ran)).toEqual([{ ran: false }]);
  });

  it('releases the lock after fn, whether it returns or throws', async () => {
    const { key, a, b } = twoInstances(5000);
    await expect(a.tryRun(async () => 1)).resolves.toEqual({ ran: true, value: 1 });
    expect(await db.admin.exists(key)).toBe(0);
    await expect(b.tryRun(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await db.admin.exists(key)).toBe(0);
    await expect(a.tryRun(async () => 2)).resolves.toEqual({ ran: true, value: 2 });
  });

  it('extends the lock while a long fn runs', async () => {
    const { a, b } = twoInstances(300);
    let whileHeld: unknown;
    const run = a.tryRun(async (signal) => {
      await sleep(700); // well past ttlMs
      whileHeld = await b.tryRun(async () => 'stolen');
      return signal.aborted;
    });
    await expect(run).resolves.toEqual({ ran: true, value: false });
    expect(whileHeld).toEqual({ ran: false });
  });

  it("does not delete a lock that has passed to another owner, and tells fn it was lost", async () => {
    const { key, sink, a } = twoInstances(300);
    const run = a.tryRun(async (signal) => {
      await db.admin.set(key, 'someone-else', 'PX', 10_000); // as if ours lapsed and another took it
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      return 'stopped';
    });
    await expect(run).resolves.toEqual({ ran: true, value: 'stopped' });
    expect(await db.admin.get(key)).toBe('someone-else');
    expect(sink.text()).toContain('lock was lost');
  });

  it('lets the lock lapse after ttlMs when its holder is gone', async () => {
    const { key, a } = twoInstances(200);
    await db.admin.set(key, 'crashed-holder', 'PX', 200);
    await expect(a.tryRun(async () => 'too soon')).resolves.toEqual({ ran: false });
    await sleep(300);
    await expect(a.tryRun(async () => 'after')).resolves.toEqual({ ran: true, value: 'after' });
  });
});
