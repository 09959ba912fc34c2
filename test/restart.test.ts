import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskEvent } from '../src/events/event.js';
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

async function post(base: string, route: string, body: unknown) {
  const res = await fetch(`${base}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await res.json()) as Record<string, any>;
}
const getTask = async (base: string, id: string) => (await (await fetch(`${base}/tasks/${id}`)).json()) as Record<string, any>;

async function allEvents(base: string, id: string): Promise<TaskEvent[]> {
  const client = await openTaskStream(base, id);
  expect(client.status).toBe(200);
  expect(await client.finished).toBe('end');
  return client.events();
}

describe('kill -9 and restart on the same DATA_DIR (SQLite)', { timeout: 90_000 }, () => {
  it('keeps finished tasks whole, ends the cut-off one interrupted with what it had, and runs pending ones', async () => {
    let workersHang = true;
    upstream = await startFakeUpstream((r) => (/research planner/.test(r.system) ? undefined : workersHang ? { kind: 'hang' } : undefined));
    const cwd = scratchDir();
    const env = {
      PORT: '0',
      STORE: 'sqlite',
      DATA_DIR: path.join(cwd, 'data'),
      OPENAI_API_KEY: 'test-key',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      DEFAULT_PROVIDER: 'local',
      MAX_ACTIVE_TASKS: '1',
    };
    const first = run(MAIN, [], env, cwd);
    let base = `http://127.0.0.1:${await listeningPort(first)}`;

    // A finished task, with a report on disk.
    const done = await post(base, '/tools/orchestrate_research', { task: 'How does the event stream resume after a disconnect?', num_agents: 2, generate_documents: true });
    await waitFor(async () => (await getTask(base, done.task_id)).status === 'completed', 20_000, 50);
    const doneBefore = await getTask(base, done.task_id);
    const doneEvents = await allEvents(base, done.task_id);

    // A running task whose workers hang upstream, and one pending behind it (MAX_ACTIVE_TASKS=1).
    const cut = await post(base, '/tools/orchestrate_research', { task: 'cut off', num_agents: 2, provider: 'openai', model: 'gpt-test' });
    const waiting = await post(base, '/tools/orchestrate_search', { query: 'waits its turn', num_agents: 1, provider: 'openai', model: 'gpt-test' });
    await waitFor(() => upstream!.requests.filter((r) => r.action === 'hang').length === 2, 20_000, 20);
    expect((await getTask(base, waiting.task_id)).status).toBe('pending');

    first.proc.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    workersHang = false;

    const second = run(MAIN, [], env, cwd);
    base = `http://127.0.0.1:${await listeningPort(second)}`;

    // The finished task: record, full history and report, unchanged.
    expect(await getTask(base, done.task_id)).toEqual(doneBefore);
    expect(await allEvents(base, done.task_id)).toEqual(doneEvents);
    const report = await fetch(`${base}${doneBefore.result.documents[0].url}`);
    expect(report.status).toBe(200);
    expect(await report.text()).toContain('## Sources');

    // The cut-off task: failed/interrupted, its plan and planner result kept, its stream closed properly.
    const interrupted = await getTask(base, cut.task_id);
    expect(interrupted).toMatchObject({ status: 'failed', error: { code: 'interrupted' } });
    expect(interrupted.result.subtasks).toEqual(['sub-question 1', 'sub-question 2']);
    expect(interrupted.result.agent_results.find((a: { role: string }) => a.role === 'planner').status).toBe('completed');
    const cutEvents = await allEvents(base, cut.task_id);
    expect(cutEvents.map((e) => e.seq)).toEqual(cutEvents.map((_, i) => i + 1));
    expect(cutEvents.slice(-2).map((e) => e.event_type)).toEqual(['workflow_error', 'stream_closed']);

    // The pending task runs now.
    await waitFor(async () => (await getTask(base, waiting.task_id)).status === 'completed', 20_000, 50);
    expect(fs.existsSync(path.join(cwd, 'data', 'orchestrator.db'))).toBe(true);

    second.proc.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });
});
