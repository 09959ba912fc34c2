import type { Page } from 'playwright-core';

/** The parts of `GET /tasks/:id` the console's counts come from. */
export interface TaskRecordView {
  task_id: string;
  status: string;
  title: string;
  progress: { phase: string; agents_total: number; agents_done: number; agents_failed: number };
  error?: { code: string; message: string };
  result?: { agent_results: Array<{ agent_id: string; status: string }>; sources: unknown[] };
}

export async function getRecord(base: string, taskId: string): Promise<TaskRecordView> {
  const res = await fetch(`${base}/tasks/${encodeURIComponent(taskId)}`);
  if (!res.ok) throw new Error(`GET /tasks/${taskId}: ${res.status}`);
  return (await res.json()) as TaskRecordView;
}

/** Start a task over HTTP (as a script would) and answer its id. */
export async function startOverHttp(base: string, route: 'orchestrate_search' | 'orchestrate_research', body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${base}/tools/${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ timeout: 120, ...body }) });
  const json = (await res.json()) as { task_id?: string };
  if (res.status !== 202 || !json.task_id) throw new Error(`start: ${res.status} ${JSON.stringify(json)}`);
  return json.task_id;
}

/** The console's agents line for a record: finished (done or failed) of the record's total. */
export const countsText = (r: TaskRecordView): string => `${r.progress.agents_done + r.progress.agents_failed}/${r.progress.agents_total} agents`;

/** The width the progress bar has: 100 % for a completed task, else the share of agents that completed. */
export const barWidth = (r: TaskRecordView): string =>
  r.status === 'completed' ? '100%' : `${Math.round((r.progress.agents_done / Math.max(r.progress.agents_total, 1)) * 100)}%`;

/** The bit of a DOM element the tests read (the type-check has no DOM library). */
interface Styled {
  style: { width: string };
  dataset: Record<string, string | undefined>;
}

export const progressBarWidth = (page: Page): Promise<string> => page.locator('#progress-bar').evaluate((bar) => (bar as unknown as Styled).style.width);

/** Statuses shown on the agent cards, by agent id. */
export async function cardStatuses(page: Page): Promise<Record<string, string>> {
  const cards = await page.locator('.agent').evaluateAll((nodes) =>
    nodes.map((n) => [(n as unknown as Styled).dataset.agentId ?? '', `${(n as unknown as Styled).dataset.status}|${n.querySelector('.agent-status')?.textContent ?? ''}`]),
  );
  return Object.fromEntries(cards);
}
