import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, MemoryStore, rateLimit } from 'express-rate-limit';
import { AppError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { ApiKeyAuth } from './auth.js';
import { readCappedText } from '../../net/read-capped.js';

/** Routes with the tighter orchestrate budget: each starts model work. */
export const ORCHESTRATE_ROUTES = ['/tools/orchestrate_research', '/tools/orchestrate_search'];

/** Options of `createRateLimits`. */
export interface RateLimitOptions {
  /** Requests per minute per client on every route but `/health`; 0 turns the limit off. */
  perMin: number;
  /** POSTs per minute per client to the orchestrate routes, on top of `perMin`; 0 turns it off. */
  orchestratePerMin: number;
}

/** The two limiters, to mount with `app.use(general)` and `app.post(ORCHESTRATE_ROUTES, orchestrate)`. */
export interface RateLimits {
  general: RequestHandler;
  orchestrate: RequestHandler;
  /** The budget a request spends from: `key:<key id>` or `ip:<address>`. */
  keyOf(req: Request): string;
  /**
   * Spend `count` orchestrate calls (MCP `tools/call`s) from `key`'s orchestrate budget, the one the
   * HTTP orchestrate routes spend from; the seconds to wait when it is exceeded, else `undefined`.
   */
  takeOrchestrate(key: string, count: number): Promise<number | undefined>;
}

class RateLimitedError extends AppError {
  constructor(message: string) {
    super('rate_limited', 429, message);
  }
}

const pass: RequestHandler = (_req, _res, next) => next();

/**
 * Rate limits with express-rate-limit, one window of a minute, kept in memory per process.
 *
 * A client is its API key (by the key's hash id, never the key) when it presents a valid one, else
 * its address (`req.ip`, which honours `TRUST_PROXY`; IPv6 grouped by /56). A request counts once
 * however long it lasts, so an SSE stream takes one request of budget per connection. Answers 429
 * `rate_limited` in the SPEC shape with `Retry-After` and the draft-8 `RateLimit`/`RateLimit-Policy` headers.
 */
export function createRateLimits(options: RateLimitOptions, auth: ApiKeyAuth | undefined, logger: Logger): RateLimits {
  const keyGenerator = (req: Request) => {
    const keyId = auth?.keyIdOf(req.headers);
    return keyId ? `key:${keyId}` : `ip:${ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? '')}`;
  };
  const orchestrateStore = new MemoryStore();
  const limiter = (limit: number, what: string, store?: MemoryStore): RequestHandler =>
    limit <= 0
      ? pass
      : rateLimit({
          store,
          windowMs: 60_000,
          limit,
          identifier: what,
          standardHeaders: 'draft-8',
          legacyHeaders: false,
          keyGenerator,
          skip: (req) => req.path === '/health',
          handler: (_req, res, next) =>
            next(new RateLimitedError(`too many requests (${what}: ${limit} per minute); retry after ${String(res.getHeader('Retry-After') ?? 60)} s`)),
          // Its configuration warnings go to our log, not the console (stdout is the MCP channel in stdio mode).
          logger: { warn: (error, message) => logger.warn({ err: error }, message ?? 'rate limiter'), error: (error, message) => logger.error({ err: error }, message ?? 'rate limiter') },
        });
  const orchestrate = limiter(options.orchestratePerMin, 'orchestrate', orchestrateStore);
  return {
    general: limiter(options.perMin, 'requests'),
    orchestrate,
    keyOf: keyGenerator,
    async takeOrchestrate(key, count) {
      if (options.orchestratePerMin <= 0) return undefined;
      let info = await orchestrateStore.increment(key);
      for (let i = 1; i < count; i++) info = await orchestrateStore.increment(key);
      if (info.totalHits <= options.orchestratePerMin) return undefined;
      return Math.max(1, Math.ceil(((info.resetTime?.getTime() ?? Date.now() + 60_000) - Date.now()) / 1000));
    },
  };
}

const ORCHESTRATE_TOOLS = new Set(ORCHESTRATE_ROUTES.map((route) => route.slice('/tools/'.length)));

/** The body of `request` (a clone; the original stays unread), or `undefined` beyond `maxBytes`. */
async function peekBody(request: globalThis.Request, maxBytes: number): Promise<string | undefined> {
  if (Number(request.headers.get('content-length') ?? 0) > maxBytes || !request.body) return undefined;
  return readCappedText(request.clone().body!, maxBytes);
}

/** How many JSON-RPC `tools/call`s of an orchestrate tool a (possibly batched) MCP POST body makes. */
export async function countOrchestrateCalls(request: globalThis.Request, maxBytes: number): Promise<number> {
  if (request.method !== 'POST') return 0;
  const text = await peekBody(request, maxBytes);
  if (!text?.includes('orchestrate_')) return 0;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 0; // the SDK answers the parse error
  }
  const messages = (Array.isArray(body) ? body : [body]) as Array<{ method?: unknown; params?: { name?: unknown } } | null>;
  return messages.filter((m) => m?.method === 'tools/call' && ORCHESTRATE_TOOLS.has(String(m.params?.name))).length;
}

/** The 429 an MCP client gets for an orchestrate call over budget: a JSON-RPC error, with `Retry-After`. */
export function mcpRateLimited(retryAfterS: number): globalThis.Response {
  const message = `rate_limited: too many orchestrate calls; retry after ${retryAfterS} s`;
  return globalThis.Response.json(
    { jsonrpc: '2.0', error: { code: -32000, message, data: { code: 'rate_limited', retry_after_s: retryAfterS } }, id: null },
    { status: 429, headers: { 'Retry-After': String(retryAfterS) } },
  );
}
