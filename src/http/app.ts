import express, { type Express, type Request } from 'express';
import type { EventLog } from '../events/event-log.js';
import type { McpServerStatus } from '../mcp-client/index.js';
import type { Logger } from '../logger.js';
import { mcpRouter, type McpHttpOptions } from '../mcp/http.js';
import type { SwarmOrchestrator } from '../orchestrator/swarm-orchestrator.js';
import type { Store } from '../store/store.js';
import type { ToolContext } from '../tools/orchestration-tools.js';
import type { ToolRegistry } from '../tools/registry.js';
import type { WebhookService } from '../webhooks/webhook-service.js';
import { createErrorHandler, notFound } from './middleware/error-handler.js';
import { httpMetrics } from '../metrics/http-metrics.js';
import type { Metrics } from '../metrics/metrics.js';
import { reportRequestError } from '../observability/request-errors.js';
import type { ErrorReporter } from '../observability/sentry.js';
import { metricsRouter } from './routes/metrics.js';
import { jsonBody } from './middleware/json-body.js';
import { corsMiddleware } from './middleware/cors.js';
import { createRateLimits, ORCHESTRATE_ROUTES } from './middleware/rate-limit.js';
import { securityHeaders, type SecurityOptions } from './middleware/security.js';
import { untrustedForwardedHeaders } from './middleware/forwarded.js';
import { allowedHostnames, hostGuard } from './middleware/host-guard.js';
import { requestLogging } from './middleware/request-log.js';
import { consoleRouter } from './routes/console.js';
import { docsRouter } from './routes/docs.js';
import { healthRouter } from './routes/health.js';
import { streamRouter } from './routes/stream.js';
import { tasksRouter } from './routes/tasks.js';
import { toolsRouter } from './routes/tools.js';
import { webhooksRouter } from './routes/webhooks.js';
import { createStreamRegistry, type StreamRegistry } from './sse.js';
import { createUrlBuilder } from './urls.js';

/** What the HTTP app is built from. It never listens: `main.ts` (or a test) does. */
export interface AppDeps {
  orchestrator: SwarmOrchestrator;
  registry: ToolRegistry;
  events: EventLog;
  store: Store;
  logger: Logger;
  version: string;
  startedAt?: number;
  publicBaseUrl?: string;
  /** `Host` names answered besides loopback ones and the `publicBaseUrl` host (`ALLOWED_HOSTS`). */
  allowedHosts?: string[];
  /** The address the server listens on (`HOST`); answered as a `Host` name too when it is one address. */
  listenHost?: string;
  /** Express's `trust proxy` (`TRUST_PROXY`). */
  trustProxy?: boolean | number | string;
  /** API keys, stream tokens, rate limits, CORS; absent: none of them. */
  security?: SecurityOptions;
  sse: { heartbeatMs: number; maxBufferBytes: number };
  streams?: StreamRegistry;
  /** Webhook registrations (`webhook_url`, `/webhook/*`); without it those are refused or absent. */
  webhooks?: WebhookService;
  /** Host/Origin allow lists and session limits of `/mcp` (MCP Streamable HTTP). */
  mcp?: McpHttpOptions;
  /** Prometheus metrics: request timings, stream clients, and `/metrics`; absent: neither. */
  metrics?: Metrics;
  /** The MCP servers agents reach (`MCP_SERVERS_FILE`), for `/health`. */
  mcpClients?: { status(): McpServerStatus[] };
  /** Error tracking for 500s; absent: they are only logged. */
  errors?: ErrorReporter;
}

export interface App extends Express {
  /** Open event streams (for `/health` and shutdown). */
  streams: StreamRegistry;
  /** Close the handshake-era MCP sessions and their streams (at shutdown, after the tasks). Idempotent. */
  closeMcp(): Promise<void>;
}

/** Build the Express app: routes, JSON bodies, request ids, logs, and the one error handler. */
export function createApp(deps: AppDeps): App {
  const app = express() as App;
  const streams = deps.streams ?? createStreamRegistry();
  app.streams = streams;
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? false);
  app.set('query parser', 'simple');

  app.use(requestLogging(app, deps.logger));
  if (deps.metrics) {
    deps.metrics.setSources({ streamClients: () => streams.size });
    app.use(httpMetrics(deps.metrics));
  }
  const security = deps.security ?? {};
  const hosts = allowedHostnames({ allowedHosts: deps.allowedHosts, publicBaseUrl: deps.publicBaseUrl, listenHost: deps.listenHost });
  app.use(securityHeaders());
  app.use(hostGuard(hosts));
  app.use(untrustedForwardedHeaders());
  if (security.corsOrigins?.length) app.use(corsMiddleware(security.corsOrigins));
  // The web console's static files are public (no data in them; the console asks for a key on a 401).
  app.use(consoleRouter());
  // The API reference is public too: it describes routes, holds no data.
  app.use(docsRouter({ version: deps.version, publicBaseUrl: deps.publicBaseUrl }));
  // Limited before auth, so failed key guesses spend budget too; auth before /mcp, which it covers.
  const limits = security.rateLimit ? createRateLimits(security.rateLimit, security.auth, deps.logger) : undefined;
  if (limits) app.use(limits.general);
  if (security.auth) app.use(security.auth.middleware);
  if (limits) app.post(ORCHESTRATE_ROUTES, limits.orchestrate);
  const streamToken = security.streamTokens ? (taskId: string) => security.streamTokens?.issue(taskId) : undefined;
  const mcp = { ...deps.mcp, allowedHosts: [...(deps.mcp?.allowedHosts ?? []), ...hosts], allowedOrigins: [...(deps.mcp?.allowedOrigins ?? []), ...(security.corsOrigins ?? [])] };
  // Before jsonBody: the MCP SDK reads its own bodies and answers JSON-RPC errors.
  const mcpRoutes = mcpRouter({ ...deps, documents: deps.store.documents, heartbeatMs: deps.sse.heartbeatMs, mcp, streamToken, sessionOwner: security.auth?.keyIdOf, orchestrateLimit: limits && { keyOf: limits.keyOf, take: limits.takeOrchestrate } });
  app.closeMcp = () => mcpRoutes.close();
  // On its one path, so other requests pass by on one path match instead of entering the router.
  app.route('/mcp').all(mcpRoutes);
  app.use(jsonBody());

  const urls = (req: Request) => createUrlBuilder(req, deps.publicBaseUrl, streamToken);
  const keyClient = (req: Request) => {
    const id = security.auth?.keyIdOf(req.headers);
    return id ? `key:${id}` : undefined;
  };
  const toolContext = (req: Request): ToolContext => ({
    orchestrator: deps.orchestrator,
    registry: deps.registry,
    urls: urls(req),
    webhooks: deps.webhooks,
    // With API keys a client is its key (shared calculate evaluators are divided fairly by it); else its address.
    clientKey: keyClient(req),
  });

  app.use(
    healthRouter({
      version: deps.version,
      startedAt: deps.startedAt ?? Date.now(),
      store: deps.store,
      orchestrator: deps.orchestrator,
      streams,
      registeredWebhooks: deps.webhooks && (() => deps.webhooks!.countActive()),
      mcpServers: deps.mcpClients && (() => deps.mcpClients!.status()),
    }),
  );
  // `/metrics` has its own token (METRICS_TOKEN); the API-key middleware leaves it alone.
  if (deps.metrics) app.use(metricsRouter(deps.metrics));
  app.use(toolsRouter(toolContext));
  app.use(tasksRouter(deps.orchestrator, deps.store.documents, urls));
  if (deps.webhooks) app.use(webhooksRouter(deps.webhooks));
  app.use(streamRouter({ orchestrator: deps.orchestrator, events: deps.events, streams, ...deps.sse }));
  app.use(notFound);
  app.use(createErrorHandler({ onUnhandled: deps.errors?.enabled ? reportRequestError(deps.errors) : undefined }));
  return app;
}
