import type { Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskEvent } from '../../src/events/event.js';
import type { UpstreamAction, UpstreamRequest } from '../helpers/fake-upstream.js';
import { roleOf } from '../integration/harness.js';
import { launchBrowser, screenshot, type Browser } from '../web/browser.js';
import { isAlive, killSlot, servedBy, startCaddyCluster, type CaddyCluster, type Slot } from './caddy-cluster.js';
import { getTask, post, readStream, streamProblems, untilMidTask, waitFinished } from './cluster.js';

// The web console in a real Chromium at Caddy's /mcp/ in front of three STORE=redis instances
// (Caddyfile.cluster, run by the real caddy) is one server: a research task started from its form
// is followed live to its report and numbered sources; the task list shows tasks submitted to every
// instance; and when the instance running a task is killed (SIGKILL, by pid) while the console's
// stream is open on it, the page's EventSource reconnects through Caddy with Last-Event-ID, lands
// on a live instance, and follows the task to its end after another instance took it over, every
// event once.

let cluster: CaddyCluster;
let slots: Slot[];
let browser: Browser;
/** The console and the API as the browser sees them. */
let base: string;

const STREAMED = 'Clients that lose the event stream reconnect with Last-Event-ID and carry on where they left off. '.repeat(3);
const REPORT = '## Findings\n\nA console that loses its stream resumes it through any instance [1].\n';
const workerCalls = new Map<string, number>();

/** What the fake model does, by the marker in the task's text. */
function script(r: UpstreamRequest): UpstreamAction | undefined {
  const role = roleOf(r);
  if (role === 'planner') return undefined; // the default: a JSON array of sub-questions
  if (role === 'camina') return { kind: 'answer', text: REPORT, chunkSize: 20, chunkDelayMs: 20 };
  if (role !== 'worker') return { kind: 'answer', delayMs: 30 };
  if (r.prompt.includes('console-live')) {
    // Search the corpus first (what the task's numbered sources come from), then stream an answer
    // citing it, each worker at its own pace: the cards finish one after another.
    if (!r.messages.some((m) => m.role === 'tool')) return { kind: 'tool_call', name: 'search_documents', arguments: { query: 'Last-Event-ID resume', limit: 3 } };
    const n = Number(/sub-question (\d+)/.exec(r.prompt)?.[1] ?? 1);
    return { kind: 'answer', text: `${STREAMED}[1]\n\nSources:\n[1] api.md — HTTP API (lines 1-10)`, chunkSize: 12, chunkDelayMs: 30 + 50 * n };
  }
  const takeover = /console-takeover-\w+/.exec(r.prompt)?.[0];
  if (takeover) {
    // The first worker answers at once, the other two of the first run slowly (the kill lands while
    // they wait); the ones the instance that takes the task over runs again answer soon, streaming.
    const call = (workerCalls.get(takeover) ?? 0) + 1;
    workerCalls.set(takeover, call);
    if (call === 1) return { kind: 'answer', delayMs: 50 };
    return { kind: 'answer', text: STREAMED, chunkSize: 12, chunkDelayMs: 30, delayMs: call <= 3 ? 4000 : 200 };
  }
  return { kind: 'answer', delayMs: 30 };
}

const slotOf = (tag: string | undefined) => slots.find((s) => s.tag === tag);
const taskIdOfPage = () => decodeURIComponent(new URL(browser.page.url()).hash.replace('#task/', ''));

/** Fill the console's research form and start it; answers the new task's id (from the URL hash). */
async function startResearchInConsole(text: string): Promise<string> {
  const { page } = browser;
  await page.goto(`${base}/#new`);
  await page.locator('#view-new:not([hidden])').waitFor();
  await page.click('[role=tab][data-kind=research]');
  await expect.poll(() => page.locator('#start-button').textContent()).toBe('Start research');
  await page.fill('textarea[name=prompt]', text);
  await page.fill('input[name=num_agents]', '3');
  await page.setChecked('input[name=enable_drummer]', false);
  await page.setChecked('input[name=enable_camina]', true);
  const before = page.url();
  await page.click('#start-button');
  await page.waitForURL((u) => u.href !== before && /#task\/research_/.test(u.hash));
  return taskIdOfPage();
}

/**
 * Run in the page before its scripts: every EventSource the console opens notes, per connection
 * (each `open`), the seq (`lastEventId`) of the first and last message it carried. What the browser
 * itself received, whatever the request headers looked like.
 */
const RECORD_STREAMS = `(() => {
  const Native = window.EventSource;
  window.__streams = [];
  window.EventSource = class extends Native {
    constructor(url, init) {
      super(url, init);
      const rec = { url: String(url), connections: [] };
      window.__streams.push(rec);
      this.addEventListener('open', () => rec.connections.push({ first: null, last: null, count: 0 }));
      this.addEventListener('message', (m) => {
        const c = rec.connections[rec.connections.length - 1];
        if (!c) return;
        const seq = Number(m.lastEventId);
        if (c.first === null) c.first = seq;
        c.last = seq;
        c.count += 1;
      });
    }
  };
})();`;

interface PageStream {
  url: string;
  connections: Array<{ first: number | null; last: number | null; count: number }>;
}
/** The EventSources the page opened for a task, with their connections. */
const pageStreams = async (taskId: string): Promise<PageStream[]> =>
  ((await browser.page.evaluate('window.__streams')) as PageStream[]).filter((s) => s.url.includes(`/stream/${taskId}`));

/** The seqs in the console's timeline, in the order shown (`#12` → 12). */
const timelineSeqs = async () => (await browser.page.locator('#timeline .seq').allTextContents()).map((t) => Number(t.replace('#', '')));

beforeAll(async () => {
  // A dead runner's lock lapses after 3 s (default 10 s): the takeover comes within about 4.5 s.
  cluster = await startCaddyCluster(script, { TAKEOVER_LOCK_MS: '3000' });
  ({ slots, base } = cluster);
  browser = await launchBrowser();
  await browser.page.addInitScript(RECORD_STREAMS);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await cluster?.stop();
});

describe('the web console at Caddy\'s /mcp/ in front of three instances', () => {
  it('starts a research task from the form, shows it live (cards, streaming text, timeline), then the report and its numbered sources', async () => {
    const { page } = browser;
    const taskId = await startResearchInConsole('Research console-live: how do clients resume a dropped event stream?');
    expect(taskId).toMatch(/^research_/);

    // Live: the page says running while the API does too, worker cards stream their text, and
    // some finish while others still run.
    await page.locator('#task-status[data-status=running]').waitFor({ timeout: 20_000 });
    const running = page.locator('.agent[data-agent-id^=worker][data-status=running]');
    await running.first().waitFor({ timeout: 20_000 });
    const textNow = async () => (await page.locator('.agent[data-agent-id^=worker] pre.text').allTextContents()).join('').length;
    const shown = await textNow();
    await expect.poll(textNow, { timeout: 20_000, interval: 50 }).toBeGreaterThan(shown);
    await page.locator('.agent[data-agent-id^=worker][data-status=completed]').first().waitFor({ timeout: 20_000 });
    // While one worker is done and another still streams, the task is running for the page and the API alike.
    const midway = await page.evaluate(() => {
      const d = (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number }; querySelector(s: string): { textContent: string | null } | null } }).document;
      return {
        completed: d.querySelectorAll('.agent[data-agent-id^=worker][data-status=completed]').length,
        running: d.querySelectorAll('.agent[data-agent-id^=worker][data-status=running]').length,
        status: d.querySelector('#task-status')?.textContent,
        events: d.querySelectorAll('#timeline li').length,
      };
    });
    const recordMidway = await getTask(base, taskId);
    expect(midway, 'a finished and a running worker card at once').toMatchObject({ status: 'running' });
    expect(midway.completed).toBeGreaterThan(0);
    expect(midway.running).toBeGreaterThan(0);
    expect(recordMidway.status).toBe('running');
    // The timeline keeps growing after that.
    await expect.poll(() => page.locator('#timeline li').count(), { timeout: 20_000 }).toBeGreaterThan(midway.events);

    // The end: completed, the report rendered, the task's numbered sources listed.
    await page.locator('#task-status[data-status=completed]').waitFor({ timeout: 30_000 });
    await page.locator('#report:not([hidden])').waitFor({ timeout: 10_000 });
    await expect.poll(() => page.locator('#stat-stream').textContent(), { timeout: 10_000 }).toBe('finished');
    expect(await page.locator('#report-body').textContent()).toContain('A console that loses its stream resumes it through any instance');
    const record = await getTask(base, taskId);
    expect(record.status).toBe('completed');
    expect(slotOf(record.instance), `runner ${record.instance}`).toBeDefined();
    const sources = record.result!.sources;
    expect(sources.length).toBeGreaterThan(0);
    expect(sources[0]).toMatchObject({ n: 1, kind: 'document', path: 'api.md' });
    const items = await page.locator('#citations li').allTextContents();
    expect(items).toHaveLength(sources.length);
    expect(items.map((t) => /^\[(\d+)\] /.exec(t)?.[1])).toEqual(sources.map((s) => String(s.n)));
    expect(items[0]).toContain('api.md');
    expect(await page.locator('.agent[data-agent-id^=worker][data-status=completed]').count()).toBe(3);
    expect(await page.locator('.agent:not([data-status=completed])').count()).toBe(0);
    expect(await page.locator('#stat-agents').textContent()).toBe(`${record.progress.agents_total}/${record.progress.agents_total} agents`);

    // The timeline is the stream's events but the text deltas, each once, in order.
    const stream = await readStream(base, taskId);
    expect(streamProblems(stream)).toEqual([]);
    expect(await timelineSeqs()).toEqual(stream.filter((e) => e.event_type !== 'agent_progress').map((e) => e.seq));
    console.info(`screenshot: ${await screenshot(page, 'console-cluster-report')}`);
    expect(browser.errors).toEqual([]);
  }, 60_000);

  it('the task list shows tasks submitted to each of the three instances, and opens one submitted elsewhere', async () => {
    const { page } = browser;
    // One task started on each instance directly (not through Caddy).
    const ids: string[] = [];
    for (const slot of slots) {
      const started = await post(slot.instance.url, '/tools/orchestrate_research', { task: `Research console-list on ${slot.tag}`, num_agents: 1, enable_drummer: false, enable_camina: false });
      expect(started.status).toBe(202);
      ids.push(String(started.body.task_id));
    }
    const records = await waitFinished(base, ids, 30_000);
    expect(records.map((r) => r.status)).toEqual(['completed', 'completed', 'completed']);
    // Submitted to each instance; run by whichever instance's queue worker took it (any of them).
    expect(records.every((r) => slotOf(r.instance) !== undefined), records.map((r) => r.instance).join(' ')).toBe(true);

    await page.click('a[data-nav=tasks]');
    await page.locator('#view-tasks:not([hidden])').waitFor();
    // Whichever instance Caddy hands the list request to, it lists them all.
    for (const [i, id] of ids.entries()) {
      const row = page.locator(`#task-rows tr[data-task-id="${id}"]`);
      await row.waitFor({ timeout: 10_000 });
      expect(await row.locator('.status').textContent()).toBe('completed');
      expect(await row.locator('a').textContent()).toBe(`Research console-list on ${slots[i]!.tag}`);
    }
    // Filtered by status, through whichever instance answers.
    await page.click('#status-filters [data-status=running]');
    await expect.poll(() => page.locator(`#task-rows tr[data-task-id="${ids[0]}"]`).count(), { timeout: 10_000 }).toBe(0);
    await page.click('#status-filters [data-status=completed]');
    await page.locator(`#task-rows tr[data-task-id="${ids[2]}"]`).waitFor({ timeout: 10_000 });
    await page.click('#status-filters [data-status=""]');

    // A task submitted to another instance opens with its history and report.
    await page.locator(`#task-rows tr[data-task-id="${ids[2]}"] a`).click();
    await page.locator('#task-status[data-status=completed]').waitFor({ timeout: 10_000 });
    await page.locator('#report:not([hidden])').waitFor({ timeout: 10_000 });
    expect(taskIdOfPage()).toBe(ids[2]);
    await page.locator('#timeline [data-type=workflow_complete]').waitFor();
    expect(await timelineSeqs()).toEqual((await readStream(base, ids[2]!)).filter((e) => e.event_type !== 'agent_progress').map((e) => e.seq));
    expect(browser.errors).toEqual([]);
  }, 60_000);

  it('the runner killed mid-task while the console\'s stream is open on it: the page reconnects with Last-Event-ID to a live instance and shows the task completed, each event once', async () => {
    expect(slots.every((s) => isAlive(s.instance))).toBe(true);
    const { page } = browser;
    // The console's stream connections, as the browser made them. Until the kill, each is sent to the
    // task's runner first (Caddyfile.cluster sends a request whose Mcp-Session-Id names an instance to
    // that one, whatever the path), so the kill cuts the page's stream; afterwards Caddy picks freely.
    // Those carry an X-Request-Id too, to tell from the logs that the runner never finished serving one.
    interface Connection { requestId: string; query: string | null; pinnedTo?: string; status?: number; at: number }
    const connections: Connection[] = [];
    const byRequest = new WeakMap<object, Connection>();
    let pinning = true;
    const onStream = async (route: Route) => {
      const request = route.request();
      const url = new URL(request.url());
      const id = decodeURIComponent(url.pathname.split('/').at(-1)!);
      const connection: Connection = { requestId: `console-${id}-${connections.length}`, query: url.searchParams.get('last_event_id'), at: Date.now() };
      connections.push(connection);
      byRequest.set(request, connection);
      if (!pinning) {
        // After the kill the browser's requests go out as it made them (Playwright's copy of the
        // headers does not even show Last-Event-ID): the reconnect is the browser's own.
        await route.continue().catch(() => undefined);
        return;
      }
      // The runner, once the task has one (a queued task is claimed by whichever instance is free).
      let runner: string | undefined;
      for (const deadline = Date.now() + 10_000; !runner && Date.now() < deadline; ) {
        runner = (await getTask(base, id).catch(() => undefined))?.instance;
        if (!runner) await new Promise((r) => setTimeout(r, 100));
      }
      const headers = await request.allHeaders();
      const extra: Record<string, string> = { 'x-request-id': connection.requestId };
      if (runner) {
        extra['mcp-session-id'] = `${runner}.console-pin`;
        connection.pinnedTo = runner;
      }
      await route.continue({ headers: { ...headers, ...extra } }).catch(() => undefined);
    };
    const onResponse = (response: { status(): number; request(): object }) => {
      const c = byRequest.get(response.request());
      if (c) c.status = response.status();
    };
    await page.route('**/mcp/stream/**', onStream);
    page.on('response', onResponse);
    try {
      const marker = `console-takeover-${Date.now()}`;
      const taskId = await startResearchInConsole(`Research ${marker}: what should a buyer know?`);

      // Mid-task: running, the first worker done (in the API and on the page), the others still answering.
      const before = await untilMidTask(base, taskId);
      const runner = slotOf(before.instance)!;
      expect(runner, `runner ${before.instance}`).toBeDefined();
      await page.locator('.agent[data-agent-id^=worker][data-status=completed]').first().waitFor({ timeout: 10_000 });
      await page.locator('#task-status[data-status=running]').waitFor();
      expect(connections).toHaveLength(1);
      expect(connections[0]).toMatchObject({ pinnedTo: runner.tag, status: 200, query: null });
      const seenBeforeKill = await timelineSeqs();
      expect(seenBeforeKill.length).toBeGreaterThan(0);
      expect(await page.locator('#timeline [data-type=workflow_complete]').count()).toBe(0);

      pinning = false;
      const killedAt = Date.now();
      await killSlot(runner);

      // The page carries on to the end by itself.
      await page.locator('#timeline [data-type=stream_closed]').waitFor({ timeout: 45_000 });
      await page.locator('#task-status[data-status=completed]').waitFor({ timeout: 10_000 });
      await page.locator('#report:not([hidden])').waitFor({ timeout: 10_000 });
      await expect.poll(() => page.locator('#stat-stream').textContent(), { timeout: 10_000 }).toBe('finished');
      const tookMs = Date.now() - killedAt;
      expect(await page.locator('#report-body').textContent()).toContain('A console that loses its stream resumes it through any instance');

      const record = await getTask(base, taskId);
      expect(record.status).toBe('completed');
      expect(record.instance).not.toBe(runner.tag);
      expect(isAlive(slotOf(record.instance)!.instance)).toBe(true);

      // Each event once, in order: the timeline is the whole stream but the text deltas.
      const stream: TaskEvent[] = await readStream(base, taskId);
      expect(streamProblems(stream)).toEqual([]);
      const seqs = await timelineSeqs();
      expect(new Set(seqs).size).toBe(seqs.length);
      expect(seqs).toEqual(stream.filter((e) => e.event_type !== 'agent_progress').map((e) => e.seq));
      expect(seqs.slice(0, seenBeforeKill.length)).toEqual(seenBeforeKill);
      for (const type of ['workflow_start', 'workflow_resumed', 'workflow_complete', 'stream_closed']) {
        expect(await page.locator(`#timeline [data-type=${type}]`).count(), type).toBe(1);
      }
      const resumed = stream.find((e) => e.event_type === 'workflow_resumed')!;
      expect(resumed.data).toMatchObject({ instance: record.instance, previous_instance: runner.tag });
      expect(await page.locator('.agent[data-agent-id^=worker][data-status=completed]').count()).toBe(3);
      expect(await page.locator('.agent:not([data-status=completed])').count()).toBe(0);
      expect(await page.locator('#stat-agents').textContent()).toBe(`${record.progress.agents_total}/${record.progress.agents_total} agents`);

      // How the page got there: the stream on the runner broke, and the browser reconnected through
      // Caddy (to a live instance: the runner is gone) and resumed right after the last event it had.
      const after = connections.slice(1);
      expect(after.length, JSON.stringify(connections)).toBeGreaterThan(0);
      expect(after.every((c) => c.at >= killedAt && c.pinnedTo === undefined)).toBe(true);
      expect(after.some((c) => c.status === 200), JSON.stringify(connections)).toBe(true);
      // The runner never got to log the page's first stream (an instance logs a request when it ends).
      expect(servedBy(slots, connections[0]!.requestId)).toEqual([]);
      const received = (await pageStreams(taskId)).flatMap((s) => s.connections);
      expect(received.length, JSON.stringify(received)).toBeGreaterThanOrEqual(2);
      expect(received[0]!.first).toBe(1);
      expect(received[0]!.last).toBeGreaterThanOrEqual(seenBeforeKill.at(-1)!);
      const carried = received.filter((c) => c.count > 0);
      for (const [i, c] of carried.slice(1).entries()) {
        expect(c.first, `connection ${i + 1} of ${JSON.stringify(received)}: resumes after the last event the one before carried`).toBe(carried[i]!.last! + 1);
      }
      expect(carried.at(-1)!.last).toBe(stream.at(-1)!.seq);
      expect(carried.reduce((n, c) => n + c.count, 0), 'every event reached the page once').toBe(stream.length);
      console.info(`takeover: killed ${runner.tag}, finished on ${record.instance} ${tookMs} ms later; stream requests ${JSON.stringify(connections)}; received ${JSON.stringify(received)}`);
      console.info(`screenshot: ${await screenshot(page, 'console-cluster-takeover')}`);
      expect(browser.errors).toEqual([]);
    } finally {
      page.off('response', onResponse);
      await page.unroute('**/mcp/stream/**', onStream);
    }
  }, 80_000);
});
