import { all, create } from 'mathjs';
import { z } from 'zod';
import { ValidationError } from '../../errors.js';
import { defineTool } from '../registry.js';

const math = create(all!);
const evaluate = math.evaluate.bind(math);
const refuse = () => {
  throw new Error('not allowed in calculate');
};
// mathjs' own advice for untrusted input: keep evaluate, remove what can define or re-enter code.
// The matrix builders go too: `zeros(1e5, 1e5)` would take the server's memory. `config` would
// change the one shared instance for every later caller (e.g. BigNumber precision 1e9).
const REFUSED = ['import', 'createUnit', 'evaluate', 'parse', 'simplify', 'derivative', 'resolve', 'reviver', 'config', 'zeros', 'ones', 'identity', 'range', 'diag', 'random', 'randomInt', 'pickRandom'];
math.import(Object.fromEntries(REFUSED.map((name) => [name, refuse])), { override: true });

/** A safe math evaluator (mathjs): arithmetic, functions, matrices, units. */
export const calculateTool = defineTool({
  name: 'calculate',
  description: 'Evaluate a math expression, e.g. "sqrt(2) * 10", "5 km to mile", "mean([1,2,3])". No variables persist between calls.',
  category: 'math',
  tags: ['math', 'calculator', 'units'],
  inputSchema: z.strictObject({ expression: z.string().trim().min(1).max(1000).describe('The expression to evaluate') }),
  async execute({ expression }) {
    let value: unknown;
    let result: string;
    try {
      value = evaluate(expression, {});
      // Formatting runs code too (`help(sin)` renders examples through refused functions): keep it in the try.
      result = math.format(value, { precision: 14 });
    } catch (error) {
      throw new ValidationError(`arguments.expression: ${(error as Error).message}`, [
        { path: 'arguments.expression', message: (error as Error).message },
      ]);
    }
    return { expression, result, value: typeof value === 'number' ? (Number.isFinite(value) ? value : null) : null };
  },
});
