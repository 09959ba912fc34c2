import os from 'node:os';
import { z } from 'zod';
import { defineTool, type RegisteredTool } from '../registry.js';
import { EvaluatorPool, type EvaluatorPoolStats } from './evaluator-pool.js';

/** Options of {@link createCalculateTool}. */
export interface CalculateToolOptions {
  /** Longest one expression may take to evaluate and format, in ms (default 2000); longer is a 400. */
  timeoutMs?: number;
  /** Heap limit of each evaluator process, in MB (default 96); an expression that needs more is a 400. */
  maxMemoryMb?: number;
  /** Longest result string, in characters (default 10,000); a longer one is a 400. */
  maxResultLength?: number;
  /** Evaluator processes (default 2, or 1 on a one-CPU machine). */
  poolSize?: number;
  /**
   * Evaluators one client may use at once (default `poolSize - 1`, at least 1): with two or more
   * processes one is always left for other clients, so a client sending slow expressions only
   * waits for itself.
   */
  maxRunningPerClient?: number;
  /** Calls one client may have waiting or running (default 16); one more is a 429 `rate_limited` with `Retry-After`. */
  maxPendingPerClient?: number;
  /** Calls all clients may have waiting or running (default 64); one more is a 503 `unavailable` with `Retry-After`. */
  maxPending?: number;
  /**
   * Keep one evaluator process started ahead (default true), so one killed at the time limit is
   * replaced at once rather than after mathjs loads again; false saves that process' memory.
   */
  spareProcess?: boolean;
}

/** The `calculate` tool, with the evaluator processes it owns. */
export type CalculateTool = RegisteredTool & {
  /** Stop the evaluator processes; calls still waiting get a 503. Idempotent. */
  close(): Promise<void>;
  /** Counters of its evaluator pool (calls running, queued, cancelled; processes started, killed). */
  stats(): EvaluatorPoolStats;
};

/** The options with their defaults. */
function withDefaults(options: CalculateToolOptions) {
  const poolSize = Math.max(1, Math.floor(options.poolSize ?? Math.min(2, os.availableParallelism())));
  return {
    size: poolSize,
    timeoutMs: options.timeoutMs ?? 2_000,
    maxMemoryMb: options.maxMemoryMb ?? 96,
    maxResultLength: options.maxResultLength ?? 10_000,
    maxRunningPerClient: Math.max(1, Math.floor(options.maxRunningPerClient ?? poolSize - 1)),
    maxPendingPerClient: Math.max(1, Math.floor(options.maxPendingPerClient ?? 16)),
    maxPending: Math.max(1, Math.floor(options.maxPending ?? 64)),
    spare: options.spareProcess ?? true,
  };
}

/**
 * A safe math evaluator (mathjs): arithmetic, functions, matrices, units. Expressions run in a small
 * pool of child processes, each with a heap limit, one expression at a time under a time limit;
 * calls wait in per-client queues served in turn. The processes (and a spare) start on first use.
 *
 * The answer is `{expression, result, value}`: `result` the formatted result, `value` its number
 * (`null` for a matrix, a complex number, a non-finite number…). For a unit, `value` is the number
 * in the result's unit and `unit` names it: `5 km to mile` → `value: 3.10685…, unit: "mile"`.
 */
export function createCalculateTool(options: CalculateToolOptions = {}): CalculateTool {
  const pool = new EvaluatorPool(withDefaults(options));
  const tool = defineTool({
    name: 'calculate',
    description: 'Evaluate a math expression, e.g. "sqrt(2) * 10", "5 km to mile", "mean([1,2,3])". No variables persist between calls.',
    category: 'math',
    tags: ['math', 'calculator', 'units'],
    inputSchema: z.strictObject({ expression: z.string().trim().min(1).max(1000).describe('The expression to evaluate') }),
    async execute({ expression }, { signal, clientKey }) {
      return { expression, ...(await pool.run(expression, { signal, clientKey })) };
    },
  });
  return { ...tool, close: () => pool.close(), stats: () => pool.stats() };
}

/** A shared `calculate` (its evaluator processes start on first use and never keep Node alive). */
export const calculateTool = createCalculateTool();
