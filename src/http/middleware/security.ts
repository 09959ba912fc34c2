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

/**
 * helmet's headers, fitted to a JSON API with SSE and (later) a same-origin web console at `/`:
 * its default CSP (scripts, styles, connections from the same origin only; no inline scripts; no
 * framing by others) without `upgrade-insecure-requests`, which would break a console served over
 * plain HTTP on a LAN; HSTS without `includeSubDomains`, which is not this server's to decide.
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: { 'upgrade-insecure-requests': null, 'connect-src': ["'self'"], 'frame-ancestors': ["'self'"] },
    },
    strictTransportSecurity: { maxAge: 15_552_000, includeSubDomains: false },
  });
}
