import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Socket } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ValidationError } from '../../errors.js';
import type { CalculateWorkerLimits } from './calculate-worker.js';

// Run next to this module with its extension: `.js` from dist/, `.ts` under tsx or vitest, where the
// child needs tsx to load TypeScript (resolved here, so it does not depend on the working directory).
const EXTENSION = path.extname(fileURLToPath(import.meta.url));
const WORKER_FILE = fileURLToPath(new URL(`./calculate-worker${EXTENSION}`, import.meta.url));
const LOADER = EXTENSION === '.ts' ? ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href] : [];
/** How long a new evaluator process may take to load mathjs. */
export const STARTUP_LIMIT_MS = 30_000;
/** Past the time limit, how long the process has to stop on its own before it is killed. */
export const KILL_GRACE_MS = 1_000;

/** What one expression evaluated to: the formatted result, its number (in `unit` for a unit result). */
export type Answer = { result: string; value: number | null; unit?: string };
/** How a call ends: an answer, or what to reject it with. */
export type Outcome = { answer: Answer } | { error: unknown };

/** One child process running calculate-worker. */
export interface EvaluatorProcess {
  child: ChildProcess;
  ready: boolean;
  /** The start of its stderr: why it died, if it did. */
  stderr: string;
}

export const invalidExpression = (message: string) =>
  new ValidationError(`arguments.expression: ${message}`, [{ path: 'arguments.expression', message }]);

export function died(proc: EvaluatorProcess, signal: NodeJS.Signals | null): ValidationError {
  const outOfMemory = signal === 'SIGABRT' || /out of memory|allocation failed|invalid (size|array length)/i.test(proc.stderr);
  return invalidExpression(outOfMemory ? 'the expression needed more memory than allowed' : 'the evaluator stopped while evaluating the expression');
}

/** Fork the worker with its limits, unref'd: while a call is pending, its slot's (ref'd) timer keeps Node alive. */
export function spawnEvaluator(limits: CalculateWorkerLimits, maxMemoryMb: number): EvaluatorProcess {
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
 * One evaluator process started ahead of need: a slot whose process was killed takes it, ready,
 * instead of waiting for a new one to load mathjs.
 */
export class SpareProcess {
  private proc: EvaluatorProcess | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly spawn: () => EvaluatorProcess) {}

  /** The spare (ready or still starting), or `undefined`; the next spare starts. */
  take(): EvaluatorProcess | undefined {
    const proc = this.proc;
    this.proc = undefined;
    this.fill();
    return proc;
  }

  /** Kill the spare. Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      const child = this.proc?.child;
      this.proc = undefined;
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
    return this.closing;
  }

  private fill() {
    if (this.proc || this.closing) return;
    const proc = this.spawn();
    this.proc = proc;
    proc.child.on('message', (message: { ready?: true }) => {
      if (message.ready) proc.ready = true;
    });
    // A spare that dies is replaced by the next take, not at once: no restart loop.
    proc.child.on('exit', () => {
      if (this.proc === proc) this.proc = undefined;
    });
  }
}
