/**
 * `npm run bench -- cluster`: tasks per second and SSE fan-out for one instance and for three on
 * one Redis, each against one `STORE=sqlite` instance measured in the same run. Three
 * configurations, started together as child processes (`src/main.ts` through tsx) on free ports,
 * each Redis one with a redis-server of its own:
 *
 *   1 × sqlite (the baseline), 1 × redis, 3 × redis.
 *
 * After a few warm-up tasks each (not reported), {@link ROUNDS} rounds, each measuring every
 * configuration in turn (the order rotated per round, so load from other processes falls on all
 * of them alike; the rows are medians): {@link TASKS} research tasks submitted by
 * {@link SUBMITTERS} concurrent clients round-robin over the instances and followed to
 * `stream_closed` (cluster-throughput.ts), then one task streamed to {@link SSE_CLIENTS} clients
 * spread over the instances (cluster-fanout.ts). Every instance gets the same limits
 * ({@link LIMITS}): with Redis `MAX_CONCURRENT_AGENTS` is one budget over all instances, while
 * `MAX_ACTIVE_TASKS` is each instance's own. The fake OpenAI-compatible model runs in this process.
 *
 * Knobs (environment): BENCH_CLUSTER_TASKS (60), BENCH_CLUSTER_SSE_CLIENTS (300), BENCH_CLUSTER_ROUNDS (3).
 */
import os from 'node:os';
import { startFakeUpstream, type FakeUpstream } from '../../test/helpers/fake-upstream.js';
import { startCluster, type Cluster } from './cluster-instances.js';
import { measureFanout, type FanoutResult } from './cluster-fanout.js';
import { measureThroughput, type ThroughputResult } from './cluster-throughput.js';
import { median, ms, num, ratio, type Row } from './report.js';

const option = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
};

const TASKS = option('BENCH_CLUSTER_TASKS', 60);
const SSE_CLIENTS = option('BENCH_CLUSTER_SSE_CLIENTS', 300);
const ROUNDS = option('BENCH_CLUSTER_ROUNDS', 3);
const SUBMITTERS = 8;
const TASK_AGENTS = 2;
/** The defaults of MAX_ACTIVE_TASKS and MAX_CONCURRENT_AGENTS, given explicitly to every instance. */
const LIMITS = { MAX_ACTIVE_TASKS: '50', MAX_CONCURRENT_AGENTS: '16' };
/** The fan-out task: 8 workers, each streaming 150 deltas 20 ms apart (about 3 s). */
const FANOUT = { agents: 8, chunks: 150, chunkDelayMs: 20 };
/** agent_progress is coalesced to one event per PROGRESS_INTERVAL_MS (default 100 ms) per agent. */
const OFFERED_EVENTS_PER_SEC = FANOUT.agents * 10;

interface Configuration {
  label: string;
  store: 'sqlite' | 'redis';
  instances: number;
}

const CONFIGURATIONS: Configuration[] = [
  { label: '1 × sqlite', store: 'sqlite', instances: 1 },
  { label: '1 × redis', store: 'redis', instances: 1 },
  { label: '3 × redis', store: 'redis', instances: 3 },
];

interface Round {
  throughput: ThroughputResult;
  fanout: FanoutResult;
}

interface Measured {
  config: Configuration;
  rounds: Round[];
}

const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const tally = (counts: Array<Record<string, number>>) => {
  const total: Record<string, number> = {};
  for (const c of counts) for (const [k, v] of Object.entries(c)) total[k] = (total[k] ?? 0) + v;
  return Object.entries(total).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k} ${v}`).join(', ');
};

/** Start every configuration at once; if one fails, the others are stopped again. */
async function startAll(upstream: FakeUpstream): Promise<Cluster[]> {
  const started = await Promise.allSettled(
    CONFIGURATIONS.map((c) => startCluster({ store: c.store, instances: c.instances, modelUrl: `${upstream.url}/v1`, env: LIMITS })),
  );
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (!failed) return started.map((s) => (s as PromiseFulfilledResult<Cluster>).value);
  await Promise.allSettled(started.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
  throw failed.reason;
}

async function measureRound(cluster: Cluster, upstream: FakeUpstream, marker: string): Promise<Round> {
  const urls = cluster.instances.map((i) => i.url);
  const throughput = await measureThroughput(urls, { tasks: TASKS, agents: TASK_AGENTS, clients: SUBMITTERS, timeoutMs: 60_000, marker });
  const fanout = await measureFanout(urls, upstream, { clients: SSE_CLIENTS, ...FANOUT, timeoutMs: 60_000, marker: `${marker}-fanout` });
  return { throughput, fanout };
}

const brief = (label: string, r: Round) =>
  `${label} ${num(r.throughput.perSec, 1)} tasks/s, SSE p50 ${ms(r.fanout.clients.p50, 0)} p99 ${ms(r.fanout.clients.p99, 0)} ${num(r.fanout.framesPerSec)} frames/s`;

/** Every configuration, `ROUNDS` times, in an order rotated per round; prints a line per round. */
async function measureAll(clusters: Cluster[], upstream: FakeUpstream): Promise<Measured[]> {
  const results: Measured[] = CONFIGURATIONS.map((config) => ({ config, rounds: [] }));
  for (const [i, cluster] of clusters.entries()) {
    // Warm-up, not reported: the first tasks of a process pay for JIT and lazy loading.
    const urls = cluster.instances.map((x) => x.url);
    await measureThroughput(urls, { tasks: 3 * urls.length, agents: TASK_AGENTS, clients: urls.length, timeoutMs: 60_000, marker: `cluster-warm-${i}` });
  }
  for (let round = 0; round < ROUNDS; round++) {
    const line: string[] = [];
    for (let k = 0; k < clusters.length; k++) {
      const i = (round + k) % clusters.length;
      const measured = await measureRound(clusters[i]!, upstream, `cluster-${round}-${i}`);
      results[i]!.rounds.push(measured);
      line.push(brief(CONFIGURATIONS[i]!.label, measured));
    }
    console.log(`  round ${round + 1}: ${line.join('; ')}`);
  }
  return results;
}

function describe(m: Measured): string {
  const done = m.rounds.reduce((n, r) => n + r.throughput.completed, 0);
  const clients = m.rounds.reduce((n, r) => n + r.fanout.clients.complete, 0);
  const events = m.rounds.map((r) => r.fanout.liveEvents);
  const problems = m.rounds.flatMap((r) => [...r.throughput.problems, ...r.fanout.clients.errors]).slice(0, 5);
  return (
    `  ${m.config.label}: ${done}/${TASKS * m.rounds.length} tasks completed, ran on ${tally(m.rounds.map((r) => r.throughput.ranOn))};` +
    ` all accepted after ${m.rounds.map((r) => ms(r.throughput.submitMs, 0)).join(', ')} of ${m.rounds.map((r) => ms(r.throughput.wallMs, 0)).join(', ')};` +
    ` fan-out tasks ran on ${m.rounds.map((r) => `${r.fanout.ranOn} (${r.fanout.status})`).join(', ')}, ${num(Math.min(...events))}–${num(Math.max(...events))}` +
    ` live events per client, ${clients}/${SSE_CLIENTS * m.rounds.length} clients complete` +
    (problems.length ? `; problems: ${problems.join('; ')}` : '')
  );
}

const isComplete = (m: Measured) =>
  m.rounds.every((r) => r.throughput.completed === TASKS && r.fanout.clients.complete === SSE_CLIENTS && r.fanout.status === 'completed');

function rows(results: Measured[]): Row[] {
  const [base, ...others] = results as [Measured, ...Measured[]];
  const out: Row[] = [];
  const series = (name: string, value: (r: Round) => number, show: (v: number) => string) => {
    const of = (m: Measured) => median(m.rounds.map(value));
    out.push({ metric: `cluster ${name}: ${base.config.label} (baseline)`, ours: show(of(base)) });
    for (const m of others) out.push({ metric: `cluster ${name}: ${m.config.label}`, ours: show(of(m)), baseline: show(of(base)), ratio: ratio(of(m), of(base)) });
  };
  const of = `median of ${ROUNDS}`;
  series(`tasks/s (${TASKS} research tasks, num_agents ${TASK_AGENTS}; ${of})`, (r) => r.throughput.perSec, (v) => num(v, 1));
  series(`SSE live latency p50 (${SSE_CLIENTS} clients; ${of})`, (r) => r.fanout.clients.p50, (v) => ms(v));
  series('SSE live latency p99', (r) => r.fanout.clients.p99, (v) => ms(v));
  series(`SSE live frames/s, all clients (${num(OFFERED_EVENTS_PER_SEC * SSE_CLIENTS)} offered)`, (r) => r.fanout.framesPerSec, (v) => num(v));
  out.push({
    metric: `cluster: every task completed, every SSE client every event gap-free (${results.map((m) => m.config.label).join(', ')})`,
    ours: results.map((m) => (isComplete(m) ? 'yes' : 'NO')).join(', '),
    target: 'all',
    pass: results.every(isComplete),
  });
  return out;
}

function printHeader(): void {
  console.log('\nCluster: instances as child processes (src/main.ts through tsx) on free ports, each Redis configuration with its own redis-server;');
  console.log(`MAX_ACTIVE_TASKS ${LIMITS.MAX_ACTIVE_TASKS} per instance, MAX_CONCURRENT_AGENTS ${LIMITS.MAX_CONCURRENT_AGENTS} (per instance with sqlite, one budget over all instances with redis); fake model in this process.`);
  console.log(`Tasks: ${TASKS} research tasks (num_agents ${TASK_AGENTS}, drummer and camina off, the model answering at once) from ${SUBMITTERS} concurrent`);
  console.log(`clients round-robin over the instances, each followed to stream_closed. SSE: ${SSE_CLIENTS} clients spread over the instances on one task of`);
  console.log(`${FANOUT.agents} workers streaming about ${num((FANOUT.chunks * FANOUT.chunkDelayMs) / 1000, 1)} s (about ${OFFERED_EVENTS_PER_SEC} events/s offered); latency = receipt − the event's own timestamp`);
  console.log(`(1 ms resolution), events stamped after every client connected. ${ROUNDS} rounds, the configurations' order rotated each round;`);
  console.log('the rows are medians. Ratio = figure ÷ the sqlite figure of this run.');
}

/** Run the part: prints its description and per-round lines, adds its rows to `table`; false if a check failed. */
export async function benchCluster(table: Row[]): Promise<boolean> {
  printHeader();
  const started = Date.now();
  console.log(`  load average at the start ${load()}`);
  const upstream = await startFakeUpstream();
  let results: Measured[];
  try {
    const clusters = await startAll(upstream);
    try {
      results = await measureAll(clusters, upstream);
    } finally {
      await Promise.allSettled(clusters.map((c) => c.stop()));
    }
  } finally {
    await upstream.close();
  }
  for (const m of results) console.log(describe(m));
  console.log(`  load average at the end ${load()}; ${num((Date.now() - started) / 1000, 1)} s for this part`);
  const produced = rows(results);
  table.push(...produced);
  return results.every(isComplete);
}
