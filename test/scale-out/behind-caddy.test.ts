import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskRecord } from '../../src/orchestrator/task.js';
import { CLI, run, type Child } from '../helpers/child-process.js';
import type { UpstreamAction, UpstreamRequest } from '../helpers/fake-upstream.js';
import { MODERN } from '../mcp/clients.js';
import { followStream, isAlive, killSlot, servedBy, startCaddyCluster, type CaddyCluster, type Slot } from './caddy-cluster.js';
import { getTask, logsOf, post, streamProblems, untilMidTask, waitFinished } from './cluster.js';

// The "Done when": STORE=redis on three ports behind the shipped Caddyfile.cluster, run by
// the real caddy, is one server for curl, the CLI and MCP clients. Everything goes through Caddy's
// /mcp prefix; the instances are only read directly for their logs (which one served a request).

let cluster: CaddyCluster;
let slots: Slot[];
/** The API as clients see it. */
let base: string;

const LONG = 'The tide tables show a steady pattern across the estuary, season after season. '.repeat(4);
const isPlanner = (r: UpstreamRequest) => /planner/i.test(r.system);
const workersSeen = new Map<string, number>();

/** What the fake model does, by the marker in the task's text. */
function script(r: UpstreamRequest): UpstreamAction | undefined {
  if (r.prompt.includes('mcp-cancel')) return { kind: 'hang' };
  if (isPlanner(r)) return undefined;
  // Three workers streaming for about two seconds: many events, over time.
  if (r.prompt.includes('curl-resume')) return { kind: 'answer', text: LONG, chunkSize: 12, chunkDelayMs: 80 };
  const takeover = /takeover-\w+/.exec(r.prompt)?.[0];
  if (takeover) {
    // The first worker answers at once, the others slowly: the kill lands mid-task.
    workersSeen.set(takeover, (workersSeen.get(takeover) ?? 0) + 1);
    return workersSeen.get(takeover) === 1 ? { kind: 'answer', delayMs: 50 } : { kind: 'answer', delayMs: 1500 };
  }
  return { kind: 'answer', delayMs: 30 };
}

const research = (marker: string) => ({ task: `Research ${marker}: what should a buyer know?`, num_agents: 3, enable_drummer: false, enable_camina: false });
const slotOf = (tag: string | undefined) => slots.find((s) => s.tag === tag);

beforeAll(async () => {
  cluster = await startCaddyCluster(script);
  ({ slots, base } = cluster);
}, 120_000);

afterAll(() => cluster?.stop());

describe('three instances on Redis behind Caddyfile.cluster, through /mcp', () => {
  it('curl: 202 with a stream_url under /mcp; a stream cut again and again resumes on other instances, gap-free, with one terminal event', async () => {
    const submitted = await post(base, '/tools/orchestrate_research', research('curl-resume'));
    expect(submitted.status).toBe(202);
    const taskId = String(submitted.body.task_id);
    expect(submitted.body.stream_url).toBe(`${base}/stream/${taskId}`);
    expect(submitted.body.status_url).toBe(`${base}/tasks/${taskId}`);

    // As a browser's EventSource whose connection keeps dropping: every 5 frames, until the end.
    const { events, connections } = await followStream(String(submitted.body.stream_url), { dropAfter: 5, requestIdPrefix: `curl-${taskId}` });
    expect(connections.every((c) => c.status === 200)).toBe(true);
    expect(streamProblems(events)).toEqual([]);
    expect(events.find((e) => e.event_type === 'workflow_complete')).toBeDefined();
    // Each resumed connection starts right after the last event the one before it carried.
    for (const c of connections.slice(1)) if (c.seqs.length) expect(c.seqs[0]).toBe(c.lastEventId! + 1);
    const dropped = connections.filter((c) => c.outcome === 'dropped');
    expect(dropped.length).toBeGreaterThanOrEqual(3);

    const record = await getTask(base, taskId);
    expect(record.status).toBe('completed');
    expect(slotOf(record.instance)).toBeDefined();
    // Which instance served each connection: the one whose log has its X-Request-Id.
    let served: string[][] = [];
    await expect.poll(() => (served = connections.map((c) => servedBy(slots, c.requestId))).every((s) => s.length === 1), { timeout: 10_000 }).toBe(true);
    const droppedOn = dropped.map((c) => served[connections.indexOf(c)]![0]);
    // least_conn picks among idle instances at random: all of 3+ mid-task connections on the runner is (1/3)^3 at worst.
    expect(droppedOn.some((tag) => tag !== record.instance), `runner ${record.instance}, streams on ${droppedOn.join(' ')}`).toBe(true);
  }, 60_000);

  it('the CLI at Caddy\'s /mcp: research follows to the report; status and result show a task submitted to one instance directly', async () => {
    const cliEnv = { MCP_ORCHESTRATOR_URL: base };
    const researching = run(CLI, ['research', 'What should a buyer know about cli-research?', '-n', '2', '--no-drummer'], cliEnv);
    const elsewhere = await post(slots[2]!.instance.url, '/tools/orchestrate_search', { query: 'cli-elsewhere: which tides matter?', num_agents: 2 });
    expect(elsewhere.status).toBe(202);
    const elsewhereId = String(elsewhere.body.task_id);
    const [done] = await waitFinished(slots[0]!.instance.url, [elsewhereId]);
    expect(done!.status).toBe('completed');
    const [status, result] = [run(CLI, ['status', elsewhereId], cliEnv), run(CLI, ['result', elsewhereId], cliEnv)];
    const exited = async (child: Child) => (await child.exited).code;
    expect(await Promise.all([researching, status, result].map(exited)), [researching, status, result].map((c) => c.stderr()).join('\n---\n')).toEqual([0, 0, 0]);

    const err = researching.stderr();
    const taskId = /^started (research_\S+) \(cascade\)$/m.exec(err)?.[1];
    expect(taskId, err).toBeDefined();
    const seqs = [...err.matchAll(/^#(\d+) /gm)].map((m) => Number(m[1]));
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(err).toMatch(/^#\d+ \S+ stream_closed completed$/m);
    const record = await getTask(base, taskId!);
    expect(record.status).toBe('completed');
    const report = record.result!.final_synthesis.trim();
    expect(report.length).toBeGreaterThan(0);
    expect(researching.stdout()).toContain(report);

    expect(status.stdout()).toMatch(new RegExp(`^${elsewhereId}  completed  swarm`));
    expect(result.stdout()).toContain(done!.result!.final_synthesis.trim());
  }, 90_000);

  it('a task whose instance is killed mid-task is taken over within 30 s; its stream through Caddy is one sequence with one terminal event', async () => {
    expect(slots.every((s) => isAlive(s.instance))).toBe(true);
    const submitted = await post(base, '/tools/orchestrate_research', research('takeover-caddy'));
    expect(submitted.status).toBe(202);
    const taskId = String(submitted.body.task_id);
    const following = followStream(String(submitted.body.stream_url), { requestIdPrefix: `takeover-${taskId}`, timeoutMs: 80_000 });
    following.catch(() => undefined);
    // Mid-task: running, the first worker done, the others still answering.
    const before = await untilMidTask(base, taskId);
    const runner = slotOf(before.instance)!;
    expect(runner).toBeDefined();
    // A second follower whose stream is open on the runner when it dies (Caddyfile.cluster sends a
    // request whose Mcp-Session-Id names an instance to that one first, whatever the path).
    let pinnedOpen!: () => void;
    const opened = new Promise<void>((resolve) => (pinnedOpen = resolve));
    const pinning = followStream(String(submitted.body.stream_url), { requestIdPrefix: `pinned-${taskId}`, headers: { 'mcp-session-id': `${runner.tag}.pin` }, onFrame: () => pinnedOpen(), timeoutMs: 80_000 });
    pinning.catch(() => undefined);
    await opened;
    const killedAt = Date.now();
    await killSlot(runner);

    const [record] = await waitFinished(base, [taskId], 30_000);
    expect(Date.now() - killedAt).toBeLessThan(30_000);
    expect(record!.status).toBe('completed');
    expect(record!.instance).not.toBe(runner.tag);
    expect(slotOf(record!.instance)).toBeDefined();

    for (const { events } of [await following, await pinning]) {
      expect(streamProblems(events)).toEqual([]);
      const resumed = events.filter((e) => e.event_type === 'workflow_resumed');
      expect(resumed).toHaveLength(1);
      expect(resumed[0]!.data).toMatchObject({ instance: record!.instance, previous_instance: runner.tag });
    }
    // The pinned stream broke with the runner (which never got to log it) and resumed on live instances.
    const pinned = (await pinning).connections;
    expect(pinned.length).toBeGreaterThan(1);
    expect(pinned[0]!.seqs.length).toBeGreaterThan(0);
    const resumedOn = () => pinned.slice(1).filter((c) => c.status === 200).map((c) => servedBy(slots, c.requestId).join(','));
    await expect.poll(() => resumedOn().every((tag) => tag !== '' && tag !== runner.tag), { timeout: 10_000 }).toBe(true);
    expect(servedBy(slots, pinned[0]!.requestId)).toEqual([]);
  }, 90_000);

  it('MCP: a 2026-07-28 client needs no session; a handshake-era session stays on its instance, cancels there, and starts over elsewhere when it dies', async () => {
    // Two or three up (the test before killed one): the session's owner and one to carry on.
    expect(slots.filter((s) => isAlive(s.instance)).length).toBeGreaterThanOrEqual(2);
    const stateless = new Client(info, { versionNegotiation: { mode: { pin: MODERN } } });
    const statelessTransport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`));
    await stateless.connect(statelessTransport);
    expect(stateless.getNegotiatedProtocolVersion()).toBe(MODERN);
    expect(statelessTransport.sessionId).toBeUndefined();
    expect((await stateless.listTools()).tools.map((t) => t.name)).toContain('orchestrate_search');
    const modern = (await stateless.callTool({ name: 'orchestrate_search', arguments: { query: 'mcp-modern tides', num_agents: 2, wait: true } }, { timeout: 60_000 })) as ToolResult;
    expect(modern.structuredContent).toMatchObject({ status: 'completed' });
    await stateless.close();

    // Handshake era (the SDK's default): a session whose id names its instance.
    const sent: Sent[] = [];
    const { client, transport } = await handshakeClient(sent, 'mcp-a');
    const session = transport.sessionId!;
    expect(session).toMatch(/^p\d+\.[0-9a-f-]{36}$/);
    const owner = slotOf(session.split('.')[0])!;
    expect(owner).toBeDefined();
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('get_orchestration_status');
    const waited = (await client.callTool({ name: 'orchestrate_search', arguments: { query: 'mcp-session tides', num_agents: 2, wait: true } }, { timeout: 60_000 })) as ToolResult;
    expect(waited.structuredContent).toMatchObject({ status: 'completed' });
    const searchId = String(waited.structuredContent!.task_id);
    const status = (await client.callTool({ name: 'get_orchestration_status', arguments: { task_id: searchId } })) as ToolResult;
    expect(status.structuredContent).toMatchObject({ task_id: searchId, status: 'completed' });

    // Cancelling a wait: true call: notifications/cancelled travels in a POST of its own, to the owner.
    const abort = new AbortController();
    const callsBefore = sent.length;
    const cancelled = client.callTool({ name: 'orchestrate_research', arguments: { task: 'mcp-cancel: never ends', num_agents: 1, wait: true } }, { signal: abort.signal, timeout: 60_000 });
    cancelled.catch(() => undefined);
    let hanging: TaskRecord | undefined;
    await expect
      .poll(async () => {
        const list = (await (await fetch(`${base}/tasks?limit=50`)).json()) as { tasks: TaskRecord[] };
        hanging = list.tasks.find((t) => t.title?.includes('mcp-cancel') || JSON.stringify(t.input).includes('mcp-cancel'));
        return hanging?.status;
      }, { timeout: 20_000, interval: 200 })
      .toBe('running');
    const cancelledPost = sent.slice(callsBefore).find((s) => s.rpc.includes('tools/call'));
    expect(cancelledPost).toBeDefined();
    abort.abort(new Error('the user gave up'));
    await expect(cancelled).rejects.toThrow();
    await expect.poll(async () => (await getTask(base, hanging!.task_id)).status, { timeout: 10_000 }).toBe('cancelled');

    // Every request of the session reached its owner, and only it.
    // (The cancelled call's own POST is left out: its response is never ended, see the report.)
    const ofSession = sent.filter((s) => s.session === session && s.method === 'POST' && s !== cancelledPost);
    expect(ofSession.map((s) => s.rpc[0])).toEqual(['notifications/initialized', 'tools/list', 'tools/call', 'tools/call', 'notifications/cancelled']);
    await expect.poll(() => ofSession.map((s) => servedBy(slots, s.requestId).join(',')), { timeout: 10_000 }).toEqual(ofSession.map(() => owner.tag));
    await expect.poll(() => logsOf(owner.instance).some((l) => l.msg === 'MCP call cancelled by the client'), { timeout: 5000 }).toBe(true);

    // The owner dies: its session is answered 404 by the next instance (or 502 for the first POST, Caddy 2.6).
    await killSlot(owner);
    const after = sent.length;
    const listAnswers = () => sent.slice(after).filter((s) => s.rpc.includes('tools/list')).map((s) => s.status ?? 0);
    for (let i = 0; i < 3 && !listAnswers().includes(404); i++) await expect(client.listTools()).rejects.toThrow();
    const answers = listAnswers();
    expect(answers.every((s) => s === 404 || s === 502), `answers ${answers.join(', ')}`).toBe(true);
    expect(answers.at(-1)).toBe(404);
    await client.close().catch(() => undefined);

    // A client that starts over gets a session on a live instance, and carries on there.
    const again = await handshakeClient(sent, 'mcp-b');
    const next = again.transport.sessionId!;
    const nextOwner = slotOf(next.split('.')[0]);
    expect(nextOwner).toBeDefined();
    expect(nextOwner!.tag).not.toBe(owner.tag);
    expect(isAlive(nextOwner!.instance)).toBe(true);
    expect((await again.client.listTools()).tools.map((t) => t.name)).toContain('get_orchestration_status');
    const carriedOn = (await again.client.callTool({ name: 'get_orchestration_status', arguments: { task_id: hanging!.task_id } })) as ToolResult;
    expect(carriedOn.structuredContent).toMatchObject({ task_id: hanging!.task_id, status: 'cancelled' });
    await again.client.close();
  }, 90_000);
});

const info = { name: 'behind-caddy-test', version: '1.0.0' };

interface ToolResult {
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/** One HTTP request the SDK client made, and its answer's status. */
interface Sent {
  requestId: string;
  method: string;
  /** JSON-RPC methods in the body (`response` for answers the client sent). */
  rpc: string[];
  session: string | undefined;
  status?: number;
}

/** A handshake-era SDK client at Caddy's /mcp/mcp whose requests carry an X-Request-Id and are noted in `sent`. */
async function handshakeClient(sent: Sent[], prefix: string) {
  let n = 0;
  const recording = async (url: string | URL, init?: RequestInit): Promise<Response> => {
    const requestId = `${prefix}-${n++}`;
    const headers = new Headers(init?.headers);
    headers.set('x-request-id', requestId);
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
    const rpc = (Array.isArray(body) ? body : body ? [body] : []).map((m: { method?: string }) => m.method ?? 'response');
    const entry: Sent = { requestId, method: init?.method ?? 'GET', rpc, session: headers.get('mcp-session-id') ?? undefined };
    sent.push(entry);
    const res = await fetch(url, { ...init, headers });
    entry.status = res.status;
    return res;
  };
  const client = new Client(info);
  const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { fetch: recording });
  await client.connect(transport);
  return { client, transport };
}
