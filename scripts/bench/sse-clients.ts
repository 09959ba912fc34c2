/**
 * The SSE clients, run as a child process (forked by sse.ts) so the server's event loop is not
 * shared with 1,000 parsers. argv: url, clients, events, timeoutMs. Talks to the parent over IPC:
 * sends `ready` once every stream is open, then `result` once every client has every event
 * (or the timeout passes).
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

/** What the parent gets back. Times are wall-clock ms (`performance.timeOrigin + now()`). */
export interface ClientsResult {
  type: 'result';
  connected: number;
  /** Clients that got exactly events 0..n-1 in order, with gap-free ids. */
  complete: number;
  received: number;
  /** Problems seen (first few), empty when every stream was perfect. */
  errors: string[];
  lastReceipt: number;
  /** Append-to-receipt latency percentiles over every delivery, ms. */
  p50: number;
  p99: number;
  max: number;
  /** CPU this process used from the first bench event to the last, ms. */
  cpuMs: number;
}

const [url = '', clientsArg = '1000', eventsArg = '1000', timeoutArg = '60000'] = process.argv.slice(2);
const clients = Number(clientsArg);
const events = Number(eventsArg);
const latencies = new Float64Array(clients * events);
let received = 0;
let done = 0; // clients that got all `events` bench events
let complete = 0; // ... in order, with gap-free ids
let lastReceipt = 0;
let cpuAtFirst: NodeJS.CpuUsage | undefined;
const errors: string[] = [];
const wallNow = () => performance.timeOrigin + performance.now();
const send = (message: object) => process.send?.(message);

function report(message: string): void {
  if (errors.length < 10) errors.push(message);
}

/** One stream: split frames on blank lines, check `id`s are gap-free and bench events arrive in order. */
function follow(client: number, res: http.IncomingMessage): void {
  let buffer = '';
  let lastId = -1;
  let nextI = 0;
  let ok = true;
  const fail = (message: string) => {
    ok = false;
    report(`client ${client}: ${message}`);
  };
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    const now = wallNow();
    buffer += chunk;
    const frames = buffer.split('\n\n');
    buffer = frames.pop() ?? '';
    for (const frame of frames) {
      let id = -1;
      let data: string | undefined;
      for (const line of frame.split('\n')) {
        const colon = line.indexOf(':');
        if (colon <= 0) continue; // a comment (heartbeat), or a field with no value
        const field = line.slice(0, colon);
        const value = line.slice(line[colon + 1] === ' ' ? colon + 2 : colon + 1);
        if (field === 'id') id = Number(value);
        else if (field === 'data') data = data === undefined ? value : `${data}\n${value}`;
      }
      if (data === undefined) continue;
      if (lastId >= 0 && id !== lastId + 1) fail(`id ${id} after ${lastId}`);
      lastId = id;
      const event = JSON.parse(data) as { agent_id?: string; data: { i?: number; sent_at?: number } };
      if (event.agent_id !== 'bench') continue; // the task's own events before the bench
      cpuAtFirst ??= process.cpuUsage();
      if (event.data.i !== nextI) fail(`event ${event.data.i} when ${nextI} was due`);
      latencies[received++] = now - (event.data.sent_at ?? now);
      lastReceipt = now;
      if (++nextI === events) {
        if (ok) complete++;
        if (++done === clients) finish();
      }
    }
  });
  res.on('error', (error) => fail(error.message));
}

function connect(client: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`client ${client}: HTTP ${res.statusCode}`));
      follow(client, res);
      resolve();
    });
    req.on('error', reject);
  });
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
}

let finished = false;
function finish(): void {
  if (finished) return;
  finished = true;
  const cpu = process.cpuUsage(cpuAtFirst);
  const sorted = latencies.subarray(0, received).sort();
  const result: ClientsResult = {
    type: 'result',
    connected: clients,
    complete,
    received,
    errors,
    lastReceipt,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
  send(result);
  // The parent ends the streams and disconnects; then nothing keeps this process alive.
  process.once('disconnect', () => process.exit(0));
}

async function main(): Promise<void> {
  // Open 100 at a time: all 1,000 at once would overflow the listen backlog.
  for (let i = 0; i < clients; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, clients - i) }, (_, k) => connect(i + k)));
  }
  send({ type: 'ready' });
  setTimeout(() => {
    report(`timed out: ${done} of ${clients} clients got every event`);
    finish();
  }, Number(timeoutArg)).unref();
}

main().catch((error: unknown) => {
  send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
