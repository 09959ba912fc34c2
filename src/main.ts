import fs from 'node:fs';
import type { Server } from 'node:http';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createApp } from './http/app.js';
import { createHttpServer } from './http/server.js';
import { securityFromConfig } from './http/middleware/security.js';
import { createLogger, type Logger } from './logger.js';
import { installProcessHandlers } from './observability/process-handlers.js';
import { createServices } from './services.js';
import { StartupError, withSetting } from './startup-error.js';

function readEnv(): Record<string, string | undefined> {
  // A .env file in the working directory fills in what the environment does not set.
  if (fs.existsSync('.env')) process.loadEnvFile('.env');
  return process.env;
}

/** Print each problem as one line and exit 1. */
function exitWith(lines: string[]): never {
  for (const line of lines) process.stderr.write(`config: ${line}\n`);
  process.exit(1);
}

function configOrExit(): Config {
  try {
    return loadConfig(readEnv());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    exitWith(error.problems);
  }
}

const LISTEN_PROBLEMS: Record<string, string> = {
  EADDRINUSE: 'is in use by another process',
  EADDRNOTAVAIL: 'is not an address of this machine',
  EACCES: 'needs privileges this process does not have',
};

/** Listen on `host:port`; a failure is a {@link StartupError} naming `setting`. */
async function listen(server: Server, host: string, port: number, setting: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
    server.listen(port, host);
  }).catch((error: NodeJS.ErrnoException) => {
    const why = LISTEN_PROBLEMS[error.code ?? ''] ?? `cannot be listened on (${error.code ?? error.message})`;
    const hint = setting === 'ALT_PORT' ? '; set ALT_PORT to a free port, or 0 to turn it off' : '';
    throw new StartupError(setting, `${host}:${port} ${why}${hint}`, { cause: error });
  });
}

/** Start the HTTP server(s); resolves with the main one once both listen. */
async function start(config: Config, logger: Logger): Promise<Server> {
  const services = await createServices(config, logger);
  // Crashes are logged (and sent to Sentry with SENTRY_DSN) before the process exits 1.
  installProcessHandlers(logger, services.errors);
  const scaleOut = services.scaleOut;
  const security = withSetting('DATA_DIR', () =>
    securityFromConfig(config, {
      streamTokenSecret: scaleOut?.secrets.streamToken,
      rateLimitRedis: scaleOut && { sendCommand: (command, ...args) => scaleOut.redis.call(command, ...args), prefix: `${config.redis.prefix}:rl:` },
    }),
  );
  const app = createApp({
    ...services,
    publicBaseUrl: config.publicBaseUrl,
    allowedHosts: config.allowedHosts,
    listenHost: config.host,
    trustProxy: config.trustProxy,
    sse: config.sse,
    security,
    mcp: { ...config.mcpSessions, sessionTag: config.instanceTag },
  });
  const servers = [createHttpServer(app)];
  await listen(servers[0]!, config.host, config.port, 'PORT');
  if (config.altPort !== 0) {
    servers.push(createHttpServer(app));
    await listen(servers[1]!, config.host, config.altPort, 'ALT_PORT');
  }
  const [address, alt] = servers.map((s) => s.address());
  logger.info({ address, alt_address: alt, provider: config.defaultProvider, store: services.store.kind }, 'mcp-orchestrator listening');
  onSignals(() => {
    for (const server of servers) {
      server.close();
      server.closeIdleConnections();
    }
    return services.close().then(async () => {
      await app.closeMcp();
      app.streams.closeAll();
      for (const server of servers) server.closeAllConnections();
    });
  }, logger);
  return servers[0]!;
}

/** SIGTERM/SIGINT run `stop` once, then exit 0 (1 when it fails). */
function onSignals(stop: () => Promise<void>, logger: Logger): void {
  let stopping = false;
  const handle = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stop()
      .then(() => {
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
  process.on('SIGTERM', () => handle('SIGTERM'));
  process.on('SIGINT', () => handle('SIGINT'));
}

/** Start the HTTP server; resolves once it listens. A problem starting is one line on stderr and exit 1. */
export async function serve(): Promise<Server> {
  const config = configOrExit();
  const logger = createLogger({ level: config.logLevel });
  try {
    return await start(config, logger);
  } catch (error) {
    if (error instanceof StartupError) exitWith([error.message]);
    // Not a setting's fault: still one line, with the whole error in the log for whoever debugs it.
    logger.debug({ err: error }, 'start failed');
    logger.flush();
    exitWith([`the server could not start: ${(error as Error).message ?? String(error)} (LOG_LEVEL=debug logs the details)`]);
  }
}

const isEntry = process.argv[1] && import.meta.url === new URL(`file://${fs.realpathSync(process.argv[1])}`).href;
if (isEntry) void serve();
