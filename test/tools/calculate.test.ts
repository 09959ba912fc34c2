import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { calculateTool } from '../../src/tools/builtin/calculate.js';
import { createToolRegistry } from '../../src/tools/registry.js';

const registry = createToolRegistry([calculateTool]);
const calculate = (expression: unknown) => registry.execute('calculate', { expression });

/** The ValidationError `calculate` threw, or a failure naming what it did instead. */
async function refusal(expression: string): Promise<ValidationError> {
  const error = await calculate(expression).then(
    (value) => new Error(`expected a refusal, got ${JSON.stringify(value)}`),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

describe('calculate', () => {
  it('evaluates arithmetic, functions and units', async () => {
    expect(await calculate('2 + 3 * 4')).toEqual({ expression: '2 + 3 * 4', result: '14', value: 14 });
    expect(await calculate('sqrt(16) * 10')).toMatchObject({ result: '40', value: 40 });
    expect(await calculate('mean([1, 2, 3])')).toMatchObject({ value: 2 });
    expect(await calculate('5 km to mile')).toMatchObject({ result: '3.1068559611867 mile', value: null });
  });

  it('gives null, not Infinity or NaN, as the value of a non-finite result', async () => {
    expect(await calculate('1 / 0')).toMatchObject({ result: 'Infinity', value: null });
  });

  it.each([
    ['import({a: 1})'],
    ['createUnit("foo")'],
    ['evaluate("1 + 1")'],
    ['parse("1 + 1")'],
    ['simplify("x + x")'],
    ['zeros(1e5, 1e5)'],
    ['ones(1e5, 1e5)'],
    ['identity(1e5)'],
    ['range("1:1e9")'],
    ['1:1e9'],
    ['[1:1e9]'],
    ['size(1:1e8)'],
  ])('refuses %s with a ValidationError on arguments.expression', async (expression) => {
    const error = await refusal(expression);
    expect(error.status).toBe(400);
    expect(error.details).toEqual([{ path: 'arguments.expression', message: expect.any(String) }]);
  });

  it('does not reach JavaScript internals through properties', async () => {
    for (const expression of ['cos.constructor', 'cos["constructor"]("return process")', '"".constructor']) {
      const error = await refusal(expression);
      expect(error.message).toMatch(/No access to (property|method) "constructor"/);
    }
  });

  // Regression: help() formatted its examples outside the try, through refused functions: a 500.
  it('refuses help(), whose formatting runs refused functions, as a validation error', async () => {
    await refusal('help(sin)');
  });

  // Regression: config() changed the one shared mathjs instance for every later caller.
  it('refuses config(), so no caller can change how later calls compute', async () => {
    await refusal('config({number: "Fraction"})');
    expect(await calculate('1/3')).toMatchObject({ value: 1 / 3 });
  });

  it('keeps no variables between calls', async () => {
    expect(await calculate('x = 5')).toMatchObject({ value: 5 });
    const error = await refusal('x + 1');
    expect(error.message).toMatch(/Undefined symbol x/);
  });

  it('rejects a missing, empty, mistyped or too long expression, and unknown arguments', async () => {
    for (const expression of [undefined, '', '   ', 42, 'x'.repeat(1001)]) {
      const error = await refusal(expression as string);
      expect(error.details?.map((d) => d.path)).toEqual(['arguments.expression']);
    }
    const error = await registry.execute('calculate', { expression: '1', precision: 3 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details).toEqual([{ path: 'arguments.precision', message: 'unknown field' }]);
  });

  it('evaluates a 1000-character expression', async () => {
    const long = Array.from({ length: 500 }, () => '1').join('+');
    expect(long.length).toBe(999);
    expect(await calculate(long)).toMatchObject({ value: 500 });
  });

  it('answers deep nesting with a result or a ValidationError, never another error', async () => {
    const nested = `${'('.repeat(499)}1${')'.repeat(499)}`;
    const outcome = await calculate(nested).catch((e: unknown) => e);
    if (outcome instanceof Error) expect(outcome).toBeInstanceOf(ValidationError);
    else expect(outcome).toMatchObject({ value: 1 });
  });
});
