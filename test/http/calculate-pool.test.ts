import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/test-server.js';

/** Wait for a pool state; generous, as evaluator processes load mathjs slowly on a busy machine. */
const until = (check: () => boolean) => waitFor(check, 90_000);
import { startCalculateServer, type CalculateServer } from './calculate-server.js';

// Runs until the time limit stops it, whatever the limit (the loop has 5e8 steps).
const HOSTILE = 'combinations(1e9, 5e8)';
const servers: CalculateServer[] = [];
afterEach(() => Promise.all(servers.splice(0).map((s) => s.close())));

async function start(options: Parameters<typeof startCalculateServer>[0]) {
  const server = await startCalculateServer(options);
  servers.push(server);
  return server;
}

/** A request that may be aborted: its response (status and body), or the fetch's error. */
function send(server: CalculateServer, expression: string, address: string) {
  const controller = new AbortController();
  const answer = server.calculate(expression, address, controller.signal).then(
    async (res) => ({ status: res.status, headers: res.headers, body: (await res.json()) as any }),
    (error: unknown) => ({ status: 0, headers: new Headers(), body: error as any }),
  );
  return { answer, abort: () => controller.abort() };
}

// Each evaluator process loads mathjs through tsx: seconds on a small, busy machine.
describe('calculate over HTTP: a pool of evaluators shared fairly between clients', { timeout: 120_000 }, () => {
  // Regression: one evaluator and one FIFO queue; 20 of these made another client's 1+1 wait 47–54 s.
  it('answers another client\'s 1+1 while one client\'s 20 hostile expressions are still running or waiting', async () => {
    const server = await start({ poolSize: 2, timeoutMs: 500, maxPendingPerClient: 40 });
    expect((await send(server, '0', '10.0.0.2').answer).status).toBe(200); // the pool is up
    const finished: string[] = [];
    const hostile = Array.from({ length: 20 }, (_, i) => {
      const call = send(server, HOSTILE, '10.0.0.1');
      void call.answer.then(() => finished.push(`hostile ${i}`));
      return call;
    });
    await until(() => server.tool.stats().admitted === 21); // the 20 are in (some may have run already)
    const sum = await send(server, '1 + 1', '10.0.0.2').answer;
    finished.push('1 + 1');

    expect(sum.status).toBe(200);
    expect(sum.body).toEqual({ success: true, tool_name: 'calculate', result: { expression: '1 + 1', result: '2', value: 2 } });
    expect(finished.filter((f) => f.startsWith('hostile')).length, `order: ${finished.join(', ')}`).toBeLessThan(20);
    expect(server.tool.stats().refused).toBe(0);
    expect(server.tool.stats().peakRunning).toBeLessThanOrEqual(2);
    for (const call of hostile) call.abort();
    await until(() => server.tool.stats().pending === 0);
  });

  it('refuses a client over its pending limit with 429 rate_limited, and a full server with 503 unavailable, both with Retry-After', async () => {
    const server = await start({ poolSize: 1, timeoutMs: 60_000, maxPendingPerClient: 2, maxPending: 3 });
    const held = [send(server, HOSTILE, '10.0.0.1'), send(server, HOSTILE, '10.0.0.1')];
    await until(() => server.tool.stats().pending === 2);

    const overClient = await send(server, '1 + 1', '10.0.0.1').answer;
    expect(overClient.status).toBe(429);
    expect(overClient.headers.get('retry-after')).toBe('60');
    expect(overClient.body).toMatchObject({ success: false, error: { code: 'rate_limited', message: expect.stringMatching(/\S/) } });

    held.push(send(server, HOSTILE, '10.0.0.2'));
    await until(() => server.tool.stats().pending === 3);
    const overServer = await send(server, '1 + 1', '10.0.0.3').answer;
    expect(overServer.status).toBe(503);
    expect(overServer.headers.get('retry-after')).toBe('60');
    expect(overServer.body).toMatchObject({ success: false, error: { code: 'unavailable', message: expect.stringMatching(/\S/) } });
    expect(server.tool.stats()).toMatchObject({ pending: 3, admitted: 3, refused: 2 }); // the refused calls were never queued

    for (const call of held) call.abort();
    await until(() => server.tool.stats().pending === 0);
    expect((await send(server, '1 + 1', '10.0.0.3').answer).status).toBe(200);
  });

  // Regression: a client that hung up left its expression running (or waiting) to the time limit.
  it('kills the evaluator of a client that hangs up mid-evaluation, and serves the next call on a new one', async () => {
    // A time limit no test waits for: the next call is answered only if the hostile one was dropped.
    const server = await start({ poolSize: 1, timeoutMs: 600_000 });
    expect((await send(server, '0', '10.0.0.1').answer).status).toBe(200);
    const hostile = send(server, HOSTILE, '10.0.0.1');
    await until(() => server.tool.stats().running === 1);
    hostile.abort();
    expect((await hostile.answer).status).toBe(0);
    await until(() => server.tool.stats().cancelled === 1);
    expect(server.tool.stats()).toMatchObject({ running: 0, queued: 0, processesKilled: 1 });

    const next = await send(server, '2 + 2', '10.0.0.2').answer;
    expect(next.body).toMatchObject({ result: { value: 4 } });
    expect(server.tool.stats()).toMatchObject({ cancelled: 1, processesKilled: 1 });
    expect(server.logs.lines.filter((l) => l.msg === 'unhandled error')).toEqual([]);
  });

  it('takes the call of a client that hangs up while waiting out of the queue, leaving the running one alone', async () => {
    const server = await start({ poolSize: 1, timeoutMs: 600_000 });
    const running = send(server, HOSTILE, '10.0.0.1');
    await until(() => server.tool.stats().running === 1);
    const waiting = send(server, '1 + 1', '10.0.0.2');
    await until(() => server.tool.stats().queued === 1);
    waiting.abort();
    await until(() => server.tool.stats().cancelled === 1);
    expect(server.tool.stats()).toMatchObject({ running: 1, queued: 0, processesKilled: 0 });

    running.abort();
    await until(() => server.tool.stats().pending === 0);
    expect(server.tool.stats()).toMatchObject({ cancelled: 2, processesKilled: 1 });
  });
});
