import { nodeFetch } from '../../net/node-fetch.js';
import { WebToolError } from './web-error.js';

/** The web search backends `web_search` has clients for. */
export type SearchBackendName = 'searxng' | 'brave' | 'tavily';

/** One HTTP call to a search backend. */
export interface SearchRequest {
  backend: SearchBackendName;
  url: URL;
  method?: 'GET' | 'POST';
  /** May carry the API key: never logged, never put into an error. */
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** What an error status most likely means, per backend (the status alone is sent otherwise). */
const HINTS: Record<SearchBackendName, Record<number, string>> = {
  searxng: {
    403: 'is the json format enabled in its settings.yml (search.formats)?',
    429: 'its limiter refused the request',
  },
  brave: { 401: 'check BRAVE_API_KEY', 403: 'check BRAVE_API_KEY and its plan', 422: 'the request was refused', 429: 'rate limit or monthly quota reached' },
  tavily: { 401: 'check TAVILY_API_KEY', 429: 'rate limit reached', 432: 'the plan’s credit limit is reached', 433: 'the pay-as-you-go limit is reached' },
};

const failed = (backend: SearchBackendName, what: string) => new WebToolError(`web search failed: ${backend} ${what}`);

function statusError(backend: SearchBackendName, status: number): WebToolError {
  const hint = HINTS[backend][status];
  return failed(backend, `answered ${status}${hint ? ` (${hint})` : ''}`);
}

/** The low-level reason of a network failure, without anything the request carried. */
function networkReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? (error as { cause?: NodeJS.ErrnoException } | undefined)?.cause?.code;
  return code ?? (error instanceof Error ? error.name : 'network error');
}

/**
 * Call a search backend and parse its JSON answer. Errors are `WebToolError`s that name the
 * backend and the status ("web search failed: searxng answered 503"), the timeout, or the network
 * failure; a caller's abort is rethrown as its reason. Headers (with keys) never reach a message.
 */
export async function requestJson(request: SearchRequest): Promise<unknown> {
  const { backend, timeoutMs } = request;
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = request.signal ? AbortSignal.any([request.signal, deadline]) : deadline;
  try {
    const headers = { 'user-agent': 'mcp-orchestrator web_search', ...request.headers };
    const res = await nodeFetch(request.url, { method: request.method ?? 'GET', headers, body: request.body, signal });
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw statusError(backend, res.status);
    }
    const text = await res.text();
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw failed(backend, 'answered with something that is not JSON');
    }
  } catch (error) {
    if (error instanceof WebToolError) throw error;
    if (request.signal?.aborted) throw request.signal.reason;
    if (deadline.aborted) throw failed(backend, `did not answer within ${timeoutMs} ms`);
    throw new WebToolError(`web search failed: could not reach ${backend} (${networkReason(error)})`);
  }
}
