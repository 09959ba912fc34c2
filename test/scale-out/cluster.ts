import { expect } from 'vitest';
import { listeningPort, logLines, MAIN, run, type Child } from '../helpers/child-process.js';
import type { TaskEvent } from '../../src/events/event.js';
import type { TaskRecord } from '../../src/orchestrator/task.js';

/** One `src/main.ts` process with `STORE=redis`. */
export interface Instance {
  name: string;
  child: Child;
  url: string;
  pid: number;
}

/** Start an instance on a free port, on the given Redis, talking to a fake model server. */
export async function startInstance(name: string, env: Record<string, string>): Promise<Instance> {
  const child = run(MAIN, [], {
    STORE: 'redis',
    PORT: '0',
    INSTANCE_TAG: name,
    LOG_LEVEL: 'info',
    DEFAULT_PROVIDER: 'openai',
    OPENAI_API_KEY: 'sk-test',
    SHUTDOWN_GRACE_MS: '500',
    ...env,
  });
  const port = await listeningPort(child);
  return { name, child, url: `http://127.0.0.1:${port}`, pid: child.proc.pid! };
}

export async function post(base: string, path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export async function getTask(base: string, taskId: string): Promise<TaskRecord> {
  const response = await fetch(`${base}/tasks/${taskId}`);
  if (response.status !== 200) throw new Error(`GET /tasks/${taskId}: ${response.status} ${await response.text()}`);
  return (await response.json()) as TaskRecord;
}

/** Running with at least one worker finished: where the takeover tests kill a task's runner. */
export const isMidTask = (r: TaskRecord) => r.status === 'running' && !!r.result?.agent_results.some((x) => x.role === 'worker' && x.status === 'completed');

/** Poll `base` (for up to 30 s) until the task is mid-task; answers that record, whose `instance` is its runner. */
export async function untilMidTask(base: string, taskId: string): Promise<TaskRecord> {
  let record: TaskRecord | undefined;
  await expect.poll(async () => isMidTask((record = await getTask(base, taskId))), { timeout: 30_000, interval: 100 }).toBe(true);
  return record!;
}

/** Poll until every task is in a final state (on any live instance); returns their records. */
export async function waitFinished(base: string, taskIds: string[], timeoutMs = 60_000): Promise<TaskRecord[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // While the store is away (503) the answer is read again.
    const records = await Promise.all(taskIds.map((id) => getTask(base, id))).catch((error: Error) => {
      if (!/: 503 /.test(error.message) || Date.now() > deadline) throw error;
      return undefined;
    });
    if (!records) {
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    if (records.every((r) => ['completed', 'failed', 'cancelled'].includes(r.status))) return records;
    if (Date.now() > deadline) throw new Error(`not finished: ${records.filter((r) => !['completed', 'failed', 'cancelled'].includes(r.status)).map((r) => `${r.task_id} ${r.status} on ${r.instance}`).join(', ')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The stream's whole history, read from `base` (a finished task: the stream ends by itself). */
export async function readStream(base: string, taskId: string): Promise<TaskEvent[]> {
  const response = await fetch(`${base}/stream/${taskId}`, { headers: { accept: 'text/event-stream' } });
  const text = await response.text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => JSON.parse(line.slice(5)) as TaskEvent);
}

/** The checks every stream must pass: seq 1..N gap-free, exactly one terminal event, then `stream_closed`. */
export function streamProblems(events: TaskEvent[]): string[] {
  const problems: string[] = [];
  events.forEach((e, i) => {
    if (e.seq !== i + 1) problems.push(`event ${i} has seq ${e.seq}`);
  });
  const terminals = events.filter((e) => ['workflow_complete', 'workflow_error', 'workflow_cancelled'].includes(e.event_type));
  if (terminals.length !== 1) problems.push(`${terminals.length} terminal events`);
  if (events.at(-1)?.event_type !== 'stream_closed') problems.push(`last event is ${events.at(-1)?.event_type}`);
  if (events.filter((e) => e.event_type === 'stream_closed').length !== 1) problems.push('stream_closed more than once');
  return problems;
}

export function logsOf(instance: Instance): Array<Record<string, unknown>> {
  return logLines(instance.child);
}
