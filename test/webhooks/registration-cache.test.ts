/**
 * The webhook service's copy of each task's registrations: an appended event costs no store read
 * on one instance, and at most one read a second per task on a shared store, where another
 * instance may register at any time — seen within SHARED_CACHE_MS, and always for the end of a
 * workflow.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEventLog } from '../../src/events/event-log.js';
import { createLogger } from '../../src/logger.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { Store, WebhookRegistration } from '../../src/store/store.js';
import { createWebhookService, SHARED_CACHE_MS } from '../../src/webhooks/webhook-service.js';

const TASK = 'research_cache';

/** A memory store, marked shared if asked, counting `forTask` reads. */
function countingStore(shared: boolean) {
  const store = createMemoryStore();
  const reads = { n: 0 };
  const forTask = store.webhooks.forTask.bind(store.webhooks);
  store.webhooks.forTask = (taskId) => {
    reads.n++;
    return forTask(taskId);
  };
  return { store: { ...store, shared } as Store, reads };
}

function setup(shared: boolean) {
  const { store, reads } = countingStore(shared);
  const events = createEventLog(store.events);
  const logger = createLogger({ level: 'silent' });
  const service = createWebhookService({ store, events, logger, allowPrivate: true });
  const outbox = async () => {
    const due = await store.webhooks.claim(Date.now() + 60_000, 100, 1);
    return due.map((m) => m.event_type);
  };
  /** A registration written by another instance, straight into the shared store. */
  const registerElsewhere = (events: WebhookRegistration['events']) =>
    store.webhooks.register({ id: `wh_${Math.random().toString(16).slice(2)}`, task_id: TASK, url: 'http://127.0.0.1:9/in', events, created_at: new Date().toISOString() });
  const append = (event_type: 'agent_progress' | 'agent_complete' | 'workflow_complete') => events.append(TASK, { event_type, agent_id: 'a1', data: {} });
  /** Let the service's queue of enqueues run. */
  const settle = () => vi.advanceTimersByTimeAsync(0);
  return { service, reads, outbox, registerElsewhere, append, settle };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('webhook registrations cache', () => {
  it('reads a task\'s registrations once on a store of its own, however many events it appends', async () => {
    vi.useFakeTimers();
    const t = setup(false);
    for (let i = 0; i < 200; i++) t.append('agent_progress');
    await vi.advanceTimersByTimeAsync(5 * SHARED_CACHE_MS);
    for (let i = 0; i < 200; i++) t.append('agent_progress');
    await t.settle();
    expect(t.reads.n).toBe(1);
    t.service.close();
  });

  it('on a shared store reads at most once per SHARED_CACHE_MS, and sees another instance\'s registration within it', async () => {
    vi.useFakeTimers();
    const t = setup(true);
    for (let i = 0; i < 200; i++) t.append('agent_progress');
    await t.settle();
    expect(t.reads.n).toBe(1);

    await t.registerElsewhere(['agent_complete']);
    t.append('agent_complete'); // the copy is fresh still: not seen yet
    await t.settle();
    expect(await t.outbox()).toEqual([]);

    await vi.advanceTimersByTimeAsync(SHARED_CACHE_MS);
    t.append('agent_complete');
    for (let i = 0; i < 100; i++) t.append('agent_progress');
    await t.settle();
    expect(await t.outbox()).toEqual(['agent_complete']);
    expect(t.reads.n).toBe(2);
    t.service.close();
  });

  it('on a shared store never misses the end of a workflow registered for elsewhere a moment before', async () => {
    vi.useFakeTimers();
    const t = setup(true);
    t.append('agent_progress');
    await t.settle();
    await t.registerElsewhere(['workflow_complete']);
    t.append('workflow_complete');
    await t.settle();
    expect(await t.outbox()).toEqual(['workflow_complete']);
    t.service.close();
  });
});
