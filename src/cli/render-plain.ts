import type { StreamEvent } from './follow.js';

const clip = (value: unknown, n = 100): string => {
  const s = (typeof value === 'string' ? value : JSON.stringify(value) ?? '').replace(/\s+/g, ' ').trim();
  return s.length > n ? `${s.slice(0, n)}…` : s;
};

/** What an event says, in a few words. */
function summary(ev: StreamEvent): string {
  const d = ev.data as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- event payloads vary by type
  switch (ev.event_type) {
    case 'workflow_start':
      return `${d.pattern} ${clip(d.title ?? d.input?.query ?? d.input?.task ?? '', 80)} (${d.provider}/${d.model})`;
    case 'decomposition_start':
      return `${d.num_agents} agents`;
    case 'decomposition_complete':
      return `${Array.isArray(d.subtasks) ? d.subtasks.length : 0} subtasks`;
    case 'agent_start':
      return `${d.role}${d.agent_type ? `/${d.agent_type}` : ''}: ${clip(d.subtask, 80)}`;
    case 'agent_progress':
      return `+${String(d.delta ?? '').length} chars (${d.chars})`;
    case 'agent_tool_call':
      return `${d.tool_name} ${clip(d.input, 80)}`;
    case 'agent_tool_result':
      return `${d.tool_name}${d.is_error ? ' error' : ''} ${clip(d.output, 80)}`;
    case 'agent_retry':
      return `attempt ${d.attempt} in ${d.delay_ms} ms: ${clip(d.error)}`;
    case 'agent_complete':
      return `${d.role} ${String(d.content ?? '').length} chars, ${d.usage?.input_tokens ?? 0}+${d.usage?.output_tokens ?? 0} tokens`;
    case 'agent_error':
      return `${d.role} ${clip(d.error?.message ?? d.error)}`;
    case 'synthesis_start':
    case 'synthesis_complete':
      return String(d.level ?? '');
    case 'workflow_complete':
    case 'workflow_error':
    case 'workflow_cancelled':
      return `${d.status}${d.error ? ` ${d.error.code}: ${clip(d.error.message)}` : ''}, ${d.usage?.input_tokens ?? 0}+${d.usage?.output_tokens ?? 0} tokens, $${Number(d.usage?.cost_usd ?? 0).toFixed(4)}`;
    case 'stream_closed':
      return String(d.status ?? '');
    default:
      return '';
  }
}

/** One plain line per event, for pipes and logs: `#seq time type agent summary`. */
export function formatEventLine(ev: StreamEvent): string {
  const time = ev.timestamp.slice(11, 19);
  return [`#${ev.seq}`, time, ev.event_type, ev.agent_id, summary(ev)].filter(Boolean).join(' ');
}
