import type { RequestHandler } from 'express';
import cors from 'cors';
import { normalizeOrigin } from '../../config.js';

/** Request headers a browser page may send. */
export const CORS_ALLOWED_HEADERS = [
  'Authorization',
  'X-API-Key',
  'Content-Type',
  'Last-Event-ID',
  'X-Request-Id',
  'Mcp-Session-Id',
  'Mcp-Protocol-Version',
];
/** Response headers a browser page may read. */
export const CORS_EXPOSED_HEADERS = ['X-Request-Id', 'Retry-After', 'RateLimit', 'RateLimit-Policy', 'WWW-Authenticate', 'Mcp-Session-Id'];

/**
 * CORS for exactly the origins in `allowed` (already normalised, as `loadConfig` gives them): an
 * origin is allowed only if it equals one of them after normalising; there are no patterns, so
 * `http://localhost.evil.com` or `http://localhost:3000.evil.com` never match `http://localhost:3000`.
 * A refused origin gets no CORS header at all. Preflights answer 204. No cookies are used, so no credentials.
 */
export function corsMiddleware(allowed: string[]): RequestHandler {
  const origins = new Set(allowed);
  const handle = cors({
    origin: (origin, callback) => {
      const normalized = origin === undefined ? undefined : normalizeOrigin(origin);
      callback(null, normalized !== undefined && origins.has(normalized) ? origin : false);
    },
    methods: ['GET', 'HEAD', 'POST', 'DELETE', 'OPTIONS'],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: 600,
    optionsSuccessStatus: 204,
  });
  return (req, res, next) => {
    // Answers differ by Origin, so shared caches must keep them apart even when one gets no CORS header.
    res.vary('Origin');
    handle(req, res, next);
  };
}
