import http from 'node:http';
import https from 'node:https';
import { guardedLookup, isBlockedLiteral } from './target-guard.js';

/** One POST of one webhook message. */
export interface DeliveryRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  /** The whole attempt, connecting included. */
  timeoutMs: number;
  /** Skip the connect-time address check (`WEBHOOK_ALLOW_PRIVATE`). */
  allowPrivate: boolean;
  signal?: AbortSignal;
}

export type DeliveryOutcome = { ok: true; status: number } | { ok: false; status?: number; error: string };

function describeStatus(status: number): string {
  return status >= 300 && status < 400 ? `HTTP ${status}: redirects are not followed` : `HTTP ${status}`;
}

/**
 * POST the body once. A 2xx is delivered; anything else (3xx included: redirects are never
 * followed), a network error, a refused address or the timeout is a failed attempt. Never rejects.
 */
export function postWebhook(request: DeliveryRequest): Promise<DeliveryOutcome> {
  return new Promise((resolve) => {
    const url = new URL(request.url);
    if (!request.allowPrivate && isBlockedLiteral(url)) {
      return resolve({ ok: false, error: `${url.hostname} is a blocked address` });
    }
    let settled = false;
    const finish = (outcome: DeliveryOutcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const send = url.protocol === 'https:' ? https.request : http.request;
    const req = send(
      url,
      {
        method: 'POST',
        headers: { ...request.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(request.body) },
        // A fresh connection per attempt: the connect-time address check runs every time.
        agent: false,
        lookup: request.allowPrivate ? undefined : guardedLookup,
        signal: request.signal,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        // The answer's body is not needed; drain it (the timer still ends one that never finishes).
        res.on('error', () => undefined);
        res.resume();
        finish(status >= 200 && status < 300 ? { ok: true, status } : { ok: false, status, error: describeStatus(status) });
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`timed out after ${request.timeoutMs} ms`)), request.timeoutMs);
    timer.unref();
    req.on('close', () => clearTimeout(timer));
    req.on('error', (error) => finish({ ok: false, error: error.message }));
    req.end(request.body);
  });
}
