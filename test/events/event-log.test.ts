import { describe, expect, it, vi } from 'vitest';
import { createEventLog } from '../../src/events/event-log.js';
import type { TaskEvent } from '../../src/events/event.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { EventStore, EventWatcher } from '../../src/store/store.js';

/** A memory event store with some of its methods replaced. */
function eventStore(overrides: (base: EventStore) => Partial<EventStore> = () => ({})): EventStore {
  const base = createMemoryStore().events;
  return {
    append: (event) => base.append(event),
    onStored: (listener) => base.onStored(listener),
    watch: (taskId, listener) => base.watch(taskId, listener),
    after: (taskId, afterSeq) => base.after(taskId, afterSeq),
    lastSeq: (taskId) => base.lastSeq(taskId),
    ...overrides(base),
  };
}

const seqs = (events: TaskEvent[]) => events.map((e) => e.seq);
const progress = (n: number) => ({ event_type: 'agent_progress' as const, data: { n } });

describe('the event log', () => {
  it('has the store number what is appended: 1..N per task, read back by history and lastSeq', async () => {
    const log = createEventLog(eventStore());
    for (let n = 1; n <= 3; n++) expect(log.append('a', progress(n))).toBeUndefined();
    log.append('b', { event_type: 'workflow_start', agent_id: 'x' });
    const history = await log.history('a');
    expect(seqs(history)).toEqual([1, 2, 3]);
    expect(history.map((e) => e.data.n)).toEqual([1, 2, 3]);
    expect(history[0]).toMatchObject({ event_type: 'agent_progress', task_id: 'a', seq: 1, timestamp: expect.any(String) });
    expect(history[0]).not.toHaveProperty('agent_id');
    expect(await log.history('b')).toMatchObject([{ seq: 1, agent_id: 'x', data: {} }]);
    expect(seqs(await log.history('a', 2))).toEqual([3]);
    expect(await log.lastSeq('a')).toBe(3);
    expect(await log.lastSeq('none')).toBe(0);
  });

  it('follow delivers the history after the call returns, then live events, each once and in order', async () => {
    const log = createEventLog(eventStore());
    for (let n = 1; n <= 3; n++) log.append('a', progress(n));
    const seen: TaskEvent[] = [];
    const stop = log.follow('a', 0, (event) => seen.push(event));
    // Asynchronous: nothing inside the call.
    expect(seen).toEqual([]);
    expect(log.followerCount()).toBe(1);
    await vi.waitFor(() => expect(seqs(seen)).toEqual([1, 2, 3]));
    log.append('a', progress(4));
    log.append('b', progress(1));
    log.append('a', progress(5));
    await vi.waitFor(() => expect(seqs(seen)).toEqual([1, 2, 3, 4, 5]));
    expect(seen).toEqual(await log.history('a'));
    stop();
    stop(); // idempotent
    expect(log.followerCount()).toBe(0);
    log.append('a', progress(6));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seqs(seen)).toEqual([1, 2, 3, 4, 5]);
  });

  it('follow from a seq gives only what comes after it', async () => {
    const log = createEventLog(eventStore());
    for (let n = 1; n <= 5; n++) log.append('a', progress(n));
    const seen: TaskEvent[] = [];
    const stop = log.follow('a', 3, (event) => seen.push(event));
    await vi.waitFor(() => expect(seqs(seen)).toEqual([4, 5]));
    log.append('a', progress(6));
    await vi.waitFor(() => expect(seqs(seen)).toEqual([4, 5, 6]));
    stop();
  });

  it('gives events appended while the history is still being read once, after it', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const log = createEventLog(
      eventStore((base) => ({
        after: async (taskId, afterSeq) => {
          const events = await base.after(taskId, afterSeq);
          await gate;
          return events;
        },
      })),
    );
    log.append('a', progress(1));
    log.append('a', progress(2));
    const seen: TaskEvent[] = [];
    const stop = log.follow('a', 0, (event) => seen.push(event));
    log.append('a', progress(3));
    log.append('a', progress(4));
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Live events wait for the history.
    expect(seen).toEqual([]);
    release();
    await vi.waitFor(() => expect(seqs(seen)).toEqual([1, 2, 3, 4]));
    stop();
  });

  it('fills a gap in what the store notifies from the store, in order', async () => {
    // A shared store's notifications may drop one: seq 2 is never told to watchers here.
    const log = createEventLog(
      eventStore((base) => ({
        watch: (taskId, listener: EventWatcher) =>
          base.watch(taskId, (event) => {
            if (event.seq !== 2) listener(event);
          }),
      })),
    );
    const seen: TaskEvent[] = [];
    const stop = log.follow('a', 0, (event) => seen.push(event));
    await new Promise((resolve) => setTimeout(resolve, 10));
    for (let n = 1; n <= 4; n++) log.append('a', progress(n));
    await vi.waitFor(() => expect(seqs(seen)).toEqual([1, 2, 3, 4]));
    expect(seen.map((e) => e.data.n)).toEqual([1, 2, 3, 4]);
    stop();
  });

  it('stops a follower whose history cannot be read, and tells onError', async () => {
    const failure = new Error('store down');
    const log = createEventLog(eventStore(() => ({ after: () => Promise.reject(failure) })));
    const seen: TaskEvent[] = [];
    const errors: unknown[] = [];
    log.follow('a', 0, (event) => seen.push(event), (error) => errors.push(error));
    await vi.waitFor(() => expect(errors).toEqual([failure]));
    expect(log.followerCount()).toBe(0);
    log.append('a', progress(1));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seen).toEqual([]);
  });

  it('tells onAppend listeners of every event this instance stores, of every task', async () => {
    const log = createEventLog(eventStore());
    const heard: string[] = [];
    const stop = log.onAppend((event) => heard.push(`${event.task_id}${event.seq}`));
    log.append('a', progress(1));
    log.append('b', progress(1));
    log.append('a', progress(2));
    await vi.waitFor(() => expect(heard).toEqual(['a1', 'b1', 'a2']));
    stop();
    log.append('a', progress(3));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(heard).toEqual(['a1', 'b1', 'a2']);
  });
});
