/**
 * `npm run bench -- sse`: 1,000 SSE clients on one live task, events appended in bursts as a task
 * of agents produces them, through our server on its default SQLite store and on Redis, against
 * the simplest `node:http` broadcaster sending the same frames on the same schedule. Rounds rotate
 * the order (load from other processes falls on every server alike); rows are medians.
 */
import { hasRedisServer, startRedis, type RedisServer } from '../../test/helpers/redis-server.js';
import { median, ms, num, ratio, type Row } from './report.js';
import { measureSse, offeredPerSec, type SseOptions, type SseRun } from './sse.js';
import { startBareServer, startOurServer, type SseTarget } from './sse-servers.js';

/** Our p99 delivery latency may be at most this many times the bare broadcaster's (issue 16). */
const P99_LIMIT = 1.5;

interface Server {
  label: string;
  start: () => Promise<SseTarget>;
  runs: SseRun[];
}

function rowsFor(ours: Server, bare: Server): Row[] {
  const m = (server: Server, pick: (r: SseRun) => number) => median(server.runs.map(pick));
  const p99 = [m(ours, (r) => r.clients.p99), m(bare, (r) => r.clients.p99)] as const;
  // All of it, not only what runs inside the append call: SQLite and Redis hand events to the
  // streams a moment later, and the socket writes of every server run after its tick.
  const perEvent = (r: SseRun) => (r.serverCpuMs * r.clients.connected) / Math.max(1, r.clients.received);
  const complete = ours.runs.every((r) => r.clients.complete === r.clients.connected && r.clients.errors.length === 0);
  const ordered = (s: Server) => s.runs.map((r) => `${r.clients.complete}/${r.clients.connected}`).join(', ');
  const label = `SSE ${ours.label}:`;
  return [
    { metric: `${label} deliveries per second`, ours: num(m(ours, (r) => r.deliveredPerSec)), baseline: num(m(bare, (r) => r.deliveredPerSec)), ratio: ratio(m(ours, (r) => r.deliveredPerSec), m(bare, (r) => r.deliveredPerSec)) },
    { metric: `${label} latency p50 (append → receipt)`, ours: ms(m(ours, (r) => r.clients.p50)), baseline: ms(m(bare, (r) => r.clients.p50)), ratio: ratio(m(ours, (r) => r.clients.p50), m(bare, (r) => r.clients.p50)) },
    { metric: `${label} latency p99`, ours: ms(p99[0]), baseline: ms(p99[1]), ratio: ratio(p99[0], p99[1]), target: `≤ ${P99_LIMIT}× bare`, pass: p99[0] <= P99_LIMIT * p99[1] },
    { metric: `${label} latency max`, ours: ms(m(ours, (r) => r.clients.max), 0), baseline: ms(m(bare, (r) => r.clients.max), 0), ratio: ratio(m(ours, (r) => r.clients.max), m(bare, (r) => r.clients.max)) },
    { metric: `${label} clients with every event, in order`, ours: ordered(ours), baseline: ordered(bare), target: 'all', pass: complete },
    { metric: `${label} server CPU per event (store, then 1,000 writes)`, ours: ms(m(ours, perEvent), 2), baseline: ms(m(bare, perEvent), 2), ratio: ratio(m(ours, perEvent), m(bare, perEvent)) },
  ];
}

/** Run the part; `broken` when a client of ours missed an event. */
export async function benchSse(options: SseOptions, rounds: number): Promise<{ rows: Row[]; broken: boolean }> {
  const offered = offeredPerSec(options);
  console.log(`\nSSE: ${options.clients} clients in one child process (node:http, agent: false), server in this process;`);
  console.log(`${options.events} events on one task in bursts of ${options.bursts.join(', ')} (repeating), one burst every ${options.everyMs} ms`);
  console.log(`(${num(offered)} events/s offered = ${num(offered * options.clients)} deliveries/s); ${rounds} rounds, the order rotated, medians.`);
  let redis: RedisServer | undefined;
  if (hasRedisServer()) redis = await startRedis();
  else console.log('  (no redis-server on PATH: the STORE=redis rows are left out)');
  try {
    const bare: Server = { label: 'bare node:http', start: startBareServer, runs: [] };
    const ours: Server[] = [{ label: 'ours on SQLite', start: () => startOurServer({ kind: 'sqlite' }), runs: [] }];
    if (redis) {
      const url = redis.url;
      ours.push({ label: 'ours on Redis', start: () => startOurServer({ kind: 'redis', url }), runs: [] });
    }
    const servers = [...ours, bare];
    for (let round = 0; round < rounds; round++) {
      const order = servers.map((_, i) => servers[(i + round) % servers.length]!);
      for (const server of order) {
        const run = await measureSse(server.start, options);
        server.runs.push(run);
        const problems = run.clients.errors.length ? `; problems: ${run.clients.errors.join('; ')}` : '';
        console.log(`  round ${round + 1}, ${server.label}: p99 ${ms(run.clients.p99)}, server CPU ${ms(run.serverCpuMs, 0)}, appends took ${ms(run.appendMs, 0)}, client CPU ${ms(run.clients.cpuMs, 0)}${problems}`);
      }
    }
    const broken = servers.some((s) => s.runs.some((r) => r.clients.complete !== r.clients.connected || r.clients.errors.length > 0));
    return { rows: ours.flatMap((o) => rowsFor(o, bare)), broken };
  } finally {
    await redis?.stop();
  }
}
