import { createParser } from 'eventsource-parser';
import { AppError, UnavailableError, type ErrorBody } from '../errors.js';
import { nodeFetch } from '../net/node-fetch.js';
import type { McpBackend, StreamEvent, TaskSummary } from './backend.js';

/** Where the running HTTP server is, and the key it wants. */
export interface RemoteBackendOptions {
  /** Base URL of the HTTP server, e.g. `http://127.0.0.1:5060` or `https://example.org/mcp`. */
  url: string;
  apiKey?: string;
  /** For tests. */
  fetch?: typeof fetch;
}

/** Turn a SPEC error body (or anything else) into an `AppError` with the server's code. */
async function toAppError(res: Response): Promise<AppError> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as ErrorBody;
    if (body?.error?.code) return new AppError(body.error.code, res.status, body.error.message, body.error.details);
  } catch {
    // not JSON: fall through
  }
  return new UnavailableError(`the orchestrator server answered ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`);
}

/**
 * The backend over a running HTTP server: every tool call is a `POST /tools/<name>`, tasks are
 * listed with `GET /tasks`, and `wait` follows `GET /stream/<id>` — so tasks started from an MCP
 * client show in the server's streams and console like any other.
 */
export function createRemoteBackend(options: RemoteBackendOptions): McpBackend {
  const base = options.url.replace(/\/+$/, '');
  // Not the global fetch: it refuses port 5060, the server's default.
  const doFetch = options.fetch ?? nodeFetch;
  const headers = (extra: Record<string, string> = {}) => ({
    ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
    ...extra,
  });
  const request = async (path: string, init: RequestInit = {}): Promise<Response> => {
    try {
      return await doFetch(`${base}${path}`, init);
    } catch (error) {
      if (init.signal?.aborted) throw init.signal.reason;
      throw new UnavailableError(`cannot reach the orchestrator server at ${base}: ${(error as Error).message}`);
    }
  };
  const json = async (path: string, init: RequestInit = {}) => {
    const res = await request(path, init);
    if (!res.ok) throw await toAppError(res);
    return (await res.json()) as Record<string, unknown>;
  };

  return {
    callTool(name, _input, raw) {
      return json(`/tools/${encodeURIComponent(name)}`, {
        method: 'POST',
        headers: headers({ 'content-type': 'application/json' }),
        body: JSON.stringify(raw),
      });
    },
    async readDocument(taskId, format) {
      const res = await request(`/tasks/${encodeURIComponent(taskId)}/documents/${format}`, { headers: headers() });
      if (!res.ok) throw await toAppError(res);
      return Buffer.from(await res.arrayBuffer());
    },
    async listTasks(limit) {
      const body = await json(`/tasks?limit=${limit}`, { headers: headers() });
      return body.tasks as TaskSummary[];
    },
    async follow(taskId, afterSeq, onEvent, signal) {
      const res = await request(`/stream/${encodeURIComponent(taskId)}`, {
        headers: headers({ accept: 'text/event-stream', 'last-event-id': String(afterSeq) }),
        signal,
      });
      if (res.status === 204) return; // the stream already closed: nothing after afterSeq
      if (!res.ok || !res.body) throw await toAppError(res);
      let closed = false;
      const parser = createParser({
        onEvent(message) {
          const event = JSON.parse(message.data) as StreamEvent;
          if (event.seq <= afterSeq || closed) return;
          onEvent(event);
          if (event.event_type === 'stream_closed') closed = true;
        },
      });
      const decoder = new TextDecoder();
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          parser.feed(decoder.decode(chunk, { stream: true }));
          if (closed) break;
        }
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        throw error;
      }
      if (signal.aborted) throw signal.reason;
      if (!closed) throw new UnavailableError(`the event stream of ${taskId} ended before the task did`);
    },
  };
}
