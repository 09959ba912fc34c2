import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One chat message as the client sent it. */
export interface UpstreamMessage {
  role: string;
  content: unknown;
}

/** Token counts the fake reports for an answer (Chat Completions `usage`). */
export interface UpstreamUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

/** What the fake saw of one `POST /v1/chat/completions`. */
export interface UpstreamRequest {
  /** 0-based, in order of arrival. */
  index: number;
  model: string;
  stream: boolean;
  messages: UpstreamMessage[];
  /** The system message(s) as text. */
  system: string;
  /** The user message(s) as text. */
  prompt: string;
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  /** `Date.now()` when the request (headers and body) arrived. */
  received_at: number;
  /** `Date.now()` when the answer was written in full, or the connection closed. */
  ended_at?: number;
  /** The client closed the connection before the answer was complete (an abort). */
  closed_early: boolean;
  /** What the script decided. */
  action?: UpstreamAction['kind'];
  /** The usage the fake reported in its answer (only for complete answers that include usage). */
  usage?: UpstreamUsage;
}

/** What to do with one request; the script hook picks it. */
export type UpstreamAction =
  | {
      kind: 'answer';
      /** Default: a JSON array of sub-questions for planner prompts, else a short text naming the request. */
      text?: string;
      /** Characters per content delta (default 12). */
      chunkSize?: number;
      /** Pause between content deltas, for slow streaming (default 0: all at once). */
      chunkDelayMs?: number;
      /** Pause before the headers go out. */
      delayMs?: number;
      /** Reported usage; default derived from the prompt and answer lengths. */
      usage?: UpstreamUsage;
    }
  /** Ask the client to call a tool (`finish_reason: tool_calls`); its next request carries the result. */
  | { kind: 'tool_call'; name: string; arguments: Record<string, unknown>; usage?: UpstreamUsage }
  | { kind: 'error'; status: number; message?: string; headers?: Record<string, string> }
  /** Destroy the socket: before any byte of the answer, or after `afterChunks` content deltas. */
  | { kind: 'reset'; afterChunks?: number }
  /** Never answer; the request ends only when the client aborts (or the fake closes). */
  | { kind: 'hang' }
  /** Start streaming, then send a chunk that is not JSON and end the stream. */
  | { kind: 'malformed' }
  /** Start streaming (headers and a first delta), then send nothing more until the client aborts. */
  | { kind: 'stall' };

export type UpstreamScript = (request: UpstreamRequest) => UpstreamAction | undefined | Promise<UpstreamAction | undefined>;

/** A fake OpenAI-compatible server (Chat Completions wire format) on a real loopback socket. */
export interface FakeUpstream {
  /** `http://127.0.0.1:<port>`; the API lives under `/v1`. */
  url: string;
  requests: UpstreamRequest[];
  /** Requests whose answer is not complete yet. */
  readonly inFlight: number;
  /** The highest `inFlight` seen. */
  readonly maxInFlight: number;
  /**
   * TCP connections open now, idle keep-alive ones included. The client's pool may open a spare
   * connection after an abort, so use `inFlight` and `closed_early` to check that calls stopped.
   */
  readonly openConnections: number;
  /** Swap the script (e.g. between phases of a test). */
  setScript(script: UpstreamScript | undefined): void;
  /** Stop: destroy every connection and close the listener. Idempotent. */
  close(): Promise<void>;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part) => (part && typeof part === 'object' && 'text' in part ? String(part.text) : '')).join('');
  }
  return '';
}

/** A default answer: planners get a JSON array with as many sub-questions as they asked for. */
export function defaultAnswer(request: UpstreamRequest): string {
  const asked = /(?:exactly|at most) (\d+)\b[^\n]*JSON array/i.exec(request.prompt);
  if (asked || /planner/i.test(request.system)) {
    const count = Number(asked?.[1] ?? 3);
    return JSON.stringify(Array.from({ length: count }, (_, i) => `sub-question ${i + 1}`));
  }
  return `Answer ${request.index} from ${request.model}: the findings are clear [1].\n\n1. https://example.org/source-${request.index}`;
}

/** A deterministic usage for a text answer: about four characters per token. */
export function defaultUsage(request: UpstreamRequest, text: string): UpstreamUsage {
  return { prompt_tokens: Math.ceil((request.system.length + request.prompt.length) / 4) + 7, completion_tokens: Math.ceil(text.length / 4) + 1 };
}

function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function answerToolCall(
  request: UpstreamRequest,
  res: ServerResponse,
  action: Extract<UpstreamAction, { kind: 'tool_call' }>,
  id: string,
  created: number,
): void {
  const call = { id: `call_${request.index}`, type: 'function', function: { name: action.name, arguments: JSON.stringify(action.arguments) } };
  const usage = action.usage ?? defaultUsage(request, call.function.arguments);
  request.usage = usage;
  const usageBody = { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };
  if (!request.stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id,
        object: 'chat.completion',
        created,
        model: request.model,
        choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [call] }, finish_reason: 'tool_calls' }],
        usage: usageBody,
      }),
    );
    return;
  }
  const frame = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: request.model, choices, ...extra })}\n\n`;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  // The arguments arrive in two pieces, as real servers send them.
  const args = call.function.arguments;
  const half = Math.ceil(args.length / 2);
  res.write(frame([{ index: 0, delta: { role: 'assistant', content: null, tool_calls: [{ index: 0, ...call, function: { name: action.name, arguments: args.slice(0, half) } }] }, finish_reason: null }]));
  res.write(frame([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: args.slice(half) } }] }, finish_reason: null }]));
  res.write(frame([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]));
  if ((request.body.stream_options as { include_usage?: boolean } | undefined)?.include_usage) res.write(frame([], { usage: usageBody }));
  res.end('data: [DONE]\n\n');
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>;
}

/**
 * Start a fake OpenAI-compatible upstream on 127.0.0.1, port 0. `script` decides per request:
 * a normal answer (SSE chunks or JSON), an HTTP error (with headers such as `Retry-After`), a
 * connection reset, or a hang until the client aborts. Default: a normal answer.
 */
export async function startFakeUpstream(script?: UpstreamScript): Promise<FakeUpstream> {
  let current = script;
  let inFlight = 0;
  let maxInFlight = 0;
  const requests: UpstreamRequest[] = [];
  const sockets = new Set<Socket>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found' } }));
      return;
    }
    const body = await readJson(req);
    const messages = (Array.isArray(body.messages) ? body.messages : []) as UpstreamMessage[];
    const request: UpstreamRequest = {
      index: requests.length,
      model: String(body.model),
      stream: body.stream === true,
      messages,
      system: messages.filter((m) => m.role === 'system').map((m) => textOf(m.content)).join('\n'),
      prompt: messages.filter((m) => m.role === 'user').map((m) => textOf(m.content)).join('\n'),
      body,
      headers: req.headers,
      received_at: Date.now(),
      closed_early: false,
    };
    requests.push(request);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let ended = false;
    let resetByUs = false;
    const end = () => {
      if (ended) return;
      ended = true;
      inFlight--;
      request.ended_at = Date.now();
    };
    res.on('finish', end);
    res.on('close', () => {
      if (!res.writableFinished && !resetByUs) request.closed_early = true;
      end();
    });
    const isOpen = () => !res.destroyed && !res.writableEnded;

    const action = (await current?.(request)) ?? { kind: 'answer' };
    request.action = action.kind;
    switch (action.kind) {
      case 'hang':
        return;
      case 'malformed':
      case 'stall':
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write(`data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 0, model: request.model, choices: [{ index: 0, delta: { role: 'assistant', content: 'partial ' }, finish_reason: null }] })}\n\n`);
        if (action.kind === 'malformed') res.end('data: {"choices": [{"delta": {"content": "broken\n\ndata: [DONE]\n\n');
        return;
      case 'error':
        res.writeHead(action.status, { 'content-type': 'application/json', ...action.headers });
        res.end(JSON.stringify({ error: { message: action.message ?? `fake upstream error ${action.status}`, type: 'fake_error', param: null, code: null } }));
        return;
      case 'reset':
        if (!action.afterChunks) {
          resetByUs = true;
          req.socket.destroy();
          return;
        }
        break;
      case 'answer':
        if (action.delayMs) await delay(action.delayMs);
        break;
    }
    if (!isOpen()) return;

    const id = `chatcmpl-fake-${request.index}`;
    const created = Math.floor(Date.now() / 1000);
    if (action.kind === 'tool_call') {
      answerToolCall(request, res, action, id, created);
      return;
    }
    const text = action.kind === 'answer' && action.text !== undefined ? action.text : defaultAnswer(request);
    const usage = (action.kind === 'answer' && action.usage) || defaultUsage(request, text);
    const usageBody = { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };

    if (!request.stream) {
      request.usage = usage;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id,
          object: 'chat.completion',
          created,
          model: request.model,
          choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
          usage: usageBody,
        }),
      );
      return;
    }

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    const send = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
      send({ id, object: 'chat.completion.chunk', created, model: request.model, choices: [{ index: 0, delta, finish_reason: finish }] });
    const size = (action.kind === 'answer' && action.chunkSize) || 12;
    const pause = action.kind === 'answer' ? (action.chunkDelayMs ?? 0) : 0;
    chunk({ role: 'assistant', content: '' });
    let sent = 0;
    for (const piece of chunks(text, size)) {
      if (pause) await delay(pause);
      if (!isOpen()) return;
      chunk({ content: piece });
      sent++;
      if (action.kind === 'reset' && sent >= action.afterChunks!) {
        // Let the bytes leave before the socket goes, so the client sees a stream cut mid-way.
        await delay(20);
        resetByUs = true;
        req.socket.destroy();
        return;
      }
    }
    if (!isOpen()) return;
    chunk({}, 'stop');
    const options = body.stream_options as { include_usage?: boolean } | undefined;
    if (options?.include_usage) {
      request.usage = usage;
      send({ id, object: 'chat.completion.chunk', created, model: request.model, choices: [], usage: usageBody });
    }
    res.end('data: [DONE]\n\n');
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `fake upstream crashed: ${String(error)}` } }));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    get openConnections() {
      return sockets.size;
    },
    setScript(next) {
      current = next;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}
