/** A run given back on purpose (this instance is shutting down): a shared queue hands it to another instance. */
export class RunReleasedError extends Error {
  constructor(taskId: string) {
    super(`task ${taskId} was handed back to the queue`);
    this.name = 'RunReleasedError';
  }
}

/** Runs one task that the queue handed out; `takeover` when another instance had started it and died. */
export type TaskRun = (taskId: string, takeover: boolean) => Promise<void>;

/**
 * Where pending tasks wait for a slot, oldest first. In one process it is a list; with several
 * instances on Redis it is a BullMQ queue, which any instance with a free slot takes from.
 */
export interface TaskQueue {
  /** Queue a stored `pending` task. */
  add(taskId: string): Promise<void>;
  /** Take a task out before anyone starts it: true when it was waiting (now nobody will run it). */
  remove(taskId: string): Promise<boolean>;
  /** Start handing out tasks to `run`, at most `concurrency` (this instance's) at once. */
  start(run: TaskRun): void;
  /** Tasks waiting (over all instances; a shared queue's count may be a second old). */
  readonly pendingCount: number;
  /** Stop handing out tasks; resolves once the runs already handed out have finished. Idempotent. */
  close(): Promise<void>;
}

/** The queue of a single process: a list in memory, filled again from the store at startup. */
export function createLocalTaskQueue(concurrency: number): TaskQueue {
  const waiting: string[] = [];
  const runs = new Set<Promise<void>>();
  let run: TaskRun | undefined;
  let closing: Promise<void> | undefined;
  const pump = () => {
    while (run && !closing && runs.size < concurrency && waiting.length > 0) {
      const done: Promise<void> = run(waiting.shift()!, false)
        .catch(() => undefined)
        .finally(() => {
          runs.delete(done);
          pump();
        });
      runs.add(done);
    }
  };
  return {
    async add(taskId) {
      waiting.push(taskId);
      pump();
    },
    async remove(taskId) {
      const index = waiting.indexOf(taskId);
      if (index < 0) return false;
      waiting.splice(index, 1);
      return true;
    },
    start(taskRun) {
      run = taskRun;
      pump();
    },
    get pendingCount() {
      return waiting.length;
    },
    close() {
      closing ??= Promise.all([...runs]).then(() => undefined);
      return closing;
    },
  };
}
