import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Options for `createMetrics`. */
export interface MetricsOptions {
  /** `METRICS_TOKEN`: when set, `/metrics` wants `Authorization: Bearer <token>`. */
  token?: string;
  /** Collect Node's process metrics (CPU, memory, event loop, GC); default true. */
  defaultMetrics?: boolean;
}

/**
 * The server's Prometheus metrics, in a registry of their own (never prom-client's global one), so
 * several servers in one process (tests) keep separate counts.
 */
export interface Metrics {
  readonly registry: Registry;
  /** Bearer token `/metrics` wants; undefined: open. */
  readonly token: string | undefined;
  readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  readonly tasksStarted: Counter<'pattern'>;
  readonly tasksFinished: Counter<'pattern' | 'status' | 'error_code'>;
  readonly tasksActive: Gauge;
  readonly tasksPending: Gauge;
  readonly agentDuration: Histogram<'role' | 'provider' | 'model' | 'outcome'>;
  readonly modelTokens: Counter<'provider' | 'model' | 'direction'>;
  readonly modelCost: Counter<'provider' | 'model'>;
  readonly streamClients: Gauge;
  readonly events: Counter<'event_type'>;
  readonly webhookDeliveries: Counter<'outcome'>;
  /** Where the gauges read their values on each scrape. */
  setSources(sources: Partial<GaugeSources>): void;
}

/** Read on scrape: the live counts the gauges report. */
export interface GaugeSources {
  activeTasks: () => number;
  pendingTasks: () => number;
  streamClients: () => number;
}

const PREFIX = 'mcp_orchestrator_';

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const sources: GaugeSources = { activeTasks: () => 0, pendingTasks: () => 0, streamClients: () => 0 };
  const registers = [registry];
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name: PREFIX + name,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });
  return {
    registry,
    token: options.token,
    httpDuration: new Histogram({
      name: `${PREFIX}http_request_duration_seconds`,
      help: 'HTTP requests by method, route pattern and status, until the response ended (event streams: their whole life)',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    tasksStarted: new Counter({ name: `${PREFIX}tasks_started_total`, help: 'Tasks that started running, by pattern', labelNames: ['pattern'], registers }),
    tasksFinished: new Counter({
      name: `${PREFIX}tasks_finished_total`,
      help: 'Tasks that ended, by pattern, final status and (for failed ones) error code',
      labelNames: ['pattern', 'status', 'error_code'],
      registers,
    }),
    tasksActive: gauge('tasks_active', 'Tasks running now', () => sources.activeTasks()),
    tasksPending: gauge('tasks_pending', 'Tasks waiting for a free slot (MAX_ACTIVE_TASKS)', () => sources.pendingTasks()),
    agentDuration: new Histogram({
      name: `${PREFIX}agent_run_duration_seconds`,
      help: 'Agent runs (one model call with its retries and tool loop) by role, provider, model and outcome',
      labelNames: ['role', 'provider', 'model', 'outcome'],
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 180, 300, 600],
      registers,
    }),
    modelTokens: new Counter({
      name: `${PREFIX}model_tokens_total`,
      help: 'Model tokens as the provider reported them, by provider, model and direction (input, output)',
      labelNames: ['provider', 'model', 'direction'],
      registers,
    }),
    modelCost: new Counter({
      name: `${PREFIX}model_cost_usd_total`,
      help: 'Model cost in US dollars (from the price table), by provider and model',
      labelNames: ['provider', 'model'],
      registers,
    }),
    streamClients: gauge('stream_clients', 'Open /stream event-stream connections', () => sources.streamClients()),
    events: new Counter({ name: `${PREFIX}events_total`, help: 'Task events appended to the event log, by type', labelNames: ['event_type'], registers }),
    webhookDeliveries: new Counter({
      name: `${PREFIX}webhook_deliveries_total`,
      help: 'Webhook delivery attempts by outcome: delivered, retry (failed, will retry), failed (gave up)',
      labelNames: ['outcome'],
      registers,
    }),
    setSources(next) {
      Object.assign(sources, next);
    },
  };
}
