import type { RequestHandler } from 'express';
import helmet from 'helmet';
import type { Config } from '../../config.js';
import { createStreamTokens, loadStreamTokenSecret, type StreamTokens } from '../stream-token.js';
import { createApiKeyAuth, type ApiKeyAuth } from './auth.js';
import type { RateLimitOptions, RateLimitRedis } from './rate-limit.js';

/** Authentication, rate limits and CORS of the HTTP app (`createApp({ security })`). */
export interface SecurityOptions {
  /** API-key check; absent when `API_KEYS` is unset (then no route needs a key). */
  auth?: ApiKeyAuth;
  /** Signs the `?token=` of `stream_url`; present exactly when `auth` is. */
  streamTokens?: StreamTokens;
  /** Absent: no rate limit. */
  rateLimit?: RateLimitOptions;
  /** Exact origins allowed to call from a browser (also allowed as `Origin` on `/mcp`). */
  corsOrigins?: string[];
}

/** The security settings of `config`; reads (or creates once) the stream-token secret in `DATA_DIR` when keys are set. */
export function securityFromConfig(config: Config, shared: { streamTokenSecret?: Buffer; rateLimitRedis?: RateLimitRedis } = {}): SecurityOptions {
  // With several instances the counters live in Redis, so a client has one budget over all of them.
  const rateLimit = shared.rateLimitRedis ? { ...config.rateLimit, redis: shared.rateLimitRedis } : config.rateLimit;
  const security: SecurityOptions = { rateLimit, corsOrigins: config.corsOrigins };
  if (config.auth.apiKeys.length > 0) {
    // Several instances sign with one secret (kept in Redis), so a token from one is good on all.
    const secret = shared.streamTokenSecret ?? loadStreamTokenSecret(config.dataDir);
    security.streamTokens = createStreamTokens({ secret, ttlS: config.auth.streamTokenTtlS });
    security.auth = createApiKeyAuth({ keys: config.auth.apiKeys, streamTokens: security.streamTokens });
  }
  return security;
}

/** helmet's options for this server (see `securityHeaders`). */
const HELMET_OPTIONS: Parameters<typeof helmet>[0] = {
  contentSecurityPolicy: {
    useDefaults: true,
    directives: { 'upgrade-insecure-requests': null, 'connect-src': ["'self'"], 'frame-ancestors': ["'self'"] },
  },
  strictTransportSecurity: { maxAge: 15_552_000, includeSubDomains: false },
};

/** What one helmet middleware does to a response: headers set, headers removed, in order. */
type HeaderStep = readonly [name: string, value: string] | readonly [name: string];

/**
 * Run `middleware` once against a stand-in response and record what it does. It must only set and
 * remove headers, and call `next()` synchronously without an error; anything else (a CSP nonce
 * function, an option that reads the request) throws here, at start-up, rather than being replayed wrong.
 */
function recordHeaders(middleware: RequestHandler): HeaderStep[] {
  const steps: HeaderStep[] = [];
  const res = {
    setHeader(name: string, value: unknown) {
      if (typeof value !== 'string') throw new Error(`securityHeaders: ${name} is not a constant string`);
      steps.push([name, value]);
      return res;
    },
    removeHeader(name: string) {
      steps.push([name]);
    },
  };
  let done = false;
  middleware({} as never, res as never, (error?: unknown) => {
    if (error) throw error;
    done = true;
  });
  if (!done) throw new Error('securityHeaders: helmet did not finish synchronously');
  return steps;
}

/**
 * helmet's headers, fitted to a JSON API with SSE and (later) a same-origin web console at `/`:
 * its default CSP (scripts, styles, connections from the same origin only; no inline scripts; no
 * framing by others) without `upgrade-insecure-requests`, which would break a console served over
 * plain HTTP on a LAN; HSTS without `includeSubDomains`, which is not this server's to decide.
 *
 * With these options every header is a constant, so helmet runs once, here, and each request gets
 * the recorded headers (the same names, values and order) without helmet's chain of 13 middlewares.
 */
export function securityHeaders(): RequestHandler {
  const steps = recordHeaders(helmet(HELMET_OPTIONS));
  return (_req, res, next) => {
    for (const step of steps) {
      if (step.length === 2) res.setHeader(step[0], step[1]);
      else res.removeHeader(step[0]);
    }
    next();
  };
}

/** helmet itself with the options of `securityHeaders` (for tests comparing the two). */
export const helmetSecurityHeaders = (): RequestHandler => helmet(HELMET_OPTIONS);
