/**
 * The `calculate` evaluator, run by calculate.ts in a child process of its own under a heap limit, so
 * that an expression which takes all its memory or time kills this process and never the server.
 * Protocol (IPC): it sends `{ ready: true }` once mathjs is loaded, then answers each
 * {@link CalculateRequest} with one {@link CalculateReply}, one at a time.
 */
import { createRequire } from 'node:module';
import vm from 'node:vm';
import type * as MathJs from 'mathjs';

// mathjs' own one-file build (an exported entry point) loads several times faster than its 1,200
// ES modules, and this process is started again after every expression that exhausts it.
const { all, create } = createRequire(import.meta.url)('mathjs/lib/browser/math.js') as typeof MathJs;

/** Limits the parent passes as the first command-line argument, as JSON. */
export interface CalculateWorkerLimits {
  /** Longest one evaluation (with its formatting) may run, in ms. */
  timeoutMs: number;
  /** Longest result string, in characters. */
  maxResultLength: number;
}

export interface CalculateRequest {
  id: number;
  expression: string;
}

/**
 * A result as plain data (`value`: its number, in `unit` for a unit result), or why there is none
 * (`timedOut`: the evaluation was stopped).
 */
export type CalculateReply =
  | { id: number; result: string; value: number | null; unit?: string }
  | { id: number; error: string; timedOut?: true };

const math = create(all!);
// Taken before `evaluate` itself is refused below.
const evaluate = math.evaluate.bind(math);
const refuse = () => {
  throw new Error('not allowed in calculate');
};
// mathjs' own advice for untrusted input: keep evaluate, remove what can define or re-enter code.
// The matrix builders go too: memory is capped by the process' heap limit, but refusing them
// answers the obvious cases with a clear message.
const REFUSED = ['import', 'createUnit', 'evaluate', 'parse', 'simplify', 'derivative', 'resolve', 'reviver', 'zeros', 'ones', 'identity', 'range', 'diag', 'random', 'randomInt', 'pickRandom'];
math.import(Object.fromEntries(REFUSED.map((name) => [name, refuse])), { override: true });
// `config` would change the instance for every later caller (e.g. BigNumber precision 1e9). It is
// refused in expressions only: imported over, it also replaced the settings every lazily built
// function reads (BigNumber factorial and gamma failed with "precision: NaN").
(math as unknown as { expression: { mathWithTransform: Record<string, unknown> } }).expression.mathWithTransform.config = refuse;

const limits = JSON.parse(process.argv[2] ?? '{}') as CalculateWorkerLimits;

type Computed = { result: string; value: number | null; unit?: string };

const finite = (n: unknown) => (typeof n === 'number' && Number.isFinite(n) ? n : null);

/** The number of a result: itself, or for a unit its number in that unit (`5 km to mile` → 3.1068…). */
function numberOf(value: unknown): Pick<Computed, 'value' | 'unit'> {
  if (!math.isUnit(value)) return { value: finite(value) };
  const unit = value.formatUnits();
  // A unit without a value (`unit("m")`) has no number; nor has a complex quantity (toNumber throws).
  if (value.value === null) return { value: null, unit };
  try {
    return { value: finite(value.toNumber()), unit };
  } catch {
    return { value: null, unit };
  }
}

/** Evaluate in a fresh scope (no variables persist) and format; throws mathjs' errors. */
function compute(expression: string): Computed {
  const value: unknown = evaluate(expression, {});
  // Formatting runs code too (`help(sin)` renders examples through refused functions; `format(x, 1e9)`).
  const result = math.format(value, { precision: 14 });
  if (result.length > limits.maxResultLength) {
    throw new Error(`the result is ${result.length} characters long, more than the ${limits.maxResultLength} allowed`);
  }
  return { result, ...numberOf(value) };
}

// A vm timeout interrupts synchronous code (a loop inside mathjs), so this process stops on its own
// even if its parent is gone. The parent still kills it after a timeout: mathjs' libraries keep
// module state (decimal.js precision) that an interrupted call may leave changed.
let pending = '';
const context = vm.createContext({ run: () => compute(pending) });
const script = new vm.Script('run()');

function answer({ id, expression }: CalculateRequest): CalculateReply {
  pending = expression;
  try {
    return { id, ...(script.runInContext(context, { timeout: limits.timeoutMs }) as ReturnType<typeof compute>) };
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return { id, error: 'timed out', timedOut: true };
    return { id, error: error instanceof Error ? error.message : String(error) };
  }
}

process.on('message', (request: CalculateRequest) => {
  process.send?.(answer(request));
});
// The parent is gone (or closed the channel): nothing left to answer.
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true });
