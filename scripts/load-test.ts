/**
 * `npm run load-test -- [URL] [options]`: a bounded, mixed load against a running server on
 * loopback, with autocannon. Four scenarios run at the same time:
 *
 *   health       GET /health
 *   status       POST /tools/get_orchestration_status of finished tasks
 *   stream       GET /stream/<finished task> (the whole history, to stream_closed)
 *   orchestrate  POST /tools/orchestrate_search at a fixed rate (each one a real task)
 *
 * plus live streams: tasks started one after another and read to their end, timing the first
 * frame and the whole task. Prints throughput, latency percentiles and errors per scenario.
 *
 * Run the server with the offline model and no rate limits (or see the 429s counted):
 *   DEFAULT_PROVIDER=local STORE=memory PORT=5077 RATE_LIMIT_PER_MIN=0 ORCHESTRATE_RATE_LIMIT_PER_MIN=0 npm start
 *   npm run load-test -- http://127.0.0.1:5077 --duration 20
 *
 * Options: --duration S (default 10, at most 120), --connections N (per scenario, default 10),
 * --orchestrate-rate N (tasks per second, default 5), --max-requests N (per scenario, default
 * 200000), --api-key KEY, --agents N (num_agents of each task, default 2). Loopback targets only.
 */
import autocannon from 'autocannon';

interface Options {
  url: URL;
  /** Path prefix of the server (`/mcp` behind Caddy), without a trailing slash. */
  base: string;
  duration: number;
  connections: number;
  orchestrateRate: number;
  maxRequests: number;
  apiKey?: string;
  agents: number;
}

function parseArgs(argv: string[]): Options {
  const flags = new Map<string, string>();
  let url = 'http://127.0.0.1:5060';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith('--')) flags.set(arg.slice(2), argv[++i] ?? '');
    else url = arg;
  }
  const num = (name: string, fallback: number, max: number) => {
    const value = Number(flags.get(name) ?? fallback);
    if (!Number.isFinite(value) || value <= 0 || value > max) throw new Error(`--${name} must be a number in (0, ${max}]`);
    return value;
  };
  const target = new URL(url.replace(/\/+$/, ''));
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname)) {
    throw new Error(`load-test: ${target.hostname} is not loopback; this script only loads a server on this machine`);
  }
  return {
    url: target,
    base: target.pathname.replace(/\/+$/, ''),
    duration: num('duration', 10, 120),
    connections: Math.round(num('connections', 10, 1000)),
    orchestrateRate: num('orchestrate-rate', 5, 200),
    maxRequests: Math.round(num('max-requests', 200_000, 10_000_000)),
    apiKey: flags.get('api-key'),
    agents: Math.round(num('agents', 2, 20)),
  };
}

const JSON_HEADERS = { 'content-type': 'application/json' };

function headers(options: Options, extra: Record<string, string> = {}): Record<string, string> {
  return { ...extra, ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}) };
}

const searchBody = (options: Options, n: number) => JSON.stringify({ query: `load test ${n}: how do tides work`, num_agents: options.agents, timeout: 60 });

async function post(options: Options, path: string, body: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${options.url.origin}${options.base}${path}`, { method: 'POST', headers: headers(options, JSON_HEADERS), body });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

/** A few finished tasks for the status and stream scenarios. */
async function warmUp(options: Options, count = 5): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push((await post(options, '/tools/orchestrate_search', searchBody(options, i))).task_id as string);
  const deadline = Date.now() + 60_000;
  for (const id of ids) {
    for (;;) {
      const record = await post(options, '/tools/get_orchestration_status', JSON.stringify({ task_id: id }));
      if (record.status === 'completed') break;
      if (record.status === 'failed' || record.status === 'cancelled') throw new Error(`warm-up task ${id} ended ${record.status}`);
      if (Date.now() > deadline) throw new Error('warm-up tasks did not complete within 60 s: is the server using a model that answers?');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return ids;
}

const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)]!;

function scenario(options: Options, title: string, extra: Partial<autocannon.Options>): Promise<autocannon.Result> {
  return autocannon({
    url: options.url.origin,
    title,
    connections: options.connections,
    duration: options.duration,
    maxOverallRequests: options.maxRequests,
    headers: headers(options),
    ...extra,
  });
}

interface LiveStats {
  tasks: number;
  firstFrameMs: number[];
  totalMs: number[];
  frames: number;
  errors: number;
}

/** Start tasks one after another for `duration` and read each stream to its end. */
async function liveStreams(options: Options, parallel = 4): Promise<LiveStats> {
  const stats: LiveStats = { tasks: 0, firstFrameMs: [], totalMs: [], frames: 0, errors: 0 };
  const until = Date.now() + options.duration * 1000;
  const worker = async (w: number) => {
    for (let n = 0; Date.now() < until; n++) {
      const started = performance.now();
      try {
        const task = await post(options, '/tools/orchestrate_search', searchBody(options, w * 1e6 + n));
        const accepted = performance.now();
        const res = await fetch(new URL(String(task.stream_url), options.url), { headers: headers(options, { accept: 'text/event-stream' }), signal: AbortSignal.timeout(90_000) });
        if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
        let first = true;
        const decoder = new TextDecoder();
        for await (const chunk of res.body) {
          const frames = decoder.decode(chunk, { stream: true }).split('\n\n').length - 1;
          if (frames > 0 && first) {
            stats.firstFrameMs.push(performance.now() - accepted);
            first = false;
          }
          stats.frames += frames;
        }
        stats.totalMs.push(performance.now() - started);
        stats.tasks++;
      } catch {
        stats.errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, (_, w) => worker(w)));
  return stats;
}

const pct = (values: number[], p: number) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const f = (n: number) => (Number.isFinite(n) ? n.toFixed(n < 10 ? 1 : 0) : '–');

function report(results: autocannon.Result[], live: LiveStats, options: Options): void {
  const lines = [
    `| scenario | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | non-2xx | errors | timeouts |`,
    `|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|`,
  ];
  for (const r of results) {
    const codes = Object.entries(r.statusCodeStats ?? {}).filter(([code]) => !code.startsWith('2')).map(([code, s]) => `${code}×${s.count}`);
    lines.push(
      `| ${r.title} | ${r.requests.total} | ${f(r.requests.average)} | ${r.latency.p50} | ${r.latency.p90} | ${r.latency.p99} | ${r.latency.max} | ${r.non2xx}${codes.length ? ` (${codes.join(', ')})` : ''} | ${r.errors} | ${r.timeouts} |`,
    );
  }
  console.log(`\nmcp-orchestrator load test: ${options.url.href}, ${options.duration} s, ${options.connections} connections per scenario\n`);
  console.log(lines.join('\n'));
  console.log(
    `\nlive streams: ${live.tasks} tasks read to the end (${live.frames} frames, ${live.errors} errors); ` +
      `first frame after the 202 p50 ${f(pct(live.firstFrameMs, 50))} ms, p99 ${f(pct(live.firstFrameMs, 99))} ms; ` +
      `start to stream_closed p50 ${f(pct(live.totalMs, 50))} ms, p99 ${f(pct(live.totalMs, 99))} ms`,
  );
  if (results.some((r) => r.statusCodeStats?.['429'])) {
    console.log('\n429s: the server rate-limits; run it with RATE_LIMIT_PER_MIN=0 ORCHESTRATE_RATE_LIMIT_PER_MIN=0 to measure it unthrottled.');
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const health = await fetch(`${options.url.origin}${options.base}/health`).catch((e: Error) => {
    throw new Error(`no server at ${options.url.href} (${e.message}); start one first (see the header of this script)`);
  });
  if (!health.ok) throw new Error(`${options.url.href}/health answered ${health.status}`);
  const ids = await warmUp(options);
  let n = 0;
  const base = options.base;
  const [results, live] = await Promise.all([
    Promise.all([
    scenario(options, 'GET /health', { requests: [{ method: 'GET', path: `${base}/health` }] }),
    scenario(options, 'POST get_orchestration_status', {
      requests: [{ method: 'POST', path: `${base}/tools/get_orchestration_status`, headers: headers(options, JSON_HEADERS), setupRequest: (req) => ({ ...req, body: JSON.stringify({ task_id: pick(ids) }) }) }],
    }),
    scenario(options, 'GET /stream (replay)', {
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `${base}/stream/${pick(ids)}` }) }],
    }),
    scenario(options, 'POST orchestrate_search', {
      connections: Math.min(options.connections, 4),
      overallRate: options.orchestrateRate,
      requests: [{ method: 'POST', path: `${base}/tools/orchestrate_search`, headers: headers(options, JSON_HEADERS), setupRequest: (req) => ({ ...req, body: searchBody(options, ++n) }) }],
    }),
    ]),
    liveStreams(options),
  ]);
  report(results, live, options);
}

main().catch((error: Error) => {
  console.error(`load-test: ${error.message}`);
  process.exit(1);
});
