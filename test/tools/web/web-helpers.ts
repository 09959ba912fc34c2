import type { Config } from '../../../src/config.js';
import { createLogger, type Logger } from '../../../src/logger.js';
import { createToolRegistry, type ToolRegistry } from '../../../src/tools/registry.js';
import { createWebTools } from '../../../src/tools/web/index.js';
import { LogSink } from '../../helpers/test-server.js';

type WebConfig = Config['web'];

/** `Config['web']` as `loadConfig` builds it with nothing set; `overrides` replace whole keys. */
export function webConfig(overrides: Partial<WebConfig> = {}): WebConfig {
  return {
    provider: undefined,
    searxngUrl: undefined,
    brave: { apiKey: undefined, baseUrl: 'https://api.search.brave.com/res/v1/web/search' },
    tavily: { apiKey: undefined, baseUrl: 'https://api.tavily.com/search' },
    fetch: { allowPrivate: false, timeoutMs: 15_000, maxBytes: 5 * 1024 * 1024 },
    ...overrides,
  };
}

/** The web tools in a registry, as agents and `execute_registered_tool` call them, with their log lines. */
export function webRegistry(web: WebConfig): { registry: ToolRegistry; logs: LogSink; logger: Logger } {
  const logs = new LogSink();
  const logger = createLogger({ level: 'debug', destination: logs });
  return { registry: createToolRegistry(createWebTools(web, logger)), logs, logger };
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)}`);
  return outcome.error as Error;
}
