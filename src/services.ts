import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT, type Config } from './config.js';
import { createEventLog, type EventLog } from './events/event-log.js';
import type { Logger } from './logger.js';
import { SwarmOrchestrator } from './orchestrator/swarm-orchestrator.js';
import { createModelResolver, type ExtraFactories, type ModelResolver } from './providers/model-resolver.js';
import { loadPriceTable } from './providers/prices.js';
import { createMemoryStore } from './store/memory-store.js';
import { createSqliteStore } from './store/sqlite/sqlite-store.js';
import { createRetention } from './orchestrator/retention.js';
import type { Store } from './store/store.js';
import { createCorpusIndex, type CorpusIndex } from './corpus/corpus-index.js';
import { createLocalModel } from './providers/local/local-model.js';
import { createCalculateTool } from './tools/builtin/calculate.js';
import { createReadDocumentTool, createSearchDocumentsTool } from './tools/builtin/documents.js';
import { currentTimeTool } from './tools/builtin/current-time.js';
import { createWebTools } from './tools/web/index.js';
import { createDataTools } from './tools/data/index.js';
import type { McpClients } from './mcp-client/index.js';
import { loadMcpServersFile } from './mcp-client/servers-file.js';
import { createToolRegistry, type ToolRegistry } from './tools/registry.js';
import { createDispatcher } from './webhooks/dispatcher.js';
import { loadWebhookSecret } from './webhooks/signing.js';
import { createWebhookService, type WebhookService } from './webhooks/webhook-service.js';
import { observeEvents } from './metrics/event-metrics.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import { reportCrashes } from './observability/crash-reporting.js';
import { createErrorReporter, type ErrorReporter } from './observability/sentry.js';
import { StartupError, withSetting } from './startup-error.js';
import type { ValidationError } from './errors.js';
import type { ScaleOut } from './cluster/scale-out.js';

/** The domain, wired: everything a transport (HTTP, MCP) serves. */
export interface Services {
  config: Config;
  logger: Logger;
  store: Store;
  events: EventLog;
  models: ModelResolver;
  corpus: CorpusIndex;
  registry: ToolRegistry;
  orchestrator: SwarmOrchestrator;
  /** Webhook registrations and target checks; delivery runs in a background dispatcher. */
  webhooks: WebhookService;
  version: string;
  /** Prometheus metrics (`/metrics`), fed from the event log, the orchestrator and the webhook dispatcher. */
  metrics: Metrics;
  /** Error tracking (Sentry with `SENTRY_DSN`, else a no-op). */
  errors: ErrorReporter;
  /** Connections to the MCP servers of `MCP_SERVERS_FILE`, whose tools agents may call. */
  mcpClients: McpClients;
  /** With `STORE=redis`: what this instance shares with the others (secrets, rate-limit counters). */
  scaleOut?: ScaleOut;
  /** Stop tasks (after the grace period) and close the store. Idempotent. */
  close(): Promise<void>;
}

export interface ServicesOptions {
  /** Extra model factories by provider name (tests plug fakes in here). */
  providers?: ExtraFactories;
  store?: Store;
  /** Watch the corpus folder for changes (default true). */
  watchCorpus?: boolean;
}

export function readVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function createStore(config: Config): Store {
  // Documents stay files in DATA_DIR, so a throwaway store still serves them as downloads.
  if (config.store === 'memory') return createMemoryStore({ dataDir: config.dataDir });
  return withSetting('DATA_DIR', () => createSqliteStore(config.dataDir));
}

/** Index `CORPUS_DIR`; a folder that cannot be read stops the start with a clear message. */
async function openCorpus(config: Config, logger: Logger, watch = true): Promise<CorpusIndex> {
  try {
    return await createCorpusIndex({ dir: config.corpusDir, logger, watch });
  } catch (error) {
    throw new StartupError('CORPUS_DIR', `cannot index ${config.corpusDir}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Say at start when the default provider and model cannot serve a request that names neither.
 * Not fatal: requests naming another provider still work, and each default one gets the same 400.
 */
function warnOnDefaultModel(models: ModelResolver, logger: Logger): void {
  try {
    models.resolve(undefined, undefined);
  } catch (error) {
    const path = (error as ValidationError).details?.[0]?.path;
    logger.warn({ setting: path === 'model' ? 'DEFAULT_MODEL' : 'DEFAULT_PROVIDER' }, `requests naming no provider will be refused: ${(error as Error).message}`);
  }
}

/** Build the domain from config. Transports are added on top by the caller. */
export async function createServices(config: Config, logger: Logger, options: ServicesOptions = {}): Promise<Services> {
  // Loaded only for STORE=redis: ioredis and BullMQ are some 28 MB a single node does without.
  const scaleOut = !options.store && config.store === 'redis' ? await (await import('./cluster/scale-out.js')).openScaleOut(config, logger) : undefined;
  const store = options.store ?? scaleOut?.store ?? createStore(config);
  const events = createEventLog(store.events);
  const version = readVersion();
  const errors = createErrorReporter({ ...config.sentry, version, logger });
  const metrics = createMetrics({ token: config.metricsToken });
  const stopEventMetrics = observeEvents(events, metrics);
  const corpus = await openCorpus(config, logger, options.watchCorpus);
  const models = withSetting('PRICES_FILE', () => createModelResolver(config, { local: (id) => createLocalModel(corpus, id), ...options.providers }));
  warnOnDefaultModel(models, logger);
  const mcpServers = config.mcpClients.serversFile ? loadMcpServersFile(config.mcpClients.serversFile) : [];
  const calculate = createCalculateTool(config.calculate);
  const registry = createToolRegistry([
    createSearchDocumentsTool(corpus),
    createReadDocumentTool(corpus),
    calculate,
    currentTimeTool,
    ...createWebTools(config.web, logger.child({ component: 'web' })),
    ...createDataTools(config.data, { timeoutMs: config.web.fetch.timeoutMs, userAgent: `mcp-orchestrator/${version}` }),
  ]);
  // Each server connects (or fails) within MCP_CONNECT_TIMEOUT_MS; one that cannot never stops the start.
  const { serversFile: _file, ...mcpLimits } = config.mcpClients;
  // The MCP client SDK is loaded only when there are servers to reach.
  const mcpClients: McpClients = mcpServers.length
    ? (await import('./mcp-client/mcp-clients.js')).createMcpClients({ servers: mcpServers, registry, logger: logger.child({ component: 'mcp-client' }), ...mcpLimits, version })
    : { start: async () => undefined, status: () => [], close: async () => undefined };
  await mcpClients.start();
  const orchestrator = new SwarmOrchestrator({
    store,
    events,
    models,
    prices: withSetting('PRICES_FILE', () => loadPriceTable(config.pricesFile)),
    // `task crashed` / `agent crashed` lines also go to error tracking.
    logger: errors.enabled ? reportCrashes(logger, errors) : logger,
    retry: config.retry,
    progressIntervalMs: config.progressIntervalMs,
    idleTimeoutMs: config.modelIdleTimeoutMs,
    agentTools: () => registry.toAiTools(),
    limits: config.limits,
    queue: scaleOut?.queue,
    coordination: scaleOut?.coordination,
  });
  metrics.setSources({ activeTasks: () => orchestrator.activeCount, pendingTasks: () => orchestrator.pendingCount });
  const { secret, ...webhookSettings } = config.webhooks;
  const dispatcher = createDispatcher({
    ...webhookSettings,
    store: store.webhooks,
    secret: scaleOut?.secrets.webhook ?? withSetting('DATA_DIR', () => loadWebhookSecret(config.dataDir, secret)),
    logger: logger.child({ component: 'webhooks' }),
    userAgent: `mcp-orchestrator/${version}`,
    closeWaitMs: Math.min(2000, config.shutdownGraceMs),
    onAttempt: (outcome) => metrics.webhookDeliveries.inc({ outcome: outcome === 'pending' ? 'retry' : outcome }),
  });
  // Subscribed before recovery, so a task ended `interrupted` by it still notifies its webhooks.
  const webhooks = createWebhookService({
    store,
    events,
    logger,
    allowPrivate: config.webhooks.allowPrivate,
    onEnqueue: dispatcher.kick,
    getTask: (taskId) => orchestrator.get(taskId),
  });
  const retention = createRetention({ store, ...config.retention, logger, exclusive: scaleOut?.exclusive });
  const recovered = await orchestrator.recover();
  if (recovered.interrupted.length || recovered.requeued.length) logger.warn(recovered, 'recovered tasks from the previous run');
  retention.start();
  dispatcher.start();
  let closing: Promise<void> | undefined;
  return {
    config,
    logger,
    store,
    events,
    models,
    corpus,
    registry,
    orchestrator,
    webhooks,
    version,
    metrics,
    errors,
    mcpClients,
    scaleOut,
    close() {
      closing ??= orchestrator.close(config.shutdownGraceMs).then(async () => {
        // After the tasks: their last events are enqueued (and delivered by the next start if not now).
        webhooks.close();
        await dispatcher.close();
        retention.stop();
        corpus.close();
        stopEventMetrics();
        await errors.flush();
        await store.close();
        await scaleOut?.close();
      }).finally(() => Promise.all([calculate.close(), mcpClients.close()]).then(() => undefined));
      return closing;
    },
  };
}
