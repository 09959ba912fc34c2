import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRedisAgentBudget, type AgentBudget } from '../../src/cluster/agent-budget.js';
import { createCancelBus } from '../../src/cluster/cancel-bus.js';
import { createGauge, sinkLogger, sleep, until, useRedis } from './connections.js';

const db = useRedis();
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => vi.restoreAllMocks());
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});

/** What ioredis prints when a connection emits 'error' with no listener (one of ours, say). */
const unlistenedErrors = (spy: { mock: { calls: unknown[][] } }) =>
  spy.mock.calls.filter((args) => String(args[0]).includes('Unhandled error event'));

describe('Redis restarting under the cluster modules', () => {
  // ioredis's defaults queue commands until Redis is back; scale-out.ts fails them after two reconnects.
  it.each([
    { name: 'commands queued while Redis is away', options: {} },
    { name: 'commands failing fast', options: { maxRetriesPerRequest: 2 } },
  ])('leaves budgets that were holding and waiting to finish their work, within max ($name)', async ({ options }) => {
    const consoleError = vi.spyOn(console, 'error');
    const key = `test:restart:budget:${options.maxRetriesPerRequest ?? 'queued'}`;
    const gauge = createGauge();
    const { logger, sink } = sinkLogger();
    const budgets: AgentBudget[] = ['a', 'b', 'c'].map((name) =>
      createRedisAgentBudget({ redis: db.connections.open(options), key, max: 2, leaseMs: 2000, instanceId: name, logger }),
    );
    const runAll = (count: number) =>
      Promise.all(budgets.flatMap((budget) => Array.from({ length: count }, () => budget.limiter(() => gauge.run(50)))));

    const work = runAll(8);
    await until(() => gauge.done >= 2, 'some work to finish first');
    const errorsBefore = db.connections.errors.length;
    await db.server.restart({ downMs: 300 });
    await work;
    expect(gauge.done).toBe(24);
    expect(db.connections.errors.length).toBeGreaterThan(errorsBefore); // Redis really went away

    await runAll(2); // and the budgets still work afterwards
    expect(gauge.done).toBe(30);
    expect(gauge.peak).toBeLessThanOrEqual(2);
    await until(async () => (await budgets[0]!.inUse()) === 0, 'every slot to be given back', 10_000);
    await Promise.all(budgets.map((budget) => budget.close()));
    expect(unhandled).toEqual([]);
    expect(unlistenedErrors(consoleError)).toEqual([]);
    if (options.maxRetriesPerRequest) {
      // The failing path was taken: waiters saw errors, kept retrying, and said when Redis came back.
      expect(sink.text()).toContain('redis unreachable; agent budget keeps retrying');
      expect(sink.text()).toContain('redis reachable again');
    }
  });

  it('keeps delivering cancels after a restart', async () => {
    const consoleError = vi.spyOn(console, 'error');
    const channel = 'test:restart:cancel';
    const { logger } = sinkLogger();
    const a = createCancelBus({ redis: db.connections.open(), channel, logger });
    const b = createCancelBus({ redis: db.connections.open(), channel, logger });
    await Promise.all([a.ready, b.ready]);
    const heard: string[] = [];
    b.onCancel((taskId) => heard.push(taskId));
    await db.server.restart({ downMs: 300 });
    // ioredis subscribes again once it reconnects; until then a notice can be missed, the mark cannot.
    await a.publish('after-restart');
    expect(await b.isCancelled('after-restart')).toBe(true);
    await until(async () => {
      if (heard.includes('after-restart')) return true;
      await a.publish('after-restart');
      await sleep(50);
      return heard.includes('after-restart');
    }, 'a notice after the restart');
    await Promise.all([a.close(), b.close()]);
    expect(unhandled).toEqual([]);
    expect(unlistenedErrors(consoleError)).toEqual([]);
  });
});
