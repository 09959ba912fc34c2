import type { DocumentStore } from '../store/store.js';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingHttpHeaders } from 'node:http';
import { Router, type Request as ExpressRequest } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, isLegacyRequest } from '@modelcontextprotocol/server';
import type { EventLog } from '../events/event-log.js';
import { countOrchestrateCalls, mcpRateLimited } from '../http/middleware/rate-limit.js';
import { createUrlBuilder } from '../http/urls.js';
import type { Logger } from '../logger.js';
import type { SwarmOrchestrator } from '../orchestrator/swarm-orchestrator.js';
import type { ToolRegistry } from '../tools/registry.js';
import type { WebhookService } from '../webhooks/webhook-service.js';
import { createLocalBackend } from './backend.js';
import { mcpGuard, type McpGuardOptions } from './guard.js';
import { createLegacySessions, type SessionClient } from './legacy-sessions.js';
import { createMcpServer } from './server.js';
import type { Activity } from './tools.js';

/** The SPEC's body limit, for MCP requests too. */
const MAX_BODY = 1024 * 1024;

/** Options of the `/mcp` endpoint beyond what the app has anyway. */
export interface McpHttpOptions extends McpGuardOptions {
  /** A handshake-era session with no call in flight is closed after this long (default 30 min). */
  sessionIdleMs?: number;
  /**
   * At most this many handshake-era sessions at once, all clients together (default 1000). When
   * full, a new one closes its own client's least recently used idle session, else it is 503:
   * never another client's.
   */
  maxSessions?: number;
  /**
   * At most this many handshake-era sessions per client (default 100): per API key when keys are
   * on, else per address (`req.ip`, so `TRUST_PROXY` applies; IPv6 by /56). Past it a new one closes
   * that client's least recently used idle session, or is 429 when all of them have a call in flight.
   */
  maxSessionsPerOwner?: number;
  /** Prefix of handshake-era session ids (`INSTANCE_TAG`), for a proxy to keep each session on its instance. */
  sessionTag?: string;
}

/** The `/mcp` router, and `close()` for shutdown: it ends every handshake-era session. */
export interface McpRouter extends Router {
  /** End every handshake-era session and refuse new ones. Idempotent, returns the same promise. */
  close(): Promise<void>;
}

export interface McpHttpDeps {
  orchestrator: SwarmOrchestrator;
  registry: ToolRegistry;
  events: EventLog;
  webhooks?: WebhookService;
  /** Where the tasks' documents are stored, for their resources (without it they are not found). */
  documents?: DocumentStore;
  logger: Logger;
  version: string;
  publicBaseUrl?: string;
  /** Interval of SSE comment keep-alives on open MCP streams. */
  heartbeatMs: number;
  mcp?: McpHttpOptions;
  /** A `?token=` for the `stream_url` of a task (when API keys are on). */
  streamToken?: (taskId: string) => string | undefined;
  /**
   * Who a request is (its API key's id): a handshake-era session only answers the key that opened
   * it, and counts against that key's cap. Without it (keys off) the cap is per client address.
   */
  sessionOwner?: (headers: IncomingHttpHeaders | Headers) => string | undefined;
  /** Orchestrate `tools/call`s spend from the budget of the HTTP orchestrate routes. */
  orchestrateLimit?: {
    keyOf(req: ExpressRequest): string;
    /** Seconds to wait when `count` more calls exceed the budget, else undefined. */
    take(key: string, count: number): Promise<number | undefined>;
  };
}

/** URLs for the client of a fetch `Request`: the same rules as for HTTP routes (SPEC section 2). */
function urlsFor(request: Request | undefined, publicBaseUrl: string | undefined, streamToken?: (taskId: string) => string | undefined) {
  const headers = Object.fromEntries(request?.headers ?? []);
  return createUrlBuilder({ headers, protocol: 'http' } as unknown as ExpressRequest, publicBaseUrl, streamToken);
}

/**
 * `/mcp`: Streamable HTTP for both protocol eras, one tool table.
 *
 * - 2026-07-28 (stateless, per-request `_meta` envelope): the SDK's `createMcpHandler` with a fresh
 *   instance per request; every response streams (SSE with keep-alives), and closing a stream aborts
 *   its call.
 * - 2024-11-05 … 2025-11-25 (`initialize`, `Mcp-Session-Id`): sessions (see legacy-sessions.ts).
 *
 * `isLegacyRequest` (the SDK's own classifier) routes each request. Host and Origin are checked first.
 */
export function mcpRouter(deps: McpHttpDeps): McpRouter {
  const build = (request?: Request, activity?: Activity) =>
    createMcpServer({
      backend: createLocalBackend(deps, urlsFor(request, deps.publicBaseUrl, deps.streamToken)),
      version: deps.version,
      logger: deps.logger,
      activity,
    });
  const onerror = (error: Error) => deps.logger.warn({ err: error }, 'MCP request failed');
  const modern = createMcpHandler(({ requestInfo }) => build(requestInfo), {
    legacy: 'reject',
    responseMode: 'sse',
    keepAliveMs: deps.heartbeatMs,
    maxRequestBodySize: MAX_BODY,
    onerror,
  });
  const legacy = createLegacySessions({
    build: (activity, request) => build(request, activity),
    logger: deps.logger,
    idleMs: deps.mcp?.sessionIdleMs ?? 30 * 60_000,
    maxSessions: deps.mcp?.maxSessions ?? 1000,
    maxSessionsPerOwner: deps.mcp?.maxSessionsPerOwner ?? 100,
    sessionTag: deps.mcp?.sessionTag,
    keepAliveMs: deps.heartbeatMs,
    maxRequestBodySize: MAX_BODY,
  });
  // Who the Express request being served is, for the fetch handler below (it sees a web Request,
  // which has neither `req.ip` nor the key check): its budget key and its session owner.
  const current = new AsyncLocalStorage<{ budgetKey?: string; client: SessionClient }>();
  const clientOf = (req: ExpressRequest): SessionClient => {
    const keyId = deps.sessionOwner?.(req.headers);
    return keyId ? { owner: `key:${keyId}`, keyId } : { owner: `ip:${ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? '')}` };
  };
  const overBudget = async (request: Request): Promise<Response | undefined> => {
    const key = current.getStore()?.budgetKey;
    const calls = key && deps.orchestrateLimit ? await countOrchestrateCalls(request, MAX_BODY) : 0;
    const retryAfter = calls > 0 ? await deps.orchestrateLimit?.take(key!, calls) : undefined;
    return retryAfter === undefined ? undefined : mcpRateLimited(retryAfter);
  };
  const handler = toNodeHandler(
    {
      fetch: async (request, options) =>
        (await overBudget(request)) ??
        ((await isLegacyRequest(request, undefined, { maxRequestBodySize: MAX_BODY })) ? legacy.fetch(request, current.getStore()!.client) : modern.fetch(request, options)),
    },
    { maxRequestBodySize: MAX_BODY, onerror },
  );

  const publicHost = deps.publicBaseUrl ? new URL(deps.publicBaseUrl) : undefined;
  const guard = mcpGuard({
    allowedHosts: [...(deps.mcp?.allowedHosts ?? []), ...(publicHost ? [publicHost.hostname] : [])],
    allowedOrigins: [...(deps.mcp?.allowedOrigins ?? []), ...(publicHost ? [publicHost.origin] : [])],
  });
  const router = Router();
  router.all('/mcp', guard, async (req, res) => {
    // Proxies (nginx) must not buffer the streams; Caddy is told by `flush_interval -1`.
    res.setHeader('X-Accel-Buffering', 'no');
    await current.run({ budgetKey: deps.orchestrateLimit?.keyOf(req), client: clientOf(req) }, () => handler(req, res));
  });
  return Object.assign(router, { close: () => legacy.close() });
}
