import { afterEach, describe, expect, it } from 'vitest';
import { cleanupChildren, CLI, run, type Child } from '../helpers/child-process.js';
import { createFakeModel } from '../helpers/fake-model.js';
import { waitFor, type TestServer } from '../helpers/test-server.js';
import { createGate, createSwarmModel, openAllGates, startSearch, startServerWith } from '../http/stream-fixtures.js';
import { startCuttingProxy, type CuttingProxy } from './cutting-proxy.js';

let server: TestServer | undefined;
let proxy: CuttingProxy | undefined;
afterEach(async () => {
  openAllGates();
  await cleanupChildren();
  await proxy?.close();
  proxy = undefined;
  await server?.close();
  server = undefined;
});

const worker = (call: { index: number }) => `finding ${call.index}: the moon pulls the sea. Source: https://example.org/tides/${call.index}`;

function cli(args: string[], env: Record<string, string> = {}): Child {
  return run(CLI, args, { MCP_ORCHESTRATOR_URL: server!.url, ...env });
}

async function finished(child: Child): Promise<number | null> {
  return (await child.exited).code;
}

/** The `#seq` of every plain event line. */
const seqsOf = (text: string) => [...text.matchAll(/^#(\d+) /gm)].map((m) => Number(m[1]));
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('mcp-orchestrator search/research (piped)', () => {
  it('prints one plain line per event on stderr, then the Markdown report on stdout, and exits 0', async () => {
    server = await startServerWith(createSwarmModel({ worker }));
    const child = cli(['search', 'how do tides work', '--agents', '3']);
    expect(await finished(child)).toBe(0);
    const err = child.stderr();
    expect(err).toMatch(/^started search_\S+ \(swarm\)$/m);
    expect(err).toMatch(/^#1 \d\d:\d\d:\d\d workflow_start swarm how do tides work/m);
    expect(err).toMatch(/^#\d+ \S+ agent_complete general-1 worker \d+ chars/m);
    expect(err).toMatch(/^#\d+ \S+ stream_closed completed$/m);
    const seqs = seqsOf(err);
    expect(seqs).toEqual(range(seqs.length));
    // The fake's workers cite pages nobody read: the server removed those citations, so the report is the synthesis alone.
    expect(child.stdout()).toMatch(/^final synthesis \(call \d+\)\n$/);
    expect(child.stdout()).not.toContain('\x1b[');
  });

  it('--json prints the final task record only', async () => {
    server = await startServerWith(createSwarmModel({ worker }));
    const child = cli(['research', 'tides', '-n', '2', '--json', '--no-drummer']);
    expect(await finished(child)).toBe(0);
    const record = JSON.parse(child.stdout());
    expect(record).toMatchObject({ status: 'completed', pattern: 'cascade', input: { task: 'tides', num_agents: 2, enable_drummer: false } });
    expect(record.result.final_synthesis).toContain('final synthesis');
    expect(child.stderr()).toBe('');
  });

  it('exits 1 on a failed task and says why', async () => {
    server = await startServerWith(createFakeModel({ respond: () => ({ error: Object.assign(new Error('model exploded'), { statusCode: 400 }) }) }));
    const child = cli(['search', 'doomed', '-n', '2']);
    expect(await finished(child)).toBe(1);
    expect(child.stderr()).toMatch(/workflow_error failed/);
    expect(child.stderr()).toMatch(/^task failed: \w+: /m);
  });

  it('exits 2 on bad usage, locally or as the server judges it', async () => {
    server = await startServerWith(createSwarmModel());
    const cases = [['search'], ['search', 'a', '--agents', 'lots'], ['search', 'a', '--bogus'], ['search', 'a', '--agents', '50'], ['tasks', '--status', 'odd'], ['status']];
    const children = cases.map((args) => cli(args));
    const unreachable = run(CLI, ['status', 'search_x', '--server', 'http://127.0.0.1:9'], {});
    const codes = await Promise.all(children.map(finished));
    expect(codes).toEqual(cases.map(() => 2));
    for (const child of children) expect(child.stderr()).toMatch(/^mcp-orchestrator/);
    expect(children[3]!.stderr()).toContain('validation_error: num_agents');
    expect(await finished(unreachable)).toBe(1);
    expect(unreachable.stderr()).toContain('unreachable');
  }, 60_000); // several CLI processes, each loading the whole module graph through tsx
});

describe('mcp-orchestrator: resume after a dropped connection', () => {
  it('reconnects with Last-Event-ID and prints every event exactly once', async () => {
    const synthesis = createGate();
    server = await startServerWith(createSwarmModel({ worker, synthesisGate: synthesis }));
    proxy = await startCuttingProxy(server.url);
    const child = run(CLI, ['search', 'tides', '-n', '3', '--server', proxy.url], {});
    await waitFor(() => proxy!.streamRequests.length >= 2, 15_000);
    synthesis.open();
    expect(await finished(child)).toBe(0);
    expect(proxy.cuts).toBe(1);
    expect(proxy.streamRequests[0]).toBeUndefined();
    expect(Number(proxy.streamRequests[1])).toBeGreaterThan(0);
    const err = child.stderr();
    expect(err).toMatch(/^# connection lost .*reconnecting \(attempt 1\)$/m);
    const seqs = seqsOf(err);
    expect(seqs).toEqual(range(seqs.length));
    expect(err).toMatch(/stream_closed completed$/m);
    expect(child.stdout()).toContain('final synthesis');
  });
});

describe('mcp-orchestrator status/result/cancel/tail/tasks', () => {
  it('show, print, tail and list a finished task; cancel refuses it', async () => {
    server = await startServerWith(createSwarmModel({ worker }));
    const taskId = await startSearch(server);
    await waitFor(async () => ((await (await fetch(`${server!.url}/tasks/${taskId}`)).json()) as { status: string }).status === 'completed');

    // Independent commands: run them side by side.
    const [status, result, tail, tasks, none, cancel, missing] = [
      ['status', taskId],
      ['result', taskId],
      ['tail', taskId, '--json'],
      ['tasks', '--status', 'completed'],
      ['tasks', '--status', 'failed', '--json'],
      ['cancel', taskId],
      ['status', 'search_nope'],
    ].map((args) => cli(args)) as [Child, Child, Child, Child, Child, Child, Child];
    expect(await Promise.all([status, result, tail, tasks, none, cancel, missing].map(finished))).toEqual([0, 0, 0, 0, 0, 1, 1]);

    expect(status.stdout()).toMatch(new RegExp(`^${taskId}  completed  swarm`));
    expect(status.stdout()).toMatch(/^agents {4}5 done, 0 failed of 5/m);
    expect(result.stdout()).toMatch(/^final synthesis \(call \d+\)\n$/);
    const events = tail.stdout().trim().split('\n').map((l) => JSON.parse(l));
    expect(events.map((e) => e.seq)).toEqual(range(events.length));
    expect(events.at(-1).event_type).toBe('stream_closed');
    expect(tasks.stdout()).toContain(`${taskId}  completed  swarm`);
    expect(JSON.parse(none.stdout()).tasks).toEqual([]);
    expect(cancel.stderr()).toContain('task_already_finished');
    expect(missing.stderr()).toContain('task_not_found');
  }, 60_000); // several CLI processes, each loading the whole module graph through tsx

  it('cancel stops a running task; result then exits 1', async () => {
    server = await startServerWith(createFakeModel({ respond: () => ({ hang: true }) }));
    const taskId = await startSearch(server);
    const cancel = cli(['cancel', taskId]);
    expect(await finished(cancel)).toBe(0);
    expect(cancel.stdout()).toBe(`${taskId} cancelled\n`);
    await waitFor(async () => (await server!.services.events.history(taskId)).at(-1)?.event_type === 'stream_closed');
    const result = cli(['result', taskId]);
    expect(await finished(result)).toBe(1);
    expect(result.stderr()).toContain('task cancelled');
  });
});

describe('mcp-orchestrator: Ctrl-C', () => {
  async function startHanging(): Promise<Child> {
    server = await startServerWith(createFakeModel({ respond: () => ({ hang: true }) }));
    const child = cli(['search', 'forever', '-n', '2']);
    await waitFor(() => /agent_start planner/.test(child.stderr()), 15_000);
    child.proc.kill('SIGINT');
    await waitFor(() => /Cancel task search_\S+\? \[y\/N\] $/.test(child.stderr()));
    return child;
  }
  const taskIdOf = (child: Child) => /started (search_\S+)/.exec(child.stderr())![1]!;
  const statusOf = async (id: string) => ((await (await fetch(`${server!.url}/tasks/${id}`)).json()) as { status: string }).status;

  it('asks, cancels the task on "y" and exits 130', async () => {
    const child = await startHanging();
    child.proc.stdin.write('y\n');
    expect(await finished(child)).toBe(130);
    expect(child.stderr()).toMatch(/workflow_cancelled cancelled/);
    expect(await statusOf(taskIdOf(child))).toBe('cancelled');
  });

  it('goes on following on "n"', async () => {
    const child = await startHanging();
    child.proc.stdin.write('n\n');
    await new Promise((r) => setTimeout(r, 300));
    expect(child.proc.exitCode).toBeNull();
    expect(await statusOf(taskIdOf(child))).toBe('running');
  });

  it('exits 130 and leaves the task running when no answer can come (stdin closed)', async () => {
    const child = await startHanging();
    child.proc.stdin.end();
    expect(await finished(child)).toBe(130);
    expect(child.stderr()).toContain('left task');
    expect(await statusOf(taskIdOf(child))).toBe('running');
  });
});

describe('mcp-orchestrator with API keys', () => {
  it('sends --api-key (or MCP_ORCHESTRATOR_API_KEY) as a Bearer key; without one the server refuses (exit 1)', async () => {
    server = await startServerWith(createSwarmModel({ worker }), { API_KEYS: 'cli-key-1' });
    const refused = cli(['tasks']);
    const withOption = cli(['search', 'tides', '-n', '2', '--api-key', 'cli-key-1']);
    expect(await finished(refused)).toBe(1);
    expect(refused.stderr()).toContain('unauthorized');
    expect(await finished(withOption)).toBe(0);
    expect(withOption.stdout()).toContain('final synthesis');
    const withEnv = cli(['tasks', '--json'], { MCP_ORCHESTRATOR_API_KEY: 'cli-key-1' });
    expect(await finished(withEnv)).toBe(0);
    expect(JSON.parse(withEnv.stdout()).tasks).toHaveLength(1);
  });
});
