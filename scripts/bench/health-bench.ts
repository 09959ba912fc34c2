/**
 * `GET /health` throughput with the whole middleware stack on (helmet, CORS, rate limits, API-key
 * auth, request logging, metrics) against a bare Express 5 app answering the same JSON, both
 * loaded by autocannon in this process, one after the other, twice (alternating order).
 *
 * The bare app runs on a plain `http.createServer`, as most Express apps do; ours runs on
 * `createHttpServer`, whose request and response classes spare Express a per-request
 * `Object.setPrototypeOf` (see src/http/server.ts), which on its own is worth several times the
 * throughput here. So a second row, without a target, compares ours with the same bare app on
 * `createHttpServer`: that ratio is what the middleware stack alone costs.
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
  const sameServer = createHttpServer(bare);
  const servers = [ours, bareServer, sameServer];
  const [oursUrl, bareUrl, sameUrl] = [await listen(ours), await listen(bareServer), await listen(sameServer)];
  try {
    for (const url of [oursUrl, bareUrl, sameUrl]) await load(url, 1); // warm-up
    const oursRuns = [await load(oursUrl, seconds), 0];
    const bareRuns = [await load(bareUrl, seconds), 0];
    const sameRuns = [await load(sameUrl, seconds), 0];
    sameRuns[1] = await load(sameUrl, seconds);
    bareRuns[1] = await load(bareUrl, seconds);
    oursRuns[1] = await load(oursUrl, seconds);
    const [o, b, s] = [oursRuns, bareRuns, sameRuns].map((runs) => (runs[0]! + runs[1]!) / 2) as [number, number, number];
    return [
      { metric: 'GET /health req/s, whole middleware stack (bare Express 5 as baseline)', ours: num(o), baseline: num(b), ratio: ratio(o, b), target: '≥ 0.90×', pass: o / b >= 0.9 },
      { metric: 'GET /health req/s, whole middleware stack (bare Express 5 on createHttpServer as baseline)', ours: num(o), baseline: num(s), ratio: ratio(o, s) },
    ];
  } finally {
    for (const server of servers) server.closeAllConnections();
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    await bench.close();
  }
}
