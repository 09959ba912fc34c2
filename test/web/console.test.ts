import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFakeModel, type FakeCall, type FakeModel } from '../helpers/fake-model.js';
import { createGate, isPlanner, isSynthesizer, openAllGates, startServerWith } from '../http/stream-fixtures.js';
import type { TestServer } from '../helpers/test-server.js';
import { launchBrowser, screenshot, type Browser } from './browser.js';
import { startPrefixProxy, type PrefixProxy } from './prefix-proxy.js';

// Model output is untrusted: these must stay inert text in the page.
const HOSTILE = '<img src=x onerror="window.__xss=1"> <script>window.__xss=2</script> <a href="javascript:window.__xss=3">x</a>';
const REPORT = `# Tide report\n\nThe **moon** pulls the oceans [1].\n\n${HOSTILE}\n\n| a | b |\n|---|---|\n| 1 | 2 |\n`;

let browser: Browser;
let server: TestServer | undefined;
let proxy: PrefixProxy | undefined;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  openAllGates();
  await proxy?.close();
  proxy = undefined;
  await server?.close();
  server = undefined;
});

/** The first passage a `search_documents` call of an earlier step returned. */
function firstHit(call: FakeCall): { path: string; heading: string; lines: string } {
  const search = call.toolResults.find((r) => r.toolName === 'search_documents')?.output as { results?: Array<{ path: string; heading: string; lines: string }> } | undefined;
  const hit = search?.results?.[0];
  if (!hit) throw new Error(`search_documents found nothing for the worker: ${JSON.stringify(call.toolResults)}`);
  return hit;
}

/**
 * Planner → 3 angles; workers (after a delay, so the run is visible) search the corpus, then answer
 * citing the first passage they read; the synthesizer waits for `gate`.
 */
function slowSwarm(gate?: Promise<void>, worker?: () => Promise<void> | void): FakeModel {
  return createFakeModel({
    delayMs: 250,
    chunkSize: 12,
    respond: async (call) => {
      if (isPlanner(call)) return JSON.stringify(['angle one', 'angle two', 'angle three']);
      if (isSynthesizer(call)) {
        await gate;
        return REPORT;
      }
      if (!call.toolResults.length) {
        await worker?.();
        return { toolCall: { name: 'search_documents', input: { query: 'event stream resume', limit: 3 } } };
      }
      const hit = firstHit(call);
      return `finding ${call.index}: tides follow the moon [1]. ${HOSTILE}\n\nSources:\n[1] ${hit.path} — ${hit.heading} (lines ${hit.lines})`;
    },
  });
}

async function startSearchInPage(base: string, query: string): Promise<string> {
  const { page } = browser;
  await page.goto(`${base}/`);
  await page.fill('textarea[name=prompt]', query);
  await page.fill('input[name=num_agents]', '3');
  await page.click('#start-button');
  await page.waitForURL(/#task\//);
  return decodeURIComponent(new URL(page.url()).hash.replace('#task/', ''));
}

const cards = () => browser.page.locator('.agent');

describe('web console', () => {
  it('starts a search, fills agent cards live, picks the task up again after a reload, and renders the report safely', async () => {
    const synthesis = createGate();
    server = await startServerWith(slowSwarm(synthesis.promise));
    const { page } = browser;
    const taskId = await startSearchInPage(server.url, 'how do tides work');
    expect(taskId).toMatch(/^search_/);

    // Live: a worker card shows up running, then all three finish with their text.
    await page.locator('.agent[data-status=running]').first().waitFor();
    await page.locator('.agent[data-agent-id^=general][data-status=completed]').nth(2).waitFor();
    await expect.poll(() => page.locator('#task-status').textContent()).toBe('running');
    const before = await page.locator('.agent[data-status=completed] pre.text').allTextContents();
    expect(before.some((t) => t.includes('tides follow the moon'))).toBe(true);

    // Reload mid-task: same task, same cards rebuilt from the stream's history, still live.
    await page.reload();
    await page.locator('.agent[data-agent-id^=general][data-status=completed]').nth(2).waitFor();
    expect(new URL(page.url()).hash).toBe(`#task/${taskId}`);
    expect(await page.locator('#task-status').textContent()).toBe('running');
    expect(await page.locator('.agent[data-status=completed] pre.text').allTextContents()).toEqual(before);
    const seqs = await page.locator('#timeline .seq').allTextContents();
    expect(new Set(seqs).size).toBe(seqs.length);

    synthesis.open();
    await page.locator('#task-status[data-status=completed]').waitFor();
    await page.locator('#report:not([hidden])').waitFor();
    expect(await page.locator('#report-body h1').textContent()).toBe('Tide report');
    expect(await page.locator('#report-body strong').textContent()).toBe('moon');
    expect(await page.locator('#report-body table td').count()).toBe(2);
    // The task's numbered sources (what the workers read and cited), as the record has them.
    const record = (await (await fetch(`${server.url}/tasks/${taskId}`)).json()) as { result: { sources: Array<{ n: number; path?: string }>; unverified_citations: number } };
    const sources = record.result.sources;
    expect(sources.length).toBeGreaterThan(0);
    expect(record.result.unverified_citations).toBe(0);
    expect(sources[0]).toMatchObject({ n: 1, path: expect.any(String) });
    expect(await page.locator('#citations li').count()).toBe(sources.length);
    const first = (await page.locator('#citations li').first().textContent()) ?? '';
    expect(first.startsWith('[1] ')).toBe(true);
    expect(first).toContain(sources[0]!.path);
    // The report's own `## Sources` list renders as a list, one item a source.
    expect(await page.locator('#report-body h2').last().textContent()).toBe('Sources');
    expect(await page.locator('#report-body ul li').first().textContent()).toContain('[1]');
    expect(await page.locator('#report-body ul li').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('#stat-agents').textContent()).toMatch(/^5\/5 agents/);
    expect(await page.locator('#timeline [data-type=workflow_complete]').count()).toBe(1);

    // Nothing of the hostile markup ran or kept its handlers.
    await page.waitForTimeout(200);
    expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.locator('#report-body script, #report-body [onerror], #report-body a[href^=javascript]').count()).toBe(0);
    expect(await page.locator('.agent pre.text img').count()).toBe(0);
    console.info(`screenshot: ${await screenshot(page, 'console-search-report')}`);
    expect(browser.errors).toEqual([]);
  });

  it('cancels a running task and lists it under its status filter', async () => {
    const never = createGate();
    server = await startServerWith(slowSwarm(undefined, () => never.promise));
    const { page } = browser;
    const taskId = await startSearchInPage(server.url, 'a task to cancel');
    await page.locator('.agent[data-agent-id^=general][data-status=running]').nth(2).waitFor();
    await page.click('#cancel-button');
    await page.locator('#task-status[data-status=cancelled]').waitFor();
    await page.locator('#timeline [data-type=workflow_cancelled]').waitFor();
    expect(await page.locator('#cancel-button').isHidden()).toBe(true);
    const record = (await (await fetch(`${server.url}/tasks/${taskId}`)).json()) as { status: string };
    expect(record.status).toBe('cancelled');

    await page.click('a[data-nav=tasks]');
    await page.locator(`#task-rows tr[data-task-id="${taskId}"]`).waitFor();
    await page.click('#status-filters [data-status=completed]');
    await expect.poll(() => page.locator(`#task-rows tr[data-task-id="${taskId}"]`).count()).toBe(0);
    await page.click('#status-filters [data-status=cancelled]');
    await page.locator(`#task-rows tr[data-task-id="${taskId}"]`).waitFor();
    await page.click(`#task-rows tr[data-task-id="${taskId}"] a`);
    await page.locator('#task-status[data-status=cancelled]').waitFor();
    await page.locator('#timeline [data-type=workflow_cancelled]').waitFor();
    expect(await cards().count()).toBeGreaterThan(0);
  });

  it('works under a proxy prefix (/mcp/, as behind Caddy) with relative URLs only', async () => {
    server = await startServerWith(slowSwarm(), { TRUST_PROXY: 'loopback' });
    proxy = await startPrefixProxy(server.url);
    const { page } = browser;
    await startSearchInPage(`${proxy.url}/mcp`, 'tides behind a proxy');
    await page.locator('#task-status[data-status=completed]').waitFor();
    await page.locator('#report-body h1').waitFor();
    expect(proxy.paths.length).toBeGreaterThan(5);
    expect(proxy.paths.filter((p) => !p.startsWith('/mcp/') && p !== '/favicon.ico')).toEqual([]);
    expect(proxy.paths.some((p) => p.startsWith('/mcp/stream/'))).toBe(true);
  });
  it('asks for the API key on a 401, keeps it for the session, and opens streams with the token or the key', async () => {
    server = await startServerWith(slowSwarm(), { API_KEYS: 'console-key-1' });
    const { page } = browser;
    const streams: string[] = [];
    const onRequest = (r: { url(): string; headers(): Record<string, string> }) => {
      if (r.url().includes('/stream/')) streams.push(`${r.url()} auth=${r.headers().authorization ?? ''}`);
    };
    page.on('request', onRequest);
    try {
      await page.goto(`${server.url}/`);
      await page.fill('textarea[name=prompt]', 'tides with a key');
      await page.click('#start-button');
      await page.locator('#key-dialog[open]').waitFor();
      await page.fill('#key-dialog input[name=key]', 'console-key-1');
      await page.click('#key-dialog button');
      await page.waitForURL(/#task\//);
      await page.locator('#task-status[data-status=completed]').waitFor();
      await page.locator('#report-body h1').waitFor();
      expect(streams[0]).toMatch(/\/stream\/search_\w+\?token=\d+\.[\w-]+ auth=$/);
      expect(await page.evaluate('Object.values(sessionStorage)')).toContain('console-key-1');

      // Opened from the list of another tab (no remembered start answer): the record itself hands
      // out a fresh stream_url with a token (GET /tasks/:id), so the stream needs no header.
      const taskId = decodeURIComponent(new URL(page.url()).hash.replace('#task/', ''));
      await page.evaluate("sessionStorage.removeItem('mcp-orchestrator.stream-urls')");
      await page.goto(`${server.url}/#tasks`);
      await page.click(`#task-rows tr[data-task-id="${taskId}"] a`);
      await page.locator('#report-body h1').waitFor();
      expect(streams.at(-1)).toMatch(/\/stream\/search_\w+\?token=\d+\.[\w-]+ auth=$/);
      expect(await page.locator('#key-dialog[open]').count()).toBe(0);
    } finally {
      page.off('request', onRequest);
      await page.evaluate('sessionStorage.clear()');
    }
  });
});
