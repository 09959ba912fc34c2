import express, { type Express, type Request } from 'express';
import { pinoHttp } from 'pino-http';
import type { EventLog } from '../events/event-log.js';
import type { Logger } from '../logger.js';
import { mcpRouter, type McpHttpOptions } from '../mcp/http.js';
import type { SwarmOrchestrator } from '../orchestrator/swarm-orchestrator.js';
import type { Store } from '../store/store.js';
import type { ToolContext } from '../tools/orchestration-tools.js';
import type { ToolRegistry } from '../tools/registry.js';
import type { WebhookService } from '../webhooks/webhook-service.js';
import { errorHandler, notFound } from './middleware/error-handler.js';
import { jsonBody } from './middleware/json-body.js';
import { requestId } from './middleware/request-id.js';
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
  dataDir: string;
  publicBaseUrl?: string;
  trustProxy?: boolean;
  sse: { heartbeatMs: number; maxBufferBytes: number };
  streams?: StreamRegistry;
  /** Webhook registrations (`webhook_url`, `/webhook/*`); without it those are refused or absent. */
  webhooks?: WebhookService;
  /** Host/Origin allow lists and session limits of `/mcp` (MCP Streamable HTTP). */
  mcp?: McpHttpOptions;
}

export interface App extends Express {
  /** Open event streams (for `/health` and shutdown). */
  streams: StreamRegistry;
}

/** Build the Express app: routes, JSON bodies, request ids, logs, and the one error handler. */
export function createApp(deps: AppDeps): App {
  const app = express() as App;
  const streams = deps.streams ?? createStreamRegistry();
  app.streams = streams;
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? false);
  app.set('query parser', 'simple');

  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: requestId,
      customProps: (req) => ({ request_id: req.id }),
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      serializers: {
        // The path only: query strings may carry stream tokens.
        req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url.split('?')[0] }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      autoLogging: { ignore: (req) => req.url === '/health' },
    }),
  );
  // Before jsonBody: the MCP SDK reads its own bodies and answers JSON-RPC errors.
  app.use(mcpRouter({ ...deps, heartbeatMs: deps.sse.heartbeatMs }));
  app.use(jsonBody());

  const urls = (req: Request) => createUrlBuilder(req, deps.publicBaseUrl);
  const toolContext = (req: Request): ToolContext => ({
    orchestrator: deps.orchestrator,
    registry: deps.registry,
    urls: urls(req),
    webhooks: deps.webhooks,
  });

  app.use(
    healthRouter({
      version: deps.version,
      startedAt: deps.startedAt ?? Date.now(),
      store: deps.store,
      orchestrator: deps.orchestrator,
      streams,
      registeredWebhooks: () => deps.webhooks?.countActive() ?? 0,
    }),
  );
  app.use(toolsRouter(toolContext));
  app.use(tasksRouter(deps.orchestrator, deps.dataDir, urls));
  if (deps.webhooks) app.use(webhooksRouter(deps.webhooks));
  app.use(streamRouter({ orchestrator: deps.orchestrator, events: deps.events, streams, ...deps.sse }));
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
