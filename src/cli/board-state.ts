import type { StreamEvent } from './follow.js';

/** What the terminal view knows of one agent, from its events. */
export interface AgentLine {
  id: string;
  role: string;
  status: 'running' | 'retrying' | 'completed' | 'failed';
  chars: number;
  retries: number;
  tool?: string;
  error?: string;
}

/** The state of a followed task, folded from its events. */
export interface BoardState {
  taskId: string;
  status: string;
  phase: string;
  planned: number;
  agents: Map<string, AgentLine>;
  usage: { input_tokens: number; output_tokens: number; cost_usd: number };
  startedAt: number;
}

export function createBoardState(taskId: string): BoardState {
  return { taskId, status: 'pending', phase: '', planned: 0, agents: new Map(), usage: { input_tokens: 0, output_tokens: 0, cost_usd: 0 }, startedAt: Date.now() };
}

const TERMINAL: Record<string, string> = { workflow_complete: 'completed', workflow_error: 'failed', workflow_cancelled: 'cancelled' };

export function applyToBoard(state: BoardState, ev: StreamEvent): void {
  const d = ev.data as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- event payloads vary by type
  const agent = ev.agent_id ? state.agents.get(ev.agent_id) : undefined;
  switch (ev.event_type) {
    case 'workflow_start':
      state.status = 'running';
      break;
    case 'decomposition_start':
      state.phase = 'planning';
      break;
    case 'decomposition_complete':
      state.planned = Array.isArray(d.subtasks) ? d.subtasks.length : 0;
      state.phase = 'agents';
      break;
    case 'synthesis_start':
      state.phase = `synthesis (${d.level})`;
      break;
    case 'agent_start':
      state.agents.set(ev.agent_id ?? '?', { id: ev.agent_id ?? '?', role: String(d.role ?? ''), status: 'running', chars: 0, retries: 0 });
      break;
    case 'agent_progress':
      if (agent) agent.chars = Number(d.chars ?? agent.chars);
      break;
    case 'agent_retry':
      if (agent) Object.assign(agent, { status: 'retrying', chars: 0, retries: agent.retries + 1, error: String(d.error ?? '') });
      break;
    case 'agent_tool_call':
      if (agent) agent.tool = String(d.tool_name ?? '');
      break;
    case 'agent_complete':
    case 'agent_error':
      if (agent) {
        agent.status = ev.event_type === 'agent_complete' ? 'completed' : 'failed';
        agent.tool = undefined;
        agent.error = ev.event_type === 'agent_error' ? String(d.error?.message ?? d.error ?? 'failed') : undefined;
        if (typeof d.content === 'string') agent.chars = d.content.length;
      }
      state.usage.input_tokens += Number(d.usage?.input_tokens ?? 0);
      state.usage.output_tokens += Number(d.usage?.output_tokens ?? 0);
      state.usage.cost_usd += Number(d.cost_usd ?? 0);
      break;
    default:
      if (TERMINAL[ev.event_type]) {
        state.status = TERMINAL[ev.event_type]!;
        state.phase = 'done';
        if (d.usage) state.usage = { ...state.usage, ...d.usage };
      }
  }
}

/** Finished and expected agents (a worker per planned subtask plus planner and synthesis, or what was seen). */
export function boardProgress(state: BoardState): { done: number; total: number } {
  const all = [...state.agents.values()];
  const done = all.filter((a) => a.status === 'completed' || a.status === 'failed').length;
  return { done, total: Math.max(all.length, state.planned ? state.planned + 2 : 0, 1) };
}
