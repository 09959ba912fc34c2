import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, waitFor, type TestServer } from '../helpers/test-server.js';
import { launchBrowser, type Browser } from '../web/browser.js';
import { getRecord, startOverHttp } from '../web/console-helpers.js';
import { readPdf } from './readers.js';

const WAIT = { timeout: 30_000 };
let browser: Browser;
let server: TestServer;
beforeAll(async () => {
  [browser, server] = await Promise.all([launchBrowser(), startTestServer()]);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('console: the documents of a task as downloads', () => {
  it('offers each format as a link with its URL and download name, and the PDF downloads whole', async () => {
    const taskId = await startOverHttp(server.url, 'orchestrate_research', {
      task: 'How does the event stream resume after a disconnect?', title: 'Stream resume', num_agents: 2, generate_documents: true, document_formats: ['markdown', 'pdf', 'docx'],
    });
    const record = await waitFor(async () => {
      const r = await getRecord(server.url, taskId);
      return r.status === 'completed' ? r : undefined;
    }, 60_000, 50);
    const { page } = browser;
    await page.goto(`${server.url}/#task/${encodeURIComponent(taskId)}`);
    await page.locator('#documents-box:not([hidden]) a.download').first().waitFor(WAIT);
    const links = await page.locator('#documents a.download').evaluateAll((as) => as.map((a) => ({ format: a.getAttribute('data-format'), href: a.getAttribute('href'), download: a.getAttribute('download') })));
    expect(links).toEqual(['md', 'pdf', 'docx'].map((ext, i) => ({ format: ['markdown', 'pdf', 'docx'][i], href: `/tasks/${taskId}/documents/${['markdown', 'pdf', 'docx'][i]}`, download: `stream-resume.${ext}` })));
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#documents a[data-format=pdf]').click()]);
    expect(download.suggestedFilename()).toBe('stream-resume.pdf');
    const bytes = fs.readFileSync((await download.path())!);
    const sizes = (record as unknown as { result: { documents: Array<{ format: string; size: number }> } }).result.documents;
    expect(bytes.byteLength).toBe(sizes.find((d) => d.format === 'pdf')!.size);
    expect((await readPdf(bytes)).info).toMatchObject({ Title: 'Stream resume' });
    expect(browser.errors).toEqual([]);
  });
});
