import type { ErrorEvent } from '@sentry/node';
import type { Logger } from '../logger.js';

/** Where an error came from and what it concerned; sent as tags, never with bodies or headers. */
export interface ErrorContext {
  source: 'http' | 'task' | 'agent' | 'process';
  request_id?: string;
  task_id?: string;
  agent_id?: string;
  method?: string;
  /** The request's path, without its query string (which may carry a stream token). */
  path?: string;
}

/** Sends unhandled errors to error tracking (Sentry); a no-op when no DSN is configured. */
export interface ErrorReporter {
  readonly enabled: boolean;
  capture(error: unknown, context: ErrorContext): void;
  /** Wait up to `timeoutMs` for captured errors to be sent. */
  flush(timeoutMs?: number): Promise<void>;
}

/** Options for `createErrorReporter`. */
export interface ErrorReporterOptions {
  /** `SENTRY_DSN`; without it nothing is loaded, initialised or sent. */
  dsn?: string;
  /** `SENTRY_ENVIRONMENT` (e.g. `production`). */
  environment?: string;
  /** Reported as `mcp-orchestrator@<version>`. */
  version: string;
  logger: Logger;
}

const NOOP: ErrorReporter = { enabled: false, capture: () => undefined, flush: () => Promise.resolve() };

/** Keep only what identifies the request; drop bodies, cookies, headers and query strings. */
export function scrubEvent(event: ErrorEvent): ErrorEvent {
  if (event.request) {
    const { method, url } = event.request;
    event.request = { method, url: url?.split('?')[0] };
  }
  delete event.user;
  delete event.breadcrumbs;
  return event;
}

type SentryModule = typeof import('@sentry/node');
type SentryScope = InstanceType<SentryModule['Scope']>;

/**
 * A Sentry client of this server's own (`NodeClient` + `Scope`), not the SDK's global one: no
 * monkey-patching of Node or Express, no automatic capture of anything, and two servers in one
 * process (tests) never report into each other. `@sentry/node` is loaded only when a DSN is set.
 */
async function openSentry(options: ErrorReporterOptions & { dsn: string }): Promise<SentryScope> {
  const Sentry = await import('@sentry/node');
  const client = new Sentry.NodeClient({
    dsn: options.dsn,
    environment: options.environment,
    release: `mcp-orchestrator@${options.version}`,
    transport: Sentry.makeNodeTransport,
    stackParser: Sentry.defaultStackParser,
    integrations: [Sentry.linkedErrorsIntegration(), Sentry.dedupeIntegration()],
    maxBreadcrumbs: 0,
    beforeSend: scrubEvent,
  });
  const scope = new Sentry.Scope();
  scope.setClient(client);
  client.init();
  return scope;
}

/** Error tracking from `SENTRY_DSN`; without one, a reporter that does nothing. */
export function createErrorReporter(options: ErrorReporterOptions): ErrorReporter {
  const { dsn, logger } = options;
  if (!dsn) return NOOP;
  const ready = openSentry({ ...options, dsn }).catch((error: unknown) => {
    logger.error({ err: error }, 'error tracking: cannot start Sentry; errors are only logged');
    return undefined;
  });
  logger.info({ environment: options.environment }, 'error tracking: Sentry enabled');
  return {
    enabled: true,
    capture(error, context) {
      const { source, request_id, task_id, agent_id, method, path } = context;
      const tags = Object.fromEntries(Object.entries({ source, request_id, task_id, agent_id }).filter(([, v]) => v !== undefined));
      void ready.then((scope) => {
        if (!scope) return;
        const local = scope.clone();
        local.setTags(tags);
        if (method && path) local.setContext('request', { method, path });
        local.captureException(error);
      });
    },
    async flush(timeoutMs = 2000) {
      const scope = await ready;
      await scope?.getClient()?.flush(timeoutMs);
    },
  };
}
