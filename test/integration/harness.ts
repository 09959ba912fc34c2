import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TaskEvent } from '../../src/events/event.js';
import type { TaskRecord } from '../../src/orchestrator/task.js';
import {
  CAMINA_SYSTEM,
  DRUMMER_SYSTEM,
  PLANNER_SYSTEM,
  SWARM_SYNTHESIS_SYSTEM,
  SWARM_SYSTEMS,
  WORKER_SYSTEM,
} from '../../src/orchestrator/prompts.js';
import { startFakeUpstream, type FakeUpstream, type UpstreamRequest, type UpstreamScript } from '../helpers/fake-upstream.js';
import { openTaskStream } from '../helpers/sse-client.js';
import { startTestServer, waitFor, type TestServer } from '../helpers/test-server.js';

/** A test server whose `openai` (and optionally `xai`) provider talks to a fake upstream over HTTP. */
export interface Stack {
  upstream: FakeUpstream;
  server: TestServer;
  close(): Promise<void>;
}

/** Which agent role sent an upstream request, told by its system prompt. */
export function roleOf(request: UpstreamRequest): 'planner' | 'worker' | 'drummer' | 'camina' | 'search' | 'synthesizer' | 'unknown' {
  const system = request.system;
  if (system === PLANNER_SYSTEM) return 'planner';
  if (system === WORKER_SYSTEM) return 'worker';
  if (system === DRUMMER_SYSTEM) return 'drummer';
  if (system === CAMINA_SYSTEM) return 'camina';
  if (system === SWARM_SYNTHESIS_SYSTEM) return 'synthesizer';
  if (Object.values(SWARM_SYSTEMS).includes(system)) return 'search';
  return 'unknown';
}

/** Whether a worker request is for the planner's n-th sub-question (`sub-question n`). */
export function isSubQuestion(request: UpstreamRequest, n: number): boolean {
  return roleOf(request) === 'worker' && new RegExp(`sub-question ${n}$`).test(request.prompt.trim());
}

/** A PRICES_FILE with the given entries, in a temp dir removed by `cleanup`. */
export function writePrices(entries: Record<string, { input_per_mtok: number; output_per_mtok: number }>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-prices-'));
  const file = path.join(dir, 'prices.json');
  fs.writeFileSync(file, JSON.stringify(entries));
  return { file, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Start a fake upstream and a test server pointed at it (`openai` provider, MAX_CONCURRENT_AGENTS 3). */
export async function startStack(options: { script?: UpstreamScript; env?: (upstreamUrl: string) => Record<string, string> } = {}): Promise<Stack> {
  const upstream = await startFakeUpstream(options.script);
  const env = options.env?.(upstream.url) ?? {};
  let server: TestServer;
  try {
    server = await startTestServer({
      env: {
        OPENAI_API_KEY: 'test-key',
        OPENAI_BASE_URL: `${upstream.url}/v1`,
        DEFAULT_PROVIDER: 'openai',
        MAX_CONCURRENT_AGENTS: '3',
        ...env,
      },
    });
  } catch (error) {
    await upstream.close();
    throw error;
  }
  let closed: Promise<void> | undefined;
  return {
    upstream,
    server,
    close() {
      closed ??= server.close().finally(() => upstream.close());
      return closed;
    },
  };
}

/** POST JSON to the test server; returns status and parsed body. */
export async function post(server: TestServer, route: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Start a task through the HTTP API; fails the test unless it is accepted with 202. */
export async function startTask(server: TestServer, tool: 'orchestrate_research' | 'orchestrate_search', body: Record<string, unknown>): Promise<string> {
  const res = await post(server, `/tools/${tool}`, body);
  if (res.status !== 202) throw new Error(`${tool} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return String(res.body.task_id);
}

/** `GET /tasks/:id`. */
export async function getTask(server: TestServer, taskId: string): Promise<TaskRecord> {
  const res = await fetch(`${server.url}/tasks/${taskId}`);
  if (res.status !== 200) throw new Error(`GET /tasks/${taskId} answered ${res.status}`);
  return (await res.json()) as TaskRecord;
}

/** Poll `GET /tasks/:id` until the task is in one of the final states. */
export function waitForFinal(server: TestServer, taskId: string, timeoutMs = 20_000): Promise<TaskRecord> {
  return waitFor(async () => {
    const record = await getTask(server, taskId);
    return ['completed', 'failed', 'cancelled'].includes(record.status) ? record : undefined;
  }, timeoutMs, 25);
}

/** An open `GET /stream/:id`: its events as they arrive, and a promise for when the response ends. */
export interface StreamReader {
  events: () => TaskEvent[];
  /** Every event, once the server has ended the response cleanly (rejects if it was cut instead). */
  ended: Promise<TaskEvent[]>;
}

/** Read a task's event stream (real SSE frames off a real socket) until the server ends it. */
export async function openStream(server: TestServer, taskId: string): Promise<StreamReader> {
  const client = await openTaskStream(server.url, taskId);
  if (client.status !== 200) throw new Error(`GET /stream/${taskId} answered ${client.status}`);
  const ended = client.finished.then((outcome) => {
    if (outcome !== 'end') throw new Error(`the event stream of ${taskId} did not end cleanly: ${outcome}`);
    for (const frame of client.frames) {
      if (frame.id !== String(frame.data.seq)) throw new Error(`frame id ${frame.id} does not match seq ${frame.data.seq}`);
    }
    return client.events();
  });
  return { events: () => client.events(), ended };
}

/** The events of one agent, by type. */
export function agentEvents(events: TaskEvent[], agentId: string, type?: TaskEvent['event_type']): TaskEvent[] {
  return events.filter((e) => e.agent_id === agentId && (type === undefined || e.event_type === type));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
