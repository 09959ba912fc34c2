import { describe, expect, it } from 'vitest';
import { FairQueue, QueueFullError, type FairQueueOptions } from '../../src/tools/builtin/fair-queue.js';

const options: FairQueueOptions = { maxPendingPerClient: 100, maxPending: 1000, maxRunningPerClient: 100, retryAfterS: 2, what: 'calculate' };
const queue = (overrides: Partial<FairQueueOptions> = {}) => new FairQueue<string>({ ...options, ...overrides });
/** Take items until none may run. */
function takeAll(q: FairQueue<string>): string[] {
  const taken: string[] = [];
  for (let item = q.next(); item !== undefined; item = q.next()) taken.push(item);
  return taken;
}

describe('FairQueue', () => {
  it('serves clients in turn, each in its own order, whatever order they queued in', () => {
    const q = queue();
    for (let i = 1; i <= 5; i++) q.admit('a', `a${i}`);
    q.admit('b', 'b1');
    q.admit('b', 'b2');
    q.admit('c', 'c1');
    expect(takeAll(q)).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3', 'a4', 'a5']);
  });

  it('serves a newcomer before the client it just served, and puts a served client at the back', () => {
    const q = queue({ maxRunningPerClient: 10 });
    for (let i = 1; i <= 3; i++) q.admit('hostile', `h${i}`);
    expect(q.next()).toBe('h1');
    q.admit('newcomer', 'n1');
    expect(q.next()).toBe('n1');
    expect(q.next()).toBe('h2');
  });

  it('never runs more of one client than maxRunningPerClient, and lets others run meanwhile', () => {
    const q = queue({ maxRunningPerClient: 1 });
    for (let i = 1; i <= 3; i++) q.admit('a', `a${i}`);
    q.admit('b', 'b1');
    expect(takeAll(q)).toEqual(['a1', 'b1']);
    q.finish('a');
    expect(takeAll(q)).toEqual(['a2']);
    q.finish('b');
    expect(q.next()).toBeUndefined(); // a2 still runs
    q.finish('a');
    expect(takeAll(q)).toEqual(['a3']);
  });

  it('refuses a client over maxPendingPerClient (waiting and running) with 429, the whole queue over maxPending with 503', () => {
    const q = queue({ maxPendingPerClient: 2, maxPending: 3 });
    q.admit('a', 'a1');
    q.admit('a', 'a2');
    expect(q.next()).toBe('a1'); // running still counts
    const overClient = (() => { try { q.admit('a', 'a3'); } catch (error) { return error; } })() as QueueFullError;
    expect(overClient).toBeInstanceOf(QueueFullError);
    expect(overClient).toMatchObject({ code: 'rate_limited', status: 429, retryAfterS: 2 });
    q.admit('b', 'b1');
    expect(() => q.admit('c', 'c1')).toThrow(expect.objectContaining({ code: 'unavailable', status: 503, retryAfterS: 2 }));
    expect(q.pending).toBe(3);
    q.finish('a');
    q.admit('c', 'c1');
    expect(q.pending).toBe(3);
  });

  it('takes a waiting item out, but not a running one, and forgets clients with nothing left', () => {
    const q = queue();
    q.admit('a', 'a1');
    q.admit('a', 'a2');
    expect(q.next()).toBe('a1');
    expect(q.remove('a', 'a1')).toBe(false);
    expect(q.remove('a', 'a2')).toBe(true);
    expect(q.remove('a', 'a2')).toBe(false);
    expect({ pending: q.pending, waiting: q.waiting, clients: q.clientCount }).toEqual({ pending: 1, waiting: 0, clients: 1 });
    q.finish('a');
    expect({ pending: q.pending, waiting: q.waiting, clients: q.clientCount }).toEqual({ pending: 0, waiting: 0, clients: 0 });
  });

  it('drains every waiting item and keeps counting the running ones', () => {
    const q = queue();
    q.admit('a', 'a1');
    q.admit('a', 'a2');
    q.admit('b', 'b1');
    expect(q.next()).toBe('a1');
    expect(q.drain().sort()).toEqual(['a2', 'b1']);
    expect({ pending: q.pending, waiting: q.waiting, clients: q.clientCount }).toEqual({ pending: 1, waiting: 0, clients: 1 });
  });
});
