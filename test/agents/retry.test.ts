import { APICallError } from 'ai';
import { describe, expect, it } from 'vitest';
import { backoffMs, isRetryable, retryAfterMs, retryDelayMs } from '../../src/agents/retry.js';

const apiError = (statusCode: number, headers: Record<string, string> = {}) =>
  new APICallError({ message: 'x', url: 'http://u', requestBodyValues: {}, statusCode, responseHeaders: headers });

describe('retry policy', () => {
  it('retries 429, 5xx, 408 and network errors but not other client errors or aborts', () => {
    expect(isRetryable(apiError(429))).toBe(true);
    expect(isRetryable(apiError(500))).toBe(true);
    expect(isRetryable(apiError(503))).toBe(true);
    expect(isRetryable(apiError(408))).toBe(true);
    expect(isRetryable(apiError(400))).toBe(false);
    expect(isRetryable(apiError(401))).toBe(false);
    expect(isRetryable(apiError(404))).toBe(false);
    expect(isRetryable(new TypeError('fetch failed'))).toBe(true);
    expect(isRetryable(new DOMException('aborted', 'AbortError'))).toBe(false);
  });

  it('reads Retry-After as seconds, as an HTTP date, and retry-after-ms', () => {
    expect(retryAfterMs(apiError(429, { 'retry-after': '2' }))).toBe(2000);
    expect(retryAfterMs(apiError(429, { 'Retry-After': '0.5' }))).toBe(500);
    expect(retryAfterMs(apiError(429, { 'retry-after-ms': '150' }))).toBe(150);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs(apiError(429, { 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' }), now)).toBe(3000);
    expect(retryAfterMs(apiError(429, { 'retry-after': 'soon' }))).toBeUndefined();
    expect(retryAfterMs(apiError(500))).toBeUndefined();
  });

  it('backs off exponentially with jitter, capped, and lets Retry-After win (up to the cap)', () => {
    const policy = { maxRetries: 5, baseMs: 100, maxMs: 1000 };
    expect(backoffMs(0, policy, () => 0)).toBe(50);
    expect(backoffMs(0, policy, () => 1)).toBe(100);
    expect(backoffMs(2, policy, () => 1)).toBe(400);
    expect(backoffMs(10, policy, () => 1)).toBe(1000);
    expect(retryDelayMs(apiError(429, { 'retry-after': '0.3' }), 3, policy)).toBe(300);
    expect(retryDelayMs(apiError(429, { 'retry-after': '60' }), 0, policy)).toBe(1000);
  });
});
