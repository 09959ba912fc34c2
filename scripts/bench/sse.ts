import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { nextMessage, stopChild } from './child-ipc.js';
import type { ClientsResult } from './sse-clients.js';
import { wallNow, type SseTarget } from './sse-servers.js';

export interface SseOptions {
  clients: number;
  events: number;
  /**
   * Events appended together, burst after burst, one burst every `everyMs` (the pattern repeats):
   * `[1]` is a steady stream; `[1, 2, 1, 8]` is what a task of agents finishing together looks like.
   */
  bursts: number[];
  everyMs: number;
  /** Give up on the clients after this long (the run then reports the shortfall). */
  timeoutMs: number;
}

/** Events offered per second by a burst pattern. */
export const offeredPerSec = (options: Pick<SseOptions, 'bursts' | 'everyMs'>): number =>
  (options.bursts.reduce((a, b) => a + b, 0) / options.bursts.length / options.everyMs) * 1000;

/** One fan-out run against one server. */
export interface SseRun {
  name: string;
  clients: ClientsResult;
  /** Deliveries (events × clients) per second, from the first append to the last receipt. */
  deliveredPerSec: number;
  /** How long the appends took (the offered pace, or longer if the server fell behind). */
  appendMs: number;
  /** CPU the server process used from the first append until the clients had everything, ms. */
  serverCpuMs: number;
}

const CLIENTS_SCRIPT = fileURLToPath(new URL('./sse-clients.ts', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Append `events` bench events in bursts of the pattern on a fixed schedule (late bursts go at once); returns when it started. */
async function pace(target: SseTarget, options: SseOptions): Promise<number> {
  const started = wallNow();
  for (let i = 0, burst = 0; i < options.events; burst++) {
    const due = started + burst * options.everyMs - wallNow();
    if (due > 0) await sleep(due);
    const size = options.bursts[burst % options.bursts.length]!;
    for (const end = Math.min(i + size, options.events); i < end; i++) target.broadcast(i);
  }
  return started;
}

/**
 * Start a server, open `clients` streams from a child process, append `events` bench events,
 * and collect what the clients saw. Stops the server and the child whatever happens.
 */
export async function measureSse(start: () => Promise<SseTarget>, options: SseOptions): Promise<SseRun> {
  const target = await start();
  const args = [target.url, String(options.clients), String(options.events), String(options.timeoutMs)];
  // The child gets tsx's loader flags but not --cpu-prof, so profiling the bench profiles the server.
  const execArgv = process.execArgv.filter((arg) => !arg.startsWith('--cpu-prof'));
  const child = fork(CLIENTS_SCRIPT, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    await nextMessage(child, 'ready', 30_000, 'sse clients');
    for (let waited = 0; target.subscribers() < options.clients; waited += 10) {
      if (waited > 5_000) throw new Error(`${target.name}: only ${target.subscribers()} of ${options.clients} clients subscribed`);
      await sleep(10);
    }
    const result = nextMessage<ClientsResult>(child, 'result', options.timeoutMs + 10_000, 'sse clients');
    result.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
    const cpuBefore = process.cpuUsage();
    const firstAppend = await pace(target, options);
    const appendMs = wallNow() - firstAppend;
    const clients = await result;
    const cpu = process.cpuUsage(cpuBefore);
    const deliveredPerSec = (clients.received / (clients.lastReceipt - firstAppend)) * 1000;
    return { name: target.name, clients, deliveredPerSec, appendMs, serverCpuMs: (cpu.user + cpu.system) / 1000 };
  } finally {
    await target.close();
    await stopChild(child);
  }
}
