import fs from 'node:fs';
import type { Server } from 'node:http';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createApp } from './http/app.js';
import { createHttpServer } from './http/server.js';
import { securityFromConfig } from './http/middleware/security.js';
import { createLogger } from './logger.js';
import { installProcessHandlers } from './observability/process-handlers.js';
import { createServices } from './services.js';

function readEnv(): Record<string, string | undefined> {
  // A .env file in the working directory fills in what the environment does not set.
  if (fs.existsSync('.env')) process.loadEnvFile('.env');
  return process.env;
}

function configOrExit(): Config {
  try {
    return loadConfig(readEnv());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) process.stderr.write(`config: ${problem}\n`);
    process.exit(1);
  }
}

/** Start the HTTP server; resolves once it listens. */
export async function serve(): Promise<Server> {
  const config = configOrExit();
  const logger = createLogger({ level: config.logLevel });
  const services = await createServices(config, logger);
  // Crashes are logged (and sent to Sentry with SENTRY_DSN) before the process exits 1.
  installProcessHandlers(logger, services.errors);
  const app = createApp({ ...services, dataDir: config.dataDir, publicBaseUrl: config.publicBaseUrl, trustProxy: config.trustProxy, sse: config.sse, security: securityFromConfig(config) });
  const server = createHttpServer(app).listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  }).catch((error: NodeJS.ErrnoException) => {
    logger.fatal({ err: error }, `cannot listen on ${config.host}:${config.port}: ${error.code ?? error.message}`);
    process.exit(1);
  });
  const address = server.address();
  logger.info({ address, provider: config.defaultProvider, store: services.store.kind }, 'mcp-orchestrator listening');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    server.close();
    server.closeIdleConnections();
    services
      .close()
      .then(() => {
        app.streams.closeAll();
        server.closeAllConnections();
        logger.info('stopped');
        logger.flush();
        process.exitCode = 0;
        setImmediate(() => process.exit(0));
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return server;
}

const isEntry = process.argv[1] && import.meta.url === new URL(`file://${fs.realpathSync(process.argv[1])}`).href;
if (isEntry) void serve();
