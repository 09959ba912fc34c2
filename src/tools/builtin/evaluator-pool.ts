import { UnavailableError } from '../../errors.js';
import { SpareProcess, spawnEvaluator, type Answer, type EvaluatorProcess, type Outcome } from './evaluator-process.js';
import { EvaluatorSlot } from './evaluator-slot.js';
import { FairQueue } from './fair-queue.js';

/** Options of {@link EvaluatorPool}; every field is required here (calculate.ts has the defaults). */
export interface EvaluatorPoolOptions {
  /** Evaluator processes. */
  size: number;
  /** Longest one expression may take, in ms. */
  timeoutMs: number;
  /** Heap limit of each evaluator process, in MB. */
  maxMemoryMb: number;
  /** Longest result string, in characters. */
  maxResultLength: number;
  /** Evaluators one client may use at once. */
  maxRunningPerClient: number;
  /** Calls one client may have waiting or running; more are a 429. */
  maxPendingPerClient: number;
  /** Calls all clients may have waiting or running; more are a 503. */
  maxPending: number;
  /** Keep one process started ahead, to replace a killed evaluator at once. */
  spare: boolean;
}

/** Who is calling and when to stop. */
export interface RunOptions {
  /** Aborting it drops the call: taken out of the queue, or its evaluator killed and replaced. */
  signal?: AbortSignal;
  /** The client the call is queued for (an API key, an address, a task); calls without one share a queue. */
  clientKey?: string;
}

/** Counters of a pool, for tests and metrics. */
export interface EvaluatorPoolStats {
  size: number;
  /** Evaluators ready and free now. */
  idle: number;
  /** Calls evaluating now. */
  running: number;
  /** Calls waiting for an evaluator. */
  queued: number;
  /** Evaluators restarting after a client's call killed their process (counted as that client's, and in `pending`). */
  restarting: number;
  /** Calls waiting or running, and restarts still charged to a client. */
  pending: number;
  /** Clients with a call waiting or running. */
  clients: number;
  /** The most calls that ever ran at once (never above `size`). */
  peakRunning: number;
  /** Calls taken in, and refused because a queue was full (429/503), since the pool was made. */
  admitted: number;
  refused: number;
  /** Calls dropped because their signal aborted (a client that hung up, a cancelled task). */
  cancelled: number;
  /** Evaluator processes started (the spare too), and killed (after a time limit or a cancel). */
  processesStarted: number;
  processesKilled: number;
}

const SHARED_KEY = 'unkeyed';

interface Job {
  expression: string;
  clientKey: string;
  signal: AbortSignal | undefined;
  /** The slot evaluating it, once it runs. */
  slot?: EvaluatorSlot;
  resolve(answer: Answer): void;
  reject(error: unknown): void;
  /** Its own listener: calls made with one signal (an agent's parallel tool calls) abort together. */
  onAbort(): void;
}

/**
 * A few evaluator processes shared by all callers. Calls wait in per-client queues served in turn,
 * each client limited to `maxRunningPerClient` evaluators, so one client's slow expressions cannot
 * hold back another's. An evaluator killed (time limit, cancel) is replaced at once by a spare
 * process started ahead. The processes start on first use and never keep Node alive.
 */
export class EvaluatorPool {
  private readonly slots: EvaluatorSlot[];
  private readonly spare: SpareProcess | undefined;
  private readonly queue: FairQueue<Job>;
  private readonly running = new Set<Job>();
  /**
   * Slots starting a new process because a client's call killed the last one, by that client: the
   * restart counts as that client's running call, so while its own evaluator restarts it cannot
   * take the one left free for the others.
   */
  private readonly restarting = new Map<EvaluatorSlot, string>();
  private closing: Promise<void> | undefined;
  private peakRunning = 0;
  private cancelled = 0;
  private started = 0;
  private admitted = 0;
  private refused = 0;

  constructor(private readonly options: EvaluatorPoolOptions) {
    const limits = { timeoutMs: options.timeoutMs, maxResultLength: options.maxResultLength };
    const spawn = (): EvaluatorProcess => {
      this.started++;
      return spawnEvaluator(limits, options.maxMemoryMb);
    };
    this.spare = options.spare ? new SpareProcess(spawn) : undefined;
    this.slots = Array.from({ length: options.size }, () => {
      const slot: EvaluatorSlot = new EvaluatorSlot({
        limits,
        spawn: () => this.spare?.take() ?? spawn(),
        onIdle: () => this.pump(),
        onStartFailed: (reason) => {
          this.restarted(slot);
          this.onStartFailed(reason);
        },
      });
      return slot;
    });
    this.queue = new FairQueue({ ...options, retryAfterS: Math.max(1, Math.ceil(options.timeoutMs / 1000)), what: 'calculate' });
  }

  /** Evaluate `expression`: rejects with a 400 (the expression), 429/503 (queue full) or the signal's reason. */
  run(expression: string, { signal, clientKey = SHARED_KEY }: RunOptions = {}): Promise<Answer> {
    return new Promise((resolve, reject) => {
      if (this.closing) throw new UnavailableError('calculate is shutting down');
      signal?.throwIfAborted();
      const job: Job = { expression, clientKey, signal, resolve, reject, onAbort: () => this.abandon(job) };
      this.admit(job);
      signal?.addEventListener('abort', job.onAbort, { once: true });
      for (const slot of this.slots) slot.start();
      this.pump();
    });
  }

  stats(): EvaluatorPoolStats {
    const sum = (count: (slot: EvaluatorSlot) => number) => this.slots.reduce((total, slot) => total + count(slot), 0);
    return {
      size: this.options.size,
      idle: this.slots.filter((slot) => slot.idle).length,
      running: this.running.size,
      queued: this.queue.waiting,
      restarting: this.restarting.size,
      pending: this.queue.pending,
      clients: this.queue.clientCount,
      peakRunning: this.peakRunning,
      admitted: this.admitted,
      refused: this.refused,
      cancelled: this.cancelled,
      processesStarted: this.started,
      processesKilled: sum((slot) => slot.killed),
    };
  }

  /** Stop the processes; the running and waiting calls get a 503, later ones too. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (() => {
      const stopping = new UnavailableError('calculate is shutting down');
      for (const job of [...this.running, ...this.queue.drain()]) this.settle(job, { error: stopping });
      return Promise.all([...this.slots.map((slot) => slot.close()), this.spare?.close()]).then(() => undefined);
    })();
    return this.closing;
  }

  private admit(job: Job) {
    try {
      this.queue.admit(job.clientKey, job);
    } catch (error) {
      this.refused++;
      throw error;
    }
    this.admitted++;
  }

  /** Give every idle evaluator the next call in turn (restarted ones are no longer charged first). */
  private pump() {
    if (this.closing) return;
    for (const slot of this.restarting.keys()) if (slot.idle) this.restarted(slot);
    for (const slot of this.slots) {
      if (!slot.idle) continue;
      const job = this.queue.next();
      if (!job) return;
      job.slot = slot;
      this.running.add(job);
      this.peakRunning = Math.max(this.peakRunning, this.running.size);
      slot.run(job.expression, (outcome, replaced) => {
        this.settle(job, outcome, replaced ? slot : undefined);
        this.pump();
      });
    }
  }

  /** A signal aborted: drop its call from the queue, or kill the evaluator running it. */
  private abandon(job: Job) {
    const slot = job.slot;
    if (!slot && !this.queue.remove(job.clientKey, job)) return;
    this.cancelled++;
    this.settle(job, { error: job.signal?.reason }, slot);
    // Not pumped here: the other calls of the same signal are dropped first (the slot pumps when its
    // new process is ready, a spare in the next microtask), so none of them is started only to be killed.
    slot?.cancel();
  }

  /** A slot's new process is ready (or failed to start): the client whose call killed the last one is charged no longer. */
  private restarted(slot: EvaluatorSlot) {
    const clientKey = this.restarting.get(slot);
    if (clientKey === undefined) return;
    this.restarting.delete(slot);
    this.queue.finish(clientKey);
  }

  /** No evaluator could start: rather than respawn forever, fail the waiting calls (a 500); the next call tries again. */
  private onStartFailed(reason: string) {
    if (this.slots.some((slot) => slot.up)) return;
    const error = new Error(`calculate: the evaluator process ${reason}`);
    for (const job of this.queue.drain()) this.settle(job, { error });
  }

  /** Answer a call once, and count it out of the queue (once `restarting` is up, if its process was killed for it). */
  private settle(job: Job, outcome: Outcome, restarting?: EvaluatorSlot) {
    job.signal?.removeEventListener('abort', job.onAbort);
    if (this.running.delete(job)) {
      if (restarting && !this.closing) this.restarting.set(restarting, job.clientKey);
      else this.queue.finish(job.clientKey);
    }
    job.slot = undefined;
    if ('answer' in outcome) job.resolve(outcome.answer);
    else job.reject(outcome.error);
  }
}
