// The live state of one task, rebuilt from its events and its record: a pure reducer, no DOM.

const FINAL = new Set(['workflow_complete', 'workflow_error', 'workflow_cancelled']);
const ENDED = new Set(['completed', 'failed', 'cancelled']);
/** Whether a task or agent status is final. */
export const isEnded = (status) => ENDED.has(status);

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
    // `settled`: the task ended while this agent was in flight, so its status is the task's, not its own report.
    a = { id, role: '', subtask: '', type: '', status: 'waiting', text: '', tools: [], retries: 0, error: '', chars: 0, settled: false };
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
      // An agent stopped by a cancel reports `cancelled` (as the record's agent_results do).
      Object.assign(a, { status: d.error?.code === 'cancelled' ? 'cancelled' : 'failed', role: d.role ?? a.role, error: d.error?.message ?? String(d.error ?? 'failed') });
      addUsage(state, d);
      break;
    case 'workflow_complete':
    case 'workflow_error':
    case 'workflow_cancelled':
      state.status = d.status ?? { workflow_complete: 'completed', workflow_error: 'failed', workflow_cancelled: 'cancelled' }[ev.event_type];
      if (d.usage) state.usage = { ...state.usage, ...d.usage };
      if (typeof d.final_synthesis === 'string') state.final = d.final_synthesis;
      if (d.error) state.error = d.error;
      settleAgents(state);
      break;
    case 'stream_closed':
      state.closed = true;
      break;
  }
  if (ev.event_type !== 'agent_progress') state.timeline.push(ev);
  return true;
}

/**
 * Agents still in flight when the task ended never report (a restart cut them off, or the terminal
 * event came first): they take the task's end, so no card is left "running".
 */
function settleAgents(state) {
  if (!isEnded(state.status)) return;
  for (const a of state.agents.values()) {
    if (isEnded(a.status)) continue;
    Object.assign(a, { status: state.status, settled: true, error: state.status === 'failed' ? (state.error?.message ?? '') : '' });
  }
}

/** Take what the record says (`GET /tasks/:id`): its counts always; its end, usage and report once final. */
export function applyRecord(state, record) {
  state.record = record;
  if (!isEnded(record.status)) return;
  state.status = record.status;
  state.usage = { ...state.usage, ...record.usage };
  state.error = record.error;
  if (record.result?.final_synthesis !== undefined) state.final = record.result.final_synthesis;
  settleAgents(state);
}

export const isFinished = (state) => state.closed || FINAL.has(state.timeline.at(-1)?.event_type) || isEnded(state.status);

/**
 * Agents finished and expected. The record's `progress` is the truth (its total counts every level
 * it plans: planner, workers, mid-level and executive synthesis); events seen since it was fetched
 * may be ahead of it. Without a record total: a worker per planned subtask plus planner and synthesis.
 * The bar is full for a completed task; a cancelled or failed one keeps the share that completed.
 */
export function progressOf(state) {
  const reported = [...state.agents.values()].filter((a) => !a.settled);
  const seenDone = reported.filter((a) => isEnded(a.status)).length;
  const seenCompleted = reported.filter((a) => a.status === 'completed').length;
  const p = state.record?.progress;
  const done = Math.max(seenDone, p ? p.agents_done + p.agents_failed : 0);
  const completed = Math.max(seenCompleted, p?.agents_done ?? 0);
  const estimate = Math.max(state.agents.size, state.planned ? state.planned + 2 : 0, 1);
  const total = Math.max(p?.agents_total || estimate, done);
  let ratio = Math.min(done / total, 0.99);
  if (state.status === 'completed') ratio = 1;
  else if (isEnded(state.status)) ratio = completed / total;
  return { done, total, ratio };
}
