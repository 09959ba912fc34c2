import { describe, expect, it } from 'vitest';
import { createCancelBus, type CancelBus } from '../../src/cluster/cancel-bus.js';
import { sinkLogger, sleep, until, useRedis } from './connections.js';

const db = useRedis();
let n = 0;

/** Two "instances" on one channel, each with its own connection; ready to hear notices. */
async function pair(markTtlMs?: number): Promise<[CancelBus, CancelBus, ReturnType<typeof sinkLogger>]> {
  const channel = `test:cancel:${++n}`;
  const log = sinkLogger();
  const open = () => createCancelBus({ redis: db.connections.open(), channel, logger: log.logger, ...(markTtlMs ? { markTtlMs } : {}) });
  const buses: [CancelBus, CancelBus] = [open(), open()];
  await Promise.all(buses.map((bus) => bus.ready));
  return [...buses, log];
}

describe('createCancelBus', () => {
  it('delivers a cancel published by one instance to a listener on another, and marks it', async () => {
    const [a, b] = await pair();
    const heard: string[] = [];
    b.onCancel((taskId) => heard.push(taskId));
    expect(await b.isCancelled('task-1')).toBe(false);
    await a.publish('task-1');
    await until(() => heard.length === 1, 'the notice');
    expect(heard).toEqual(['task-1']);
    expect(await b.isCancelled('task-1')).toBe(true);
    expect(await a.isCancelled('task-2')).toBe(false);
    await Promise.all([a.close(), b.close()]);
  });

  it('lets a task picked up after the notice see the cancel through the mark, with a TTL', async () => {
    const [a, b] = await pair(60_000);
    await a.publish('late-task'); // nobody listens yet
    const late = createCancelBus({ redis: db.connections.open(), channel: `test:cancel:${n}`, logger: sinkLogger().logger });
    expect(await late.isCancelled('late-task')).toBe(true);
    const ttl = await db.admin.pttl(`test:cancel:${n}:late-task`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    await Promise.all([a.close(), b.close(), late.close()]);
  });

  it('sees the mark already set when the notice arrives', async () => {
    const [a, b] = await pair();
    const seen = new Promise<boolean>((resolve) => b.onCancel((taskId) => void b.isCancelled(taskId).then(resolve)));
    await a.publish('task-3');
    expect(await seen).toBe(true);
    await Promise.all([a.close(), b.close()]);
  });

  it('stops calling a listener once unsubscribed, and a throwing listener does not stop the others', async () => {
    const [a, b, log] = await pair();
    const first: string[] = [];
    const second: string[] = [];
    const unsubscribe = b.onCancel((taskId) => first.push(taskId));
    b.onCancel(() => {
      throw new Error('listener bug');
    });
    b.onCancel((taskId) => second.push(taskId));
    await a.publish('x');
    await until(() => second.length === 1, 'x to reach the third listener');
    unsubscribe();
    await a.publish('y');
    await until(() => second.length === 2, 'y to reach the third listener');
    expect(first).toEqual(['x']);
    expect(second).toEqual(['x', 'y']);
    expect(log.sink.text()).toContain('cancel listener threw');
    await Promise.all([a.close(), b.close()]);
  });

  it('after close hears nothing more, and close returns the same promise', async () => {
    const [a, b] = await pair();
    const heard: string[] = [];
    b.onCancel((taskId) => heard.push(taskId));
    const closing = b.close();
    expect(b.close()).toBe(closing);
    await closing;
    await a.publish('after');
    await sleep(100);
    expect(heard).toEqual([]);
    await a.close();
  });
});
