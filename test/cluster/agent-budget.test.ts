import { afterEach, describe, expect, it } from 'vitest';
import { AgentBudgetClosedError, createRedisAgentBudget, type AgentBudget, type RedisAgentBudgetOptions } from '../../src/cluster/agent-budget.js';
import { createGauge, sinkLogger, sleep, until, useRedis } from './connections.js';

const db = useRedis();
const budgets: AgentBudget[] = [];
let n = 0;

afterEach(async () => {
  await Promise.all(budgets.splice(0).map((budget) => budget.close()));
});

/** A fresh key for each test, so that leftovers of one never count in another. */
const freshKey = () => `test:budget:${++n}`;

/** One "instance": its own connection, logger and budget. */
function instance(key: string, name: string, options: Partial<RedisAgentBudgetOptions> = {}) {
  const redis = db.connections.open();
  const { logger, sink } = sinkLogger();
  const budget = createRedisAgentBudget({ redis, key, max: 1, instanceId: name, logger, ...options });
  budgets.push(budget);
  return { redis, budget, sink };
}

/** A fn that records that it started and runs until `finish(name)`. */
function holds() {
  const started: string[] = [];
  const finishers = new Map<string, () => void>();
  return {
    started,
    fn: (name: string) => () =>
      new Promise<string>((resolve) => {
        started.push(name);
        finishers.set(name, () => resolve(name));
      }),
    finish: (name: string) => finishers.get(name)!(),
  };
}

const subscribers = async (key: string) => Number(((await db.admin.pubsub('NUMSUB', `${key}:released`)) as [string, number])[1]);

describe('createRedisAgentBudget', () => {
  it('never runs more than max at once across three instances, and runs them all', async () => {
    const key = freshKey();
    const gauge = createGauge();
    const instances = ['a', 'b', 'c'].map((name) => instance(key, name, { max: 3 }));
    await Promise.all(
      instances.flatMap(({ budget }) => Array.from({ length: 10 }, () => budget.limiter(() => gauge.run(30)))),
    );
    expect(gauge.done).toBe(30);
    expect(gauge.peak).toBeLessThanOrEqual(3);
    expect(gauge.peak).toBe(3); // it did run them side by side, not one by one
    await until(async () => (await instances[0]!.budget.inUse()) === 0, 'every slot to be given back');
  });

  it('serves waiters across instances in the order they joined the line', async () => {
    const key = freshKey();
    const a = instance(key, 'a');
    const b = instance(key, 'b');
    const h = holds();
    const runs = [a.budget.limiter(h.fn('a1')), a.budget.limiter(h.fn('a2'))];
    await until(() => h.started.length === 1 && h.started[0] === 'a1', 'a1 to start');
    await until(async () => (await db.admin.zcard(`${key}:queue`)) === 1, 'a2 to join the line');
    runs.push(b.budget.limiter(h.fn('b1')));
    await until(async () => (await db.admin.zcard(`${key}:queue`)) === 2, 'b1 to join the line');
    runs.push(a.budget.limiter(h.fn('a3'))); // behind a2 locally, so it joins the line after b1
    for (const name of ['a1', 'a2', 'b1', 'a3']) {
      await until(() => h.started.includes(name), `${name} to start`);
      expect(h.started).toEqual(['a1', 'a2', 'b1', 'a3'].slice(0, h.started.length));
      h.finish(name);
    }
    expect(await Promise.all(runs)).toEqual(['a1', 'a2', 'b1', 'a3']);
  });

  it('wakes a waiting instance on release, without waiting for the fallback retry', async () => {
    const key = freshKey();
    const slow = { retryMs: 10_000 }; // a missed notice would stall a hand-over for 10–25 s
    const a = instance(key, 'a', slow);
    const b = instance(key, 'b', slow);
    await until(async () => (await subscribers(key)) === 2, 'both instances to subscribe');
    const order: string[] = [];
    const started = Date.now();
    const work = (name: string) => async () => {
      order.push(name);
      await sleep(20);
    };
    await Promise.all([
      ...Array.from({ length: 4 }, (_, i) => a.budget.limiter(work(`a${i}`))),
      ...Array.from({ length: 4 }, (_, i) => b.budget.limiter(work(`b${i}`))),
    ]);
    expect(order).toHaveLength(8);
    // With a fair line the two instances take turns, so most hand-overs cross between them.
    const crossings = order.filter((name, i) => i > 0 && name[0] !== order[i - 1]![0]).length;
    expect(crossings).toBeGreaterThanOrEqual(5);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('keeps a slot past leaseMs while its holder lives, and frees it after leaseMs when the holder dies', async () => {
    const key = freshKey();
    const a = instance(key, 'a', { leaseMs: 600 });
    const b = instance(key, 'b', { leaseMs: 600 });
    const h = holds();
    const held = a.budget.limiter(h.fn('a1'));
    await until(() => h.started.includes('a1'), 'a1 to start');
    const waiting = b.budget.limiter(h.fn('b1'));
    await sleep(1500); // 2.5 leases: only renewal keeps a1's slot
    expect(h.started).toEqual(['a1']);
    a.redis.disconnect(); // "a" dies: no more renewals, and no release
    const diedAt = Date.now();
    await until(() => h.started.includes('b1'), 'b1 to get the lapsed slot', 5000);
    expect(Date.now() - diedAt).toBeGreaterThanOrEqual(300); // it waited for the lease, not for a release
    expect(await b.budget.inUse()).toBe(1); // a1's lapsed lease no longer counts
    h.finish('b1');
    h.finish('a1');
    await expect(Promise.all([held, waiting])).resolves.toEqual(['a1', 'b1']);
    await until(() => a.sink.text().includes('redis unreachable'), "a's failed renewals to be logged");
  });

  it('gives the slot back when fn succeeds or throws, and passes on both', async () => {
    const key = freshKey();
    const { budget } = instance(key, 'a');
    await expect(budget.limiter(async () => 'value')).resolves.toBe('value');
    await expect(budget.limiter(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(budget.limiter(async () => 'again')).resolves.toBe('again');
    await until(async () => (await budget.inUse()) === 0, 'the slot to be given back');
  });

  it('on close rejects waiters, gives back held slots, and returns the same promise', async () => {
    const key = freshKey();
    const a = instance(key, 'a');
    const other = instance(key, 'b');
    const h = holds();
    const held = a.budget.limiter(h.fn('a1'));
    await until(() => h.started.includes('a1'), 'a1 to start');
    const waiting = a.budget.limiter(h.fn('a2')).catch((error: unknown) => error);
    await until(async () => (await db.admin.zcard(`${key}:queue`)) === 1, 'a2 to join the line');
    const first = a.budget.close();
    expect(a.budget.close()).toBe(first);
    await first;
    expect(await waiting).toBeInstanceOf(AgentBudgetClosedError);
    expect(await db.admin.zcard(`${key}:queue`)).toBe(0); // a2 left the line, so it holds up no one
    await expect(a.budget.limiter(async () => 'late')).rejects.toBeInstanceOf(AgentBudgetClosedError);
    expect(await other.budget.inUse()).toBe(0);
    const before = Date.now();
    await expect(other.budget.limiter(async () => 'other')).resolves.toBe('other');
    expect(Date.now() - before).toBeLessThan(1000); // not held up by a2's place in line lapsing (2 s)
    h.finish('a1');
    await expect(held).resolves.toBe('a1');
    expect(h.started).toEqual(['a1']);
  });

  it('rejects a max that is not a positive integer', () => {
    expect(() => instance(freshKey(), 'a', { max: 0 })).toThrow(RangeError);
  });
});
