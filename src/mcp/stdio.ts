import { pino } from 'pino';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { createLogger, type Logger } from '../logger.js';
import { createServices, readVersion } from '../services.js';
import type { UrlBuilder } from '../tools/orchestration-tools.js';
import { createLocalBackend, type McpBackend } from './backend.js';
import { createRemoteBackend } from './remote-backend.js';
import { createMcpServer } from './server.js';

/** How `mcp-orchestrator mcp` runs. */
export interface StdioOptions {
  /** The environment (config is read from it, as for the HTTP server). */
  env: Record<string, string | undefined>;
  /** Forward every call to the HTTP server at this URL instead of running tasks in this process. */
  remote?: string;
  /** API key for `remote`. */
  apiKey?: string;
}

function configOrExit(env: StdioOptions['env']): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) process.stderr.write(`config: ${problem}\n`);
    process.exit(1);
  }
}

/** With no HTTP server in front, URLs are relative unless `PUBLIC_BASE_URL` says where the server is. */
function stdioUrls(base = ''): UrlBuilder {
  return {
    resolve: (path) => `${base}${path}`,
    stream: (taskId) => `${base}/stream/${encodeURIComponent(taskId)}`,
  };
}

async function openBackend(config: Config, logger: Logger, options: StdioOptions): Promise<{ backend: McpBackend; close: () => Promise<void> }> {
  if (options.remote) {
    logger.info({ remote: options.remote }, 'MCP stdio forwards to a running server');
    return { backend: createRemoteBackend({ url: options.remote, apiKey: options.apiKey }), close: async () => {} };
  }
  const services = await createServices(config, logger);
  logger.info({ store: services.store.kind, data_dir: config.dataDir }, 'MCP stdio runs tasks in this process');
  return { backend: createLocalBackend({ ...services, documents: services.store.documents }, stdioUrls(config.publicBaseUrl)), close: () => services.close() };
}

/**
 * Serve MCP on stdin/stdout for one client (a desktop assistant spawns this process). stdout carries
 * nothing but protocol: logs go to stderr. Both protocol eras are served (the SDK's `serveStdio` picks
 * the era from the client's first message). When stdin closes or a signal comes, running tasks get
 * `SHUTDOWN_GRACE_MS` to finish (then end `interrupted`), and the process exits 0.
 */
export async function runMcpStdio(options: StdioOptions): Promise<void> {
  const config = configOrExit(options.env);
  const logger = createLogger({ level: config.logLevel, destination: pino.destination({ dest: 2, sync: true }) });
  const { backend, close } = await openBackend(config, logger, options);
  const version = readVersion();
  const handle = serveStdio(() => createMcpServer({ backend, version, logger }), {
    onerror: (error) => logger.warn({ err: error }, 'MCP stdio error'),
  });

  let stopping = false;
  const stop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'MCP stdio stopping');
    Promise.all([handle.close(), close()])
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error({ err: error }, 'MCP stdio shutdown failed');
        process.exit(1);
      });
  };
  process.stdin.once('end', () => stop('stdin closed'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
