import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MAIN, cleanupChildren, listeningPort, run, scratchDir } from './helpers/child-process.js';
import { startFakeUpstream, type FakeUpstream } from './helpers/fake-upstream.js';
import { openTaskStream } from './helpers/sse-client.js';
import { waitFor } from './helpers/test-server.js';

let upstream: FakeUpstream | undefined;
afterEach(async () => {
  await cleanupChildren();
  await upstream?.close();
  upstream = undefined;
});

async function start(env: Record<string, string>) {
  const cwd = scratchDir();
  const full = { PORT: '0', STORE: 'sqlite', DATA_DIR: path.join(cwd, 'data'), OPENAI_API_KEY: 'k', OPENAI_BASE_URL: `${upstream!.url}/v1`, DEFAULT_PROVIDER: 'openai', ...env };
  const child = run(MAIN, [], full, cwd);
  return { child, cwd, env: full, base: `http://127.0.0.1:${await listeningPort(child)}` };
}

async function research(base: string, body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${base}/tools/orchestrate_research`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return ((await res.json()) as { task_id: string }).task_id;
}

describe('graceful shutdown (SIGTERM)', { timeout: 90_000 }, () => {
  it('past the grace period ends running tasks interrupted, ends streams cleanly, closes the store and exits 0', async () => {
    upstream = await startFakeUpstream((r) => (/research planner/.test(r.system) ? undefined : { kind: 'hang' }));
    const { child, cwd, env, base } = await start({ SHUTDOWN_GRACE_MS: '300' });
    const taskId = await research(base, { task: 'hangs', num_agents: 2 });
    const stream = await openTaskStream(base, taskId);
    await waitFor(() => upstream!.requests.filter((r) => r.action === 'hang').length === 2, 20_000, 20);

    child.proc.kill('SIGTERM');
    expect(await stream.finished).toBe('end');
    const types = stream.events().map((e) => e.event_type);
    expect(types.slice(-2)).toEqual(['workflow_error', 'stream_closed']);
    expect(stream.events().at(-2)!.data).toMatchObject({ error: { code: 'interrupted' } });
    expect(await child.exited).toEqual({ code: 0, signal: null });
    // Every upstream call was aborted, not left hanging.
    expect(upstream.requests.filter((r) => r.action === 'hang').every((r) => r.closed_early)).toBe(true);

    // The store was closed cleanly: the record says interrupted, with no second ending after a restart.
    const again = run(MAIN, [], env, cwd);
    const base2 = `http://127.0.0.1:${await listeningPort(again)}`;
    const record = (await (await fetch(`${base2}/tasks/${taskId}`)).json()) as { status: string; error: { code: string } };
    expect(record).toMatchObject({ status: 'failed', error: { code: 'interrupted' } });
    const replay = await openTaskStream(base2, taskId);
    await replay.finished;
    expect(replay.events().filter((e) => e.event_type === 'stream_closed')).toHaveLength(1);
  });

  it('lets agents that finish within the grace period complete their task', async () => {
    upstream = await startFakeUpstream((r) => (/research planner/.test(r.system) ? undefined : { kind: 'answer', delayMs: 800 }));
    const { child, base } = await start({ SHUTDOWN_GRACE_MS: '20000' });
    const taskId = await research(base, { task: 'finishes in time', num_agents: 1, enable_drummer: false, enable_camina: false });
    const stream = await openTaskStream(base, taskId);
    await waitFor(() => upstream!.requests.length === 2, 20_000, 20);
    child.proc.kill('SIGTERM');
    expect(await stream.finished).toBe('end');
    expect(stream.events().map((e) => e.event_type).slice(-2)).toEqual(['workflow_complete', 'stream_closed']);
    expect(await child.exited).toEqual({ code: 0, signal: null });
  });
});
