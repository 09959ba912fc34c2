import type { Source } from '../orchestrator/task.js';
import type { IncomingMessage } from 'node:http';
import { httpRequest, readBytes, readText } from './http.js';

/** A small client of the orchestrator's HTTP API, for the CLI. Public routes only. */

/** A usage problem: exit code 2. */
export class UsageError extends Error {}

/** The server answered an error (`{success:false, error:{code, message}}`) or could not be reached. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ClientOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:5060` or `https://example.org/mcp`. */
  server: string;
  apiKey?: string;
}

export interface TaskRecord {
  task_id: string;
  status: 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';
  pattern: string;
  title?: string;
  input?: Record<string, unknown>;
  provider?: string;
  model?: string;
  created_at?: string;
  started_at?: string;
  completed_at?: string;
  progress?: { phase: string; agents_total: number; agents_done: number; agents_failed: number };
  usage?: { input_tokens: number; output_tokens: number; cost_usd: number };
  result?: {
    final_synthesis?: string;
    agent_results?: Array<{ agent_id: string; citations?: Citation[] }>;
    synthesis_results?: Array<{ agent_id: string; citations?: Citation[] }>;
    failed_agents?: string[];
    /** The task's sources, numbered as its report cites them. */
    sources?: Source[];
    /** Documents written with generate_documents. */
    documents?: Array<{ format: string; size: number; url: string }>;
    /** Formats that failed to render, and why. */
    document_errors?: Array<{ format: string; message: string }>;
  };
  error?: { code: string; message: string };
}

export interface Citation {
  source: string;
  title?: string;
  url?: string;
  lines?: string;
}

export interface StartAnswer {
  task_id: string;
  status: string;
  pattern: string;
  stream_url: string;
  status_url: string;
}

export type Client = ReturnType<typeof createClient>;

export function createClient(options: ClientOptions) {
  if (!URL.canParse(options.server)) throw new UsageError(`--server must be a URL (got ${JSON.stringify(options.server)})`);
  const base = new URL(options.server.endsWith('/') ? options.server : `${options.server}/`);
  const auth: Record<string, string> = options.apiKey ? { Authorization: `Bearer ${options.apiKey}` } : {};

  /** A path relative to the server's base (`tools/x`), or a URL the server handed out (`/mcp/stream/…`). */
  const url = (path: string) => new URL(path, base).href;

  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: IncomingMessage;
    try {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      res = await httpRequest(url(path), {
        method,
        headers: { Accept: 'application/json', ...auth, ...(payload === undefined ? {} : { 'Content-Type': 'application/json' }) },
        body: payload,
      });
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      throw new ApiError(0, 'unreachable', `cannot reach ${base.href}: ${e.code ?? e.message}`);
    }
    const status = res.statusCode ?? 0;
    const text = await readText(res);
    let json: { error?: { code?: string; message?: string } } & Record<string, unknown>;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      throw new ApiError(status, 'bad_response', `${method} ${path}: HTTP ${status}, not JSON`);
    }
    if (status < 200 || status >= 300) throw new ApiError(status, json.error?.code ?? 'http_error', json.error?.message ?? `HTTP ${status}`);
    return json as T;
  }

  /** The bytes at a URL the server handed out (a document), or its error as an ApiError. */
  async function download(path: string): Promise<Buffer> {
    let res: IncomingMessage;
    try {
      res = await httpRequest(url(path), { headers: { ...auth } });
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      throw new ApiError(0, 'unreachable', `cannot reach ${base.href}: ${e.code ?? e.message}`);
    }
    const status = res.statusCode ?? 0;
    const body = await readBytes(res);
    if (status >= 200 && status < 300) return body;
    let error: { code?: string; message?: string } | undefined;
    try {
      error = (JSON.parse(body.toString('utf8')) as { error?: typeof error }).error;
    } catch {
      // not JSON: the status says enough
    }
    throw new ApiError(status, error?.code ?? 'http_error', error?.message ?? `HTTP ${status}`);
  }

  const id = (taskId: string) => encodeURIComponent(taskId);
  return {
    base: base.href,
    headers: auth,
    url,
    start: (kind: 'research' | 'search', body: Record<string, unknown>) =>
      request<StartAnswer>('POST', kind === 'research' ? 'tools/orchestrate_research' : 'tools/orchestrate_search', body),
    get: (taskId: string) => request<TaskRecord>('GET', `tasks/${id(taskId)}`),
    cancel: (taskId: string) => request<{ task_id: string; status: string }>('POST', 'tools/cancel_orchestration', { task_id: taskId }),
    list: (query: Record<string, string>) =>
      request<{ tasks: TaskRecord[]; next_cursor: string | null }>('GET', `tasks?${new URLSearchParams(query)}`),
    streamUrl: (taskId: string) => url(`stream/${id(taskId)}`),
    download,
  };
}
