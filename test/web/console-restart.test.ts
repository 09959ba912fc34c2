import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAIN, cleanupChildren, listeningPort, run, scratchDir } from '../helpers/child-process.js';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream.js';
import { waitFor } from '../helpers/test-server.js';
import { launchBrowser, type Browser } from './browser.js';
import { barWidth, cardStatuses, countsText, getRecord, progressBarWidth, startOverHttp } from './console-helpers.js';

// Regression: a task cut off by a restart (kill -9, then the server ends it `failed`/`interrupted`
// on start-up) left the cards of its in-flight agents "running" and its bar at 100 %, and counted
// 1/5 agents where the record planned 6.

const WAIT = { timeout: 20_000 };
let browser: Browser;
let upstream: FakeUpstream | undefined;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await cleanupChildren();
  await upstream?.close();
  upstream = undefined;
});

describe('console after a restart (SQLite)', { timeout: 120_000 }, () => {
  it('shows a task interrupted by a restart as failed on every agent card, counted as its record says', async () => {
    // The planner answers; the workers hang upstream, so they are in flight when the server dies.
    upstream = await startFakeUpstream((r) => (/research planner/.test(r.system) ? undefined : { kind: 'hang' }));
    const cwd = scratchDir();
    const env = {
      PORT: '0',
      ALT_PORT: '0',
      HOST: '127.0.0.1',
      STORE: 'sqlite',
      DATA_DIR: path.join(cwd, 'data'),
      OPENAI_API_KEY: 'test-key',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      DEFAULT_PROVIDER: 'openai',
    };
    const first = run(MAIN, [], env, cwd);
    let base = `http://127.0.0.1:${await listeningPort(first)}`;
    const taskId = await startOverHttp(base, 'orchestrate_research', { task: 'a task cut off by a restart', num_agents: 3, model: 'gpt-test' });
    await waitFor(() => upstream!.requests.filter((r) => r.action === 'hang').length === 3, 30_000, 20);

    first.proc.kill('SIGKILL');
    await first.exited;
    const second = run(MAIN, [], env, cwd);
    base = `http://127.0.0.1:${await listeningPort(second)}`;
    const record = await getRecord(base, taskId);
    expect(record).toMatchObject({ status: 'failed', error: { code: 'interrupted' } });
    expect(record.progress).toMatchObject({ agents_total: 6, agents_done: 1, agents_failed: 0 });

    const { page } = browser;
    await page.goto(`${base}/#task/${encodeURIComponent(taskId)}`);
    await page.locator('#task-status[data-status=failed]').waitFor(WAIT);
    await page.locator('#stat-stream', { hasText: 'finished' }).waitFor(WAIT);
    expect(await page.locator('#task-error').textContent()).toContain('interrupted');

    // Planner done; the three workers that were in flight show the task's end, none "running".
    const statuses = await cardStatuses(page);
    expect(Object.keys(statuses)).toHaveLength(4);
    expect(statuses.planner).toBe('completed|completed');
    for (const [id, status] of Object.entries(statuses)) if (id !== 'planner') expect(status, id).toBe('failed|failed');
    expect(await page.locator('.agent[data-agent-id^=worker] .agent-error').allTextContents()).toEqual(Array(3).fill(record.error!.message));
    expect(await page.locator('#stat-agents').textContent()).toBe(countsText(record));
    expect(await progressBarWidth(page)).toBe(barWidth(record));
    expect(browser.errors).toEqual([]);
  });
});
