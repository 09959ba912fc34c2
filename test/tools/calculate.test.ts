import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { UnavailableError, ValidationError } from '../../src/errors.js';
import { createCalculateTool, type CalculateTool, type CalculateToolOptions } from '../../src/tools/builtin/calculate.js';
import { createToolRegistry } from '../../src/tools/registry.js';
import { expectError, useServers } from '../http/route-harness.js';

const tools: CalculateTool[] = [];
afterAll(() => Promise.all(tools.map((t) => t.close())));
/** A registry with its own `calculate` (its own evaluator process), closed after this file. */
function calculatorRegistry(options: CalculateToolOptions = {}) {
  const tool = createCalculateTool(options);
  tools.push(tool);
  return createToolRegistry([tool]);
}
function calculator(options: CalculateToolOptions = {}) {
  const registry = calculatorRegistry(options);
  return (expression: unknown, signal?: AbortSignal) => registry.execute('calculate', { expression }, { signal });
}

const registry = calculatorRegistry();
const calculate = (expression: unknown) => registry.execute('calculate', { expression });

/** The ValidationError `calculate` threw, or a failure naming what it did instead. */
async function refusal(expression: string, run: (expression: unknown) => Promise<unknown> = calculate): Promise<ValidationError> {
  const error = await run(expression).then(
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
  });

  // Regression: a unit result had `value: null`; its number (in the result's unit) was only in the string.
  it('gives a unit result its number in the result unit as value, and names the unit', async () => {
    const mile = (await calculate('5 km to mile')) as { result: string; value: number; unit: string };
    expect(mile).toEqual({ expression: '5 km to mile', result: '3.1068559611867 mile', value: expect.any(Number), unit: 'mile' });
    expect(mile.value).toBeCloseTo(5 / 1.609344, 12);
    expect(await calculate('5 km/h to m/s')).toMatchObject({ result: '1.3888888888889 m / s', unit: 'm / s' });
    expect(((await calculate('5 km/h to m/s')) as { value: number }).value).toBeCloseTo(25 / 18, 12);
    expect(await calculate('2 kg + 500 g')).toMatchObject({ result: '2.5 kg', value: 2.5, unit: 'kg' });
    // No one number: a unit without a value, a complex quantity, an infinite one.
    expect(await calculate('unit("m")')).toMatchObject({ value: null, unit: 'm' });
    expect(await calculate('(2 + 3i) m')).toMatchObject({ value: null, unit: 'm' });
    expect(await calculate('1e400 m')).toMatchObject({ value: null, unit: 'm' });
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
    await refusal('f = config; f({precision: 1e9})');
    expect(await calculate('1/3')).toMatchObject({ value: 1 / 3 });
  });

  // Regression: refusing config() by importing over it broke every function that reads its settings.
  it('computes BigNumber factorial and gamma, which read the instance settings config() changes', async () => {
    expect(await calculate('factorial(bignumber(20))')).toMatchObject({ result: '2.4329020081766e+18' });
    expect(await calculate('gamma(bignumber(5))')).toMatchObject({ result: '24' });
    expect(await calculate('format(bignumber(1) / 3, 20)')).toMatchObject({ result: '"0.33333333333333333333"' });
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

/** The one detail message of the 400 `run` answered `expression` with. */
async function refusalMessage(expression: string, run: (expression: unknown) => Promise<unknown>): Promise<string> {
  const error = await refusal(expression, run);
  expect(error.details).toEqual([{ path: 'arguments.expression', message: expect.any(String) }]);
  return error.details![0]!.message;
}

const MEMORY = 'the expression needed more memory than allowed';
// No duration is asserted: a loop of 5e14 steps ends long after any limit, on any machine.
const ENDLESS = 'combinations(1e15, 5e14)';
const thirtyItems = `[${Array.from({ length: 30 }, (_, i) => i + 1).join(', ')}]`;

// Each evaluator process (re)start loads mathjs through tsx: seconds on a small, busy machine.
describe('calculate: expressions that took the whole server\'s memory or time', { timeout: 120_000 }, () => {
  it('answers an expression that needs more memory than allowed with a 400, then calculates again', async () => {
    // A time limit no memory-hungry expression reaches first, so the memory limit is what stops each.
    const run = calculator({ maxMemoryMb: 64, timeoutMs: 60_000 });
    for (const expression of ['resize([1], [1e9])', 'a = [1]; a[1e9] = 1', 'format(pi, 1e9)', `setPowerset(${thirtyItems})`]) {
      expect(await refusalMessage(expression, run), expression).toBe(MEMORY);
      expect(await run('1 + 1')).toMatchObject({ value: 2 });
    }
  });

  it('answers an expression that runs too long with a 400 naming the limit, then calculates again', async () => {
    const run = calculator({ timeoutMs: 500 });
    expect(await refusalMessage(ENDLESS, run)).toBe('the expression took longer than 0.5 s');
    expect(await run('2 ^ 10')).toMatchObject({ value: 1024 });
    expect(await refusalMessage('fraction(1, 3)^1e9', run)).toMatch(/\S/);
    expect(await run('2 ^ 10')).toMatchObject({ value: 1024 });
  });

  it('goes on with the calls queued behind one that timed out', async () => {
    const run = calculator({ timeoutMs: 500 });
    const [slow, ...rest] = await Promise.allSettled([run(ENDLESS), run('2 + 2'), run(ENDLESS), run('sqrt(16)')]);
    expect(slow).toMatchObject({ status: 'rejected', reason: expect.any(ValidationError) });
    expect(rest[0]).toEqual({ status: 'fulfilled', value: { expression: '2 + 2', result: '4', value: 4 } });
    expect(rest[1]).toMatchObject({ status: 'rejected', reason: expect.any(ValidationError) });
    expect(rest[2]).toEqual({ status: 'fulfilled', value: { expression: 'sqrt(16)', result: '4', value: 4 } });
  });

  it('refuses a result longer than 10,000 characters', async () => {
    expect(await refusalMessage('a = [1]; a[5000] = 1; a', calculate)).toMatch(/^the result is \d+ characters long, more than the 10000 allowed$/);
    expect(await calculate('a = [1]; a[100] = 1; a')).toMatchObject({ result: expect.stringMatching(/^\[\[1, 0, /) });
  });

  it('stops the running and the waiting calls of a signal that aborts, and goes on with the next', async () => {
    const run = calculator({ timeoutMs: 60_000 });
    await run('0'); // the evaluator is up: the next call runs at once
    const task = new AbortController(); // one signal, as for an agent's parallel tool calls
    const running = run(ENDLESS, task.signal);
    const waiting = run('1 + 1', task.signal);
    const next = run('3 * 3');
    task.abort(new Error('task cancelled'));
    await expect(running).rejects.toThrow('task cancelled');
    await expect(waiting).rejects.toThrow('task cancelled');
    expect(await next).toMatchObject({ value: 9 });
    await expect(run('1', AbortSignal.abort(new Error('cancelled before')))).rejects.toThrow('cancelled before');
  });

  it('close() answers waiting calls with a 503, refuses later ones, and returns the same promise', async () => {
    const tool = createCalculateTool();
    const registry = createToolRegistry([tool]);
    expect(await registry.execute('calculate', { expression: '1' })).toMatchObject({ value: 1 });
    const pending = registry.execute('calculate', { expression: ENDLESS }).catch((e: unknown) => e);
    const closing = tool.close();
    expect(tool.close()).toBe(closing);
    await closing;
    expect(await pending).toBeInstanceOf(UnavailableError);
    await expect(registry.execute('calculate', { expression: '1' })).rejects.toBeInstanceOf(UnavailableError);
  });

  it('never keeps the Node process alive, yet keeps it until a pending call is answered', async () => {
    const calculateModule = pathToFileURL(fileURLToPath(new URL('../../src/tools/builtin/calculate.ts', import.meta.url))).href;
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const script = `const { createCalculateTool } = await import(${JSON.stringify(calculateModule)});
      const answer = await createCalculateTool().execute({ expression: '6 * 7' }, {});
      process.stdout.write(answer.result);`;
    // Not closed: the process must still exit on its own (or execFile's timeout fails the test).
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--import', tsx, '--input-type=module', '-e', script], { timeout: 30_000 }, (error, out) => (error ? reject(error) : resolve(out)));
    });
    expect(stdout).toBe('42');
  });
});

describe('POST /tools/execute_registered_tool calculate with expressions that killed or froze the server', { timeout: 120_000 }, () => {
  const servers = useServers();
  const execute = (url: string, expression: string) =>
    request(url).post('/tools/execute_registered_tool').send({ tool_name: 'calculate', arguments: { expression } });

  // With the default limits (2 s, 96 MB) a slow machine may reach the time limit first.
  const MEMORY_OR_TIME = /^the expression (needed more memory than allowed|took longer than 2 s)$/;
  it.each([
    ['resize([1], [1e9])', MEMORY_OR_TIME],
    ['a = [1]; a[1e9] = 1', MEMORY_OR_TIME],
    [ENDLESS, /^the expression took longer than 2 s$/],
    ['fraction(1, 3)^1e9', /\S/],
  ])('answers %s with a 400 validation_error on arguments.expression, and calculates right after', async (expression, message) => {
    const server = await servers.plain();
    const error = expectError(await execute(server.url, expression), 400, 'validation_error');
    expect(error.details).toEqual([{ path: 'arguments.expression', message: expect.stringMatching(message) }]);
    const after = await execute(server.url, '2 + 3 * 4');
    expect(after.status).toBe(200);
    expect(after.body).toEqual({ success: true, tool_name: 'calculate', result: { expression: '2 + 3 * 4', result: '14', value: 14 } });
  });
});
