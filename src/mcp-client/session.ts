import { Client, SdkError, SdkErrorCode, StreamableHTTPClientTransport, type CallToolResult, type Tool, type Transport } from '@modelcontextprotocol/client';
import type { McpServerConfig } from './servers-file.js';
import { createServerTransport } from './transport.js';

/** What a session tells its owner. None is called before the session is open or after it closed. */
export interface SessionEvents {
  /** The server sent `notifications/tools/list_changed`; `tools` is its new list (all pages). */
  onTools(tools: Tool[]): void;
  /** The connection is gone: the child exited, or the server stopped answering. At most once. */
  onLost(reason: string): void;
  /** A line the child wrote on stderr (not redacted). */
  onStderr(line: string): void;
  /** Something worth a warning that does not end the session (a failed re-list). */
  onWarning(message: string): void;
}

export interface SessionOptions {
  config: McpServerConfig;
  clientInfo: { name: string; version: string };
  /** Bounds the handshake and the first `tools/list` together, and each health-check ping. */
  connectTimeoutMs: number;
  events: SessionEvents;
  /** Removes the server's secrets from a text (error messages quote URLs, stderr lines). */
  redact: (text: string) => string;
  /** Abandons the attempt (the owner is closing). */
  signal?: AbortSignal;
  /** Given the close of a session that failed to open, which runs on after `openSession` rejects. */
  track: (closing: Promise<void>) => void;
}

/** One open connection to a server. */
export interface McpSession {
  /** The child's pid (stdio). */
  readonly pid: number | undefined;
  /** The tools it listed when it opened. */
  readonly tools: Tool[];
  callTool(name: string, args: Record<string, unknown>, options: { signal?: AbortSignal; timeoutMs: number }): Promise<CallToolResult>;
  /** Ping the server (after a transport error); if it does not answer, the session is lost. */
  check(): void;
  close(): Promise<void>;
}

/** Longest error kept for a status or a log line. */
const MAX_REASON = 300;

/** A short, secret-free reason a connect or a request failed. */
export function describeFailure(error: unknown, redact: (text: string) => string, timeoutMs?: number): string {
  const timedOut = error instanceof SdkError && error.code === SdkErrorCode.RequestTimeout;
  const code = causeCode(error);
  const reason = timedOut && timeoutMs ? `no answer within ${timeoutMs} ms` : `${(error as Error)?.message ?? String(error)}${code ? ` (${code})` : ''}`;
  return redact(reason).slice(0, MAX_REASON);
}

/** What fetch's `fetch failed` hides: the system error code (`ECONNREFUSED`) a few causes down, else the first cause's message. */
function causeCode(error: unknown): string | undefined {
  const first = (error as { cause?: unknown } | undefined)?.cause;
  for (let cause = first, depth = 0; cause && depth < 3; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cause = (cause as { cause?: unknown }).cause;
  }
  const message = (first as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message.slice(0, 100) : undefined;
}

/** Run `step` with a signal that aborts after `ms`, or with `stop`. */
async function withDeadline<T>(ms: number, stop: AbortSignal | undefined, step: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new SdkError(SdkErrorCode.RequestTimeout, 'timed out')), ms);
  try {
    return await step(stop ? AbortSignal.any([controller.signal, stop]) : controller.signal);
  } finally {
    clearTimeout(timer);
  }
}

/** Tell the server the session ends (Streamable HTTP `DELETE`), without waiting long for a dead one. */
async function endHttpSession(transport: Transport): Promise<void> {
  if (!(transport instanceof StreamableHTTPClientTransport)) return;
  const wait = new Promise<void>((resolve) => setTimeout(resolve, 2000).unref());
  await Promise.race([transport.terminateSession().catch(() => undefined), wait]);
}

/** Where a session is in its life, shared by the client's callbacks. */
interface Life {
  open: boolean;
  ended: boolean;
  checking: boolean;
  lastStderr: string;
}

const stderrNote = (life: Life, redact: (text: string) => string) =>
  life.lastStderr ? `; stderr: ${redact(life.lastStderr).slice(0, 200)}` : '';

/** The SDK client, with list changes, closes and errors reported through `events` once open. */
function createClient(options: SessionOptions, life: Life) {
  const { events, redact, connectTimeoutMs } = options;
  const onChanged = (error: Error | null, tools: Tool[] | null) => {
    if (!life.open || life.ended) return;
    if (error) events.onWarning(`re-listing tools failed: ${describeFailure(error, redact)}`);
    else if (tools) events.onTools(tools);
  };
  const client = new Client(options.clientInfo, { listChanged: { tools: { onChanged } } });
  const lose = (reason: string) => {
    if (!life.open || life.ended) return;
    life.ended = true;
    events.onLost(reason);
    void client.close().catch(() => undefined);
  };
  const check = () => {
    if (!life.open || life.ended || life.checking) return;
    life.checking = true;
    client
      .ping({ timeout: connectTimeoutMs })
      .then(
        () => undefined,
        (error: unknown) => lose(`no answer to ping: ${describeFailure(error, redact, connectTimeoutMs)}`),
      )
      .finally(() => (life.checking = false));
  };
  client.onclose = () => lose(`connection closed${stderrNote(life, redact)}`);
  // Streamable HTTP reports a server that went away only as errors (its event stream broke).
  client.onerror = check;
  return { client, check };
}

/**
 * Start the server's transport, run the MCP handshake and list its tools, all within
 * `connectTimeoutMs`. Rejects with a short, redacted reason (with the child's last stderr line)
 * when it cannot; the half-open connection is then closed in the background (see `track`).
 */
export async function openSession(options: SessionOptions): Promise<McpSession> {
  const { config, events, connectTimeoutMs } = options;
  const life: Life = { open: false, ended: false, checking: false, lastStderr: '' };
  const { transport, pid } = createServerTransport(config, (line) => {
    life.lastStderr = line;
    events.onStderr(line);
  });
  const { client, check } = createClient(options, life);
  let tools: Tool[];
  try {
    tools = await withDeadline(connectTimeoutMs, options.signal, async (signal) => {
      await client.connect(transport, { signal, timeout: connectTimeoutMs });
      return (await client.listTools(undefined, { signal, timeout: connectTimeoutMs })).tools;
    });
  } catch (error) {
    life.ended = true;
    options.track(client.close().catch(() => undefined));
    throw new Error(`${describeFailure(error, options.redact, connectTimeoutMs)}${stderrNote(life, options.redact)}`);
  }
  life.open = true;
  return {
    pid: pid(),
    tools,
    callTool: (name, args, { signal, timeoutMs }) => client.callTool({ name, arguments: args }, { signal, timeout: timeoutMs }),
    check,
    async close() {
      life.ended = true;
      await endHttpSession(transport);
      await client.close().catch(() => undefined);
    },
  };
}
