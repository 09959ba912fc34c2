import { afterEach, describe, expect, it } from 'vitest';
import { TERMINAL_EVENT_TYPES } from '../../src/events/event.js';
import { createFakeModel } from '../helpers/fake-model.js';
import { openTaskStream, type SseClient, type SseClientOptions } from '../helpers/sse-client.js';
import { waitFor, type TestServer } from '../helpers/test-server.js';
import {
  cancelTask,
  createGate,
  createSwarmModel,
  expectCompleteStream,
  finishedHistory,
  openAllGates,
  range,
  seqs,
  startSearch,
  startServerWith,
} from './stream-fixtures.js';

let server: TestServer | undefined;
const clients: SseClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  openAllGates();
  await server?.close();
  server = undefined;
});

async function open(taskId: string, options?: SseClientOptions): Promise<SseClient> {
  const client = await openTaskStream(server!.url, taskId, options);
  clients.push(client);
  return client;
}

async function health(): Promise<{ active_streams: number }> {
  const res = await fetch(`${server!.url}/health`);
  return (await res.json()) as { active_streams: number };
}

describe('GET /stream/:taskId — keep-alive', () => {
  it('sends a `: keep-alive` comment while a task is silent', async () => {
    const model = createFakeModel({ respond: () => ({ hang: true }) });
    server = await startServerWith(model, { SSE_HEARTBEAT_MS: '200' });
    const taskId = await startSearch(server);
    const client = await open(taskId);
    await client.until(() => client.events().some((e) => e.event_type === 'agent_start'));

    await client.until(() => client.comments.length >= 2);
    expect(client.comments.every((c) => c === 'keep-alive')).toBe(true);
    expect(client.outcome).toBeUndefined();
    // Comments are invisible to the event stream: no frame was made of them, and seq has no gap.
    expect(seqs(client.events())).toEqual(range(1, client.frames.length));
    expect(client.events().some((e) => TERMINAL_EVENT_TYPES.has(e.event_type))).toBe(false);

    await cancelTask(server, taskId);
    await client.finished;
    expectCompleteStream(client);
  });
});

describe('GET /stream/:taskId — slow consumers', () => {
  it('drops a client that stops reading while another client on the same task gets everything', async () => {
    const gate = createGate();
    const angles = 20;
    const answer = 'lorem ipsum dolor sit amet '.repeat(16_000); // ~430 kB per worker, ~17 MB of frames in all
    const model = createSwarmModel({ angles, worker: (call) => `worker ${call.index}: ${answer}`, synthesisGate: gate, chunkSize: 16_384 });
    server = await startServerWith(model, {
      SSE_MAX_BUFFER_BYTES: '2048',
      SSE_HEARTBEAT_MS: '300',
      PROGRESS_INTERVAL_MS: '0',
      MAX_AGENTS_PER_TASK: String(angles),
    });
    const taskId = await startSearch(server, { num_agents: angles });
    const stalled = await open(taskId, { paused: true });
    const reader = await open(taskId);
    await waitFor(async () => (await health()).active_streams === 2);

    // The workers' answers are far more than the kernel's socket buffers hold for the stalled client.
    await waitFor(() => server!.logs.lines.some((l) => l.msg === 'dropping slow stream client'), 20_000);
    expect(server.logs.lines.filter((l) => l.msg === 'dropping slow stream client')).toHaveLength(1);
    expect((await health()).active_streams).toBe(1);
    expect(reader.outcome).toBeUndefined();

    gate.open();
    const history = await finishedHistory(server, taskId);
    expect(await reader.finished).toBe('end');
    expect(expectCompleteStream(reader)).toEqual(history);

    // What reached the stalled client before the cut is an in-order prefix, and the response was cut, not ended.
    stalled.resume();
    expect(await stalled.finished).toBe('aborted');
    const partial = stalled.events();
    expect(partial.length).toBeLessThan(history.length);
    expect(partial).toEqual(history.slice(0, partial.length));
    await waitFor(async () => (await health()).active_streams === 0);
    expect(server.services.events.followerCount()).toBe(0);
  });
  it('does not take a burst for a stalled client: a late joiner whose replay is far over SSE_MAX_BUFFER_BYTES gets it all', async () => {
    // Regression: the drop check once counted data the socket had just accepted in the same tick,
    // so any replay or burst over the limit cut off clients that were reading fine.
    const answer = 'x'.repeat(50_000);
    server = await startServerWith(createSwarmModel({ angles: 8, worker: (call) => `${call.index} ${answer}`, chunkSize: 4096 }), {
      SSE_MAX_BUFFER_BYTES: '2048',
      SSE_HEARTBEAT_MS: '200',
    });
    const taskId = await startSearch(server, { num_agents: 8 });
    const history = await finishedHistory(server, taskId);
    expect(JSON.stringify(history).length).toBeGreaterThan(400_000);

    const late = await open(taskId);
    expect(await late.finished).toBe('end');
    expect(expectCompleteStream(late)).toEqual(history);
    expect(server.logs.lines.some((l) => l.msg === 'dropping slow stream client')).toBe(false);
  });
});

describe('GET /stream/:taskId — fan-out', () => {
  it('gives 50 concurrent clients on one task identical, complete sequences', async () => {
    const gate = createGate();
    server = await startServerWith(createSwarmModel({ angles: 5, synthesisGate: gate }));
    const taskId = await startSearch(server, { num_agents: 5 });
    const crowd = await Promise.all(Array.from({ length: 50 }, () => open(taskId)));
    expect(crowd.every((c) => c.status === 200)).toBe(true);
    await waitFor(async () => (await health()).active_streams === 50);

    gate.open();
    await Promise.all(crowd.map((c) => c.finished));
    const history = await finishedHistory(server, taskId);
    for (const client of crowd) expect(expectCompleteStream(client)).toEqual(history);
    await waitFor(async () => (await health()).active_streams === 0);
  });
});
