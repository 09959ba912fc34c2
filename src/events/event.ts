/** Every event type a task's stream can carry (SPEC section 3). */
export const EVENT_TYPES = [
  'workflow_start',
  'workflow_resumed',
  'decomposition_start',
  'decomposition_complete',
  'agent_start',
  'agent_progress',
  'agent_tool_call',
  'agent_tool_result',
  'agent_retry',
  'agent_complete',
  'agent_error',
  'synthesis_start',
  'synthesis_complete',
  'document_generation_start',
  'document_generation_complete',
  'workflow_complete',
  'workflow_error',
  'workflow_cancelled',
  'stream_closed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The events that end a workflow; exactly one precedes `stream_closed`. */
export const TERMINAL_EVENT_TYPES: ReadonlySet<EventType> = new Set([
  'workflow_complete',
  'workflow_error',
  'workflow_cancelled',
]);

/** An event that ends a workflow, or the `stream_closed` after it: what must never wait or be missed. */
export function endsWorkflow(event: Pick<TaskEvent, 'event_type'>): boolean {
  return TERMINAL_EVENT_TYPES.has(event.event_type) || event.event_type === 'stream_closed';
}

/** One event in a task's append-only log. `seq` counts from 1 per task with no gaps. */
export interface TaskEvent {
  event_type: EventType;
  task_id: string;
  seq: number;
  timestamp: string;
  agent_id?: string;
  data: Record<string, unknown>;
}

/** What a producer hands to `append`: the log assigns `seq`, `timestamp` and `task_id`. */
export interface NewEvent {
  event_type: EventType;
  agent_id?: string;
  data?: Record<string, unknown>;
}

const json = new WeakMap<TaskEvent, string>();

/**
 * An event as JSON, memoised per event object: the store that writes it and the streams that
 * send it serialise it once between them.
 */
export function eventJson(event: TaskEvent): string {
  let text = json.get(event);
  if (text === undefined) {
    text = JSON.stringify(event);
    json.set(event, text);
  }
  return text;
}
