import { expect } from 'vitest';
import { TERMINAL_EVENT_TYPES, type TaskEvent } from '../../src/events/event.js';
import { createFakeModel, type FakeCall, type FakeModel } from '../helpers/fake-model.js';
import type { SseClient } from '../helpers/sse-client.js';
import { startTestServer, waitFor, type TestServer } from '../helpers/test-server.js';

/** A promise the test opens when it is ready: lets a task wait at a known point without timing. */
export interface Gate {
  promise: Promise<void>;
  open(): void;
}

const gates = new Set<Gate>();

export function createGate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  const gate = { promise, open };
  gates.add(gate);
  return gate;
}

/** Open every gate made so far (in `afterEach`, so no task is left waiting at one). */
export function openAllGates(): void {
  for (const gate of gates) gate.open();
  gates.clear();
}

export const isPlanner = (call: FakeCall): boolean => call.system.includes('planner');
export const isSynthesizer = (call: FakeCall): boolean => call.system.includes('synthesizer');

/**
 * A fake model for swarm tasks: the planner answers `angles` search angles, workers answer
 * `worker(call)`, the synthesizer waits for `synthesisGate` (if given) and then answers.
 */
export function createSwarmModel(
  options: { angles?: number; worker?: (call: FakeCall) => string; synthesisGate?: Gate; delayMs?: number; chunkSize?: number } = {},
): FakeModel {
  const angles = options.angles ?? 3;
  return createFakeModel({
    delayMs: options.delayMs,
    chunkSize: options.chunkSize,
    respond: async (call) => {
      if (isPlanner(call)) return JSON.stringify(Array.from({ length: angles }, (_, i) => `angle ${i + 1}`));
      if (isSynthesizer(call)) {
        await options.synthesisGate?.promise;
        return `final synthesis (call ${call.index})`;
      }
      return options.worker?.(call) ?? `finding ${call.index} https://example.org/${call.index}`;
    },
  });
}

/** A test server wired to `model` as the default (openai) provider. */
export function startServerWith(model: FakeModel, env: Record<string, string> = {}): Promise<TestServer> {
  return startTestServer({ env: { DEFAULT_PROVIDER: 'openai', ...env }, providers: { openai: model.factory } });
}

export async function postJson(server: TestServer, path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Start a swarm task over HTTP; returns its id. */
export async function startSearch(server: TestServer, body: Record<string, unknown> = {}): Promise<string> {
  const res = await postJson(server, '/tools/orchestrate_search', { query: 'how do tides work', num_agents: 3, timeout: 120, ...body });
  expect(res.status).toBe(202);
  return res.body.task_id as string;
}

export async function cancelTask(server: TestServer, taskId: string): Promise<void> {
  const res = await postJson(server, '/tools/cancel_orchestration', { task_id: taskId });
  expect(res.status).toBe(200);
}

/** Wait until the task's log holds `stream_closed`, then return the whole log. */
export async function finishedHistory(server: TestServer, taskId: string): Promise<TaskEvent[]> {
  return waitFor(async () => {
    const history = await server.services.events.history(taskId);
    return history.at(-1)?.event_type === 'stream_closed' ? history : undefined;
  }, 20_000);
}

export const seqs = (events: TaskEvent[]): number[] => events.map((e) => e.seq);
export const types = (events: TaskEvent[]): string[] => events.map((e) => e.event_type);
export const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

/**
 * The contract of one complete stream (SPEC section 3): every frame has `id` equal to its `seq`
 * and no `event:` line; seq counts from `firstSeq` with no gaps; exactly one terminal event,
 * then `stream_closed` last; and the response ended cleanly.
 */
export function expectCompleteStream(client: SseClient, firstSeq = 1): TaskEvent[] {
  const events = client.events();
  expect(client.outcome).toBe('end');
  expect(client.fieldNames).toEqual(new Set(['id', 'data']));
  for (const frame of client.frames) {
    expect(frame.hasEventField).toBe(false);
    expect(frame.id).toBe(String(frame.data.seq));
  }
  expect(seqs(events)).toEqual(range(firstSeq, firstSeq + events.length - 1));
  expect(events.at(-1)?.event_type).toBe('stream_closed');
  if (firstSeq === 1) {
    const terminals = events.filter((e) => TERMINAL_EVENT_TYPES.has(e.event_type));
    expect(terminals).toHaveLength(1);
    expect(events.at(-2)).toBe(terminals[0]);
  }
  return events;
}
