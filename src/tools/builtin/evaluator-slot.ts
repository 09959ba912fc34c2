import type { CalculateReply, CalculateRequest, CalculateWorkerLimits } from './calculate-worker.js';
import { died, invalidExpression, KILL_GRACE_MS, STARTUP_LIMIT_MS, type EvaluatorProcess, type Outcome } from './evaluator-process.js';

/** How a call on a slot ended; `replaced`: its process was killed for it, and another is starting. */
export type CallDone = (outcome: Outcome, replaced: boolean) => void;

/** Options of {@link EvaluatorSlot}. */
export interface EvaluatorSlotOptions {
  limits: CalculateWorkerLimits;
  /** A process for the slot: a spare (perhaps ready already) or a new one. */
  spawn(): EvaluatorProcess;
  /** Its process is ready and has no call: it can take one. */
  onIdle(): void;
  /** Its process could not start (why); it stays down until {@link EvaluatorSlot.start} is called again. */
  onStartFailed(reason: string): void;
}

/**
 * One evaluator process running one call at a time. A call that runs past the time limit, or kills
 * the process, is answered with a 400, and the process is replaced at once (mathjs' libraries keep
 * module state an interrupted call may leave changed).
 */
export class EvaluatorSlot {
  /** Processes killed by this slot (for tests and metrics). */
  killed = 0;
  private proc: EvaluatorProcess | undefined;
  private current: { id: number; done: CallDone } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private nextId = 0;
  private closing: Promise<void> | undefined;
  private readonly tookTooLong: string;

  constructor(private readonly options: EvaluatorSlotOptions) {
    this.tookTooLong = `the expression took longer than ${options.limits.timeoutMs / 1000} s`;
  }

  /** Ready for a call. */
  get idle(): boolean {
    return !!this.proc?.ready && !this.current && !this.closing;
  }

  /** Its process is up or starting. */
  get up(): boolean {
    return !!this.proc;
  }

  /** Start the process if there is none. */
  start(): void {
    if (this.proc || this.closing) return;
    const proc = this.options.spawn();
    this.proc = proc;
    proc.child.on('message', (message: CalculateReply | { ready: true }) => {
      if (this.proc === proc) this.onMessage(message);
    });
    proc.child.on('exit', (_code, signal) => {
      if (this.proc === proc) this.onExit(proc, signal);
    });
    // A spare may be ready already: it takes a call once the caller's turn is over.
    if (proc.ready) {
      queueMicrotask(() => {
        if (this.idle && this.proc === proc) this.options.onIdle();
      });
    } else this.arm(STARTUP_LIMIT_MS, () => this.failStartup(`did not start within ${STARTUP_LIMIT_MS} ms`));
  }

  /** Evaluate `expression` (the slot must be {@link idle}); `done` is called once, unless the call is cancelled. */
  run(expression: string, done: CallDone): void {
    if (!this.idle) throw new Error('EvaluatorSlot.run: the slot is not idle');
    this.current = { id: ++this.nextId, done };
    this.proc!.child.send({ id: this.current.id, expression } satisfies CalculateRequest);
    // The worker stops itself at the limit; this is for code a vm timeout cannot interrupt.
    this.arm(this.options.limits.timeoutMs + KILL_GRACE_MS, () => this.finish({ error: invalidExpression(this.tookTooLong) }, true));
  }

  /** Drop the running call without answering it: its process is killed and replaced. */
  cancel(): void {
    if (!this.current) return;
    this.current = undefined;
    this.replace();
  }

  /** Kill the process (a running call is not answered). Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      clearTimeout(this.timer);
      this.current = undefined;
      const child = this.proc?.child;
      this.proc = undefined;
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
    return this.closing;
  }

  private onMessage(message: CalculateReply | { ready: true }) {
    if ('ready' in message) {
      this.proc!.ready = true;
      clearTimeout(this.timer);
      this.options.onIdle();
    } else if (message.id === this.current?.id) {
      if ('result' in message) this.finish({ answer: { result: message.result, value: message.value, ...(message.unit ? { unit: message.unit } : {}) } });
      // After a timeout the worker's libraries may be left mid-computation: replace it.
      else this.finish({ error: invalidExpression(message.timedOut ? this.tookTooLong : message.error) }, message.timedOut);
    }
  }

  private onExit(proc: EvaluatorProcess, signal: NodeJS.Signals | null) {
    this.proc = undefined;
    if (this.current) this.finish({ error: died(proc, signal) }, true);
    else if (!proc.ready) this.failStartup(`exited before it was ready (${signal ?? 'exit'}): ${proc.stderr.slice(0, 1_000)}`);
    else this.start();
  }

  /** Answer the running call; `replace` kills the process first and starts another. */
  private finish(outcome: Outcome, replace = false) {
    clearTimeout(this.timer);
    const current = this.current;
    this.current = undefined;
    if (replace) this.replace();
    current?.done(outcome, replace);
  }

  private replace() {
    clearTimeout(this.timer);
    if (this.proc) {
      this.proc.child.kill('SIGKILL');
      this.proc = undefined;
      this.killed++;
    }
    this.start();
  }

  private failStartup(reason: string) {
    clearTimeout(this.timer);
    this.proc?.child.kill('SIGKILL');
    this.proc = undefined;
    this.options.onStartFailed(reason);
  }

  private arm(ms: number, onTimeout: () => void) {
    clearTimeout(this.timer);
    this.timer = setTimeout(onTimeout, ms);
  }
}
