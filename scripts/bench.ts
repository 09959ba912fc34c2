/**
 * `npm run bench`: orchestration overhead against a zero-latency model, and SSE fan-out to 1,000
 * clients, each next to a baseline measured in the same run. Prints a markdown table.
 *
 * Parts: overhead, sse, health, corpus, store, quality, loop, calculate, render, cluster, memory (all by default). Name some on the
 * command line (`npm run bench -- loop store`; commas work too) or in BENCH_ONLY (comma-separated);
 * the command line wins. An unknown part stops the bench before anything runs.
 *
 * Knobs (environment): BENCH_ROUNDS, BENCH_TASKS, BENCH_AGENTS, BENCH_SSE_CLIENTS,
 * BENCH_SSE_EVENTS, BENCH_SSE_EVERY_MS, BENCH_SSE_BURSTS (a pattern: 1,2,1,8), BENCH_SSE_ROUNDS, BENCH_CORPUS_DOCS, BENCH_LOOP_TASKS,
 * BENCH_LOOP_AGENTS, BENCH_ONLY. Exits 1 only when a correctness check fails (a task not
 * completed, a client missing an event); missed speed targets are reported.
 */
import os from 'node:os';
import { loadConfig } from '../src/config.js';
import { measureOverhead, type OverheadRound } from './bench/overhead.js';
import { median, ms, num, ratio, renderTable, type Row } from './bench/report.js';
import { measureCalculate } from './bench/calculate-bench.js';
import { benchCluster } from './bench/cluster-bench.js';
import { measureCorpus } from './bench/corpus-bench.js';
import { measureHealth } from './bench/health-bench.js';
import { measureLoop } from './bench/loop-bench.js';
import { measureMemory } from './bench/memory-bench.js';
import type { SseOptions } from './bench/sse.js';
import { benchSse } from './bench/sse-part.js';
import { measureStore } from './bench/store-bench.js';
import { measureRender } from './bench/render-bench.js';
import { describeQuality, measureQuality, qualityRows } from './bench/quality.js';

const option = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};

const ROUNDS = option('BENCH_ROUNDS', 3);
const TASKS = option('BENCH_TASKS', 60);
const AGENTS = option('BENCH_AGENTS', 20);
const SSE: SseOptions = {
  clients: option('BENCH_SSE_CLIENTS', 1000),
  events: option('BENCH_SSE_EVENTS', 600),
  bursts: (process.env.BENCH_SSE_BURSTS ?? '1,2,1,4,1,2,1,8').split(',').map((b) => Math.max(1, Math.round(Number(b))) || 1),
  everyMs: option('BENCH_SSE_EVERY_MS', 50),
  timeoutMs: 60_000,
};
const SSE_ROUNDS = option('BENCH_SSE_ROUNDS', 3);
// The baseline runs as many bare calls at once as the orchestrator allows model calls by default.
const CONCURRENCY = loadConfig({}).limits.maxConcurrentAgents;
const CORPUS_DOCS = option('BENCH_CORPUS_DOCS', 10_000);
const LOOP_TASKS = option('BENCH_LOOP_TASKS', 30);
const LOOP_AGENTS = option('BENCH_LOOP_AGENTS', 20);

/** Every part, in the order they run; all of them by default. */
const PARTS = ['overhead', 'sse', 'health', 'corpus', 'store', 'quality', 'loop', 'calculate', 'render', 'cluster', 'memory'] as const;

/** The parts to run: those named on the command line, else in BENCH_ONLY, else all. */
function selectParts(argv: string[], env: string | undefined): Set<string> {
  const names = (values: string[]) => values.flatMap((v) => v.split(',')).map((p) => p.trim()).filter(Boolean);
  const fromArgv = names(argv.filter((arg) => !arg.startsWith('-')));
  const chosen = fromArgv.length > 0 ? fromArgv : names(env === undefined ? [] : [env]);
  const unknown = chosen.filter((p) => !(PARTS as readonly string[]).includes(p));
  if (unknown.length > 0) throw new Error(`unknown bench part: ${unknown.join(', ')} (parts: ${PARTS.join(', ')})`);
  return new Set(chosen.length > 0 ? chosen : PARTS);
}
const ONLY = selectParts(process.argv.slice(2), process.env.BENCH_ONLY);

async function overheadRounds(): Promise<OverheadRound[]> {
  await measureOverhead({ tasks: 10, agentsPerTask: AGENTS, baselineConcurrency: CONCURRENCY }); // warm-up, not reported
  const rounds: OverheadRound[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    rounds.push(await measureOverhead({ tasks: TASKS, agentsPerTask: AGENTS, baselineConcurrency: CONCURRENCY, baselineFirst: i % 2 === 1 }));
    const r = rounds[i]!;
    console.log(`  round ${i + 1}: ${r.agentRuns} agent runs; orchestrated ${ms(r.oursMs, 0)} (CPU ${ms(r.oursCpuMs, 0)}), bare ${ms(r.baselineMs, 0)} (CPU ${ms(r.baselineCpuMs, 0)})`);
  }
  return rounds;
}

function overheadRows(rounds: OverheadRound[]): Row[] {
  const runs = rounds[0]!.agentRuns;
  const ours = median(rounds.map((r) => r.oursMs));
  const bare = median(rounds.map((r) => r.baselineMs));
  const overhead = (ours - bare) / runs;
  const cpuOverhead = median(rounds.map((r) => (r.oursCpuMs - r.baselineCpuMs) / runs));
  return [
    { metric: 'agent runs per second (bare: streamText calls/s)', ours: num((runs / ours) * 1000), baseline: num((runs / bare) * 1000), ratio: ratio(bare, ours) },
    { metric: `time for ${num(runs)} agent runs (median of ${rounds.length})`, ours: ms(ours, 0), baseline: ms(bare, 0), ratio: ratio(ours, bare) },
    { metric: 'overhead per agent run (wall)', ours: ms(overhead, 3), target: '< 1 ms', pass: overhead < 1 },
    { metric: 'overhead per agent run (CPU time)', ours: ms(cpuOverhead, 3), target: '< 1 ms', pass: cpuOverhead < 1 },
  ];
}

async function main(): Promise<void> {
  const started = Date.now();
  const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`# mcp-orchestrator bench\n\n${os.cpus().length} CPUs, Node ${process.version}, load average ${load()}\n`);

  const rows: Row[] = [];
  let broken = false;
  if (ONLY.has('overhead')) {
    console.log(`Orchestration: ${TASKS} tasks (swarm and cascade alternating, num_agents ${AGENTS}) per round, submitted at once, default limits;`);
    console.log(`baseline: the same number of bare streamText calls, ${CONCURRENCY} at a time, after it (odd rounds) or before it (even rounds).`);
    console.log('Zero-latency in-process model for both; CPU is this process\'s user + system time.');
    rows.push(...overheadRows(await overheadRounds()));
  }
  if (ONLY.has('sse')) {
    const sse = await benchSse(SSE, SSE_ROUNDS);
    rows.push(...sse.rows);
    if (sse.broken) broken = true;
  }
  if (ONLY.has('health')) {
    console.log('\nHealth: autocannon, 10 connections, 5 s per run, ours and a bare Express 5 app alternating (two runs each).');
    rows.push(...(await measureHealth(5)));
  }
  if (ONLY.has('corpus')) {
    console.log(`\nCorpus: ${num(CORPUS_DOCS)} generated Markdown documents of ~5 KB (Zipf-distributed words), 1,000 queries of 2–4 words.`);
    rows.push(...(await measureCorpus({ documents: CORPUS_DOCS, bytesPerDocument: 5000, queries: 1000 })));
  }
  if (ONLY.has('store')) {
    console.log('\nStore: 100 running tasks × 500 agent_progress events through the event log; listing from 10,000 stored tasks.');
    rows.push(...(await measureStore({ tasks: 100, eventsPerTask: 500, listTasks: 10_000 })));
  }
  if (ONLY.has('quality')) {
    console.log('\nQuality: the fixture corpora northwind and harbor (scripts/fixtures), every gold brief, question and unanswerable');
    console.log('question as a cascade task (num_agents 8) on the offline local provider, scored against the gold (scripts/bench/quality-score.ts).');
    for (const name of ['northwind', 'harbor'] as const) {
      const quality = await measureQuality(name);
      console.log(describeQuality(quality).join('\n'));
      rows.push(...qualityRows(quality));
      if (quality.failed > 0) broken = true;
    }
  }
  if (ONLY.has('loop')) {
    console.log('\nLoop: the real server with the real offline local provider (CORPUS_DIR, default docs/); GET /health from a child process');
    console.log(`every 10 ms over loopback, 200 times idle, then while ${LOOP_TASKS} orchestrate_research tasks (num_agents ${LOOP_AGENTS}, submitted at once) run until all finish.`);
    const loop = await measureLoop({ tasks: LOOP_TASKS, agents: LOOP_AGENTS, idleProbes: 200, everyMs: 10, timeoutMs: 20 * 60_000 });
    console.log(loop.summary);
    rows.push(...loop.rows);
    if (!loop.complete) broken = true;
  }
  if (ONLY.has('calculate')) {
    console.log('\nCalculate: the real app, calculate at its defaults; one client (X-Forwarded-For) sends 20 expressions that each run to');
    console.log('the 2 s time limit, at once; another client sends 1+1 every 250 ms, 40 times; then the same with two flooding clients.');
    console.log('Baseline: the same 1+1 series on the idle server.');
    const calculate = await measureCalculate({ hostile: 20, probes: 40, everyMs: 250 });
    console.log(calculate.summary);
    rows.push(...calculate.rows);
  }

  if (ONLY.has('render')) {
    console.log('\nRender: a 60-page report per format; SSE delivery p99 (20 loopback clients, an event every 5 ms) while PDF and DOCX');
    console.log('render in the worker thread. Baseline: the same stream idle, in the same run.');
    const render = await measureRender();
    console.log(render.summary);
    rows.push(...render.rows);
  }
  if (ONLY.has('cluster') && !(await benchCluster(rows))) broken = true;
  if (ONLY.has('memory')) {
    console.log('\nMemory: the compiled server (dist/, built first) in a child under plain node --expose-gc, zero-latency model: 1,000 tasks');
    console.log('(num_agents 8, swarm and cascade alternating, 50 at a time) on SQLite, RSS and heap after gc at 500 and 1,000; the bytes task');
    console.log('saves hand to SQLite (20-agent tasks, one agent at a time); the memory store\'s heap per finished task and after a prune.');
    const memory = await measureMemory();
    console.log(memory.summary);
    rows.push(...memory.rows);
    if (!memory.complete) broken = true;
  }
  console.log(`\n${renderTable(rows)}\n`);
  console.log(`Baseline for SSE: the simplest node:http broadcaster (a set of responses, one write each). Load average at the end ${load()}; ${num((Date.now() - started) / 1000, 1)} s in all.`);
  if (broken) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
