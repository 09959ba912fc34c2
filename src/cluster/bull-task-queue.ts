import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from '../logger.js';
import { StoreError } from '../store/store-error.js';
import { RunReleasedError, type TaskQueue, type TaskRun } from '../orchestrator/task-queue.js';

/** Options of `createBullTaskQueue`. */
export interface BullTaskQueueOptions {
  /** ioredis connection options (BullMQ opens its own connections from them). */
  connection: ConnectionOptions;
  /** Key prefix, shared by every instance of one system. */
  prefix: string;
  /** This instance's share: tasks it runs at once (`MAX_ACTIVE_TASKS`). */
  concurrency: number;
  /**
   * How long a run's lock lasts without renewal (renewed every half of it while the instance
   * lives). A dead instance's tasks are handed to another within about 1.5× this.
   */
  lockMs: number;
  logger: Logger;
}

const QUEUE = 'tasks';

/** A queue call that failed because Redis could not be reached: the caller answers 503. */
function unavailable(error: unknown): StoreError {
  return new StoreError('unreachable', `The task queue (Redis) cannot be reached: ${(error as Error).message}`, undefined, { cause: error });
}

/**
 * Pending tasks in one BullMQ queue shared by every instance: the oldest goes to whichever
 * instance has a free slot. A task is one job (its id is the task id, so it is queued once);
 * the worker's lock on it is what makes one instance its runner. When that instance dies the
 * lock expires, BullMQ's stalled-job check puts the job back, and another instance takes it over.
 */
export function createBullTaskQueue(options: BullTaskQueueOptions): TaskQueue {
  const { connection, prefix, logger } = options;
  const queue = new Queue(QUEUE, { connection, prefix });
  queue.on('error', (error) => logger.warn({ err: error }, 'task queue: redis error'));
  let worker: Worker | undefined;
  let waiting = 0;
  let closing: Promise<void> | undefined;

  const refreshCount = () =>
    void queue.getJobCounts('waiting', 'prioritized', 'delayed').then(
      (counts) => (waiting = Object.values(counts).reduce((a, b) => a + b, 0)),
      () => undefined,
    );
  const counter = setInterval(refreshCount, 1000);
  counter.unref();

  const process = (run: TaskRun) => async (job: Job<{ taskId: string }>) => {
    const taskId = job.data.taskId;
    const takeover = job.stalledCounter > 0 || job.attemptsMade > 0;
    if (takeover) logger.warn({ task_id: taskId, stalled: job.stalledCounter, attempts: job.attemptsMade }, 'task queue: taking over a task');
    await run(taskId, takeover);
  };

  return {
    async add(taskId) {
      try {
        // Retried (on any instance) when a run is handed back or could not start; removed once done.
        await queue.add('task', { taskId }, { jobId: taskId, attempts: 20, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: true, removeOnFail: true });
      } catch (error) {
        throw unavailable(error);
      }
      refreshCount();
    },
    async remove(taskId) {
      try {
        // 1 when it was waiting (or its runner is dead and its lock gone); 0 when a live instance holds it.
        return (await queue.remove(taskId)) === 1;
      } catch (error) {
        throw unavailable(error);
      } finally {
        refreshCount();
      }
    },
    start(run) {
      if (worker || closing) return;
      worker = new Worker(QUEUE, process(run), {
        connection,
        prefix,
        concurrency: options.concurrency,
        lockDuration: options.lockMs,
        stalledInterval: Math.max(500, Math.round(options.lockMs / 2)),
        maxStalledCount: 5,
      });
      worker.on('error', (error) => logger.warn({ err: error }, 'task queue: worker error'));
      worker.on('failed', (job, error) => {
        if (!(error instanceof RunReleasedError)) logger.warn({ err: error, task_id: job?.data.taskId }, 'task queue: a run failed to start; it is retried');
      });
    },
    get pendingCount() {
      return waiting;
    },
    close() {
      closing ??= (async () => {
        clearInterval(counter);
        await worker?.close();
        await queue.close();
      })();
      return closing;
    },
  };
}
