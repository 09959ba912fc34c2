/**
 * Is `calculate` still quick for everyone while one client floods it? The real app (createApp
 * over the real services) on a loopback port, with `calculate` at its defaults (a pool of
 * min(2, CPUs) evaluators, 2 s time limit, 16 calls pending per client). One client sends
 * `hostile` expressions that each run to the time limit, all at once; another client then asks for
 * `1+1` every `everyMs`. Then the same with two flooding clients. The baseline is the same `1+1`
 * series on the same server, idle, in the same run. The clients are told apart by `X-Forwarded-For` (trust proxy on), as behind Caddy.
 */
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createApp } from '../../src/http/app.js';
import { createHttpServer } from '../../src/http/server.js';
import { createCalculateTool, type CalculateTool } from '../../src/tools/builtin/calculate.js';
import { createToolRegistry } from '../../src/tools/registry.js';
import { median, ms, ratio, type Row } from './report.js';
import { createBenchServices } from './services.js';

export interface CalculateBenchOptions {
  /** Expressions that run to the time limit, sent at once by each flooding client. */
  hostile: number;
  /** `1+1` calls per series (idle, then behind the hostile ones), one every `everyMs`. */
  probes: number;
  everyMs: number;
}

/** Runs to any time limit: a loop of 5e8 steps. */
const HOSTILE = 'combinations(1e9, 5e8)';
const PROBE_CLIENT = '10.0.0.100';
const sleep = (msToWait: number) => new Promise((resolve) => setTimeout(resolve, msToWait));

type Call = (expression: string, client: string, signal?: AbortSignal) => Promise<number>;

/** `calculate` over `POST /tools/execute_registered_tool`; resolves with the status, checks `1+1`. */
function caller(url: string): Call {
  return async (expression, client, signal) => {
    const res = await fetch(`${url}/tools/execute_registered_tool`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
      body: JSON.stringify({ tool_name: 'calculate', arguments: { expression } }),
      signal,
    });
    const body = (await res.json()) as { result?: { value?: unknown } };
    if (expression === '1+1' && (res.status !== 200 || body.result?.value !== 2)) throw new Error(`1+1 answered ${res.status} ${JSON.stringify(body)}`);
    return res.status;
  };
}

/** Latencies of `count` `1+1` calls, one every `everyMs` (or right after the last one answered), ms. */
async function probe(call: Call, count: number, everyMs: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await call('1+1', PROBE_CLIENT);
    latencies.push(performance.now() - started);
    await sleep(Math.max(0, everyMs - latencies[i]!));
  }
  return latencies;
}

/** Each client sends `count` hostile calls at once; resolves once every one is queued, running or refused. */
async function flood(call: Call, tool: CalculateTool, clients: string[], count: number) {
  const controller = new AbortController();
  const statuses: number[] = [];
  const calls = clients.flatMap((client) =>
    Array.from({ length: count }, () => call(HOSTILE, client, controller.signal).then((status) => void statuses.push(status), () => void statuses.push(0))),
  );
  while (statuses.length + tool.stats().pending < calls.length) await sleep(5);
  return { statuses, abort: () => controller.abort(), done: Promise.all(calls) };
}

interface Scenario {
  behind: number[];
  refused: number;
  admitted: number;
  /** Hostile calls still pending after the last probe: the probes ran behind a full backlog. */
  backlog: number;
  /** From the flooding clients hanging up to nothing pending: their calls dropped, their evaluators replaced. */
  freedMs: number;
}

/** Flood from `clients`, probe meanwhile, then hang the flooding clients up. */
async function scenario(call: Call, tool: CalculateTool, clients: string[], options: CalculateBenchOptions): Promise<Scenario> {
  const run = await flood(call, tool, clients, options.hostile);
  const refused = run.statuses.filter((s) => s === 429).length;
  const behind = await probe(call, options.probes, options.everyMs);
  const backlog = tool.stats().pending;
  const hungUp = performance.now();
  run.abort(); // the flooding clients hang up: their calls are dropped, their evaluators killed
  await run.done;
  while (tool.stats().pending > 0) await sleep(5);
  return { behind, refused, admitted: clients.length * options.hostile - refused, backlog, freedMs: performance.now() - hungUp };
}

function describe(name: string, s: Scenario, everyMs: number): string {
  return `  ${name}: ${s.refused} hostile calls refused with 429 at once, ${s.admitted} admitted; ${s.behind.length} × 1+1, one every ${everyMs} ms,` +
    ` answered with ${s.backlog} hostile still pending; after the flooders hung up, nothing was pending (calls dropped, evaluators replaced) in ${ms(s.freedMs, 0)}.`;
}

function scenarioRows(name: string, s: Scenario, idle: number[]): Row[] {
  const worst = Math.max(...s.behind);
  return [
    { metric: `calculate: 1+1 ${name}, median of ${s.behind.length}`, ours: ms(median(s.behind)), baseline: `${ms(median(idle))} (idle)`, ratio: ratio(median(s.behind), median(idle)) },
    { metric: `calculate: 1+1 ${name}, worst`, ours: ms(worst), baseline: `${ms(Math.max(...idle))} (idle)`, ratio: ratio(worst, Math.max(...idle)), ...(name.startsWith('behind 20') ? { target: '< 1 s', pass: worst < 1_000 } : {}) },
  ];
}

export async function measureCalculate(options: CalculateBenchOptions): Promise<{ summary: string; rows: Row[] }> {
  const bench = await createBenchServices();
  const { services } = bench;
  const tool = createCalculateTool();
  const app = createApp({ ...services, registry: createToolRegistry([tool]), trustProxy: true, sse: services.config.sse });
  const server = createHttpServer(app).listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const call = caller(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  try {
    await probe(call, 5, 0); // warm-up: the evaluators start on first use
    while (tool.stats().idle < tool.stats().size) await sleep(10);
    const idle = await probe(call, options.probes, options.everyMs);
    const one = await scenario(call, tool, ['10.0.0.1'], options);
    const two = await scenario(call, tool, ['10.0.0.1', '10.0.0.2'], options);
    const stats = tool.stats();
    const summary = [
      `  pool of ${stats.size} evaluators; ${stats.processesKilled} killed and replaced in all (time limit or hang-up), ${stats.cancelled} calls cancelled.`,
      describe(`one flooding client`, one, options.everyMs),
      describe(`two flooding clients`, two, options.everyMs),
    ].join('\n');
    return {
      summary,
      rows: [
        ...scenarioRows(`behind ${options.hostile} hostile calls of one other client`, one, idle),
        ...scenarioRows(`behind 2 other clients × ${options.hostile} hostile calls`, two, idle),
      ],
    };
  } finally {
    await tool.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await bench.close();
  }
}
