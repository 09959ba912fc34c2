/**
 * SSE fan-out through one configuration of the cluster bench. One research task is submitted to
 * the first instance; its workers' model calls are held at the fake model until `clients`
 * streams (a child process, cluster-sse-clients.ts, spread round-robin over the instances) are
 * open. Then the workers stream their answers slowly, so the task emits `agent_progress` events
 * for a few seconds, and every client reads the stream to `stream_closed`. Only events stamped
 * after the clients were all connected count as live; their latency is the event's own
 * `timestamp` (set where it was appended) to receipt.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FakeUpstream } from '../../test/helpers/fake-upstream.js';
import { nextMessage, stopChild } from './child-ipc.js';
import type { FanoutClientsResult } from './cluster-sse-clients.js';
import { getRecord, researchBody, submitResearch } from './cluster-throughput.js';

export interface FanoutOptions {
  clients: number;
  /** `num_agents` of the task; each worker streams its answer. */
  agents: number;
  /** Content deltas per worker answer, `chunkDelayMs` apart. */
  chunks: number;
  chunkDelayMs: number;
  timeoutMs: number;
  marker: string;
}

export interface FanoutResult {
  clients: FanoutClientsResult;
  /** Live frames per second over all clients, from the live mark to the last live frame. */
  framesPerSec: number;
  /** Live events one client saw (live frames / clients). */
  liveEvents: number;
  /** The live mark to the last live frame, ms. */
  liveMs: number;
  /** The instance that ran the task, and its final status. */
  ranOn: string;
  status: string;
}

const CLIENTS_SCRIPT = fileURLToPath(new URL('./cluster-sse-clients.ts', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Wait until `check` holds, polling every 20 ms; rejects with `what` after `timeoutMs`. */
async function until(check: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !check(); await sleep(20)) {
    if (Date.now() > deadline) throw new Error(what());
  }
}

/** A worker's answer: `chunks` deltas of 12 characters, then a citation. */
function answerText(chunks: number): string {
  return `${'The findings are clear. '.repeat(Math.ceil((chunks * 12) / 24)).slice(0, chunks * 12 - 30)} [1]\n\n1. https://example.org/a`;
}

export async function measureFanout(urls: string[], upstream: FakeUpstream, options: FanoutOptions): Promise<FanoutResult> {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const text = answerText(options.chunks);
  const isWorker = (request: { system: string; prompt: string }) => !/planner/i.test(request.system) && request.prompt.includes(options.marker);
  upstream.setScript((request) =>
    isWorker(request) ? gate.then(() => ({ kind: 'answer' as const, text, chunkSize: 12, chunkDelayMs: options.chunkDelayMs })) : undefined,
  );
  let child: ChildProcess | undefined;
  try {
    const taskId = await submitResearch(urls[0]!, researchBody(options.marker, options.agents));
    const held = () => upstream.requests.filter((r) => isWorker(r) && r.action === undefined).length;
    await until(() => held() >= options.agents, 30_000, () => `fan-out task: ${held()} of ${options.agents} worker calls reached the model`);
    const execArgv = process.execArgv.filter((arg) => !arg.startsWith('--cpu-prof'));
    child = fork(CLIENTS_SCRIPT, [taskId, String(options.clients), String(options.timeoutMs), ...urls], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await nextMessage(child, 'ready', 60_000, 'sse clients');
    await sleep(300); // the last SUBSCRIBEs reach Redis
    const from = Date.now();
    child.send({ type: 'live', from });
    await nextMessage(child, 'armed', 10_000, 'sse clients');
    const result = nextMessage<FanoutClientsResult>(child, 'result', options.timeoutMs + 10_000, 'sse clients');
    result.catch(() => undefined); // awaited below; keeps an early failure from going unhandled
    release();
    const clients = await result;
    const record = await getRecord(urls[0]!, taskId);
    const liveMs = clients.lastLive - from;
    return {
      clients,
      framesPerSec: (clients.liveFrames / liveMs) * 1000,
      liveEvents: clients.liveFrames / options.clients,
      liveMs,
      ranOn: record.instance ?? 'this',
      status: record.status,
    };
  } finally {
    release();
    upstream.setScript(undefined);
    if (child) await stopChild(child);
  }
}
