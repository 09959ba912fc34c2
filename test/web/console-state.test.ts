import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFakeModel, type FakeModel } from '../helpers/fake-model.js';
import type { TestServer } from '../helpers/test-server.js';
import { createGate, isPlanner, isSynthesizer, openAllGates, startServerWith } from '../http/stream-fixtures.js';
import { launchBrowser, type Browser } from './browser.js';
import { barWidth, cardStatuses, countsText, getRecord, progressBarWidth, startOverHttp } from './console-helpers.js';

// Regressions of the task view's state: cards left "running" after the task ended, counts that
// disagreed with the task record, and a task skeleton drawn under "not found".

const WAIT = { timeout: 20_000 };
let browser: Browser;
let server: TestServer | undefined;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  openAllGates();
  await server?.close();
  server = undefined;
});

/** Planner → three sub-questions; workers wait for `workers` (if given); synthesizers answer at once. */
function gatedModel(workers?: Promise<void>): FakeModel {
  return createFakeModel({
    delayMs: 20,
    respond: async (call) => {
      if (isPlanner(call)) return JSON.stringify(['part one', 'part two', 'part three']);
      if (isSynthesizer(call)) return `synthesis ${call.index}`;
      await workers;
      return `finding ${call.index}`;
    },
  });
}

async function openTask(taskId: string): Promise<void> {
  await browser.page.goto(`${server!.url}/#task/${encodeURIComponent(taskId)}`);
}

describe('console task state', () => {
  it('marks every agent card cancelled when the task is cancelled, with counts and bar from the record', async () => {
    const never = createGate();
    server = await startServerWith(gatedModel(never.promise));
    const { page } = browser;
    const taskId = await startOverHttp(server.url, 'orchestrate_search', { query: 'a search to cancel', num_agents: 3 });
    await openTask(taskId);
    await page.locator('.agent[data-status=running]').nth(2).waitFor(WAIT);
    await page.click('#cancel-button');
    await page.locator('#task-status[data-status=cancelled]').waitFor(WAIT);

    const record = await getRecord(server.url, taskId);
    expect(record.status).toBe('cancelled');
    const expected: Record<string, string> = { planner: 'completed|completed' };
    for (const a of record.result!.agent_results) if (a.agent_id !== 'planner') expected[a.agent_id] = 'cancelled|cancelled';
    expect(Object.keys(expected)).toHaveLength(4);
    await expect.poll(() => cardStatuses(page), WAIT).toEqual(expected);
    await expect.poll(() => page.locator('#stat-agents').textContent(), WAIT).toBe(countsText(record));
    await expect.poll(() => progressBarWidth(page), WAIT).toBe(barWidth(record));
    expect(barWidth(record)).not.toBe('100%');
    expect(browser.errors).toEqual([]);
  });

  it('takes the agent counts from the task record (cascade: planner, workers, drummer, camina)', async () => {
    const workers = createGate();
    server = await startServerWith(gatedModel(workers.promise));
    const { page } = browser;
    const taskId = await startOverHttp(server.url, 'orchestrate_research', { task: 'how do tides work', num_agents: 3 });
    await openTask(taskId);
    await page.locator('.agent[data-status=running]').nth(2).waitFor(WAIT);

    // While the workers wait: the record plans 1 + 3 + 1 + 1 calls, of which the planner is done.
    const running = await getRecord(server.url, taskId);
    expect(running.progress).toMatchObject({ agents_total: 6, agents_done: 1, agents_failed: 0 });
    await expect.poll(() => page.locator('#stat-agents').textContent(), WAIT).toBe(countsText(running));

    workers.open();
    await page.locator('#task-status[data-status=completed]').waitFor(WAIT);
    const done = await getRecord(server.url, taskId);
    await expect.poll(() => page.locator('#stat-agents').textContent(), WAIT).toBe(countsText(done));
    await expect.poll(() => progressBarWidth(page), WAIT).toBe('100%');
    expect(Object.values(await cardStatuses(page)).every((s) => s === 'completed|completed')).toBe(true);
    expect(browser.errors).toEqual([]);
  });

  it('shows only the notice for an unknown task id, also after another task was open', async () => {
    server = await startServerWith(gatedModel());
    const { page } = browser;
    const known = await startOverHttp(server.url, 'orchestrate_search', { query: 'a task that exists', num_agents: 1 });
    await page.goto(`${server.url}/#task/does-not-exist`);
    await page.locator('#notice:not([hidden])').waitFor(WAIT);
    expect(await page.locator('#notice').textContent()).toContain('does-not-exist');
    expect(await page.locator('#view-task').isVisible()).toBe(false);
    expect(await page.locator('#task-title, #task-id, #progress-bar, #timeline').filter({ visible: true }).count()).toBe(0);

    // A task that exists shows; then an unknown one hides it again (nothing stale is left on screen).
    await page.evaluate(`location.hash = ${JSON.stringify(`#task/${known}`)}`);
    await page.locator('#task-status[data-status=completed]').waitFor(WAIT);
    expect(await page.locator('#notice').isHidden()).toBe(true);
    await page.evaluate("location.hash = '#task/still-not-there'");
    await page.locator('#notice:not([hidden])').waitFor(WAIT);
    expect(await page.locator('#notice').textContent()).toContain('still-not-there');
    expect(await page.locator('#view-task').isVisible()).toBe(false);
  });
});
