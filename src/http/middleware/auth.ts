import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Request, RequestHandler } from 'express';
import { UnauthorizedError } from '../../errors.js';
import type { StreamTokens } from '../stream-token.js';

/** Options of `createApiKeyAuth`. */
export interface ApiKeyAuthOptions {
  /** The accepted keys (`API_KEYS`); must not be empty. */
  keys: string[];
  /** Verifies `?token=` on `GET /stream/:taskId` in place of a key. */
  streamTokens: StreamTokens;
  /** Paths served without a key (exact match). Default `/health` and `/metrics`. */
  publicPaths?: string[];
}

/** API-key authentication for the HTTP app and `/mcp`. */
export interface ApiKeyAuth {
  /**
   * A stable id for the valid key in these headers (a hash prefix of it, never the key), or
   * `undefined` when they carry none. Used to key rate limits and to tie MCP sessions to a key.
   */
  keyIdOf(headers: IncomingHttpHeaders | Headers): string | undefined;
  /** 401 `unauthorized` (with `WWW-Authenticate: Bearer`) unless the request has a key or a stream token. */
  middleware: RequestHandler;
}

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();

function header(headers: IncomingHttpHeaders | Headers, name: string): string | undefined {
  const value = headers instanceof Headers ? headers.get(name) : headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** The key a request presents: `Authorization: Bearer <key>`, else `X-API-Key: <key>`. */
function presentedKey(headers: IncomingHttpHeaders | Headers): string | undefined {
  const bearer = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header(headers, 'authorization') ?? '');
  return bearer?.[1] ?? (header(headers, 'x-api-key')?.trim() || undefined);
}

const STREAM_PATH = /^\/stream\/([^/]+)\/?$/;

/** The task of a `GET /stream/:taskId` whose `?token=` is valid for it, else undefined. */
function streamTokenTask(req: Request, tokens: StreamTokens): string | undefined {
  const token = req.query.token;
  if (req.method !== 'GET' || typeof token !== 'string') return undefined;
  const match = STREAM_PATH.exec(req.path);
  if (!match) return undefined;
  let taskId: string;
  try {
    taskId = decodeURIComponent(match[1]!);
  } catch {
    return undefined;
  }
  return tokens.verify(token, taskId) ? taskId : undefined;
}

/** Build the API-key check. Keys are compared as SHA-256 digests with `timingSafeEqual` (equal lengths). */
export function createApiKeyAuth(options: ApiKeyAuthOptions): ApiKeyAuth {
  if (options.keys.length === 0) throw new Error('createApiKeyAuth needs at least one key');
  const digests = options.keys.map(sha256);
  const publicPaths = new Set(options.publicPaths ?? ['/health', '/metrics']);
  const cache = new WeakMap<IncomingHttpHeaders | Headers, string | null>();

  const match = (presented: string): string | undefined => {
    const digest = sha256(presented);
    let found: Buffer | undefined;
    // Every key is compared, so the time taken does not tell which one (or whether any) matched.
    for (const candidate of digests) if (timingSafeEqual(candidate, digest) && !found) found = candidate;
    return found?.toString('hex').slice(0, 16);
  };
  const keyIdOf = (headers: IncomingHttpHeaders | Headers): string | undefined => {
    const cached = cache.get(headers);
    if (cached !== undefined) return cached ?? undefined;
    const presented = presentedKey(headers);
    const id = presented === undefined ? undefined : match(presented);
    cache.set(headers, id ?? null);
    return id;
  };

  const middleware: RequestHandler = (req, res, next) => {
    if (publicPaths.has(req.path) || keyIdOf(req.headers) || streamTokenTask(req, options.streamTokens)) return next();
    res.setHeader('WWW-Authenticate', 'Bearer realm="mcp-orchestrator"');
    const message = presentedKey(req.headers) === undefined && req.query.token === undefined
      ? 'an API key is required: Authorization: Bearer <key> or X-API-Key: <key>'
      : 'the API key or stream token is not valid';
    next(new UnauthorizedError(message));
  };
  return { keyIdOf, middleware };
}
