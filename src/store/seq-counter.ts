import type { TaskEvent } from '../events/event.js';
import type { UnnumberedEvent } from './store.js';

/**
 * Numbers one process's events per task: `seq` from 1, no gaps, in append order. The last number
 * of a task is loaded from the store the first time it is needed and forgotten once the task's
 * stream is closed.
 */
export function createSeqCounter(load: (taskId: string) => number) {
  const seqs = new Map<string, number>();
  return {
    number(event: UnnumberedEvent): TaskEvent {
      const seq = (seqs.get(event.task_id) ?? load(event.task_id)) + 1;
      if (event.event_type === 'stream_closed') seqs.delete(event.task_id);
      else seqs.set(event.task_id, seq);
      return { ...event, seq };
    },
    /** The highest number given to a task, if this counter holds it. */
    peek: (taskId: string): number | undefined => seqs.get(taskId),
  };
}
