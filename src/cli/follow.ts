import { createParser } from 'eventsource-parser';
import { ApiError } from './client.js';
import { httpRequest, readText } from './http.js';

/** One event of a task's stream (docs/api.md, "The event stream"). */
export interface StreamEvent {
  event_type: string;
  task_id: string;
  seq: number;
  timestamp: string;
  agent_id?: string;
  data: Record<string, unknown>;
}

export interface FollowOptions {
  url: string;
  headers?: Record<string, string>;
  /** Resume after this seq (sent as `Last-Event-ID`). */
  lastEventId?: number;
  onEvent(event: StreamEvent): void;
  /** Told before each reconnect. */
  onReconnect?(attempt: number, reason: string): void;
  signal?: AbortSignal;
  /** Consecutive failed connections before giving up (default 8). */
  maxAttempts?: number;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/**
 * Follow a task's event stream to `stream_closed`. When the connection drops, reconnect with
 * `Last-Event-ID` (the last seq seen), so each event is handed to `onEvent` exactly once.
 * Resolves with the last seq; a 204 (the stream was already closed) ends it too.
 */
export async function followStream(options: FollowOptions): Promise<number> {
  let last = options.lastEventId ?? 0;
  let failures = 0;
  let retryMs = 500;
  for (;;) {
    let reason = 'the stream ended before stream_closed';
    try {
      const closed = await readOnce();
      if (closed) return last;
    } catch (error) {
      if (options.signal?.aborted) return last;
      if (error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 429) throw error;
      reason = (error as Error).message;
    }
    if (options.signal?.aborted) return last;
    failures++;
    if (failures > (options.maxAttempts ?? 8)) throw new ApiError(0, 'stream_lost', `lost the event stream: ${reason}`);
    options.onReconnect?.(failures, reason);
    await sleep(Math.min(retryMs * 2 ** (failures - 1), 5000), options.signal);
  }

  /** One connection; true when the stream is over. */
  async function readOnce(): Promise<boolean> {
    const headers: Record<string, string> = { Accept: 'text/event-stream', ...options.headers };
    if (last > 0) headers['Last-Event-ID'] = String(last);
    const res = await httpRequest(options.url, { headers, signal: options.signal });
    const status = res.statusCode ?? 0;
    if (status === 204) {
      res.resume();
      return true;
    }
    if (status !== 200) {
      let body: { error?: { code?: string; message?: string } } = {};
      try {
        body = JSON.parse(await readText(res)) as typeof body;
      } catch {
        // not a JSON error body: the status says enough
      }
      throw new ApiError(status, body.error?.code ?? 'http_error', body.error?.message ?? `stream: HTTP ${status}`);
    }
    let closed = false;
    const parser = createParser({
      onEvent(message) {
        const event = JSON.parse(message.data) as StreamEvent;
        if (event.seq <= last) return;
        last = event.seq;
        failures = 0;
        options.onEvent(event);
        if (event.event_type === 'stream_closed') closed = true;
      },
      onRetry(ms) {
        retryMs = ms;
      },
    });
    res.setEncoding('utf8');
    try {
      for await (const chunk of res) {
        parser.feed(chunk as string);
        if (closed) break;
      }
    } finally {
      res.destroy();
    }
    return closed;
  }
}
