import { formatSource } from '../orchestrator/source-ledger.js';
import type { TaskRecord } from './client.js';

/**
 * The final report as Markdown. The server's report ends with the task's numbered sources; a
 * record whose report lacks them (an older server) gets them from `result.sources`, with the same
 * numbers the report cites.
 */
export function reportMarkdown(record: TaskRecord): string {
  const body = (record.result?.final_synthesis ?? '').trim();
  const cited = new Set([...body.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])));
  const sources = (record.result?.sources ?? []).filter((s) => cited.has(s.n));
  if (!sources.length || /^## Sources\s*$/m.test(body)) return body ? `${body}\n` : '';
  return `${body}\n\n## Sources\n\n${sources.map((s) => `- ${formatSource(s)}`).join('\n')}\n`;
}

/** A short human summary of a task record (for `status`). */
export function statusText(r: TaskRecord): string {
  const p = r.progress;
  const u = r.usage;
  const lines = [
    `${r.task_id}  ${r.status}  ${r.pattern}  ${[r.provider, r.model].filter(Boolean).join('/')}`,
    `title     ${r.title ?? r.input?.query ?? r.input?.task ?? ''}`,
    `created   ${r.created_at ?? '-'}   started ${r.started_at ?? '-'}   finished ${r.completed_at ?? '-'}`,
  ];
  if (p) lines.push(`agents    ${p.agents_done} done, ${p.agents_failed} failed of ${p.agents_total}   phase ${p.phase}`);
  if (u) lines.push(`usage     ${u.input_tokens + u.output_tokens} tokens (${u.input_tokens} in, ${u.output_tokens} out)   $${u.cost_usd.toFixed(4)}`);
  if (r.result?.failed_agents?.length) lines.push(`failed    ${r.result.failed_agents.join(', ')}`);
  if (r.error) lines.push(`error     ${r.error.code}: ${r.error.message}`);
  return `${lines.join('\n')}\n`;
}

/** Exit code of a finished task: 0 completed, 1 failed or cancelled. */
export const exitCodeOf = (record: TaskRecord): number => (record.status === 'completed' ? 0 : 1);
