import type { McpBackend, StreamEvent } from './backend.js';

/** One `notifications/progress` worth of news. */
export interface ProgressUpdate {
  progress: number;
  total?: number;
  message: string;
}

export interface WaitOptions {
  signal: AbortSignal;
  /** Called in order, one at a time; `progress` strictly increases. Absent: no progress is sent. */
  onProgress?: (update: ProgressUpdate) => Promise<void>;
}

/** Text deltas are too many and too small to be progress; everything else is a step. */
const QUIET = new Set(['agent_progress']);

function describe(event: StreamEvent): string {
  const what = event.event_type.replace(/_/g, ' ');
  return event.agent_id ? `${what}: ${event.agent_id}` : what;
}

/**
 * Follow a task to its end, reporting progress built from its events: `progress` is the event's
 * `seq` (strictly increasing, gap-free in the log), and the last update, on `stream_closed`, sets
 * `total` equal to it. Resolves with the final record (`get_orchestration_status`); rejects with the
 * signal's reason when the caller gives up first (the caller decides whether to cancel the task).
 */
export async function waitForTask(backend: McpBackend, taskId: string, options: WaitOptions): Promise<Record<string, unknown>> {
  let sending: Promise<void> = Promise.resolve();
  const send = (update: ProgressUpdate) => {
    const onProgress = options.onProgress;
    if (!onProgress) return;
    // Nothing more for a call that was cancelled; a client that went away cannot take progress,
    // and that must not fail the wait.
    sending = sending.then(() => (options.signal.aborted ? undefined : onProgress(update))).catch(() => {});
  };
  await backend.follow(
    taskId,
    0,
    (event) => {
      if (QUIET.has(event.event_type)) return;
      const last = event.event_type === 'stream_closed';
      send({ progress: event.seq, ...(last ? { total: event.seq } : {}), message: describe(event) });
    },
    options.signal,
  );
  await sending;
  return backend.callTool('get_orchestration_status', { task_id: taskId }, { task_id: taskId });
}
