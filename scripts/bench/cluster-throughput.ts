/**
 * Tasks per second through one configuration of the cluster bench: `tasks` short research tasks
 * submitted over HTTP by `clients` concurrent submitters, each sending its next task as soon as the
 * last was accepted (202), round-robin over the instances. Each accepted task's stream is followed
 * on the instance that accepted it, as a client would, until `stream_closed`: the figure is tasks
 * over the time from the first submission to the last `stream_closed` received.
 */
import http from 'node:http';
import type { TaskRecord } from '../../src/orchestrator/task.js';

export interface ThroughputOptions {
  tasks: number;
  /** `num_agents` of each task. */
  agents: number;
  /** Submitters at once. */
  clients: number;
  /** Give up on a task's stream after this long without a byte. */
  timeoutMs: number;
  /** Put in every task's text, so the fake model can tell the runs apart. */
  marker: string;
}

export interface ThroughputResult {
  tasks: number;
  completed: number;
  /** First submission to the last `stream_closed` received, ms. */
  wallMs: number;
  perSec: number;
  /** First submission to the last 202, ms. */
  submitMs: number;
  /** Tasks per instance that ran them (the record's `instance`). */
  ranOn: Record<string, number>;
  problems: string[];
}

/** The body of one short research task. */
export function researchBody(marker: string, agents: number): string {
  return JSON.stringify({ task: `Research ${marker}: what should a buyer know?`, num_agents: agents, enable_drummer: false, enable_camina: false });
}

/** Submit one research task; resolves with its id, rejects unless the answer is 202. */
export async function submitResearch(url: string, body: string): Promise<string> {
  const res = await fetch(`${url}/tools/orchestrate_research`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  if (res.status !== 202) throw new Error(`orchestrate_research on ${url} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  return ((await res.json()) as { task_id: string }).task_id;
}

export async function getRecord(url: string, taskId: string): Promise<TaskRecord> {
  const res = await fetch(`${url}/tasks/${taskId}`);
  if (res.status !== 200) throw new Error(`GET /tasks/${taskId} on ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as TaskRecord;
}

/** Follow a task's stream until `stream_closed`; resolves with `Date.now()` when that frame arrived. */
export function untilClosed(url: string, taskId: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${url}/stream/${taskId}`, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return reject(new Error(`stream ${taskId} on ${url}: HTTP ${res.statusCode}`));
      }
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        const frames = buffer.split('\n\n');
        buffer = frames.pop() ?? '';
        if (frames.some((frame) => frame.includes('"event_type":"stream_closed"'))) resolve(Date.now());
      });
      // Once stream_closed was seen this settles nothing.
      res.on('end', () => reject(new Error(`stream ${taskId} on ${url} ended without stream_closed`)));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`stream ${taskId}: nothing for ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** Submit every task (round-robin over `urls`), follow each, and count what completed. */
export async function measureThroughput(urls: string[], options: ThroughputOptions): Promise<ThroughputResult> {
  const problems: string[] = [];
  const accepted: Array<{ url: string; id: string; closed: Promise<number> }> = [];
  let next = 0;
  let lastAccepted = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: options.clients }, async () => {
      while (next < options.tasks) {
        const i = next++;
        const url = urls[i % urls.length]!;
        try {
          const id = await submitResearch(url, researchBody(`${options.marker}-${i}`, options.agents));
          lastAccepted = Date.now();
          const closed = untilClosed(url, id, options.timeoutMs);
          closed.catch(() => undefined); // settled below
          accepted.push({ url, id, closed });
        } catch (error) {
          problems.push((error as Error).message);
        }
      }
    }),
  );
  const ends = await Promise.allSettled(accepted.map((a) => a.closed));
  let last = started;
  for (const end of ends) {
    if (end.status === 'fulfilled') last = Math.max(last, end.value);
    else problems.push((end.reason as Error).message);
  }
  const records = await Promise.all(accepted.map((a) => getRecord(urls[0]!, a.id)));
  const ranOn: Record<string, number> = {};
  for (const r of records) ranOn[r.instance ?? 'this'] = (ranOn[r.instance ?? 'this'] ?? 0) + 1;
  const completed = records.filter((r) => r.status === 'completed').length;
  for (const r of records.filter((r) => r.status !== 'completed').slice(0, 5)) problems.push(`${r.task_id} ended ${r.status}${r.error ? ` (${r.error.code})` : ''}`);
  const wallMs = last - started;
  return { tasks: options.tasks, completed, wallMs, perSec: (completed / wallMs) * 1000, submitMs: lastAccepted - started, ranOn, problems };
}
