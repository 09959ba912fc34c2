/**
 * Does `GET /health` stay responsive while real work runs? The real server (createServices with
 * the real offline `local` provider, reading CORPUS_DIR — the project's docs/ by default) in this
 * process; a probe in a child process (this file, forked) asks for `/health` over loopback HTTP
 * on a fixed schedule, first while the server is idle, then while `tasks` research tasks of
 * `agents` agents each run, until every one has finished. The probe has its own event loop, so a
 * late answer is the server's lateness, not the probe's.
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config.js';
import { createApp } from '../../src/http/app.js';
import { securityFromConfig } from '../../src/http/middleware/security.js';
import { createHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import type { TaskRecord } from '../../src/orchestrator/task.js';
import { createServices, type Services } from '../../src/services.js';
import { nextMessage, stopChild } from './child-ipc.js';
import { ms, num, ratio, type Row } from './report.js';

export interface LoopOptions {
  /** Research tasks submitted at once (`MAX_ACTIVE_TASKS` is raised to at least this). */
  tasks: number;
  /** `num_agents` of each task. */
  agents: number;
  /** Probes in the idle baseline. */
  idleProbes: number;
  /** Gap between probes, ms (open loop: a slow answer does not delay the next probe). */
  everyMs: number;
  /** Give up on the tasks after this long. */
  timeoutMs: number;
}

/** Latency percentiles of one series of probes, ms. */
export interface ProbeStats {
  count: number;
  errors: number;
  p50: number;
  p99: number;
  max: number;
}

export interface LoopResult {
  rows: Row[];
  /** Every task ended `completed` (the only failure; a slow or failed probe is a figure, reported). */
  complete: boolean;
  /** One line for the console: tasks, model calls, failures, the server's own event-loop delay. */
  summary: string;
}

/** Twenty parts, so the planner gives each task its 20 workers (num_agents is only an upper bound). */
export const LOOP_TASK =
  'Brief me on the server: (1) how streams resume after a disconnect, (2) how webhooks are signed, (3) how a backup is taken, ' +
  '(4) how cancellation works, (5) retries and backoff, (6) rate limits, (7) API keys, (8) CORS, (9) the SQLite store, ' +
  '(10) retention, (11) graceful shutdown, (12) MCP over stdio, (13) the Caddy proxy, (14) systemd, (15) metrics, ' +
  '(16) error tracking, (17) the web console, (18) the CLI, (19) the cascade pattern, (20) the swarm pattern.';

// ---- the probe (child process) ----

type ProbeCommand = { type: 'run'; url: string; everyMs: number; count?: number } | { type: 'stop' };
type ProbeReply = { type: 'ready' } | { type: 'result'; latencies: number[]; errors: number };

const sleep = (msToWait: number) => new Promise((resolve) => setTimeout(resolve, msToWait));

/** One `GET`, timed from the request to the end of the answer; a non-200 or 30 s without an answer rejects. */
function timedGet(url: string, agent: http.Agent): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`status ${res.statusCode}`))));
    });
    req.setTimeout(30_000, () => req.destroy(new Error('no answer within 30 s')));
    req.on('error', reject);
  });
}

/** Probe every `everyMs` on a fixed schedule, `count` times or until stopped; waits for the last answers. */
async function probeSeries(command: Extract<ProbeCommand, { type: 'run' }>, stopped: () => boolean): Promise<ProbeReply> {
  const agent = new http.Agent({ keepAlive: true });
  const latencies: number[] = [];
  let errors = 0;
  const inFlight: Array<Promise<void>> = [];
  const started = performance.now();
  for (let i = 0; command.count === undefined ? !stopped() : i < command.count; i++) {
    const due = started + i * command.everyMs - performance.now();
    if (due > 0) await sleep(due);
    inFlight.push(timedGet(command.url, agent).then((t) => void latencies.push(t), () => void errors++));
  }
  await Promise.all(inFlight);
  agent.destroy();
  return { type: 'result', latencies, errors };
}

function runProbe(): void {
  let stopped = false;
  const send = (reply: ProbeReply) => process.send?.(reply);
  process.on('message', (command: ProbeCommand) => {
    if (command.type === 'stop') stopped = true;
    else {
      stopped = false;
      void probeSeries(command, () => stopped).then(send);
    }
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready' });
}

const THIS_FILE = fileURLToPath(import.meta.url);
if (process.argv[1] && path.resolve(process.argv[1]) === THIS_FILE) runProbe();

// ---- the bench (this process) ----

/** Nearest-rank percentile of sorted values. */
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

function stats(reply: { latencies: number[]; errors: number }): ProbeStats {
  const sorted = [...reply.latencies].sort((a, b) => a - b);
  return { count: sorted.length, errors: reply.errors, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN };
}

/** The real server as main.ts wires it — real `local` provider, memory store, temp DATA_DIR — on a free port. */
async function startServer(options: LoopOptions) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-loop-'));
  const config = loadConfig({
    STORE: 'memory',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    SHUTDOWN_GRACE_MS: '0',
    MAX_ACTIVE_TASKS: String(Math.max(30, options.tasks)),
    ORCHESTRATE_RATE_LIMIT_PER_MIN: '0', // 30 submissions at once would hit the default of 30/min
  });
  // Log lines are formatted (a real cost) and thrown away.
  const logger = createLogger({ level: config.logLevel, destination: new Writable({ write: (_c, _e, done) => done() }) });
  const services = await createServices(config, logger);
  if (services.models.defaultProvider !== 'local') throw new Error(`loop bench: the default provider is ${services.models.defaultProvider}, not local`);
  const app = createApp({ ...services, publicBaseUrl: config.publicBaseUrl, trustProxy: config.trustProxy, sse: config.sse, security: securityFromConfig(config) });
  const server = createHttpServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = async () => {
    await services.close();
    app.streams.closeAll();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  return { url, services, close };
}

async function submitAll(url: string, options: LoopOptions): Promise<string[]> {
  const body = JSON.stringify({ task: LOOP_TASK, num_agents: options.agents });
  const post = async () => {
    const res = await fetch(`${url}/tools/orchestrate_research`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    if (res.status !== 202) throw new Error(`loop bench: orchestrate_research answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { task_id: string }).task_id;
  };
  return Promise.all(Array.from({ length: options.tasks }, post));
}

/**
 * Wait for every task's `stream_closed` event. Polling the records instead (each read is a deep
 * copy of a live record) would itself load the server it measures.
 */
async function untilClosed(services: Services, ids: string[], timeoutMs: number): Promise<void> {
  const records = await Promise.all(ids.map((id) => services.orchestrator.get(id)));
  const open = new Set(records.filter((r) => !r.completed_at).map((r) => r.task_id));
  if (open.size === 0) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(finish, timeoutMs);
    const stop = services.events.onAppend((event) => {
      if (event.event_type === 'stream_closed' && open.delete(event.task_id) && open.size === 0) finish();
    });
    function finish() {
      clearTimeout(timer);
      stop();
      resolve();
    }
  });
}

const readRecords = (services: Services, ids: string[]): Promise<TaskRecord[]> => Promise.all(ids.map((id) => services.orchestrator.get(id)));

function rows(idle: ProbeStats, load: ProbeStats, wallMs: number, options: LoopOptions): Row[] {
  const during = `while ${options.tasks} research tasks (num_agents ${options.agents}) run on local`;
  return [
    { metric: `GET /health p50 ${during} (idle as baseline)`, ours: ms(load.p50), baseline: ms(idle.p50), ratio: ratio(load.p50, idle.p50) },
    { metric: `GET /health p99 ${during}`, ours: ms(load.p99), baseline: ms(idle.p99), ratio: ratio(load.p99, idle.p99), target: '< 100 ms', pass: load.p99 < 100 },
    { metric: `GET /health max ${during}`, ours: ms(load.max, 0), baseline: ms(idle.max, 0), ratio: ratio(load.max, idle.max) },
    { metric: `wall time of ${options.tasks} research tasks (num_agents ${options.agents}) on local`, ours: ms(wallMs, 0) },
  ];
}

/** Run the bench; stops the server and the probe whatever happens. */
export async function measureLoop(options: LoopOptions): Promise<LoopResult> {
  const target = await startServer(options);
  const execArgv = process.execArgv.filter((arg) => !arg.startsWith('--cpu-prof'));
  const child = fork(THIS_FILE, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  try {
    await nextMessage(child, 'ready', 30_000, 'loop probe');
    const health = `${target.url}/health`;
    // Warm-up, not reported: the first answers pay for JIT and lazy initialisation.
    child.send({ type: 'run', url: health, everyMs: options.everyMs, count: 50 } satisfies ProbeCommand);
    await nextMessage(child, 'result', 60_000, 'loop probe');
    // …and so do the first research task and the first client request of this process (fetch loads
    // undici on first use): one task, run to its end before anything is measured.
    await untilClosed(target.services, await submitAll(target.url, { ...options, tasks: 1 }), options.timeoutMs);
    child.send({ type: 'run', url: health, everyMs: options.everyMs, count: options.idleProbes } satisfies ProbeCommand);
    const idle = stats(await nextMessage<Extract<ProbeReply, { type: 'result' }>>(child, 'result', 60_000, 'loop probe'));

    child.send({ type: 'run', url: health, everyMs: options.everyMs } satisfies ProbeCommand);
    const underLoad = nextMessage<Extract<ProbeReply, { type: 'result' }>>(child, 'result', options.timeoutMs + 60_000, 'loop probe');
    underLoad.catch(() => undefined); // awaited below; keeps an early failure from going unhandled
    loopDelay.enable();
    const ids = await submitAll(target.url, options);
    await untilClosed(target.services, ids, options.timeoutMs);
    loopDelay.disable();
    child.send({ type: 'stop' } satisfies ProbeCommand);
    const load = stats(await underLoad);
    // Read once the probe has stopped: copying 30 finished records is the bench's work, not the tasks'.
    const records = await readRecords(target.services, ids);

    const first = Math.min(...records.map((r) => Date.parse(r.created_at)));
    const last = Math.max(...records.map((r) => Date.parse(r.completed_at ?? new Date().toISOString())));
    const notDone = records.filter((r) => r.status !== 'completed');
    const calls = records.reduce((n, r) => n + r.progress.agents_total, 0);
    // The planner may split a task into fewer sub-questions than num_agents asks for: say how many it ran.
    const workers = records.map((r) => r.result?.subtasks?.length ?? 0);
    const problems = notDone.length ? `; NOT completed: ${notDone.map((r) => `${r.task_id} ${r.status}${r.error ? ` (${r.error.code})` : ''}`).join(', ')}` : '';
    const summary =
      `  ${records.length - notDone.length}/${records.length} tasks completed; ${Math.min(...workers)}–${Math.max(...workers)} workers per task` +
      ` (num_agents ${options.agents}), ${num(calls)} model calls in all; probes ${idle.count} idle, ${load.count} under load` +
      ` (${idle.errors + load.errors} errors); server event-loop delay under load p99 ${ms(loopDelay.percentile(99) / 1e6, 0)}, max ${ms(loopDelay.max / 1e6, 0)}${problems}`;
    return { rows: rows(idle, load, last - first, options), complete: notDone.length === 0, summary };
  } finally {
    loopDelay.disable();
    await stopChild(child);
    await target.close();
  }
}
