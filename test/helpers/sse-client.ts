import http, { type IncomingHttpHeaders } from 'node:http';
import { createParser } from 'eventsource-parser';
import type { TaskEvent } from '../../src/events/event.js';

/** One SSE frame as a client saw it. */
export interface SseFrame {
  /** The frame's `id:` field, if it had one. */
  id: string | undefined;
  /** The `data:` field parsed as JSON. */
  data: TaskEvent;
  /** The frame carried an `event:` field (a browser's `onmessage` would then miss it). */
  hasEventField: boolean;
}

/**
 * How the response finished: `end` = the server ended it cleanly; `aborted` = the connection
 * was cut before the body was complete (e.g. the server dropped the client); `closed` = this
 * client closed it.
 */
export type SseOutcome = 'end' | 'aborted' | 'closed';

export interface SseClientOptions {
  /** Sent as the `Last-Event-ID` header. */
  lastEventId?: string;
  /** Query parameters, e.g. `{ last_event_id: '3' }`. */
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** Do not read the body until `resume()`: the socket's receive buffer fills and the server sees a stalled client. */
  paused?: boolean;
}

/** A live connection to an SSE endpoint, reading real frames off a real socket. */
export interface SseClient {
  status: number;
  headers: IncomingHttpHeaders;
  frames: SseFrame[];
  /** Comment lines, without the leading `:` and one optional space. */
  comments: string[];
  /** Every field name seen on the wire (`id`, `data`, …), comments excluded. */
  fieldNames: Set<string>;
  /** The raw body of a non-SSE answer (404/400 JSON, an empty 204); an SSE body is parsed into `frames` instead. */
  body: string;
  /** Undefined while the response is open. */
  outcome: SseOutcome | undefined;
  /** Resolves when the response is over, however it ended. */
  finished: Promise<SseOutcome>;
  events(): TaskEvent[];
  pause(): void;
  resume(): void;
  /** Close the connection from the client side. */
  close(): void;
  /** Wait until `check` holds (re-checked on every frame, comment and the end); rejects on timeout. */
  until(check: () => boolean, timeoutMs?: number): Promise<void>;
}

/** Split raw text into complete lines, remembering a trailing partial one across chunks. */
function createLineScanner(onLine: (line: string) => void): (chunk: string) => void {
  let partial = '';
  let lastWasCr = false;
  return (chunk) => {
    let text = partial + chunk;
    if (lastWasCr && text.startsWith('\n')) text = text.slice(1);
    const parts = text.split(/\r\n|\r|\n/);
    partial = parts.pop() ?? '';
    lastWasCr = text.endsWith('\r');
    for (const line of parts) onLine(line);
  };
}

/** Open `url` with node:http and parse the body as SSE with eventsource-parser. Resolves once headers arrive. */
export function openSse(url: string, options: SseClientOptions = {}): Promise<SseClient> {
  const target = new URL(url);
  for (const [key, value] of Object.entries(options.query ?? {})) target.searchParams.set(key, value);
  const headers: Record<string, string> = { Accept: 'text/event-stream', ...options.headers };
  if (options.lastEventId !== undefined) headers['Last-Event-ID'] = options.lastEventId;

  return new Promise((resolve, reject) => {
    // A fresh connection per stream (no pooled keep-alive socket), as a browser's EventSource would have.
    const req = http.request(target, { method: 'GET', headers, agent: false });
    req.once('error', reject);
    req.once('response', (res) => {
      const waiters = new Set<() => void>();
      const notify = () => {
        for (const w of [...waiters]) w();
      };
      let finish!: (outcome: SseOutcome) => void;
      let closedByUs = false;
      const client: SseClient = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        frames: [],
        comments: [],
        fieldNames: new Set(),
        body: '',
        outcome: undefined,
        finished: new Promise<SseOutcome>((r) => (finish = r)),
        events: () => client.frames.map((f) => f.data),
        pause: () => res.pause(),
        resume: () => res.resume(),
        close() {
          closedByUs = true;
          req.destroy();
        },
        until(check, timeoutMs = 15_000) {
          return new Promise<void>((ok, fail) => {
            const waiter = () => {
              if (check()) {
                done();
                ok();
              } else if (client.outcome !== undefined) {
                done();
                fail(new Error(`stream ended (${client.outcome}) after ${client.frames.length} frames before the condition held`));
              }
            };
            const timer = setTimeout(() => {
              done();
              fail(new Error(`condition not met within ${timeoutMs} ms (${client.frames.length} frames so far)`));
            }, timeoutMs);
            const done = () => {
              clearTimeout(timer);
              waiters.delete(waiter);
            };
            waiters.add(waiter);
            waiter();
          });
        },
      };

      const parser = createParser({
        onEvent(message) {
          client.frames.push({ id: message.id, data: JSON.parse(message.data) as TaskEvent, hasEventField: message.event !== undefined });
          notify();
        },
        onComment(comment) {
          client.comments.push(comment);
          notify();
        },
      });
      const scan = createLineScanner((line) => {
        if (line === '' || line.startsWith(':')) return;
        const colon = line.indexOf(':');
        client.fieldNames.add(colon === -1 ? line : line.slice(0, colon));
      });
      const isSse = String(res.headers['content-type'] ?? '').startsWith('text/event-stream');
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (!isSse) {
          client.body += chunk;
          return;
        }
        scan(chunk);
        parser.feed(chunk);
      });
      let ended = false;
      res.once('end', () => (ended = true));
      // Without a listener, an aborted response would throw; the outcome says what happened.
      res.on('error', () => undefined);
      req.on('error', () => undefined);
      res.once('close', () => {
        client.outcome = ended ? 'end' : closedByUs ? 'closed' : 'aborted';
        finish(client.outcome);
        notify();
      });
      if (options.paused) res.pause();
      resolve(client);
    });
    req.end();
  });
}

/** Shorthand: the stream of one task on a server. */
export function openTaskStream(baseUrl: string, taskId: string, options: SseClientOptions = {}): Promise<SseClient> {
  return openSse(`${baseUrl}/stream/${encodeURIComponent(taskId)}`, options);
}
