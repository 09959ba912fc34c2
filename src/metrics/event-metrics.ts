import type { TaskEvent } from '../events/event.js';
import type { EventLog } from '../events/event-log.js';
import { createBoundedLabel } from './bounded-label.js';
import type { Metrics } from './metrics.js';

const FINAL_STATUS: Partial<Record<TaskEvent['event_type'], string>> = {
  workflow_complete: 'completed',
  workflow_error: 'failed',
  workflow_cancelled: 'cancelled',
};

/** A task id's prefix names its pattern (`research_…` cascade, `search_…` swarm). */
function patternOf(taskId: string): string {
  if (taskId.startsWith('research_')) return 'cascade';
  if (taskId.startsWith('search_')) return 'swarm';
  return 'unknown';
}

const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * Derive task, agent, token and cost metrics from the event log, so the domain itself knows nothing
 * of metrics. Returns the function that stops it.
 */
export function observeEvents(events: EventLog, metrics: Metrics): () => void {
  // Open sets, bounded: models come from requests, roles and error codes from the code.
  const model = createBoundedLabel(50);
  const role = createBoundedLabel(20);
  const errorCode = createBoundedLabel(30);
  // The request's provider and model hold for every agent of a task; known from `workflow_start`.
  const taskModels = new Map<string, { provider: string; model: string }>();

  const modelOf = (event: TaskEvent) => {
    let known = taskModels.get(event.task_id);
    if (!known && event.event_type === 'agent_start') {
      known = { provider: model(str(event.data.provider)), model: model(str(event.data.model)) };
      taskModels.set(event.task_id, known);
    }
    return known ?? { provider: 'unknown', model: 'unknown' };
  };

  const onAgentEnd = (event: TaskEvent) => {
    const { provider, model: modelId } = modelOf(event);
    const data = event.data;
    const outcome = event.event_type === 'agent_complete' ? 'completed' : 'error';
    metrics.agentDuration.observe({ role: role(str(data.role)), provider, model: modelId, outcome }, num(data.duration_ms) / 1000);
    const usage = (data.usage ?? {}) as { input_tokens?: unknown; output_tokens?: unknown };
    metrics.modelTokens.inc({ provider, model: modelId, direction: 'input' }, num(usage.input_tokens));
    metrics.modelTokens.inc({ provider, model: modelId, direction: 'output' }, num(usage.output_tokens));
    metrics.modelCost.inc({ provider, model: modelId }, num(data.cost_usd));
  };

  const record = (event: TaskEvent) => {
    metrics.events.inc({ event_type: event.event_type });
    switch (event.event_type) {
      case 'workflow_start':
        taskModels.set(event.task_id, { provider: model(str(event.data.provider)), model: model(str(event.data.model)) });
        metrics.tasksStarted.inc({ pattern: patternOf(event.task_id) });
        break;
      case 'agent_start':
        modelOf(event);
        break;
      case 'agent_complete':
      case 'agent_error':
        onAgentEnd(event);
        break;
      case 'workflow_complete':
      case 'workflow_error':
      case 'workflow_cancelled': {
        const error = event.data.error as { code?: unknown } | undefined;
        const code = event.event_type === 'workflow_error' ? errorCode(str(error?.code)) : '';
        metrics.tasksFinished.inc({ pattern: patternOf(event.task_id), status: FINAL_STATUS[event.event_type]!, error_code: code });
        break;
      }
      case 'stream_closed':
        taskModels.delete(event.task_id);
        break;
    }
  };
  return events.onAppend((event) => {
    // An append listener must not throw: a metrics fault never reaches the task that emitted the event.
    try {
      record(event);
    } catch {
      // Nothing to do: the event is stored; only its metrics are lost.
    }
  });
}
