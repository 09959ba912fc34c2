import { randomBytes } from 'node:crypto';
import pLimit from 'p-limit';
import { TaskAlreadyFinishedError, TaskNotFoundError, UnavailableError } from '../errors.js';
import { isStoreError, type StoreError } from '../store/store-error.js';
import type { ListTasksOptions, TaskPage } from '../store/store.js';
import type { OrchestrateInput, ResearchInput, SearchInput } from './inputs.js';
import { TaskAbort } from './task-abort.js';
import type { Coordination } from './coordination.js';
import { runTask, type TaskRunnerDeps } from './task-runner.js';
import { createLocalTaskQueue, RunReleasedError, type TaskQueue } from './task-queue.js';
import { emptyUsage, isFinal, type PatternName, type TaskRecord } from './task.js';

/** Options for the orchestrator beyond what a task run needs. */
export interface OrchestratorOptions extends Omit<TaskRunnerDeps, 'serverLimiter' | 'createTaskLimiter'> {
  limits: { maxConcurrentAgents: number; maxAgentsPerTask: number; maxActiveTasks: number };
  /** Where pending tasks wait (default: a list in this process, `maxActiveTasks` at once). */
  queue?: TaskQueue;
  /** What is shared with other instances (default: nothing, one process). */
  coordination?: Coordination;
}

/** Options of one `submit`. */
export interface SubmitOptions {
  /**
   * Runs after the task is stored and before it can start or emit anything (e.g. to register its
   * webhooks). When it throws, the task is cancelled and the error goes to the caller.
   */
  beforeStart?: (task: TaskRecord) => Promise<void> | void;
}

export interface CancelOutcome {
  task_id: string;
  cancelled: boolean;
  status: TaskRecord['status'];
}

const PREFIX: Record<PatternName, string> = { cascade: 'research', swarm: 'search' };

/** How long a cancel waits for another instance to stop the task before it answers. */
const REMOTE_CANCEL_WAIT_MS = 1500;

function newTaskId(pattern: PatternName): string {
  // Time first so ids sort roughly by creation; random after so they cannot be guessed.
  return `${PREFIX[pattern]}_${Date.now().toString(36)}${randomBytes(6).toString('hex')}`;
}

interface Run {
  record: TaskRecord;
  controller: AbortController;
  done: Promise<void>;
}

/**
 * Owns the tasks of this instance: accepts them into the queue (the rest wait as `pending`, in
 * order), runs what the queue hands out, cancels any task (here or, through the coordination, on
 * the instance running it), and stops its runs on shutdown.
 */
export class SwarmOrchestrator {
  private readonly running = new Map<string, Run>();
  private readonly deps: TaskRunnerDeps;
  private readonly queue: TaskQueue;
  private readonly coordination: Coordination;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: OrchestratorOptions) {
    const serverLimit = pLimit(options.limits.maxConcurrentAgents);
    this.coordination = options.coordination ?? { instanceId: 'local' };
    this.deps = {
      ...options,
      serverLimiter: this.coordination.agentLimiter ?? ((fn) => serverLimit(fn)),
      createTaskLimiter: () => {
        const limit = pLimit(options.limits.maxAgentsPerTask);
        return (fn) => limit(fn);
      },
    };
    this.queue = options.queue ?? createLocalTaskQueue(options.limits.maxActiveTasks);
    options.store.onWriteError((error, taskIds) => this.stopOnStoreFailure(error, taskIds));
    this.coordination.cancels?.onCancel((taskId) => this.cancelHere(taskId));
  }

  private get store() {
    return this.options.store;
  }
  private get events() {
    return this.options.events;
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
   * Pick up where a previous process left off, then start taking tasks. Alone on its store: a
   * task that was running is ended `failed` with `interrupted` (keeping its partial results, its
   * stream closed properly) and pending ones are queued again in their order. On a shared store
   * the queue itself hands a dead instance's tasks to another, so nothing is touched here.
   * Call once, before accepting new work.
   */
  async recover(): Promise<{ interrupted: string[]; requeued: string[] }> {
    const interrupted: string[] = [];
    const requeued: string[] = [];
    if (!this.store.shared) {
      for (const record of await this.store.tasks.byStatus(['running', 'pending'])) {
        if (record.status === 'pending') {
          await this.queue.add(record.task_id);
          requeued.push(record.task_id);
          continue;
        }
        await this.endInterrupted(record);
        interrupted.push(record.task_id);
      }
    }
    this.queue.start((taskId, takeover) => this.runQueued(taskId, takeover));
    return { interrupted, requeued };
  }

  private async endInterrupted(record: TaskRecord): Promise<void> {
    record.status = 'failed';
    record.error = { code: 'interrupted', message: 'the server stopped while the task was running' };
    record.completed_at = new Date().toISOString();
    record.progress.phase = 'done';
    this.store.tasks.save(record);
    const lastSeq = await this.events.lastSeq(record.task_id);
    const last = (await this.events.history(record.task_id, Math.max(0, lastSeq - 1)))[0];
    if (last?.event_type !== 'stream_closed') {
      this.events.append(record.task_id, { event_type: 'workflow_error', data: { status: 'failed', error: record.error, usage: record.usage } });
      this.events.append(record.task_id, { event_type: 'stream_closed', data: { status: 'failed' } });
    }
  }

  /** Accept a task: it is stored `pending` and starts as soon as a slot is free. */
  async submit(pattern: PatternName, input: OrchestrateInput, options: SubmitOptions = {}): Promise<TaskRecord> {
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
    await this.unavailableOnStoreError(() => this.store.tasks.insert(record));
    // The caller sees the task as accepted (`pending`, SPEC's 202), even when a free slot starts it at once.
    const accepted = structuredClone(record);
    try {
      await options.beforeStart?.(accepted);
    } catch (error) {
      this.cancelStored(record);
      throw error;
    }
    try {
      await this.unavailableOnStoreError(() => this.queue.add(record.task_id));
    } catch (error) {
      // Stored but never queued: it must not sit `pending` for ever.
      this.cancelStored(record);
      throw error;
    }
    return accepted;
  }

  /** A store (or queue) that cannot write refuses new work as `unavailable` (503), with its reason. */
  private async unavailableOnStoreError(write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (error) {
      if (!isStoreError(error) || !error.unavailable) throw error;
      this.options.logger.warn({ err: error }, 'task refused: the store cannot write');
      throw new UnavailableError(error.message);
    }
  }

  /** The current record: the live one while running here, else the stored one. */
  async get(taskId: string): Promise<TaskRecord> {
    const live = this.running.get(taskId)?.record;
    const record = live ? structuredClone(live) : await this.readStored(taskId);
    if (!record) throw new TaskNotFoundError(taskId);
    return record;
  }

  /** A store read; a store that cannot be reached (Redis away) is `unavailable` (503), with its reason. */
  private async read<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (isStoreError(error) && error.unavailable) throw new UnavailableError(error.message);
      throw error;
    }
  }

  private readStored(taskId: string): Promise<TaskRecord | undefined> {
    return this.read(() => this.store.tasks.get(taskId));
  }

  async list(options: ListTasksOptions): Promise<TaskPage> {
    const page = await this.read(() => this.store.tasks.list(options));
    page.tasks = page.tasks.map((t) => {
      const live = this.running.get(t.task_id)?.record;
      return live ? structuredClone(live) : t;
    });
    return page;
  }

  /** Cancel a pending or running task. Cancelling a cancelled task is fine; a finished one is not. */
  async cancel(taskId: string): Promise<CancelOutcome> {
    const record = await this.get(taskId);
    const outcome: CancelOutcome = { task_id: taskId, cancelled: true, status: 'cancelled' };
    if (record.status === 'cancelled') return outcome;
    if (isFinal(record.status)) throw new TaskAlreadyFinishedError(taskId, record.status);
    if (this.cancelHere(taskId)) return outcome;
    if (await this.queue.remove(taskId)) {
      // Out of the queue before anyone took it: this instance writes its end.
      const stored = (await this.readStored(taskId)) ?? record;
      if (!isFinal(stored.status)) this.cancelStored(stored);
      return outcome;
    }
    await this.cancelElsewhere(taskId);
    return outcome;
  }

  /** Stop a task this instance runs; false when it runs none by that id. */
  private cancelHere(taskId: string): boolean {
    const run = this.running.get(taskId);
    if (!run) return false;
    if (run.controller.signal.aborted) return true;
    run.record.status = 'cancelled';
    // Aborted before the save, so a save the store cannot write does not turn the cancel into a failure.
    run.controller.abort(new TaskAbort('cancelled', 'cancelled by request'));
    this.store.tasks.save(run.record);
    return true;
  }

  /** The task runs on another instance (or is just being handed to one): tell them all, and wait a moment for its end. */
  private async cancelElsewhere(taskId: string): Promise<void> {
    const cancels = this.coordination.cancels;
    if (!cancels) return;
    await this.unavailableOnStoreError(() => cancels.publish(taskId));
    const deadline = Date.now() + REMOTE_CANCEL_WAIT_MS;
    while (Date.now() < deadline) {
      const stored = await this.readStored(taskId);
      if (!stored || isFinal(stored.status)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** This instance's name (`INSTANCE_TAG`) when it shares the store with others, else undefined. */
  get instanceId(): string | undefined {
    return this.store.shared ? this.coordination.instanceId : undefined;
  }

  get activeCount(): number {
    return this.running.size;
  }
  get pendingCount(): number {
    return this.queue.pendingCount;
  }

  /**
   * Stop admitting, give running tasks `graceMs` to finish, then end the rest as `interrupted` —
   * or, on a shared store, hand them back to the queue, for another instance to carry on.
   * Idempotent: every call returns the same promise.
   */
  close(graceMs = 0): Promise<void> {
    this.closing ??= this.shutdown(graceMs);
    return this.closing;
  }

  private async shutdown(graceMs: number): Promise<void> {
    const queueClosed = this.queue.close();
    const all = () => Promise.all([...this.running.values()].map((r) => r.done));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all(), new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    const reason = this.store.shared
      ? new TaskAbort('released', 'this instance shut down; another carries the task on')
      : new TaskAbort('interrupted', 'the server shut down while the task was running');
    for (const run of this.running.values()) run.controller.abort(reason);
    await all();
    await queueClosed;
  }

  /** End a task nobody runs as `cancelled`. */
  private cancelStored(record: TaskRecord): void {
    record.status = 'cancelled';
    record.completed_at = new Date().toISOString();
    record.progress.phase = 'done';
    this.store.tasks.save(record);
    this.events.append(record.task_id, { event_type: 'workflow_cancelled', data: { status: 'cancelled', usage: record.usage } });
    this.events.append(record.task_id, { event_type: 'stream_closed', data: { status: 'cancelled' } });
  }

  private failAtStart(record: TaskRecord, message: string): void {
    record.status = 'failed';
    record.error = { code: 'provider_unavailable', message };
    record.completed_at = record.started_at;
    record.progress.phase = 'done';
    this.store.tasks.save(record);
    this.events.append(record.task_id, { event_type: 'workflow_error', data: { status: 'failed', error: record.error } });
    this.events.append(record.task_id, { event_type: 'stream_closed', data: { status: 'failed' } });
  }

  /** Run a task the queue handed out, to its end. Never throws. */
  private async runQueued(taskId: string, takeover: boolean): Promise<void> {
    if (this.running.has(taskId)) return;
    let record: TaskRecord | undefined;
    try {
      record = await this.store.tasks.get(taskId);
    } catch (error) {
      this.options.logger.error({ err: error, task_id: taskId }, 'task not started: the store cannot be read');
      throw error;
    }
    // Cancelled (or pruned) while it waited.
    if (!record || isFinal(record.status)) return;
    const resumed = takeover || record.status === 'running';
    const run = this.start(record, resumed);
    if (!run) return;
    await run.done;
    const reason: unknown = run.controller.signal.reason;
    if (reason instanceof TaskAbort && reason.code === 'released') throw new RunReleasedError(taskId);
  }

  private start(record: TaskRecord, resumed: boolean): Run | undefined {
    const controller = new AbortController();
    const previous = resumed ? record.instance : undefined;
    record.status = 'running';
    record.started_at ??= new Date().toISOString();
    record.instance = this.coordination.instanceId;
    if (!resumed) record.progress.phase = 'planning';
    this.store.tasks.save(record);
    // Resolved again at start: the provider may have gone away (a restart with other keys).
    let model;
    try {
      model = this.options.models.resolve(record.provider, record.model);
    } catch (error) {
      this.failAtStart(record, error instanceof Error ? error.message : String(error));
      return undefined;
    }
    if (resumed) this.events.append(record.task_id, { event_type: 'workflow_resumed', data: { instance: record.instance, previous_instance: previous ?? null } });
    const done = runTask(record, model, controller, this.deps, { resumed })
      .catch((error: unknown) => this.options.logger.error({ err: error, task_id: record.task_id }, 'task crashed'))
      .finally(() => this.running.delete(record.task_id));
    const run = { record, controller, done };
    this.running.set(record.task_id, run);
    // A cancel published while the task was on its way here.
    void this.coordination.cancels?.isCancelled(record.task_id).then(
      (cancelled) => cancelled && this.cancelHere(record.task_id),
      () => undefined,
    );
    return run;
  }
}
