/**
 * The SSE clients of the cluster bench, run as a child process (forked by cluster-fanout.ts) so
 * the bench's own event loop (the fake model) is not shared with hundreds of parsers.
 * argv: taskId, clients, timeoutMs, then the instances' base URLs; client k follows the task's
 * stream on URL k mod n. IPC: sends `ready` once every stream is open; takes `live` with the
 * wall-clock ms from which events count as live, answers `armed`; sends `result` once every client
 * has had `stream_closed` (or the timeout passed).
 */
import http from 'node:http';

/** What the parent gets back. Latencies are receipt (`Date.now()`) minus the event's own `timestamp`, ms. */
export interface FanoutClientsResult {
  type: 'result';
  connected: number;
  /** Clients whose stream ran seq 1..N without a gap and ended with `stream_closed`. */
  complete: number;
  /** Frames received over all clients (history included). */
  frames: number;
  /** Frames of events stamped at or after the `live` mark. */
  liveFrames: number;
  p50: number;
  p99: number;
  max: number;
  /** When the last live frame arrived (wall clock, ms). */
  lastLive: number;
  /** Problems seen (the first few). */
  errors: string[];
}

type Command = { type: 'live'; from: number };

const [taskId = '', clientsArg = '300', timeoutArg = '60000', ...urls] = process.argv.slice(2);
const clients = Number(clientsArg);
const latencies: number[] = [];
let liveFrom = Number.POSITIVE_INFINITY;
let frames = 0;
let lastLive = 0;
let complete = 0;
let done = 0;
const errors: string[] = [];
const send = (message: object) => process.send?.(message);
const report = (message: string) => void (errors.length < 10 && errors.push(message));

// The parent disconnects when it has the result (or gave up): then this process is done.
process.once('disconnect', () => process.exit(0));
process.on('message', (command: Command) => {
  if (command.type !== 'live') return;
  liveFrom = command.from;
  send({ type: 'armed' });
});

/** One stream: split frames on blank lines, check seqs run 1, 2, … and time each live event. */
function follow(client: number, res: http.IncomingMessage): void {
  let buffer = '';
  let lastSeq = 0;
  let ok = true;
  let closed = false;
  const end = () => {
    if (closed) return;
    closed = true;
    if (ok) complete++;
    if (++done === clients) finish();
  };
  const fail = (message: string) => {
    ok = false;
    report(`client ${client}: ${message}`);
  };
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    const now = Date.now();
    buffer += chunk;
    const parts = buffer.split('\n\n');
    buffer = parts.pop() ?? '';
    for (const frame of parts) {
      const data = frame.split('\n').find((line) => line.startsWith('data: '));
      if (data === undefined) continue; // a heartbeat comment
      const event = JSON.parse(data.slice(6)) as { seq: number; event_type: string; timestamp: string };
      frames++;
      if (event.seq !== lastSeq + 1) fail(`seq ${event.seq} after ${lastSeq}`);
      lastSeq = event.seq;
      const stamped = Date.parse(event.timestamp);
      if (stamped >= liveFrom) {
        latencies.push(now - stamped);
        lastLive = now;
      }
      if (event.event_type === 'stream_closed') end();
    }
  });
  res.on('end', () => {
    if (!closed) fail(`stream ended after seq ${lastSeq}, before stream_closed`);
    end();
  });
  res.on('error', (error) => fail(error.message));
}

function connect(client: number): Promise<void> {
  const url = `${urls[client % urls.length]}/stream/${taskId}`;
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`client ${client}: HTTP ${res.statusCode} from ${url}`));
      follow(client, res);
      resolve();
    });
    req.on('error', reject);
  });
}

/** Nearest-rank percentile of sorted values. */
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

let finished = false;
function finish(): void {
  if (finished) return;
  finished = true;
  const sorted = [...latencies].sort((a, b) => a - b);
  const result: FanoutClientsResult = {
    type: 'result',
    connected: clients,
    complete,
    frames,
    liveFrames: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
    lastLive,
    errors,
  };
  send(result);
}

async function main(): Promise<void> {
  // 50 at a time: hundreds at once would overflow a listen backlog.
  for (let i = 0; i < clients; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, clients - i) }, (_, k) => connect(i + k)));
  }
  send({ type: 'ready' });
  setTimeout(() => {
    report(`timed out: ${done} of ${clients} clients had stream_closed`);
    finish();
  }, Number(timeoutArg)).unref();
}

main().catch((error: unknown) => {
  send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
