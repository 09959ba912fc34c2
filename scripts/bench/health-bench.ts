/**
 * `GET /health` throughput with the whole middleware stack on (helmet, CORS, rate limits, API-key
 * auth, request logging, metrics) against a bare Express 5 app answering the same JSON, both
 * loaded by autocannon in this process, one after the other, twice (alternating order).
 */
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import autocannon from 'autocannon';
import express from 'express';
import { createApp } from '../../src/http/app.js';
import { securityFromConfig } from '../../src/http/middleware/security.js';
import { createHttpServer } from '../../src/http/server.js';
import { num, ratio, type Row } from './report.js';
import { createBenchServices } from './services.js';

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function load(url: string, seconds: number): Promise<number> {
  const result = await autocannon({ url: `${url}/health`, connections: 10, duration: seconds });
  if (result.non2xx || result.errors) throw new Error(`health bench: ${result.non2xx} non-2xx, ${result.errors} errors at ${url}`);
  return result.requests.average;
}

export async function measureHealth(seconds: number): Promise<Row[]> {
  // Keys on and limits at their defaults: /health is exempt from both, as in production.
  const bench = await createBenchServices({}, { API_KEYS: 'bench-key', RATE_LIMIT_PER_MIN: '300' });
  const { services } = bench;
  const { config } = services;
  const app = createApp({ ...services, publicBaseUrl: config.publicBaseUrl, trustProxy: config.trustProxy, sse: config.sse, security: securityFromConfig(config) });
  const ours = createHttpServer(app);
  const bare = express();
  bare.get('/health', (_req, res) => {
    res.json({ status: 'healthy', service: 'mcp-orchestrator', version: services.version, uptime_s: 1, active_tasks: 0, pending_tasks: 0, active_streams: 0, registered_webhooks: 0, store: 'memory' });
  });
  const bareServer = http.createServer(bare);
  const [oursUrl, bareUrl] = [await listen(ours), await listen(bareServer)];
  try {
    await load(oursUrl, 1); // warm-up
    await load(bareUrl, 1);
    const oursRuns = [await load(oursUrl, seconds), 0];
    const bareRuns = [await load(bareUrl, seconds), 0];
    bareRuns[1] = await load(bareUrl, seconds);
    oursRuns[1] = await load(oursUrl, seconds);
    const o = (oursRuns[0]! + oursRuns[1]!) / 2;
    const b = (bareRuns[0]! + bareRuns[1]!) / 2;
    return [
      { metric: 'GET /health req/s, whole middleware stack (bare Express 5 as baseline)', ours: num(o), baseline: num(b), ratio: ratio(o, b), target: '≥ 0.80×', pass: o / b >= 0.8 },
    ];
  } finally {
    ours.closeAllConnections();
    bareServer.closeAllConnections();
    await new Promise<void>((resolve) => ours.close(() => resolve()));
    await new Promise<void>((resolve) => bareServer.close(() => resolve()));
    await bench.close();
  }
}
