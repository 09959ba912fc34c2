import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/http/app.js';
import { createHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { createServices } from '../../src/services.js';
import { createCalculateTool, type CalculateTool, type CalculateToolOptions } from '../../src/tools/builtin/calculate.js';
import { createToolRegistry } from '../../src/tools/registry.js';
import { LogSink, testConfig } from '../helpers/test-server.js';

/** The whole app on a loopback port, its registry holding one `calculate` built with `options`. */
export interface CalculateServer {
  url: string;
  tool: CalculateTool;
  logs: LogSink;
  /** `calculate` over `POST /tools/execute_registered_tool`, as the client at `address` (`X-Forwarded-For`). */
  calculate(expression: string, address: string, signal?: AbortSignal): Promise<Response>;
  close(): Promise<void>;
}

/**
 * Start the app with its own `calculate`. `trust proxy` is on, so each test client is told apart by
 * the `X-Forwarded-For` address it sends, as clients behind Caddy are.
 */
export async function startCalculateServer(options: CalculateToolOptions): Promise<CalculateServer> {
  const config = testConfig();
  const logs = new LogSink();
  const services = await createServices(config, createLogger({ level: 'info', destination: logs }), { watchCorpus: false });
  const tool = createCalculateTool(options);
  const app = createApp({ ...services, registry: createToolRegistry([tool]), allowedHosts: config.allowedHosts, listenHost: config.host, trustProxy: true, sse: config.sse });
  const server = createHttpServer(app).listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let closed: Promise<void> | undefined;
  return {
    url,
    tool,
    logs,
    calculate: (expression, address, signal) =>
      fetch(`${url}/tools/execute_registered_tool`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
        body: JSON.stringify({ tool_name: 'calculate', arguments: { expression } }),
        signal,
      }),
    close() {
      closed ??= (async () => {
        await tool.close();
        await services.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        fs.rmSync(config.dataDir, { recursive: true, force: true });
      })();
      return closed;
    },
  };
}
