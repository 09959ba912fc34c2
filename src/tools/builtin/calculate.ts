import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Socket } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { UnavailableError, ValidationError } from '../../errors.js';
import { defineTool, type RegisteredTool } from '../registry.js';
import type { CalculateReply, CalculateRequest, CalculateWorkerLimits } from './calculate-worker.js';

/** Options of {@link createCalculateTool}. */
export interface CalculateToolOptions {
  /** Longest one expression may take to evaluate and format, in ms (default 2000); longer is a 400. */
  timeoutMs?: number;
  /** Heap limit of the evaluator process, in MB (default 96); an expression that needs more is a 400. */
  maxMemoryMb?: number;
  /** Longest result string, in characters (default 10,000); a longer one is a 400. */
  maxResultLength?: number;
}

/** The `calculate` tool, with the evaluator process it owns. */
export type CalculateTool = RegisteredTool & {
  /** Stop the evaluator process; calls still waiting get a 503. Idempotent. */
  close(): Promise<void>;
};

// Run next to this module with its extension: `.js` from dist/, `.ts` under tsx or vitest, where the
// child needs tsx to load TypeScript (resolved here, so it does not depend on the working directory).
const EXTENSION = path.extname(fileURLToPath(import.meta.url));
const WORKER_FILE = fileURLToPath(new URL(`./calculate-worker${EXTENSION}`, import.meta.url));
const LOADER = EXTENSION === '.ts' ? ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href] : [];
/** How long a new evaluator process may take to load mathjs. */
const STARTUP_LIMIT_MS = 30_000;
/** Past the time limit, how long the process has to stop on its own before it is killed. */
const KILL_GRACE_MS = 1_000;

type Answer = { result: string; value: number | null };
/** How a call ends: an answer, or what to reject it with. */
type Outcome = { answer: Answer } | { error: unknown };

interface Job {
  expression: string;
  signal: AbortSignal | undefined;
  resolve(answer: Answer): void;
  reject(error: unknown): void;
  /** Its own listener: calls made with one signal (an agent's parallel tool calls) abort together. */
  onAbort(): void;
}

/** One child process running calculate-worker. */
interface EvaluatorProcess {
  child: ChildProcess;
  ready: boolean;
  /** The start of its stderr: why it died, if it did. */
  stderr: string;
}

const invalid = (message: string) => new ValidationError(`arguments.expression: ${message}`, [{ path: 'arguments.expression', message }]);

function died(proc: EvaluatorProcess, signal: NodeJS.Signals | null): ValidationError {
  const outOfMemory = signal === 'SIGABRT' || /out of memory|allocation failed|invalid (size|array length)/i.test(proc.stderr);
  return invalid(outOfMemory ? 'the expression needed more memory than allowed' : 'the evaluator stopped while evaluating the expression');
}

/** Fork the worker with its limits, unref'd: while a call is pending, the evaluator's (ref'd) timer keeps Node alive. */
function spawnEvaluator(limits: CalculateWorkerLimits, maxMemoryMb: number): EvaluatorProcess {
  const child = fork(WORKER_FILE, [JSON.stringify(limits)], {
    // No secrets from the environment; no code from strings; a heap of its own.
    env: {},
    execArgv: [...LOADER, `--max-old-space-size=${maxMemoryMb}`, '--disallow-code-generation-from-strings'],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    serialization: 'json',
  });
  const proc: EvaluatorProcess = { child, ready: false, stderr: '' };
  child.unref();
  child.channel?.unref();
  (child.stderr as Socket | null)?.unref();
  child.stderr?.on('data', (chunk: Buffer) => {
    if (proc.stderr.length < 4_000) proc.stderr += chunk.toString('utf8');
  });
  child.on('error', () => {
    // `exit` follows a failed spawn or kill; nothing else to do here.
  });
  return proc;
}

/**
 * One long-lived evaluator process serving calls one at a time. A call that runs too long, or kills
 * the process, is answered with a 400, and the calls waiting behind it go on in a new process.
 */
class Evaluator {
  private readonly queue: Job[] = [];
  private proc: EvaluatorProcess | undefined;
  private current: { job: Job; id: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private nextId = 0;
  private closing: Promise<void> | undefined;
  private readonly limits: CalculateWorkerLimits;
  private readonly tookTooLong: string;

  constructor(private readonly options: Required<CalculateToolOptions>) {
    this.limits = { timeoutMs: options.timeoutMs, maxResultLength: options.maxResultLength };
    this.tookTooLong = `the expression took longer than ${options.timeoutMs / 1000} s`;
  }

  run(expression: string, signal?: AbortSignal): Promise<Answer> {
    if (this.closing) return Promise.reject(new UnavailableError('calculate is shutting down'));
    signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      const job: Job = { expression, signal, resolve, reject, onAbort: () => this.abandon(job) };
      signal?.addEventListener('abort', job.onAbort, { once: true });
      this.queue.push(job);
      this.pump();
    });
  }

  /** Stop the process; the running and waiting calls get a 503. Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      clearTimeout(this.timer);
      const stopping = new UnavailableError('calculate is shutting down');
      for (const job of [...(this.current ? [this.current.job] : []), ...this.queue.splice(0)]) this.settle(job, { error: stopping });
      this.current = undefined;
      const child = this.proc?.child;
      this.proc = undefined;
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
    return this.closing;
  }

  /** Start the next call if the process is idle; start a process if there is none. */
  private pump() {
    if (this.current || this.closing || !this.queue.length) return;
    if (!this.proc) return this.start();
    if (!this.proc.ready) return;
    const job = this.queue.shift()!;
    this.current = { job, id: ++this.nextId };
    this.proc.child.send({ id: this.current.id, expression: job.expression } satisfies CalculateRequest);
    // The worker stops itself at the limit; this is for code a vm timeout cannot interrupt.
    this.arm(this.options.timeoutMs + KILL_GRACE_MS, () => this.finish({ error: invalid(this.tookTooLong) }, true));
  }

  private start() {
    const proc = spawnEvaluator(this.limits, this.options.maxMemoryMb);
    this.proc = proc;
    proc.child.on('message', (message: CalculateReply | { ready: true }) => {
      if (this.proc === proc) this.onMessage(message);
    });
    proc.child.on('exit', (_code, signal) => {
      if (this.proc === proc) this.onExit(proc, signal);
    });
    this.arm(STARTUP_LIMIT_MS, () => this.failStartup(`did not start within ${STARTUP_LIMIT_MS} ms`));
  }

  private onMessage(message: CalculateReply | { ready: true }) {
    if ('ready' in message) {
      this.proc!.ready = true;
      clearTimeout(this.timer);
      this.pump();
    } else if (message.id === this.current?.id) {
      if ('result' in message) this.finish({ answer: { result: message.result, value: message.value } });
      // After a timeout the worker's libraries may be left mid-computation: replace it.
      else this.finish({ error: invalid(message.timedOut ? this.tookTooLong : message.error) }, message.timedOut);
    }
  }

  private onExit(proc: EvaluatorProcess, signal: NodeJS.Signals | null) {
    this.proc = undefined;
    if (this.current) this.finish({ error: died(proc, signal) });
    else if (!proc.ready) this.failStartup(`exited before it was ready (${signal ?? 'exit'}): ${proc.stderr.slice(0, 1_000)}`);
    else this.pump();
  }

  /** Settle the running call and go on with the next; `replace` kills the process first. */
  private finish(outcome: Outcome, replace = false) {
    clearTimeout(this.timer);
    if (replace && this.proc) {
      this.proc.child.kill('SIGKILL');
      this.proc = undefined;
    }
    const job = this.current?.job;
    this.current = undefined;
    if (job) this.settle(job, outcome);
    this.pump();
  }

  /** A process that cannot start fails every waiting call (a 500), rather than respawning forever. */
  private failStartup(reason: string) {
    clearTimeout(this.timer);
    this.proc?.child.kill('SIGKILL');
    this.proc = undefined;
    for (const job of this.queue.splice(0)) this.settle(job, { error: new Error(`calculate: the evaluator process ${reason}`) });
  }

  private abandon(job: Job) {
    const outcome = { error: job.signal?.reason };
    if (this.current?.job === job) return this.finish(outcome, true);
    const index = this.queue.indexOf(job);
    if (index >= 0) this.settle(this.queue.splice(index, 1)[0]!, outcome);
  }

  private settle(job: Job, outcome: Outcome) {
    job.signal?.removeEventListener('abort', job.onAbort);
    if ('answer' in outcome) job.resolve(outcome.answer);
    else job.reject(outcome.error);
  }

  private arm(ms: number, onTimeout: () => void) {
    clearTimeout(this.timer);
    this.timer = setTimeout(onTimeout, ms);
  }
}

/**
 * A safe math evaluator (mathjs): arithmetic, functions, matrices, units. Expressions run in a child
 * process with a heap limit and a time limit, one at a time; the process starts on first use.
 */
export function createCalculateTool({ timeoutMs = 2_000, maxMemoryMb = 96, maxResultLength = 10_000 }: CalculateToolOptions = {}): CalculateTool {
  const evaluator = new Evaluator({ timeoutMs, maxMemoryMb, maxResultLength });
  const tool = defineTool({
    name: 'calculate',
    description: 'Evaluate a math expression, e.g. "sqrt(2) * 10", "5 km to mile", "mean([1,2,3])". No variables persist between calls.',
    category: 'math',
    tags: ['math', 'calculator', 'units'],
    inputSchema: z.strictObject({ expression: z.string().trim().min(1).max(1000).describe('The expression to evaluate') }),
    async execute({ expression }, { signal }) {
      return { expression, ...(await evaluator.run(expression, signal)) };
    },
  });
  return { ...tool, close: () => evaluator.close() };
}

/** A shared `calculate` (its evaluator process starts on first use and never keeps Node alive). */
export const calculateTool = createCalculateTool();
