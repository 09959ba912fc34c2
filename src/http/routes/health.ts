import { Router } from 'express';
import type { SwarmOrchestrator } from '../../orchestrator/swarm-orchestrator.js';
import type { Store } from '../../store/store.js';
import type { StreamRegistry } from '../sse.js';

export interface HealthDeps {
  version: string;
  startedAt: number;
  store: Store;
  orchestrator: SwarmOrchestrator;
  streams: StreamRegistry;
  registeredWebhooks: () => number;
}

/** `GET /health`: 200 healthy, or 503 with the reason when the store cannot be used. */
export function healthRouter(deps: HealthDeps): Router {
  const router = Router();
  router.get('/health', (_req, res) => {
    const body = {
      status: 'healthy' as 'healthy' | 'unhealthy',
      service: 'mcp-orchestrator',
      version: deps.version,
      uptime_s: Math.round((Date.now() - deps.startedAt) / 1000),
      active_tasks: deps.orchestrator.activeCount,
      pending_tasks: deps.orchestrator.pendingCount,
      active_streams: deps.streams.size,
      registered_webhooks: 0,
      store: deps.store.kind,
    };
    try {
      deps.store.check();
      body.registered_webhooks = deps.registeredWebhooks();
      res.json(body);
    } catch (error) {
      res.status(503).json({ ...body, status: 'unhealthy', reason: `store unavailable: ${(error as Error).message}` });
    }
  });
  return router;
}
