// The live state of one task, rebuilt from its events: a pure reducer, no DOM.

const FINAL = new Set(['workflow_complete', 'workflow_error', 'workflow_cancelled']);

export function createTaskState(record) {
  return {
    id: record?.task_id,
    record,
    status: record?.status ?? 'pending',
    lastSeq: 0,
    agents: new Map(),
    planned: 0,
    usage: { input_tokens: 0, output_tokens: 0, cost_usd: 0 },
    final: undefined,
    error: record?.error,
    closed: false,
    timeline: [],
  };
}

function agent(state, id) {
  let a = state.agents.get(id);
  if (!a) {
    a = { id, role: '', subtask: '', type: '', status: 'waiting', text: '', tools: [], retries: 0, error: '', chars: 0 };
    state.agents.set(id, a);
  }
  return a;
}

function addUsage(state, d) {
  state.usage.input_tokens += d.usage?.input_tokens ?? 0;
  state.usage.output_tokens += d.usage?.output_tokens ?? 0;
  state.usage.cost_usd += d.cost_usd ?? 0;
}

/** Apply one event; events at or below the last seq seen are ignored (a replay after resume). */
export function applyEvent(state, ev) {
  if (typeof ev.seq !== 'number' || ev.seq <= state.lastSeq) return false;
  state.lastSeq = ev.seq;
  const d = ev.data ?? {};
  const a = ev.agent_id ? agent(state, ev.agent_id) : undefined;
  switch (ev.event_type) {
    case 'workflow_start':
      state.status = 'running';
      break;
    case 'decomposition_complete':
      state.planned = Array.isArray(d.subtasks) ? d.subtasks.length : 0;
      break;
    case 'agent_start':
      Object.assign(a, { role: d.role ?? '', subtask: d.subtask ?? '', type: d.agent_type ?? '', status: 'running', text: '' });
      break;
    case 'agent_progress':
      a.text += d.delta ?? '';
      a.chars = d.chars ?? a.text.length;
      break;
    case 'agent_retry':
      Object.assign(a, { status: 'retrying', text: '', retries: a.retries + 1, error: String(d.error ?? '') });
      break;
    case 'agent_tool_call':
      a.tools.push({ id: d.tool_call_id, name: d.tool_name ?? 'tool', input: d.input, output: undefined, isError: false });
      break;
    case 'agent_tool_result': {
      const call = a.tools.find((t) => t.id === d.tool_call_id && t.output === undefined);
      if (call) Object.assign(call, { output: d.output ?? '', isError: Boolean(d.is_error) });
      break;
    }
    case 'agent_complete':
      Object.assign(a, { status: 'completed', role: d.role ?? a.role, error: '' });
      if (typeof d.content === 'string') a.text = d.content;
      addUsage(state, d);
      break;
    case 'agent_error':
      Object.assign(a, { status: 'failed', role: d.role ?? a.role, error: d.error?.message ?? String(d.error ?? 'failed') });
      addUsage(state, d);
      break;
    case 'workflow_complete':
    case 'workflow_error':
    case 'workflow_cancelled':
      state.status = d.status ?? { workflow_complete: 'completed', workflow_error: 'failed', workflow_cancelled: 'cancelled' }[ev.event_type];
      if (d.usage) state.usage = { ...state.usage, ...d.usage };
      if (typeof d.final_synthesis === 'string') state.final = d.final_synthesis;
      if (d.error) state.error = d.error;
      break;
    case 'stream_closed':
      state.closed = true;
      break;
  }
  if (ev.event_type !== 'agent_progress') state.timeline.push(ev);
  return true;
}

export const isFinished = (state) => state.closed || FINAL.has(state.timeline.at(-1)?.event_type) || ['completed', 'failed', 'cancelled'].includes(state.status);

/** Agents finished and expected: a worker per planned subtask plus the planner and a synthesis, or what was seen. */
export function progressOf(state) {
  const all = [...state.agents.values()];
  const done = all.filter((a) => a.status === 'completed' || a.status === 'failed').length;
  const expected = Math.max(all.length, state.planned ? state.planned + 2 : 0, 1);
  const finished = ['completed', 'failed', 'cancelled'].includes(state.status);
  return { done, total: expected, ratio: finished ? 1 : Math.min(done / expected, 0.99) };
}
