import { afterAll, describe, expect, it } from 'vitest';
import { createCalculateTool, type CalculateTool, type CalculateToolOptions } from '../../src/tools/builtin/calculate.js';
import { createToolRegistry } from '../../src/tools/registry.js';
import { waitFor } from '../helpers/test-server.js';

/** Wait for a pool state; generous, as evaluator processes load mathjs slowly on a busy machine. */
const until = (check: () => boolean) => waitFor(check, 90_000);

const HOSTILE = 'combinations(1e9, 5e8)';
const tools: CalculateTool[] = [];
afterAll(() => Promise.all(tools.map((t) => t.close())));
function calculator(options: CalculateToolOptions) {
  const tool = createCalculateTool(options);
  tools.push(tool);
  return { tool, registry: createToolRegistry([tool]) };
}
const settled = (promise: Promise<unknown>) => promise.then((value) => ({ value }), (error: unknown) => ({ error }));

// Each evaluator process loads mathjs through tsx: seconds on a small, busy machine.
describe('calculate\'s evaluator pool', { timeout: 120_000 }, () => {
  it('never runs more calls than it has evaluators, and answers every call of every client', async () => {
    const { tool, registry } = calculator({ poolSize: 2, maxRunningPerClient: 2, timeoutMs: 300 });
    await registry.execute('calculate', { expression: '0' });
    await until(() => tool.stats().idle === 2); // both evaluators free: the calls below fill them at once
    const calls = Array.from({ length: 12 }, (_, i) => {
      const expression = i % 4 === 1 ? HOSTILE : `${i} * 2`;
      return settled(registry.execute('calculate', { expression }, { clientKey: `client-${i % 3}` }));
    });
    const outcomes = await Promise.all(calls);
    outcomes.forEach((outcome, i) => {
      if (i % 4 === 1) expect(outcome).toMatchObject({ error: { code: 'validation_error' } });
      else expect(outcome).toEqual({ value: { expression: `${i} * 2`, result: String(i * 2), value: i * 2 } });
    });
    await until(() => tool.stats().pending === 0); // the last evaluator killed may still be restarting
    expect(tool.stats()).toMatchObject({ running: 0, clients: 0, restarting: 0, peakRunning: 2 });
  });

  it('keys an agent\'s calls by the clientKey of its generation context: one task holds one evaluator, another task gets the other', async () => {
    const { tool, registry } = calculator({ poolSize: 2, timeoutMs: 600_000 });
    await registry.execute('calculate', { expression: '0' }); // the pool is up
    const calculate = registry.toAiTools().calculate!;
    const task = new AbortController();
    const call = (expression: string, clientKey: string, abortSignal: AbortSignal) =>
      settled(Promise.resolve(calculate.execute!({ expression }, { toolCallId: expression, messages: [], abortSignal, experimental_context: { clientKey } })));

    const first = call(HOSTILE, 'task:a', task.signal);
    const second = call(HOSTILE, 'task:a', task.signal);
    await until(() => tool.stats().running === 1 && tool.stats().queued === 1);
    expect(tool.stats().clients).toBe(1);
    expect(await call('6 * 7', 'task:b', new AbortController().signal)).toMatchObject({ value: { value: 42 } });

    task.abort(new Error('task cancelled'));
    expect(await first).toMatchObject({ error: { message: 'task cancelled' } });
    expect(await second).toMatchObject({ error: { message: 'task cancelled' } });
    await until(() => tool.stats().pending === 0);
    expect(tool.stats()).toMatchObject({ cancelled: 2, processesKilled: 1 });
  });

  // Regression (found by the bench): while a client's evaluator restarted after its call hit the time
  // limit, its next call took the evaluator left free, and the other clients waited for the restart.
  it('counts a restart after a client\'s time-out as that client\'s call, so the other evaluator stays free', async () => {
    // No spare: the killed evaluator's slot waits for a new process to load mathjs.
    const { tool, registry } = calculator({ poolSize: 2, timeoutMs: 300, spareProcess: false });
    await registry.execute('calculate', { expression: '0' });
    await until(() => tool.stats().idle === 2);
    const first = registry.execute('calculate', { expression: HOSTILE }, { clientKey: 'a' });
    const second = settled(registry.execute('calculate', { expression: HOSTILE }, { clientKey: 'a' }));
    const atFirstAnswer = await first.then(() => undefined, () => tool.stats());
    expect(atFirstAnswer).toMatchObject({ running: 0, queued: 1, restarting: 1, idle: 1 });
    expect(await registry.execute('calculate', { expression: '1 + 1' }, { clientKey: 'b' })).toMatchObject({ value: 2 });
    expect(await second).toMatchObject({ error: { code: 'validation_error' } });
  });

  it('replaces an evaluator that hit the time limit with the spare process, so the pool keeps its size', async () => {
    const { tool, registry } = calculator({ poolSize: 2, timeoutMs: 300 });
    await registry.execute('calculate', { expression: '0' });
    // Both evaluators and the spare are up.
    await until(() => tool.stats().idle === 2);
    expect(tool.stats().processesStarted).toBe(3);
    const outcome = await settled(registry.execute('calculate', { expression: HOSTILE }));
    expect(outcome).toMatchObject({ error: { code: 'validation_error', message: 'arguments.expression: the expression took longer than 0.3 s' } });
    // The killed one's slot took the spare, started ahead, and the next spare is starting.
    expect(tool.stats()).toMatchObject({ processesStarted: 4, processesKilled: 1 });
    await until(() => tool.stats().idle === 2);
    expect(await registry.execute('calculate', { expression: '2 ^ 3' })).toMatchObject({ value: 8 });
  });
});
