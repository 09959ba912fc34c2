import { randomBytes } from 'node:crypto';
import pLimit from 'p-limit';
import { TaskAlreadyFinishedError, TaskNotFoundError, UnavailableError } from '../errors.js';
import { isStoreError, type StoreError } from '../store/store-error.js';
import type { ListTasksOptions, TaskPage } from '../store/store.js';
import type { OrchestrateInput, ResearchInput, SearchInput } from './inputs.js';
import { TaskAbort } from './task-abort.js';
import { runTask, type TaskRunnerDeps } from './task-runner.js';
import { emptyUsage, isFinal, type PatternName, type TaskRecord } from './task.js';

/** Options for the orchestrator beyond what a task run needs. */
export interface OrchestratorOptions extends Omit<TaskRunnerDeps, 'serverLimiter' | 'createTaskLimiter'> {
  limits: { maxConcurrentAgents: number; maxAgentsPerTask: number; maxActiveTasks: number };
}

/** Options of one `submit`. */
export interface SubmitOptions {
  /**
   * Runs after the task is stored and before it can start or emit anything (e.g. to register its
   * webhooks). When it throws, the task is cancelled and the error goes to the caller.
   */
  beforeStart?: (task: TaskRecord) => void;
}

export interface CancelOutcome {
  task_id: string;
  cancelled: boolean;
  status: TaskRecord['status'];
}

const PREFIX: Record<PatternName, string> = { cascade: 'research', swarm: 'search' };

function newTaskId(pattern: PatternName): string {
  // Time first so ids sort roughly by creation; random after so they cannot be guessed.
  return `${PREFIX[pattern]}_${Date.now().toString(36)}${randomBytes(6).toString('hex')}`;
}

/**
 * Owns every task: admits up to `maxActiveTasks` at once (the rest wait as `pending`, in order),
 * runs them, cancels them, and stops them on shutdown.
 */
export class SwarmOrchestrator {
  private readonly running = new Map<string, { record: TaskRecord; controller: AbortController; done: Promise<void> }>();
  private readonly queue: TaskRecord[] = [];
  private readonly deps: TaskRunnerDeps;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: OrchestratorOptions) {
    const serverLimit = pLimit(options.limits.maxConcurrentAgents);
    this.deps = {
      ...options,
      serverLimiter: (fn) => serverLimit(fn),
      createTaskLimiter: () => {
        const limit = pLimit(options.limits.maxAgentsPerTask);
        return (fn) => limit(fn);
      },
    };
    options.store.onWriteError((error, taskIds) => this.stopOnStoreFailure(error, taskIds));
  }

  /**
   * A running task whose state or events the store could not write is stopped: it ends `failed`
   * with `store_unavailable` (or `store_error`), and that end is written once the store can write.
   */
  private stopOnStoreFailure(error: StoreError, taskIds: readonly string[]): void {
    for (const taskId of taskIds) {
      const run = this.running.get(taskId);
      if (!run || run.controller.signal.aborted) continue;
      this.options.logger.error({ err: error, task_id: taskId }, 'task stopped: the store cannot write');
      run.controller.abort(new TaskAbort(error.taskCode, error.message));
    }
  }

  /**
   * Pick up where a previous process left off: a task that was running is ended `failed` with
   * `interrupted` (keeping its partial results, its stream closed properly); pending ones are queued
   * again in their order. Call once, before accepting new work.
   */
  recover(): { interrupted: string[]; requeued: string[] } {
    const interrupted: string[] = [];
    const requeued: string[] = [];
    for (const record of this.options.store.tasks.byStatus(['running', 'pending'])) {
      if (record.status === 'pending') {
        this.queue.push(record);
        requeued.push(record.task_id);
        continue;
      }
      record.status = 'failed';
      record.error = { code: 'interrupted', message: 'the server stopped while the task was running' };
      record.completed_at = new Date().toISOString();
      record.progress.phase = 'done';
      this.options.store.tasks.save(record);
      const last = this.options.events.history(record.task_id, Math.max(0, this.options.events.lastSeq(record.task_id) - 1))[0];
      if (last?.event_type !== 'stream_closed') {
        this.options.events.append(record.task_id, { event_type: 'workflow_error', data: { status: 'failed', error: record.error, usage: record.usage } });
        this.options.events.append(record.task_id, { event_type: 'stream_closed', data: { status: 'failed' } });
      }
      interrupted.push(record.task_id);
    }
    this.pump();
    return { interrupted, requeued };
  }

  /** Accept a task: it is stored `pending` and starts as soon as a slot is free. */
  submit(pattern: PatternName, input: OrchestrateInput, options: SubmitOptions = {}): TaskRecord {
    if (this.closing) throw new UnavailableError('the server is shutting down');
    const resolved = this.options.models.resolve(input.provider, input.model);
    const title =
      input.title ?? (pattern === 'cascade' ? (input as ResearchInput).task : (input as SearchInput).query).slice(0, 120);
    const record: TaskRecord = {
      task_id: newTaskId(pattern),
      status: 'pending',
      pattern,
      title,
      input: { ...input, provider: resolved.provider, model: resolved.modelId },
      provider: resolved.provider,
      model: resolved.modelId,
      created_at: new Date().toISOString(),
      started_at: null,
      completed_at: null,
      progress: { phase: 'queued', agents_total: 0, agents_done: 0, agents_failed: 0 },
      usage: emptyUsage(),
    };
    this.insert(record);
    // The caller sees the task as accepted (`pending`, SPEC's 202), even when a free slot starts it at once.
    const accepted = structuredClone(record);
    this.queue.push(record);
    try {
      options.beforeStart?.(accepted);
    } catch (error) {
      this.cancelPending(record.task_id);
      throw error;
    }
    this.pump();
    return accepted;
  }

  /** Store a new task; a store that cannot write refuses it as `unavailable` (503), with its reason. */
  private insert(record: TaskRecord): void {
    try {
      this.options.store.tasks.insert(record);
    } catch (error) {
      if (!isStoreError(error) || !error.unavailable) throw error;
      this.options.logger.warn({ err: error }, 'task refused: the store cannot write');
      throw new UnavailableError(error.message);
    }
  }

  /** The current record: the live one while running, else the stored one. */
  get(taskId: string): TaskRecord {
    const live = this.running.get(taskId)?.record;
    const record = live ? structuredClone(live) : this.options.store.tasks.get(taskId);
    if (!record) throw new TaskNotFoundError(taskId);
    return record;
  }

  list(options: ListTasksOptions): TaskPage {
    const page = this.options.store.tasks.list(options);
    page.tasks = page.tasks.map((t) => (this.running.has(t.task_id) ? this.get(t.task_id) : t));
    return page;
  }

  /** Cancel a pending or running task. Cancelling a cancelled task is fine; a finished one is not. */
  cancel(taskId: string): CancelOutcome {
    const record = this.get(taskId);
    if (record.status === 'cancelled') return { task_id: taskId, cancelled: true, status: 'cancelled' };
    if (isFinal(record.status)) throw new TaskAlreadyFinishedError(taskId, record.status);
    const run = this.running.get(taskId);
    if (run) {
      run.record.status = 'cancelled';
      // Aborted before the save, so a save the store cannot write does not turn the cancel into a failure.
      run.controller.abort(new TaskAbort('cancelled', 'cancelled by request'));
      this.options.store.tasks.save(run.record);
    } else {
      this.cancelPending(taskId);
    }
    return { task_id: taskId, cancelled: true, status: 'cancelled' };
  }

  get activeCount(): number {
    return this.running.size;
  }
  get pendingCount(): number {
    return this.queue.length;
  }

  /**
   * Stop admitting, give running tasks `graceMs` to finish, then end the rest as `interrupted`.
   * Idempotent: every call returns the same promise.
   */
  close(graceMs = 0): Promise<void> {
    this.closing ??= this.shutdown(graceMs);
    return this.closing;
  }

  private async shutdown(graceMs: number): Promise<void> {
    const all = () => Promise.all([...this.running.values()].map((r) => r.done));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all(), new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    for (const run of this.running.values()) {
      run.controller.abort(new TaskAbort('interrupted', 'the server shut down while the task was running'));
    }
    await all();
  }

  private cancelPending(taskId: string): void {
    const index = this.queue.findIndex((r) => r.task_id === taskId);
    const [record] = this.queue.splice(index, 1);
    if (!record) return;
    record.status = 'cancelled';
    record.completed_at = new Date().toISOString();
    record.progress.phase = 'done';
    this.options.store.tasks.save(record);
    this.options.events.append(taskId, { event_type: 'workflow_cancelled', data: { status: 'cancelled', usage: record.usage } });
    this.options.events.append(taskId, { event_type: 'stream_closed', data: { status: 'cancelled' } });
  }

  private failAtStart(record: TaskRecord, message: string): void {
    record.status = 'failed';
    record.error = { code: 'provider_unavailable', message };
    record.completed_at = record.started_at;
    record.progress.phase = 'done';
    this.options.store.tasks.save(record);
    this.options.events.append(record.task_id, { event_type: 'workflow_error', data: { status: 'failed', error: record.error } });
    this.options.events.append(record.task_id, { event_type: 'stream_closed', data: { status: 'failed' } });
  }

  private pump(): void {
    while (!this.closing && this.running.size < this.options.limits.maxActiveTasks && this.queue.length > 0) {
      this.start(this.queue.shift()!);
    }
  }

  private start(record: TaskRecord): void {
    const controller = new AbortController();
    record.status = 'running';
    record.started_at = new Date().toISOString();
    record.progress.phase = 'planning';
    this.options.store.tasks.save(record);
    // Resolved again at start: the provider may have gone away (a restart with other keys).
    let model;
    try {
      model = this.options.models.resolve(record.provider, record.model);
    } catch (error) {
      this.failAtStart(record, error instanceof Error ? error.message : String(error));
      return;
    }
    const done = runTask(record, model, controller, this.deps)
      .catch((error: unknown) => this.options.logger.error({ err: error, task_id: record.task_id }, 'task crashed'))
      .finally(() => {
        this.running.delete(record.task_id);
        this.pump();
      });
    this.running.set(record.task_id, { record, controller, done });
  }
}
