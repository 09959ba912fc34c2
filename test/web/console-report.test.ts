import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TaskRecord } from '../../src/orchestrator/task.js';
import { createFakeModel, type FakeAnswer, type FakeCall } from '../helpers/fake-model.js';
import type { TestServer } from '../helpers/test-server.js';
import { isPlanner, isSynthesizer, openAllGates, startServerWith } from '../http/stream-fixtures.js';
import { launchBrowser, type Browser } from './browser.js';
import { startOverHttp } from './console-helpers.js';

// Regressions of how a task's output reads: the Sources of a report in one paragraph, the title
// twice, finished output boxes left scrolled to their end, tool calls as truncated raw JSON.

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

/** A swarm of three: `worker` answers each worker call, the synthesizer answers `report`. */
async function runSwarm(query: string, worker: (call: FakeCall) => FakeAnswer, report = 'The moon pulls the oceans.'): Promise<string> {
  const model = createFakeModel({
    delayMs: 20,
    chunkSize: 40,
    respond: (call) => (isPlanner(call) ? JSON.stringify(['angle one', 'angle two', 'angle three']) : isSynthesizer(call) ? report : worker(call)),
  });
  server = await startServerWith(model);
  const taskId = await startOverHttp(server.url, 'orchestrate_search', { query, num_agents: 3 });
  await browser.page.goto(`${server.url}/#task/${encodeURIComponent(taskId)}`);
  await browser.page.locator('#task-status[data-status=completed]').waitFor(WAIT);
  await browser.page.locator('#stat-stream', { hasText: 'finished' }).waitFor(WAIT);
  return taskId;
}

describe('console report and agent output', () => {
  it('renders the Sources of a report stored by an earlier release (bare "[n] …" lines) as a list', async () => {
    server = await startServerWith(createFakeModel());
    const now = new Date().toISOString();
    const source = (n: number, heading: string, lines: string) => ({ n, kind: 'document' as const, title: heading, path: 'tides.md', heading, lines, retrieved_at: now });
    const record: TaskRecord = {
      task_id: 'research_earlier0release',
      status: 'completed',
      pattern: 'cascade',
      title: 'Tides',
      input: { task: 'Tides' },
      provider: 'openai',
      model: 'gpt-4o-mini',
      created_at: now,
      started_at: now,
      completed_at: now,
      progress: { phase: 'done', agents_total: 1, agents_done: 1, agents_failed: 0 },
      usage: { input_tokens: 10, output_tokens: 20, cost_usd: 0, price_known: true },
      result: {
        // Before the source list was a Markdown list, reports ended like this.
        final_synthesis: 'The moon pulls the oceans [1]; the sun less so [2].\n\n## Sources\n[1] tides.md — Tides › Moon (lines 1-4)\n[2] tides.md — Tides › Sun (lines 5-9)\n',
        agent_results: [],
        synthesis_results: [],
        subtasks: [],
        failed_agents: [],
        documents: [],
        sources: [source(1, 'Tides › Moon', '1-4'), source(2, 'Tides › Sun', '5-9')],
        unverified_citations: 0,
      },
    };
    await server.services.store.tasks.insert(record);
    for (const [event_type, data] of [['workflow_start', {}], ['workflow_complete', { status: 'completed' }], ['stream_closed', { status: 'completed' }]] as const) {
      server.services.events.append(record.task_id, { event_type, data });
    }
    const { page } = browser;
    await page.goto(`${server.url}/#task/${record.task_id}`);
    await page.locator('#report:not([hidden])').waitFor(WAIT);
    expect(await page.locator('#report-body h2').last().textContent()).toBe('Sources');
    expect(await page.locator('#report-body li').allTextContents()).toEqual(['[1] tides.md — Tides › Moon (lines 1-4)', '[2] tides.md — Tides › Sun (lines 5-9)']);
    expect(await page.locator('#report-body p').allTextContents()).toEqual(['The moon pulls the oceans [1]; the sun less so [2].']);
    expect(await page.locator('#citations li').count()).toBe(2);
    expect(browser.errors).toEqual([]);
  });

  it('shows the task title once when the report starts with it as a heading', async () => {
    await runSwarm('how do tides work', (call) => `finding ${call.index}`, '# How do tides work\n\n## Moon\n\nThe moon pulls the oceans.');
    const { page } = browser;
    await page.locator('#report:not([hidden])').waitFor(WAIT);
    const headings = await page.locator('#view-task :is(h1, h2, h3)').filter({ visible: true }).allTextContents();
    expect(headings.filter((h) => h.trim().toLowerCase() === 'how do tides work')).toHaveLength(1);
    expect(await page.locator('#task-title').textContent()).toBe('how do tides work');
    expect(await page.locator('#report-body h2').first().textContent()).toBe('Moon');
  });

  it('scrolls a finished agent\'s output box back to its first line', async () => {
    const long = (call: FakeCall) => Array.from({ length: 40 }, (_, i) => `line ${i + 1} of finding ${call.index}`).join('\n');
    await runSwarm('tides at length', long);
    const boxes = await browser.page.locator('.agent[data-agent-id^=general] pre.text').evaluateAll((nodes) =>
      nodes.map((n) => ({ first: n.textContent?.split('\n')[0], overflows: n.scrollHeight > n.clientHeight, top: n.scrollTop })),
    );
    expect(boxes).toHaveLength(3);
    for (const box of boxes) expect(box).toEqual({ first: expect.stringMatching(/^line 1 of finding/), overflows: true, top: 0 });
  });

  it('shows a tool call as its name, its arguments as key: value, and a short result', async () => {
    await runSwarm('tides with tools', (call) =>
      call.toolResults.length ? `finding ${call.index}` : { toolCall: { name: 'search_documents', input: { query: 'event stream resume', limit: 3 } } },
    );
    const calls = browser.page.locator('.agent[data-agent-id^=general] .tools li');
    expect(await calls.count()).toBe(3);
    const first = calls.first();
    expect(await first.locator('.tool-name').count()).toBe(1);
    expect(await first.locator('.tool-name').textContent()).toBe('search_documents');
    expect(await first.locator('.tool-arg').allTextContents()).toEqual(['query: event stream resume', 'limit: 3']);
    expect(await first.locator('.tool-result').textContent()).toMatch(/^3 results: api\.md/);
    for (const text of await calls.allTextContents()) expect(text).not.toContain('{"');
  });
});
