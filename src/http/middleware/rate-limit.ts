import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, MemoryStore, rateLimit, type IncrementResponse, type Store } from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
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
  /**
   * Keep the counts in Redis instead of this process's memory, so every instance on that Redis
   * spends from one budget per client. Unset: in memory, per process.
   */
  redis?: RateLimitRedis;
}

/** Where `createRateLimits` keeps shared counts: a raw command sender and a key prefix. */
export interface RateLimitRedis {
  /**
   * Send one Redis command (`sendCommand('EVALSHA', sha, '1', key, '60000')`) and answer its reply;
   * with ioredis: `(command, ...args) => client.call(command, ...args)`.
   */
  sendCommand: (...args: string[]) => Promise<unknown>;
  /** Prepended to every key (`mcpo:rl:`); the limiters add `requests:` and `orchestrate:`. */
  prefix: string;
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
 * `/health` spends no budget. Checked here, before the limiter, rather than with its `skip` option:
 * the limiter awaits `skip` and reads `req.ip` for its debug log first, work a probe need not pay for.
 */
function exemptingHealth(limiter: RequestHandler): RequestHandler {
  return (req, res, next) => (req.path === '/health' ? next() : limiter(req, res, next));
}

/**
 * rate-limit-redis caches the promise of its Lua script's SHA: one that failed (Redis down when the
 * limiter was created, or when the script was reloaded) would fail every later call. After a
 * failure, the next increment loads the script again first.
 */
class ReloadingRedisStore extends RedisStore {
  private stale = false;

  override async init(options: Parameters<RedisStore['init']>[0]): Promise<void> {
    try {
      await super.init(options);
    } catch (error) {
      this.stale = true;
      throw error;
    }
  }

  override async increment(key: string): Promise<IncrementResponse> {
    if (this.stale) {
      this.stale = false;
      this.incrementScriptSha = this.loadIncrementScript();
    }
    try {
      return await super.increment(key);
    } catch (error) {
      this.stale = true;
      throw error;
    }
  }
}

/** A limiter's store in Redis, its keys under `<prefix><what>:`. */
function createRedisStore(what: string, redis: RateLimitRedis): Store {
  return new ReloadingRedisStore({
    sendCommand: (...args: string[]) => redis.sendCommand(...args) as Promise<RedisReply>,
    prefix: `${redis.prefix}${what}:`,
  });
}

/**
 * Rate limits with express-rate-limit, one window of a minute, kept in memory per process, or in
 * Redis (`options.redis`) shared by every instance on it. When Redis cannot be reached a request
 * passes unlimited (logged): the limits guard the budget, they must not take the API down with it.
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
  const { redis } = options;
  const shared = redis !== undefined;
  // Without Redis, the general limiter makes its own MemoryStore; takeOrchestrate needs this one's.
  const orchestrateStore = redis ? createRedisStore('orchestrate', redis) : new MemoryStore();
  const limiter = (limit: number, what: string, store: Store | undefined): RequestHandler =>
    limit <= 0
      ? pass
      : exemptingHealth(rateLimit({
          store,
          passOnStoreError: shared,
          windowMs: 60_000,
          limit,
          identifier: what,
          standardHeaders: 'draft-8',
          legacyHeaders: false,
          keyGenerator,
          handler: (_req, res, next) =>
            next(new RateLimitedError(`too many requests (${what}: ${limit} per minute); retry after ${String(res.getHeader('Retry-After') ?? 60)} s`)),
          // Its configuration warnings go to our log, not the console (stdout is the MCP channel in stdio mode).
          logger: { warn: (error, message) => logger.warn({ err: error }, message ?? 'rate limiter'), error: (error, message) => logger.error({ err: error }, message ?? 'rate limiter') },
        }));
  const orchestrate = limiter(options.orchestratePerMin, 'orchestrate', orchestrateStore);
  return {
    general: limiter(options.perMin, 'requests', redis && createRedisStore('requests', redis)),
    orchestrate,
    keyOf: keyGenerator,
    takeOrchestrate: (key, count) =>
      options.orchestratePerMin <= 0 ? Promise.resolve(undefined) : take(orchestrateStore, key, count, options.orchestratePerMin, shared ? logger : undefined),
  };
}

/**
 * Spend `count` hits of `key` in `store` (the store interface MemoryStore and RedisStore share);
 * the seconds until the window resets when that goes over `limit`, else `undefined`. With
 * `failOpen` (a shared store), a store that fails lets the calls through, logged there.
 */
async function take(store: Store, key: string, count: number, limit: number, failOpen: Logger | undefined): Promise<number | undefined> {
  let info: IncrementResponse;
  try {
    info = await store.increment(key);
    for (let i = 1; i < count; i++) info = await store.increment(key);
  } catch (error) {
    if (!failOpen) throw error;
    failOpen.error({ err: error }, 'rate limit store (redis) failed: orchestrate call allowed without limiting');
    return undefined;
  }
  if (info.totalHits <= limit) return undefined;
  return Math.max(1, Math.ceil(((info.resetTime?.getTime() ?? Date.now() + 60_000) - Date.now()) / 1000));
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
