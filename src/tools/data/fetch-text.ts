import { DataSourceError, type DataSourceName } from './source-error.js';
import { readCappedText } from '../../net/read-capped.js';

/** How one request to a data source's API is made. */
export interface FetchTextOptions {
  /** Named in every error message. */
  source: DataSourceName;
  /** Sent as `User-Agent` (Wikimedia's policy asks every client to name itself). */
  userAgent: string;
  /** Sent as `Accept`. */
  accept: string;
  /** How long the API may take to answer, body included. */
  timeoutMs: number;
  /** The caller's: when it aborts, the request is dropped and its reason is thrown as is. */
  signal?: AbortSignal;
  /** Bodies above this many bytes are refused (a misconfigured endpoint must not fill memory). */
  maxBytes?: number;
  /** The API's own explanation in the body of an HTTP error, if it gives one (arXiv's error feed). */
  explainStatus?: (body: string) => string | undefined;
}

/** How much of an HTTP error's body is read for its explanation. */
const ERROR_BODY_BYTES = 64 * 1024;

/** A search answer is tens of kilobytes; 5 MB leaves room and still bounds memory. */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

/** `15 s`, `200 ms`. */
export function formatDuration(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`;
}

/**
 * GET `url` and return its body as text. The endpoints are the operator's (loopback is fine), so
 * no address guard applies here; pages the results link to are fetched only through `fetch_url`.
 */
export async function fetchText(url: URL, options: FetchTextOptions): Promise<string> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    const response = await fetch(url, {
      headers: { 'User-Agent': options.userAgent, Accept: options.accept },
      signal,
    });
    if (!response.ok) throw await statusError(response, options);
    return await readCapped(response, options.maxBytes ?? MAX_BODY_BYTES, options.source);
  } catch (error) {
    throw explain(error, options, timeout);
  }
}

/** `the API answered 400`, with the API's explanation when `explainStatus` finds one in the body. */
async function statusError(response: Response, options: FetchTextOptions): Promise<DataSourceError> {
  const reason = `the API answered ${response.status}`;
  if (!options.explainStatus) {
    await response.body?.cancel().catch(() => undefined);
    return new DataSourceError(options.source, reason);
  }
  const body = await readCapped(response, ERROR_BODY_BYTES, options.source).catch(() => '');
  const detail = body ? options.explainStatus(body) : undefined;
  return new DataSourceError(options.source, detail ? `${reason}: ${detail}` : reason);
}

/** The error to throw for a failed request: the caller's abort reason, a timeout, or an unreachable API. */
function explain(error: unknown, options: FetchTextOptions, timeout: AbortSignal): unknown {
  if (options.signal?.aborted) return options.signal.reason;
  if (error instanceof DataSourceError) return error;
  if (timeout.aborted) {
    return new DataSourceError(options.source, `the API did not answer within ${formatDuration(options.timeoutMs)}`, { cause: error });
  }
  const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  const detail = typeof code === 'string' ? ` (${code})` : error instanceof Error ? ` (${error.message})` : '';
  return new DataSourceError(options.source, `could not reach the API${detail}`, { cause: error });
}

/** `5 MB`, `64 KB`, `1500 bytes`. */
function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MB`;
  return bytes >= 1024 && bytes % 1024 === 0 ? `${bytes / 1024} KB` : `${bytes} bytes`;
}

/** The body as UTF-8 text, refusing more than `maxBytes`. */
async function readCapped(response: Response, maxBytes: number, source: DataSourceName): Promise<string> {
  const tooLarge = () => new DataSourceError(source, `the API answered more than ${formatBytes(maxBytes)}`);
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!response.body) return '';
  const text = await readCappedText(response.body, maxBytes);
  if (text === undefined) throw tooLarge();
  return text;
}
