import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createApp } from '../../src/http/app.js';
import { createHttpServer } from '../../src/http/server.js';
import { searchInputSchema } from '../../src/orchestrator/inputs.js';
import { createBenchServices } from './services.js';

/** Wall-clock ms with sub-ms precision, comparable across processes on one machine. */
export const wallNow = (): number => performance.timeOrigin + performance.now();

/** An SSE server under test: clients connect to `url`; `broadcast(i)` sends bench event `i`. */
export interface SseTarget {
  name: string;
  url: string;
  /** Clients subscribed right now. */
  subscribers(): number;
  broadcast(i: number): void;
  /** End every stream, stop the server and everything behind it. */
  close(): Promise<void>;
}

/** The event every bench frame carries: `data.i` counts from 0, `data.sent_at` is `wallNow()` at send. */
export const BENCH_AGENT = 'bench';

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', 1024, () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Which store our server runs on: the default SQLite one, or Redis at `url` (`STORE=redis`). */
export type OurStore = { kind: 'sqlite' } | { kind: 'redis'; url: string };

/**
 * The real app (`createApp` over `createServices`, served by `createHttpServer` as in main.ts) on
 * a free port, with one running task whose planner hangs; bench events are appended to its log
 * with `services.events.append`, so they go through the store as every event does (SQLite's
 * batched commit, or Redis and back over pub/sub) before a client gets them.
 */
export async function startOurServer(store: OurStore = { kind: 'sqlite' }): Promise<SseTarget> {
  const env: Record<string, string> = store.kind === 'redis' ? { STORE: 'redis', REDIS_URL: store.url, REDIS_PREFIX: `bench${Date.now()}` } : { STORE: 'sqlite' };
  const bench = await createBenchServices({ hang: true }, env);
  const { services } = bench;
  const { config } = services;
  const app = createApp({ ...services, publicBaseUrl: config.publicBaseUrl, trustProxy: config.trustProxy, sse: config.sse });
  const server = createHttpServer(app); // as main.ts builds it
  const base = await listen(server);
  const task = await services.orchestrator.submit('swarm', searchInputSchema.parse({ query: 'sse fan-out bench', num_agents: 1 }));
  return {
    name: `ours (${store.kind})`,
    url: `${base}/stream/${task.task_id}`,
    subscribers: () => services.events.followerCount(),
    broadcast(i) {
      services.events.append(task.task_id, { event_type: 'agent_progress', agent_id: BENCH_AGENT, data: { i, sent_at: wallNow() } });
    },
    async close() {
      await services.orchestrator.cancel(task.task_id); // stream_closed ends every stream
      await bench.close();
      app.streams.closeAll();
      await closeServer(server);
    },
  };
}

/** The simplest SSE broadcaster with `node:http`: a set of responses, the same frame written to each. */
export async function startBareServer(): Promise<SseTarget> {
  const clients = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive' });
    res.flushHeaders();
    req.socket.setNoDelay(true);
    clients.add(res);
    res.on('close', () => clients.delete(res));
  });
  const base = await listen(server);
  let seq = 0;
  return {
    name: 'bare node:http',
    url: `${base}/stream`,
    subscribers: () => clients.size,
    broadcast(i) {
      // The same event shape and frame as ours, so both send the same bytes.
      const event = { event_type: 'agent_progress', task_id: 'bench', seq: ++seq, timestamp: new Date().toISOString(), agent_id: BENCH_AGENT, data: { i, sent_at: wallNow() } };
      const frame = `id: ${event.seq}\ndata: ${JSON.stringify(event)}\n\n`;
      for (const res of clients) res.write(frame);
    },
    async close() {
      for (const res of clients) res.end();
      clients.clear();
      await closeServer(server);
    },
  };
}
