import { afterEach, describe, expect, it } from 'vitest';
import { TERMINAL_EVENT_TYPES } from '../../src/events/event.js';
import { openTaskStream, type SseClient, type SseClientOptions } from '../helpers/sse-client.js';
import { createFakeModel } from '../helpers/fake-model.js';
import type { TestServer } from '../helpers/test-server.js';
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
  types,
} from './stream-fixtures.js';

let server: TestServer | undefined;
const clients: SseClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  openAllGates(); // a task waiting at a gate would hold up the server's close
  await server?.close();
  server = undefined;
});

async function open(taskId: string, options?: SseClientOptions): Promise<SseClient> {
  const client = await openTaskStream(server!.url, taskId, options);
  clients.push(client);
  return client;
}

describe('GET /stream/:taskId — frames and headers', () => {
  it('answers 200 text/event-stream, uncompressed and unbuffered, with id = seq, no event: line, and ends after stream_closed', async () => {
    const gate = createGate();
    server = await startServerWith(createSwarmModel({ angles: 3, synthesisGate: gate }));
    const taskId = await startSearch(server);
    // Ask for compression: the stream must still come back uncompressed.
    const client = await open(taskId, { headers: { 'Accept-Encoding': 'gzip, deflate, br' } });

    expect(client.status).toBe(200);
    expect(client.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(client.headers['cache-control']).toContain('no-cache');
    expect(client.headers['x-accel-buffering']).toBe('no');
    expect(client.headers['content-encoding']).toBeUndefined();
    expect(client.headers['x-request-id']).toBeTruthy();

    gate.open();
    expect(await client.finished).toBe('end');
    const events = expectCompleteStream(client);
    expect(events).toEqual(await finishedHistory(server, taskId));
    expect(events[0]?.event_type).toBe('workflow_start');
    expect(types(events).slice(-2)).toEqual(['workflow_complete', 'stream_closed']);
    for (const e of events) expect(e.task_id).toBe(taskId);
  });

  it('delivers events live to a client that connected before the task started', async () => {
    const gate = createGate();
    const model = createFakeModel({
      delayMs: 20,
      respond: async (call) => {
        if (call.prompt.includes('blocker')) return { hang: true };
        if (call.system.includes('planner')) return JSON.stringify(['angle 1', 'angle 2']);
        if (call.system.includes('synthesizer')) {
          await gate.promise;
          return 'final';
        }
        return `finding ${call.index}`;
      },
    });
    // One task at a time: the second task waits as `pending` behind a hanging one.
    server = await startServerWith(model, { MAX_ACTIVE_TASKS: '1' });
    const blocker = await startSearch(server, { query: 'blocker' });
    const taskId = await startSearch(server, { query: 'tides', num_agents: 2 });
    expect((await server.services.orchestrator.get(taskId)).status).toBe('pending');

    const client = await open(taskId);
    expect(client.status).toBe(200);
    expect(client.frames).toHaveLength(0);

    await cancelTask(server, blocker);
    // Both workers finish while the synthesizer waits at the gate: the client sees them now, not at the end.
    await client.until(() => client.events().filter((e) => e.event_type === 'agent_complete').length >= 3);
    expect((await server.services.orchestrator.get(taskId)).status).toBe('running');
    expect(client.outcome).toBeUndefined();
    expect(client.events().some((e) => TERMINAL_EVENT_TYPES.has(e.event_type))).toBe(false);
    const seenWhileRunning = client.frames.length;

    gate.open();
    await client.finished;
    const events = expectCompleteStream(client);
    expect(events.length).toBeGreaterThan(seenWhileRunning);
    expect(events).toEqual(await finishedHistory(server, taskId));
  });

  it('gives a client that connects after the task ended the whole history, then ends', async () => {
    server = await startServerWith(createSwarmModel({ angles: 4 }));
    const taskId = await startSearch(server, { num_agents: 4 });
    const history = await finishedHistory(server, taskId);

    const client = await open(taskId);
    expect(client.status).toBe(200);
    expect(await client.finished).toBe('end');
    expect(expectCompleteStream(client)).toEqual(history);
  });

  it('a task cancelled while a client watches ends its stream with workflow_cancelled, then stream_closed', async () => {
    const model = createFakeModel({
      respond: (call) => (call.system.includes('planner') ? JSON.stringify(['a', 'b', 'c']) : { hang: true }),
    });
    server = await startServerWith(model);
    const taskId = await startSearch(server);
    const client = await open(taskId);
    await client.until(() => client.events().filter((e) => e.event_type === 'agent_start').length >= 4);

    await cancelTask(server, taskId);
    expect(await client.finished).toBe('end');
    const events = expectCompleteStream(client);
    expect(types(events).slice(-2)).toEqual(['workflow_cancelled', 'stream_closed']);
    expect(events.at(-1)?.data).toMatchObject({ status: 'cancelled' });
    expect(events).toEqual(await server.services.events.history(taskId));
  });
});

describe('GET /stream/:taskId — resuming', () => {
  /** A task that stops at the synthesizer until the gate opens, so a test can disconnect mid-task. */
  async function startGatedTask() {
    const gate = createGate();
    server = await startServerWith(createSwarmModel({ angles: 4, synthesisGate: gate }));
    const taskId = await startSearch(server, { num_agents: 4 });
    return { gate, taskId };
  }

  async function resumeMidTask(resume: (n: number) => SseClientOptions) {
    const { gate, taskId } = await startGatedTask();
    const first = await open(taskId);
    const n = 5;
    await first.until(() => first.frames.length >= n);
    first.close();
    const seen = first.events().slice(0, n); // what an EventSource had processed when the line dropped
    expect(seqs(seen)).toEqual(range(1, n));
    expect((await server!.services.orchestrator.get(taskId)).status).toBe('running');

    const second = await open(taskId, resume(n));
    expect(second.status).toBe(200);
    await second.until(() => second.events().some((e) => e.event_type === 'synthesis_start'));
    gate.open();
    await second.finished;
    const rest = expectCompleteStream(second, n + 1);
    const history = await finishedHistory(server!, taskId);
    // Nothing lost, nothing repeated: the two connections together are the whole history.
    expect([...seen, ...rest]).toEqual(history);
  }

  it('Last-Event-ID: N replays exactly N+1.. after a disconnect mid-task', async () => {
    await resumeMidTask((n) => ({ lastEventId: String(n) }));
  });

  it('?last_event_id=N does the same for clients that cannot send headers', async () => {
    await resumeMidTask((n) => ({ query: { last_event_id: String(n) } }));
  });

  it('the Last-Event-ID header wins over ?last_event_id', async () => {
    server = await startServerWith(createSwarmModel());
    const taskId = await startSearch(server);
    const history = await finishedHistory(server, taskId);

    const client = await open(taskId, { lastEventId: '6', query: { last_event_id: '2' } });
    await client.finished;
    expect(expectCompleteStream(client, 7)).toEqual(history.slice(6));
  });

  it('answers 204 with no body to a reconnect at or past stream_closed, and sends only stream_closed from one before', async () => {
    server = await startServerWith(createSwarmModel());
    const taskId = await startSearch(server);
    const history = await finishedHistory(server, taskId);
    const closedSeq = history.at(-1)!.seq;

    for (const lastEventId of [String(closedSeq), String(closedSeq + 10)]) {
      const done = await open(taskId, { lastEventId });
      expect(await done.finished).toBe('end');
      expect(done.status).toBe(204);
      expect(done.body).toBe('');
      expect(done.frames).toHaveLength(0);
      expect(done.headers['content-type']).toBeUndefined();
    }
    const viaQuery = await open(taskId, { query: { last_event_id: String(closedSeq) } });
    await viaQuery.finished;
    expect(viaQuery.status).toBe(204);

    const last = await open(taskId, { lastEventId: String(closedSeq - 1) });
    await last.finished;
    expect(expectCompleteStream(last, closedSeq)).toEqual([history.at(-1)]);
  });
});

describe('GET /stream/:taskId — errors', () => {
  it('answers 404 JSON task_not_found for an unknown task', async () => {
    server = await startServerWith(createSwarmModel());
    const client = await open('search_doesnotexist');
    await client.finished;
    expect(client.status).toBe(404);
    expect(client.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(client.body)).toMatchObject({ success: false, error: { code: 'task_not_found' } });
    expect(server.app.streams.size).toBe(0);
  });

  it.each([
    ['header', 'abc'],
    ['header', '-1'],
    ['header', '1.5'],
    ['query', 'abc'],
    ['query', '-1'],
    ['query', '12abc'],
  ])('answers 400 validation_error for a malformed last_event_id in the %s: %j', async (where, value) => {
    server = await startServerWith(createSwarmModel());
    const taskId = await startSearch(server);
    await finishedHistory(server, taskId);
    const client = await open(taskId, where === 'header' ? { lastEventId: value } : { query: { last_event_id: value } });
    await client.finished;
    expect(client.status).toBe(400);
    expect(client.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(client.body)).toMatchObject({ success: false, error: { code: 'validation_error' } });
    expect(client.frames).toHaveLength(0);
  });
});
