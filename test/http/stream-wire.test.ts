/**
 * The event stream's bytes on the wire, read from a raw TCP socket: frames are written straight
 * to the socket as ready-made HTTP/1.1 chunks, so the framing must hold up for every kind of
 * request that reaches it — chunked for HTTP/1.1, plain for HTTP/1.0, in order behind an earlier
 * pipelined response, and nothing at all for HEAD.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskEvent } from '../../src/events/event.js';
import type { TestServer } from '../helpers/test-server.js';
import { createGate, createSwarmModel, finishedHistory, openAllGates, range, startSearch, startServerWith } from './stream-fixtures.js';

let server: TestServer | undefined;
afterEach(async () => {
  openAllGates();
  await server?.close();
  server = undefined;
});

/** Send `request` on a new connection and collect every byte until the server closes it (or `until` holds). */
function exchange(request: string, until?: (bytes: Buffer) => boolean, timeoutMs = 15_000): Promise<Buffer> {
  const { port } = new URL(server!.url);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(request));
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks));
    };
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no end within ${timeoutMs} ms; got ${Buffer.concat(chunks).toString('latin1').slice(-300)}`));
    }, timeoutMs);
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      if (until?.(Buffer.concat(chunks))) done();
    });
    socket.on('end', done);
    socket.on('error', reject);
  });
}

/** Split one HTTP response off the front of `bytes`: status line, headers, the rest. */
function splitHead(bytes: Buffer): { status: number; headers: Record<string, string>; rest: Buffer } {
  const end = bytes.indexOf('\r\n\r\n');
  expect(end).toBeGreaterThan(0);
  const [statusLine, ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine!.split(' ')[1]), headers, rest: bytes.subarray(end + 4) };
}

/** Decode a chunked body strictly: every size line must match its data; returns the body and what follows the last chunk. */
function dechunk(bytes: Buffer): { body: string; after: Buffer } {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', at);
    expect(lineEnd, 'a chunk size line').toBeGreaterThan(at);
    const sizeText = bytes.subarray(at, lineEnd).toString('latin1');
    expect(sizeText).toMatch(/^[0-9a-f]+$/);
    const size = parseInt(sizeText, 16);
    const data = bytes.subarray(lineEnd + 2, lineEnd + 2 + size);
    expect(data.length).toBe(size);
    expect(bytes.subarray(lineEnd + 2 + size, lineEnd + 4 + size).toString('latin1')).toBe('\r\n');
    at = lineEnd + 4 + size;
    if (size === 0) return { body: Buffer.concat(parts).toString('utf8'), after: bytes.subarray(at) };
    parts.push(data);
  }
}

/** The events of an SSE body, checking every frame's `id` is its `seq`. */
function sseEvents(body: string): TaskEvent[] {
  return body
    .split('\n\n')
    .filter((frame) => frame.includes('data: '))
    .map((frame) => {
      const id = /^id: (\d+)$/m.exec(frame)?.[1];
      const event = JSON.parse(/^data: (.*)$/m.exec(frame)![1]!) as TaskEvent;
      expect(id).toBe(String(event.seq));
      return event;
    });
}

const get = (path: string, version = '1.1', method = 'GET') => `${method} ${path} HTTP/${version}\r\nHost: 127.0.0.1\r\n\r\n`;
const endsChunked = (bytes: Buffer) => bytes.subarray(-5).toString('latin1') === '0\r\n\r\n';

/** A task whose synthesis waits for `gate`: its stream has history, then live events, then ends. */
async function liveTask() {
  const gate = createGate();
  server = await startServerWith(createSwarmModel({ angles: 3, synthesisGate: gate }));
  const taskId = await startSearch(server);
  return { taskId, gate };
}

describe('GET /stream/:taskId on the wire', () => {
  it('sends history and live events as valid HTTP/1.1 chunks, ending with the last chunk', async () => {
    const { taskId, gate } = await liveTask();
    const bytes = exchange(get(`/stream/${taskId}`), endsChunked);
    // Live events arrive after the stream is open.
    setTimeout(() => gate.open(), 200);
    const head = splitHead(await bytes);
    expect(head.status).toBe(200);
    expect(head.headers['transfer-encoding']).toBe('chunked');
    const { body, after } = dechunk(head.rest);
    expect(after.length).toBe(0);
    const events = sseEvents(body);
    const stored = await finishedHistory(server!, taskId);
    expect(events).toEqual(stored);
    expect(events.map((e) => e.seq)).toEqual(range(1, stored.length));
  });

  it('sends an HTTP/1.0 client the frames without chunk framing and closes the connection at the end', async () => {
    const { taskId, gate } = await liveTask();
    const bytes = exchange(get(`/stream/${taskId}`, '1.0'));
    setTimeout(() => gate.open(), 200);
    const head = splitHead(await bytes);
    expect(head.status).toBe(200);
    expect(head.headers['transfer-encoding']).toBeUndefined();
    const events = sseEvents(head.rest.toString('utf8'));
    expect(events).toEqual(await finishedHistory(server!, taskId));
  });

  it('keeps a stream behind the pipelined response before it on the same connection', async () => {
    const { taskId, gate } = await liveTask();
    // Two streams of a live task on one connection: the second waits, headers and frames held, until the first ends.
    const twice = get(`/stream/${taskId}`) + get(`/stream/${taskId}`);
    const bytes = exchange(twice, (b) => b.toString('latin1').split('0\r\n\r\n').length > 2);
    setTimeout(() => gate.open(), 200);
    const first = splitHead(await bytes);
    const { body, after } = dechunk(first.rest);
    const second = splitHead(after);
    expect([first.status, second.status]).toEqual([200, 200]);
    const stored = await finishedHistory(server!, taskId);
    expect(sseEvents(body)).toEqual(stored);
    expect(sseEvents(dechunk(second.rest).body)).toEqual(stored);

    // …and behind a plain response too.
    const health = splitHead(await exchange(get('/health') + get(`/stream/${taskId}`), endsChunked));
    const length = Number(health.headers['content-length']);
    expect(JSON.parse(health.rest.subarray(0, length).toString('utf8'))).toMatchObject({ status: 'healthy' });
    expect(sseEvents(dechunk(splitHead(health.rest.subarray(length)).rest).body)).toEqual(stored);
  });

  it('answers HEAD with the stream headers and no body, for a live task and for a finished one', async () => {
    const { taskId, gate } = await liveTask();
    // The response to a HEAD has no end of its own: the next response on the connection must follow its headers at once.
    const headThenHealth = () => exchange(`HEAD /stream/${taskId} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n` + `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    const live = headThenHealth();
    setTimeout(() => gate.open(), 200);
    for (const bytes of [await live, await headThenHealth()]) {
      const response = splitHead(bytes);
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
      const next = splitHead(response.rest);
      expect(next.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(next.rest.toString('utf8'))).toMatchObject({ status: 'healthy' });
    }
    expect((await finishedHistory(server!, taskId)).at(-1)?.event_type).toBe('stream_closed');
  });
});
