import { Router } from 'express';
import type { SwarmOrchestrator } from '../../orchestrator/swarm-orchestrator.js';
import { isStoreError } from '../../store/store-error.js';
import type { Store } from '../../store/store.js';
import type { StreamRegistry } from '../sse.js';

export interface HealthDeps {
  version: string;
  startedAt: number;
  store: Store;
  orchestrator: SwarmOrchestrator;
  streams: StreamRegistry;
  /** Active webhook registrations; absent (no webhook service): 0, without asking anything. */
  registeredWebhooks?: () => Promise<number>;
  /** The MCP servers of `MCP_SERVERS_FILE`: one not connected makes the server `degraded` (still 200). */
  mcpServers?: () => Array<{ name: string; transport: string; state: string; tools: number; error?: string }>;
}

/** The MCP servers as `/health` shows them, and whether one is not connected. */
function mcpHealth(deps: HealthDeps): { mcp_servers?: unknown[]; degraded: boolean } {
  const servers = deps.mcpServers?.() ?? [];
  if (servers.length === 0) return NO_MCP_SERVERS;
  const mcp_servers = servers.map(({ name, transport, state, tools, error }) => ({ name, transport, state, tools, ...(error ? { error } : {}) }));
  return { mcp_servers, degraded: servers.some((s) => s.state !== 'connected') };
}

const NO_MCP_SERVERS = { degraded: false };

/**
 * `GET /health`: 200 healthy (or degraded: an MCP server is down), or 503 with the reason when the
 * store cannot be used. Every answer asks the store (`store.check()`: SQLite writes a probe row, so a
 * full disk shows at once); nothing is cached.
 */
export function healthRouter(deps: HealthDeps): Router {
  const router = Router();
  router.get('/health', async (_req, res) => {
    const mcp = mcpHealth(deps);
    const body = {
      status: (mcp.degraded ? 'degraded' : 'healthy') as 'healthy' | 'degraded' | 'unhealthy',
      service: 'mcp-orchestrator',
      version: deps.version,
      uptime_s: Math.round((Date.now() - deps.startedAt) / 1000),
      active_tasks: deps.orchestrator.activeCount,
      pending_tasks: deps.orchestrator.pendingCount,
      active_streams: deps.streams.size,
      registered_webhooks: 0,
      store: deps.store.kind,
      ...(deps.orchestrator.instanceId ? { instance: deps.orchestrator.instanceId } : {}),
      ...(mcp.mcp_servers ? { mcp_servers: mcp.mcp_servers } : {}),
    };
    try {
      await deps.store.check();
      if (deps.registeredWebhooks) body.registered_webhooks = await deps.registeredWebhooks();
      res.json(body);
    } catch (error) {
      // Names the store and what is wrong with it (e.g. the disk holding DATA_DIR is full); `store_error`
      // (`full`, `io`, `read_only`, …) lets a watchdog tell a full disk, which a restart cannot fix.
      const kind = isStoreError(error) ? { store_error: error.kind } : {};
      res.status(503).json({ ...body, status: 'unhealthy', reason: `store (${deps.store.kind}) unavailable: ${(error as Error).message}`, ...kind });
    }
  });
  return router;
}
