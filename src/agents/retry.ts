import { APICallError } from 'ai';

/** Retry settings for one agent run. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** First backoff step; doubles each retry. */
  baseMs: number;
  /** Upper bound for one backoff step (and for a `Retry-After` the server asks for). */
  maxMs: number;
}

/** Client errors that a retry cannot fix. 408, 409 and 429 are worth another try. */
function isPermanentStatus(status: number | undefined): boolean {
  return status !== undefined && status >= 400 && status < 500 && ![408, 409, 429].includes(status);
}

/**
 * Whether an error from a model call is worth retrying: 429, 5xx, network resets, malformed or
 * cut-off streams. Client errors (bad key, bad request, unknown model) are not.
 */
export function isRetryable(error: unknown): boolean {
  if (APICallError.isInstance(error)) return !isPermanentStatus(error.statusCode);
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) return false;
  return true;
}

/** The delay a server asked for with `Retry-After` (seconds or HTTP date) or `retry-after-ms`. */
export function retryAfterMs(error: unknown, now = Date.now()): number | undefined {
  if (!APICallError.isInstance(error) || !error.responseHeaders) return undefined;
  const headers = Object.fromEntries(Object.entries(error.responseHeaders).map(([k, v]) => [k.toLowerCase(), v]));
  const ms = Number(headers['retry-after-ms']);
  if (headers['retry-after-ms'] && Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers['retry-after'];
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/** Exponential backoff with equal jitter: half fixed, half random, capped. */
export function backoffMs(retry: number, policy: RetryPolicy, random = Math.random): number {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** retry);
  return Math.round(step / 2 + random() * (step / 2));
}

/** The delay before retry number `retry` (0-based): the server's `Retry-After` wins when given. */
export function retryDelayMs(error: unknown, retry: number, policy: RetryPolicy): number {
  const asked = retryAfterMs(error);
  return asked !== undefined ? Math.min(asked, policy.maxMs) : backoffMs(retry, policy);
}

/** Sleep that ends early (rejecting) when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** A short, safe description of a model error for events and records. */
export function describeError(error: unknown): string {
  if (APICallError.isInstance(error)) {
    const status = error.statusCode ? `HTTP ${error.statusCode}: ` : '';
    return `${status}${error.message}`.slice(0, 500);
  }
  if (error instanceof Error) {
    const cause = (error.cause as { code?: string; message?: string } | undefined) ?? undefined;
    const detail = cause?.code ?? cause?.message;
    return (detail ? `${error.message} (${detail})` : error.message).slice(0, 500);
  }
  return String(error).slice(0, 500);
}
