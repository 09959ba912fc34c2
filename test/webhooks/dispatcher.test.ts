import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { OutboxMessage, WebhookStore } from '../../src/store/store.js';
import { createDispatcher, type Dispatcher, type DispatcherOptions } from '../../src/webhooks/dispatcher.js';
import { generateSecret } from '../../src/webhooks/signing.js';
import { LogSink, waitFor } from '../helpers/test-server.js';
import { startReceiver, type Receiver, type ReceiverAnswer } from './receiver.js';

const secret = generateSecret();
const open: Array<Dispatcher | Receiver> = [];
afterEach(async () => {
  for (const thing of open.splice(0)) await thing.close();
});

let counter = 0;
function message(url: string, overrides: Partial<OutboxMessage> = {}): OutboxMessage {
  counter++;
  const payload = JSON.stringify({ type: 'workflow_complete', timestamp: new Date().toISOString(), data: { n: counter } });
  return {
    id: `msg_test${counter}`,
    registration_id: 'wh_1',
    task_id: 'search_1',
    url,
    event_type: 'workflow_complete',
    payload,
    attempts: 0,
    next_attempt_at: Date.now(),
    status: 'pending',
    last_error: null,
    created_at: new Date().toISOString(),
    ...overrides,
  };
}

async function setup(answer: (i: number) => ReceiverAnswer, options: Partial<DispatcherOptions> = {}) {
  const receiver = await startReceiver(() => secret, (r) => answer(r.index));
  const store: WebhookStore = createMemoryStore().webhooks;
  const logs = new LogSink();
  const dispatcher = createDispatcher({
    store,
    secret,
    logger: createLogger({ level: 'debug', destination: logs }),
    retryDelaysMs: [50, 100],
    timeoutMs: 2000,
    allowPrivate: true,
    ...options,
  });
  open.push(dispatcher, receiver);
  dispatcher.start();
  return { receiver, store, dispatcher, logs };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the webhook dispatcher', () => {
  it('retries 500, 500, then 200: one webhook-id on all three attempts, each validly signed, with backoff', async () => {
    const { receiver, store } = await setup((i) => ({ status: i < 2 ? 500 : 200 }));
    const msg = message(`${receiver.url}/hook?x=1`);
    await store.enqueue(msg);
    await waitFor(async () => (await store.get(msg.id))?.status === 'delivered');
    expect(receiver.requests).toHaveLength(3);
    for (const r of receiver.requests) {
      expect(r.method).toBe('POST');
      expect(r.path).toBe('/hook?x=1');
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['webhook-id']).toBe(msg.id);
      expect(r.headers['webhook-timestamp']).toMatch(/^\d{10}$/);
      expect(Math.abs(Number(r.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
      expect(r.body).toBe(msg.payload);
      expect(r.signatureValid, 'the signature verifies with the secret').toBe(true);
    }
    const [a, b, c] = receiver.requests.map((r) => r.at);
    expect(b! - a!).toBeGreaterThanOrEqual(45);
    expect(c! - b!).toBeGreaterThanOrEqual(95);
    expect(await store.get(msg.id)).toMatchObject({ status: 'delivered', attempts: 3, last_error: null });
  });

  it('times out a receiver that hangs and retries it', async () => {
    const { receiver, store } = await setup((i) => (i === 0 ? 'hang' : { status: 204 }), { timeoutMs: 200 });
    const msg = message(`${receiver.url}/slow`);
    await store.enqueue(msg);
    await waitFor(async () => (await store.get(msg.id))?.attempts === 1);
    expect(await store.get(msg.id)).toMatchObject({ status: 'pending', last_error: 'timed out after 200 ms' });
    await waitFor(async () => (await store.get(msg.id))?.status === 'delivered');
    expect(receiver.requests.map((r) => r.headers['webhook-id'])).toEqual([msg.id, msg.id]);
    expect(receiver.requests[1]!.at - receiver.requests[0]!.at).toBeGreaterThanOrEqual(200);
  });

  it('does not follow a 302: the attempt fails and the Location is never requested', async () => {
    const { receiver, store } = await setup(() => ({ status: 302, headers: { location: '/elsewhere' } }), { retryDelaysMs: [60_000] });
    const msg = message(`${receiver.url}/hook`);
    await store.enqueue(msg);
    await waitFor(async () => (await store.get(msg.id))?.attempts === 1);
    await sleep(150);
    expect(receiver.requests.map((r) => r.path)).toEqual(['/hook']);
    expect(await store.get(msg.id)).toMatchObject({ status: 'pending', last_error: 'HTTP 302: redirects are not followed' });
    expect((await store.get(msg.id))!.next_attempt_at).toBeGreaterThan(Date.now() + 50_000);
  });

  it('gives up after the last retry delay: status failed, no more attempts', async () => {
    const { receiver, store, logs } = await setup(() => ({ status: 503 }), { retryDelaysMs: [20, 20] });
    const msg = message(`${receiver.url}/hook`);
    await store.enqueue(msg);
    await waitFor(async () => (await store.get(msg.id))?.status === 'failed');
    await sleep(150);
    expect(receiver.requests).toHaveLength(3);
    expect(await store.get(msg.id)).toMatchObject({ status: 'failed', attempts: 3, last_error: 'HTTP 503' });
    expect(logs.lines.find((l) => l.msg === 'webhook failed after its last attempt')).toMatchObject({ webhook_id: msg.id, target: receiver.url });
    // The log names the origin only: a path or query could carry a token.
    expect(logs.text()).not.toContain('/hook');
  });

  it('keeps at most `concurrency` attempts in flight', async () => {
    const { receiver, store } = await setup(() => ({ status: 200, delayMs: 60 }), { concurrency: 3 });
    const msgs = Array.from({ length: 10 }, () => message(`${receiver.url}/hook`));
    for (const m of msgs) await store.enqueue(m);
    await waitFor(async () => (await Promise.all(msgs.map((m) => store.get(m.id)))).every((m) => m?.status === 'delivered'));
    expect(receiver.requests).toHaveLength(10);
    expect(receiver.maxOpen).toBe(3);
  });

  it('refuses a private target at connect time unless allowed (a literal, and a name resolving to loopback)', async () => {
    const { receiver, store } = await setup(() => ({ status: 200 }), { allowPrivate: false, retryDelaysMs: [60_000] });
    const port = new URL(receiver.url).port;
    const literal = message(`http://127.0.0.1:${port}/hook`);
    const named = message(`http://localhost:${port}/hook`);
    await store.enqueue(literal);
    await store.enqueue(named);
    await waitFor(async () => (await store.get(literal.id))?.attempts === 1 && (await store.get(named.id))?.attempts === 1);
    expect(receiver.requests).toEqual([]);
    expect((await store.get(literal.id))!.last_error).toBe('127.0.0.1 is a blocked address');
    expect((await store.get(named.id))!.last_error).toMatch(/^localhost now resolves to .*blocked address$/);
  });

  it('close() is idempotent, waits briefly, and leaves an unfinished attempt pending and uncounted', async () => {
    const { receiver, store, dispatcher } = await setup(() => 'hang', { closeWaitMs: 100, timeoutMs: 10_000 });
    const msg = message(`${receiver.url}/hook`);
    await store.enqueue(msg);
    await waitFor(() => receiver.requests.length === 1);
    expect(dispatcher.inFlight).toBe(1);
    const started = Date.now();
    const closing = dispatcher.close();
    expect(dispatcher.close()).toBe(closing);
    await closing;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(dispatcher.inFlight).toBe(0);
    expect(await store.get(msg.id)).toMatchObject({ status: 'pending', attempts: 0 });
    // Its lease is given back: due again at once, for the next start (or another instance).
    expect((await store.get(msg.id))!.next_attempt_at).toBeLessThanOrEqual(Date.now());
    // Nothing is attempted after close.
    await store.enqueue(message(`${receiver.url}/late`));
    await sleep(150);
    expect(receiver.requests).toHaveLength(1);
  });
});
