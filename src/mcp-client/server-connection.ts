import type { Tool } from '@modelcontextprotocol/client';
import type { Logger } from '../logger.js';
import type { ToolCallOptions, ToolRegistry } from '../tools/registry.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { McpServerUnavailableError } from './errors.js';
import { callError, toRegisteredTools } from './mcp-tools.js';
import { createRedactor, secretsOf } from './redact.js';
import type { McpServerConfig } from './servers-file.js';
import { openSession, type McpSession, type SessionEvents } from './session.js';
import { toToolOutput, type McpToolOutput } from './tool-result.js';
import { serverLogFields } from './transport.js';

/** One server as `/health` shows it. */
export interface McpServerStatus {
  name: string;
  transport: 'stdio' | 'http';
  /** `connecting`: first attempt, or reconnecting after a drop; `failed`: the last attempt failed (retried with backoff). */
  state: 'connected' | 'connecting' | 'failed';
  /** Agent tools registered from it now. */
  tools: number;
  /** Why it is not connected (short, without secrets). */
  error?: string;
  /** The child's pid, while a stdio server is connected. */
  pid?: number;
}

export interface ServerConnectionOptions {
  registry: ToolRegistry;
  logger: Logger;
  connectTimeoutMs: number;
  toolTimeoutMs: number;
  outputMaxChars: number;
  backoff?: BackoffOptions;
  clientInfo: { name: string; version: string };
}

export interface ServerConnection {
  /** The first attempt: resolves when it connected or failed (a failure is retried), never rejects. */
  start(): Promise<void>;
  status(): McpServerStatus;
  close(): Promise<void>;
}

/** One configured server, kept connected: its tools are in the registry exactly while it is. */
export function createServerConnection(config: McpServerConfig, options: ServerConnectionOptions): ServerConnection {
  return new Connection(config, options);
}

class Connection implements ServerConnection {
  private readonly source: string;
  private readonly log: Logger;
  private readonly redact: (text: string) => string;
  /** Closes still running of sessions that failed to open or opened after `close()`. */
  private readonly closing = new Set<Promise<void>>();
  private state: McpServerStatus['state'] = 'connecting';
  private error: string | undefined;
  private tools = 0;
  private attempts = 0;
  /** Bumped by each attempt: events of an older session are ignored. */
  private generation = 0;
  private session: McpSession | undefined;
  private timer: NodeJS.Timeout | undefined;
  private first: Promise<void> | undefined;
  private inflight: Promise<void> | undefined;
  /** Aborts an attempt in flight when the connection closes. */
  private readonly stop = new AbortController();
  private closed: Promise<void> | undefined;

  constructor(
    private readonly config: McpServerConfig,
    private readonly options: ServerConnectionOptions,
  ) {
    this.source = `mcp:${config.name}`;
    this.log = options.logger.child({ component: 'mcp-client', ...serverLogFields(config) });
    this.redact = createRedactor(secretsOf(config));
  }

  start(): Promise<void> {
    this.first ??= this.run();
    return this.first;
  }

  status(): McpServerStatus {
    const { config, state, tools, error } = this;
    const pid = this.session?.pid;
    return { name: config.name, transport: config.transport, state, tools, ...(error && { error }), ...(pid && { pid }) };
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      clearTimeout(this.timer);
      this.stop.abort();
      await this.inflight;
      const current = this.session;
      this.session = undefined;
      if (this.tools) this.unpublish();
      if (current) await current.close();
      await Promise.all([...this.closing]);
    })();
    return this.closed;
  }

  private track(closing: Promise<void>): void {
    this.closing.add(closing);
    void closing.finally(() => this.closing.delete(closing));
  }

  /** One attempt, remembered so `close()` can wait for it. */
  private run(): Promise<void> {
    this.inflight = this.attempt().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async attempt(): Promise<void> {
    if (this.closed) return;
    const generation = ++this.generation;
    const { config, options, redact } = this;
    const { clientInfo, connectTimeoutMs } = options;
    try {
      const events = this.events(generation);
      const opened = await openSession({ config, clientInfo, connectTimeoutMs, events, redact, signal: this.stop.signal, track: (p) => this.track(p) });
      if (this.closed) return this.track(opened.close());
      this.session = opened;
      Object.assign(this, { state: 'connected', error: undefined, attempts: 0 });
      this.publish(opened.tools);
      this.log.info({ tools: this.tools }, 'MCP server connected');
    } catch (error) {
      if (this.closed) return;
      Object.assign(this, { state: 'failed', error: (error as Error).message });
      this.log.warn({ error: this.error, retry_in_ms: this.scheduleRetry() }, 'MCP server failed to connect; retrying');
    }
  }

  private events(generation: number): SessionEvents {
    const current = () => !this.closed && generation === this.generation;
    return {
      onTools: (tools) => {
        if (!current()) return;
        this.publish(tools);
        this.log.info({ tools: this.tools }, 'MCP server tools changed');
      },
      onLost: (reason) => {
        if (!current()) return;
        this.session = undefined;
        this.unpublish();
        Object.assign(this, { state: 'connecting', error: reason });
        this.log.warn({ error: reason, retry_in_ms: this.scheduleRetry() }, 'MCP server connection lost; reconnecting');
      },
      onStderr: (line) => this.log.debug({ stderr: this.redact(line) }, 'MCP server stderr'),
      onWarning: (message) => this.log.warn(message),
    };
  }

  /** Try again after the backoff; answers the wait. */
  private scheduleRetry(): number {
    const delay = backoffDelay(this.attempts++, this.options.backoff);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, delay);
    this.timer.unref();
    return delay;
  }

  private publish(tools: Tool[]): void {
    const onSkip = (tool: string, reason: string) => this.log.warn({ tool }, `MCP tool skipped: ${reason}`);
    const registered = toRegisteredTools(this.config, tools, (...args) => this.call(...args), onSkip);
    const skipped = this.options.registry.setSourceTools(this.source, registered);
    if (skipped.length) this.log.warn({ tools: skipped }, 'MCP tools skipped: another source has tools of these names');
    this.tools = registered.length - skipped.length;
  }

  private unpublish(): void {
    this.options.registry.setSourceTools(this.source, []);
    this.tools = 0;
  }

  private async call(tool: string, agentName: string, args: Record<string, unknown>, callOptions: ToolCallOptions): Promise<McpToolOutput> {
    const current = this.session;
    if (!current) throw new McpServerUnavailableError(this.config.name, this.error ?? 'not connected');
    callOptions.signal?.throwIfAborted();
    const { toolTimeoutMs: timeoutMs, outputMaxChars: maxChars } = this.options;
    try {
      const result = await current.callTool(tool, args, { signal: callOptions.signal, timeoutMs });
      return toToolOutput(result, maxChars);
    } catch (error) {
      const context = { server: this.config.name, agentName, timeoutMs, maxChars, signal: callOptions.signal, redact: this.redact };
      throw callError(error, context, () => current.check());
    }
  }
}
