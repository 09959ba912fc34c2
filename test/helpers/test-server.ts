import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { LogSink } from './log-sink.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createApp, type App } from '../../src/http/app.js';
import { createHttpServer } from '../../src/http/server.js';
import { securityFromConfig } from '../../src/http/middleware/security.js';
import { createLogger } from '../../src/logger.js';
import { createServices, type Services, type ServicesOptions } from '../../src/services.js';

export { LogSink };

export interface TestServer {
  url: string;
  app: App;
  server: Server;
  services: Services;
  config: Config;
  logs: LogSink;
  close(): Promise<void>;
}

/** Config for tests: memory store, temp data dir, quick retries; `env` overrides. */
export function testConfig(env: Record<string, string> = {}): Config {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-test-'));
  return loadConfig({ STORE: 'memory', DATA_DIR: dataDir, LOG_LEVEL: 'info', RETRY_BASE_MS: '20', RETRY_MAX_MS: '200', SHUTDOWN_GRACE_MS: '0', ...env });
}

/** Build the whole server in-process and listen on a free loopback port. */
export async function startTestServer(options: { env?: Record<string, string> } & ServicesOptions = {}): Promise<TestServer> {
  const config = testConfig(options.env);
  const logs = new LogSink();
  const logger = createLogger({ level: config.logLevel, destination: logs });
  const services = await createServices(config, logger, options);
  const app = createApp({ ...services, publicBaseUrl: config.publicBaseUrl, allowedHosts: config.allowedHosts, listenHost: config.host, mcp: config.mcpSessions, trustProxy: config.trustProxy, sse: config.sse, security: securityFromConfig(config) });
  const server = createHttpServer(app).listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    server,
    services,
    config,
    logs,
    close() {
      closed ??= (async () => {
        await services.close();
        await app.closeMcp();
        app.streams.closeAll();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        fs.rmSync(config.dataDir, { recursive: true, force: true });
      })();
      return closed;
    },
  };
}

/** Poll `check` until it returns a truthy value (or throw after `timeoutMs`). */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs = 10_000, everyMs = 10): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`waitFor: condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
