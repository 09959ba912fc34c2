import type { Citation, TaskRecord } from './client.js';

/** The task's citations, each source once, from every agent and synthesis result. */
export function citationsOf(record: TaskRecord): Citation[] {
  const seen = new Set<string>();
  const out: Citation[] = [];
  const results = [...(record.result?.agent_results ?? []), ...(record.result?.synthesis_results ?? [])];
  for (const c of results.flatMap((r) => r.citations ?? [])) {
    if (seen.has(c.source)) continue;
    seen.add(c.source);
    out.push(c);
  }
  return out;
}

/** The final report as Markdown: the synthesis, then a numbered list of citations. */
export function reportMarkdown(record: TaskRecord): string {
  const body = (record.result?.final_synthesis ?? '').trim();
  const citations = citationsOf(record);
  if (!citations.length) return body ? `${body}\n` : '';
  const list = citations.map((c, i) => {
    const link = c.url ?? (/^https?:\/\//.test(c.source) ? c.source : undefined);
    const label = c.title ?? c.source;
    const where = link ? `[${label}](${link})` : label;
    return `${i + 1}. ${where}${c.title && !link ? ` — ${c.source}` : ''}${c.lines ? ` (lines ${c.lines})` : ''}`;
  });
  return `${body}\n\n## Citations\n\n${list.join('\n')}\n`;
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
