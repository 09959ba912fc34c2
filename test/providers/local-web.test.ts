import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { jsonSchema, stepCountIs, streamText, tool, type LanguageModel, type ToolSet } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCorpusIndex, type CorpusIndex } from '../../src/corpus/corpus-index.js';
import { settleWorkerText } from '../../src/orchestrator/citations.js';
import { SourceLedger } from '../../src/orchestrator/source-ledger.js';
import { createLocalModel } from '../../src/providers/local/local-model.js';
import { pagePassages } from '../../src/providers/local/page-passages.js';
import { createLogger } from '../../src/logger.js';
import { createSearchDocumentsTool } from '../../src/tools/builtin/documents.js';
import { createToolRegistry } from '../../src/tools/registry.js';
import { createWebTools } from '../../src/tools/web/index.js';
import { startTestServer, testConfig, waitFor } from '../helpers/test-server.js';

/**
 * The local model with web tools, through the real AI SDK loop: stub tools that answer in the
 * documented shapes of `web_search`, `fetch_url` and `search_documents`.
 */

interface Result {
  url: string;
  title: string;
  snippet: string;
}
interface Page {
  url: string;
  final_url: string;
  title: string;
  published?: string;
  text: string;
}

// ── A news-style set: a harbour ferry timetable ─────────────────────────────────────────────────
const FERRY_ON_TOPIC =
  'The new harbour ferry timetable starts on Monday 2 June, with boats leaving Quay Street every 15 minutes at peak times instead of every 30.';
const FERRY_OFF_TOPIC = 'The harbour car park will start charging evening fees in July, the council said.';
const FERRY_COUNCIL = 'The revised harbour ferry timetable starts on 2 June and adds later sailings on Fridays, with the last boat leaving at 11.30pm.';

const NEWS: Result[] = [
  { url: 'https://news.example/2026/06/harbour-ferry', title: 'Harbour ferry timetable changes from 2 June', snippet: 'The new harbour ferry timetable starts on 2 June, with boats every 15 minutes at peak times.' },
  { url: 'https://sport.example/regatta', title: 'Harbour regatta draws record crowds', snippet: 'Thousands lined the harbour for the annual regatta on Saturday.' },
  { url: 'https://council.example/transport/ferry', title: 'New ferry timetable: what changes for commuters', snippet: 'Council confirms the timetable for harbour ferry services, with later Friday sailings.' },
  // The first result again, with a fragment: the same page.
  { url: 'https://news.example/2026/06/harbour-ferry#comments', title: 'Harbour ferry timetable changes from 2 June', snippet: 'Readers comment on the new ferry timetable.' },
];

const NEWS_PAGES: Record<string, Page> = {
  'https://news.example/2026/06/harbour-ferry': {
    url: 'https://news.example/2026/06/harbour-ferry',
    // The page's own address after a redirect: that is what gets cited.
    final_url: 'https://news.example/2026/06/harbour-ferry-timetable',
    title: 'Harbour ferry timetable changes from 2 June',
    published: '2026-05-20T08:00:00Z',
    text: [
      'Harbour ferry timetable changes from 2 June',
      'By Jane Doe, transport reporter',
      FERRY_ON_TOPIC,
      'Evening sailings will run until 11.30pm on Fridays and Saturdays, the operator said.',
      FERRY_OFF_TOPIC,
      'Meanwhile the leisure centre beside the quay will close for refurbishment in August, and its swimming pool will reopen in the spring.',
    ].join('\n\n'),
  },
  'https://council.example/transport/ferry': {
    url: 'https://council.example/transport/ferry',
    final_url: 'https://council.example/transport/ferry',
    title: 'New ferry timetable: what changes for commuters',
    text: [FERRY_COUNCIL, 'Council tax bills for the coming year will be sent out in March, with payment due in ten monthly instalments.'].join('\n\n'),
  },
  'https://sport.example/regatta': {
    url: 'https://sport.example/regatta',
    final_url: 'https://sport.example/regatta',
    title: 'Harbour regatta draws record crowds',
    text: 'Thousands lined the harbour for the annual regatta on Saturday, and the ferry timetable started late.',
  },
};

// ── A technical set: a database backup procedure ────────────────────────────────────────────────
const BACKUP_INTRO = 'To back up the database, stop the writer service and run:';
const BACKUP_COMMAND = 'acme-dump --format=custom --output /var/backups/acme.dump acme';
const LOGGING = 'The database writes a log line for every slow query; set log_level to debug in acme.conf to see them all.';

const DOCS: Result[] = [
  { url: 'https://blog.example/logging-tips', title: 'Ten logging tips for busy servers', snippet: 'Rotate your logs and ship them to a central store.' },
  { url: 'https://docs.example/ops/backup', title: 'Backing up the database — Acme Server docs', snippet: 'Use acme-dump to take a consistent backup of the database before you upgrade.' },
  { url: 'https://wiki.example/acme/upgrade-guide', title: 'Upgrade guide for Acme Server 5', snippet: 'Before you upgrade, back up the database and read the release notes.' },
];

const DOCS_PAGES: Record<string, Page> = {
  'https://docs.example/ops/backup': {
    url: 'https://docs.example/ops/backup',
    final_url: 'https://docs.example/ops/backup',
    title: 'Backing up the database — Acme Server docs',
    text: [
      'Backing up the database',
      'Before an upgrade',
      'Always take a backup of the database before an upgrade, so that you can roll back if a migration fails.',
      BACKUP_INTRO,
      BACKUP_COMMAND,
      'Logging',
      LOGGING,
      'Log files rotate daily and are kept for 14 days.',
    ].join('\n\n'),
  },
  'https://wiki.example/acme/upgrade-guide': {
    url: 'https://wiki.example/acme/upgrade-guide',
    final_url: 'https://wiki.example/acme/upgrade-guide',
    title: 'Upgrade guide for Acme Server 5',
    text: [
      'Follow these steps to upgrade:',
      '- Back up the database with acme-dump.',
      '- Stop the server.',
      '- Install the new package.',
      '- Start the server and check its logs.',
      'Release notes for version 5 list every change made since version 4, including the new query planner.',
    ].join('\n\n'),
  },
  'https://blog.example/logging-tips': {
    url: 'https://blog.example/logging-tips',
    final_url: 'https://blog.example/logging-tips',
    title: 'Ten logging tips for busy servers',
    text: 'Rotate your logs daily and ship them to a central store before the disk fills up.',
  },
};

const RISKS_MD = '# Risk register\n\n## Key risks\n\nThe main supply risk is a single supplier of lidar sensors in Taiwan.\n';

let tmp: string;
let corpus: CorpusIndex;
let model: LanguageModel;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-local-web-'));
  fs.writeFileSync(path.join(tmp, 'risks.md'), RISKS_MD);
  corpus = await createCorpusIndex({ dir: tmp, watch: false });
  model = createLocalModel(corpus);
});
afterAll(() => {
  corpus?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Setup {
  results: Result[];
  pages: Record<string, Page>;
  /** URLs whose fetch fails (a tool error, as the real tool's refusals are). */
  failing?: string[];
  documents?: boolean;
  webSearch?: boolean;
}

const schema = <T>(properties: Record<string, { type: 'string' | 'number' }>, required: string[]) => jsonSchema<T>({ type: 'object', properties, required });

function toolsFor(s: Setup): ToolSet {
  const tools: ToolSet = {
    fetch_url: tool({
      description: 'Read one web page',
      inputSchema: schema<{ url: string }>({ url: { type: 'string' } }, ['url']),
      execute: async ({ url }) => {
        if (s.failing?.includes(url) || !s.pages[url]) throw new Error(`fetch_url: ${url} answered 503`);
        return s.pages[url];
      },
    }),
  };
  if (s.webSearch !== false) {
    tools.web_search = tool({
      description: 'Search the web',
      inputSchema: schema<{ query: string; limit?: number }>({ query: { type: 'string' }, limit: { type: 'number' } }, ['query']),
      execute: async ({ limit }) => ({ results: s.results.slice(0, limit ?? 5).map((r) => ({ ...r, source: 'searxng' })) }),
    });
  }
  if (s.documents) {
    tools.search_documents = tool({
      description: 'Search the corpus',
      inputSchema: schema<{ query: string; limit?: number }>({ query: { type: 'string' }, limit: { type: 'number' } }, ['query']),
      execute: async ({ query, limit }) => ({ results: corpus.search(query, { limit: limit ?? 10 }) }),
    });
  }
  return tools;
}

/** One worker run as the orchestrator makes it: the brief in `providerOptions.orchestrator`, the step bound of run-agent. */
async function work(question: string, s: Setup) {
  const result = streamText({
    model,
    prompt: 'zzz qqq',
    tools: toolsFor(s),
    stopWhen: stepCountIs(4),
    providerOptions: { orchestrator: { role: 'worker', task: question, question } },
  });
  const text = await result.text;
  const steps = (await result.steps).map((step) => step.toolCalls.map((c) => ({ id: c.toolCallId, tool: c.toolName, input: c.input as Record<string, unknown> })));
  const fetched = steps.flat().filter((c) => c.tool === 'fetch_url').map((c) => c.input.url);
  return { text, steps, fetched, toolResults: (await result.steps).flatMap((step) => step.content.filter((p) => p.type === 'tool-error')) };
}

const FERRY_Q = 'When does the new harbour ferry timetable start?';
const BACKUP_Q = 'How do I back up the database before an upgrade?';

describe('local model with web tools: search, fetch the best pages, answer from them', () => {
  it('searches the web and the corpus in one step, fetches the on-topic pages, quotes the paragraph that answers', async () => {
    const { text, steps, fetched } = await work(FERRY_Q, { results: NEWS, pages: NEWS_PAGES, documents: true });
    expect(steps[0]).toEqual([
      expect.objectContaining({ tool: 'web_search', input: { query: 'harbour ferry timetable start?', limit: 8 } }),
      expect.objectContaining({ tool: 'search_documents', input: { query: 'harbour ferry timetable start?', limit: 16 } }),
    ]);
    expect(new Set(steps.flat().map((c) => c.id)).size).toBe(steps.flat().length);
    // The two pages about the timetable, each once; not the regatta that only shares "harbour".
    expect(fetched).toEqual(['https://news.example/2026/06/harbour-ferry', 'https://council.example/transport/ferry']);
    expect(steps).toHaveLength(3);
    expect(steps[2]).toEqual([]);
    expect(text.split('\n')[0]).toBe(`- ${FERRY_ON_TOPIC} [1]`);
    expect(text).not.toContain('car park');
    expect(text).not.toContain('leisure centre');
    expect(text).not.toContain('Council tax');
    expect(text).toMatch(/\n\nSources:\n\[1\] Harbour ferry timetable changes from 2 June — https:\/\/news\.example\/2026\/06\/harbour-ferry-timetable\n/);
    // Every number cited is listed, and nothing from the corpus (which does not answer) is.
    const [body, list] = text.split('\n\nSources:\n');
    for (const [, n] of body!.matchAll(/\[(\d+)\]/g)) expect(list).toMatch(new RegExp(`^\\[${n}\\] .+ — https://`, 'm'));
    expect(text).not.toContain('risks.md');
  });

  it('answers a how-to from a technical page set: the command under the sentence that introduces it, and the steps', async () => {
    const { text, steps, fetched } = await work(BACKUP_Q, { results: DOCS, pages: DOCS_PAGES });
    expect(steps[0]).toEqual([expect.objectContaining({ tool: 'web_search', input: { query: 'backup database upgrade?', limit: 8 } })]);
    expect(fetched).toEqual(['https://docs.example/ops/backup', 'https://wiki.example/acme/upgrade-guide']);
    expect(text).toContain(`${BACKUP_INTRO.slice(0, -1)} [`);
    expect(text).toContain(`\`\`\`\n${BACKUP_COMMAND}\n\`\`\``);
    expect(text).toContain('- Back up the database with acme-dump.\n- Stop the server.');
    expect(text).not.toContain('log_level');
    expect(text).not.toContain('Rotate');
    expect(text).toContain('Sources:\n');
    expect(text).toMatch(/^\[\d\] Backing up the database — Acme Server docs — https:\/\/docs\.example\/ops\/backup$/m);
    expect(text).toMatch(/^\[\d\] Upgrade guide for Acme Server 5 — https:\/\/wiki\.example\/acme\/upgrade-guide$/m);
  });

  it('skips a page whose fetch failed and answers from the pages that were read', async () => {
    const { text, fetched, toolResults } = await work(FERRY_Q, { results: NEWS, pages: NEWS_PAGES, failing: ['https://news.example/2026/06/harbour-ferry'] });
    expect(fetched).toEqual(['https://news.example/2026/06/harbour-ferry', 'https://council.example/transport/ferry']);
    expect(toolResults).toHaveLength(1);
    expect(text.split('\n')[0]).toBe(`- ${FERRY_COUNCIL} [1]`);
    expect(text).toMatch(/\n\nSources:\n\[1\] New ferry timetable: what changes for commuters — https:\/\/council\.example\/transport\/ferry$/);
    expect(text).not.toContain('news.example');
  });

  it('falls back to the search snippets, citing their URLs, when no page could be read', async () => {
    const failing = Object.keys(NEWS_PAGES);
    const { text } = await work(FERRY_Q, { results: NEWS, pages: NEWS_PAGES, failing });
    expect(text).toContain('- The new harbour ferry timetable starts on 2 June, with boats every 15 minutes at peak times. [1]');
    expect(text).toMatch(/\n\nSources:\n\[1\] Harbour ferry timetable changes from 2 June — https:\/\/news\.example\/2026\/06\/harbour-ferry$/);
    expect(text).not.toContain('regatta');
  });

  it('says plainly that nothing found answers, quoting nothing, when the pages only share the subject', async () => {
    const question = 'How much is the harbour ferry fare for children?';
    const { text, fetched } = await work(question, { results: NEWS, pages: NEWS_PAGES, documents: true });
    expect(fetched.length).toBeGreaterThan(0);
    expect(text).toBe(`The web search results and the documents in the corpus do not answer this: ${question}`);
  });

  it('reads no page when no result is about the question, and says so', async () => {
    const question = 'What is the melting point of tungsten?';
    const { text, steps } = await work(question, { results: DOCS, pages: DOCS_PAGES });
    expect(steps.map((s) => s.map((c) => c.tool))).toEqual([['web_search'], []]);
    expect(text).toBe(`The web search results do not answer this: ${question}`);
  });

  it('keeps to the corpus when only fetch_url is offered (it always is): no web search, no fetch', async () => {
    const { text, steps } = await work('What is the main supply risk?', { results: NEWS, pages: NEWS_PAGES, documents: true, webSearch: false });
    expect(steps.map((s) => s.map((c) => c.tool))).toEqual([['search_documents'], []]);
    expect(text).toContain('The main supply risk is a single supplier of lidar sensors in Taiwan.');
    expect(text).toMatch(/Sources:\n\[1\] risks\.md — Risk register › Key risks \(lines \d+-\d+\)/);
  });

  it('cuts a PDF’s Markdown text as the corpus would: headings head what follows, table rows are rows, fences stay', () => {
    const text = '# Backup runbook\n\n## Nightly backup\n\n| Job | Time |\n|---|---|\n| dump | 02:00 |\n\nRun:\n\n```\nacme-dump acme\n```\n\nChecks\n\n- The dump exists.\n\n- It restores.';
    expect(pagePassages({ title: 'Runbook', text })).toEqual([
      { heading: 'Nightly backup', kind: 'prose', text: 'Job | Time' },
      { heading: 'Nightly backup', kind: 'prose', text: 'dump | 02:00' },
      { heading: 'Nightly backup', kind: 'code', text: 'Run:\n\n```\nacme-dump acme\n```' },
      { heading: 'Checks', kind: 'list', text: '- The dump exists.\n- It restores.' },
    ]);
  });

  it('writes citations the orchestrator settles against what the tools returned: web sources, none unverified', async () => {
    const { text } = await work(BACKUP_Q, { results: DOCS, pages: DOCS_PAGES });
    const ledger = new SourceLedger();
    ledger.noteToolResult('web_search', { results: DOCS });
    for (const url of ['https://docs.example/ops/backup', 'https://wiki.example/acme/upgrade-guide']) ledger.noteToolResult('fetch_url', DOCS_PAGES[url]);
    const settled = settleWorkerText(text, ledger);
    expect(ledger.unverified).toBe(0);
    expect(settled.citations.map((c) => c.url).sort()).toEqual(['https://docs.example/ops/backup', 'https://wiki.example/acme/upgrade-guide']);
    expect(ledger.list().filter((s) => settled.citations.some((c) => c.n === s.n)).every((s) => s.kind === 'web')).toBe(true);
  });
});

// ── The real web tools, against a fake SearXNG and an article server on loopback ─────────────────
const chrome = (body: string, title: string) => `<!DOCTYPE html><html><head><title>${title} | Harbour Herald</title></head><body>
<div id="cookie-banner" class="cookie-consent"><p>We use cookies to improve your experience. Accept all cookies or manage your preferences.</p><button>Accept</button></div>
<header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a> <a href="/weather">Weather</a></nav></header>
<main><article><h1>${title}</h1><p class="byline">By Jane Doe</p>${body}</article></main>
<footer><p>© 2026 Harbour Herald. All rights reserved. Privacy policy. Terms of use. Contact the newsroom.</p></footer></body></html>`;

const ARTICLES: Record<string, string> = {
  '/news/ferry-timetable': chrome(
    `<p>${FERRY_ON_TOPIC}</p><p>Evening sailings will run until 11.30pm on Fridays and Saturdays, the operator said in a statement on Tuesday.</p>` +
      `<p>${FERRY_OFF_TOPIC}</p><p>The leisure centre beside the quay will close for refurbishment in August, and its pool will reopen in the spring.</p>`,
    'Harbour ferry timetable changes from 2 June',
  ),
  '/sport/regatta': chrome('<p>Thousands lined the harbour for the annual regatta on Saturday, cheering crews from twelve clubs.</p>', 'Harbour regatta draws record crowds'),
};

function listen(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((done) => (server.closeAllConnections(), server.close(() => done()))) });
    }),
  );
}

interface Loopback {
  articles: { url: string; close: () => Promise<void> };
  searxng: { url: string; close: () => Promise<void> };
  queries: string[];
}

/** An article server (one address redirects to the article's own) and a SearXNG answering `/search?q=&format=json`. */
async function startLoopback(): Promise<Loopback> {
  const queries: string[] = [];
  const articles = await listen((req, res) => {
    if (req.url === '/r/ferry') return void res.writeHead(302, { location: '/news/ferry-timetable' }).end();
    const html = ARTICLES[req.url ?? ''];
    res.writeHead(html ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' }).end(html ?? 'not found');
  });
  const searxng = await listen((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    queries.push(`${url.pathname} ${url.searchParams.get('q')} ${url.searchParams.get('format')}`);
    const results = [
      { url: `${articles.url}/sport/regatta`, title: 'Harbour regatta draws record crowds', content: 'Thousands lined the harbour for the annual regatta.', engine: 'duckduckgo', score: 1.2 },
      { url: `${articles.url}/r/ferry`, title: 'Harbour ferry timetable changes from 2 June', content: 'The new harbour <b>ferry timetable</b> starts on 2 June.', engine: 'bing', score: 1 },
      { url: `${articles.url}/news/missing`, title: 'Ferry timetable: the full list of sailings', content: 'Every sailing of the new harbour ferry timetable, from 2 June.', engine: 'bing', score: 0.8 },
    ];
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ query: url.searchParams.get('q'), number_of_results: results.length, results }));
  });
  return { articles, searxng, queries };
}

describe('local model with the real web tools on loopback', () => {
  let loop: Loopback;
  beforeAll(async () => {
    loop = await startLoopback();
  });
  afterAll(async () => {
    await Promise.all([loop?.articles.close(), loop?.searxng.close()]);
  });

  it('searches SearXNG, reads the article through Readability, and cites the page it was redirected to', async () => {
    loop.queries.length = 0;
    const config = testConfig({ SEARXNG_URL: loop.searxng.url, FETCH_ALLOW_PRIVATE: 'true' });
    fs.rmSync(config.dataDir, { recursive: true, force: true });
    const logger = createLogger({ level: 'silent' });
    const registry = createToolRegistry([...createWebTools(config.web, logger), createSearchDocumentsTool(corpus)]);
    const result = streamText({
      model,
      prompt: 'zzz qqq',
      tools: registry.toAiTools(),
      stopWhen: stepCountIs(4),
      providerOptions: { orchestrator: { role: 'worker', task: FERRY_Q, question: FERRY_Q } },
    });
    const text = await result.text;
    const steps = await result.steps;
    const site = loop.articles.url;
    expect(loop.queries).toEqual(['/search harbour ferry timetable start? json']);
    expect(steps[1]!.toolCalls.map((c) => (c.input as { url: string }).url)).toEqual([`${site}/r/ferry`, `${site}/news/missing`]);
    // The missing page is a tool error, skipped; the article is quoted without its chrome or its other stories.
    expect(steps[1]!.content.filter((p) => p.type === 'tool-error')).toHaveLength(1);
    expect(text).toBe(`- ${FERRY_ON_TOPIC} [1]\n\nSources:\n[1] Harbour ferry timetable changes from 2 June — ${site}/news/ferry-timetable`);
    // What the orchestrator makes of it: the citation matches a page a tool returned.
    const ledger = new SourceLedger();
    for (const step of steps) for (const r of step.toolResults) ledger.noteToolResult(r.toolName, r.output, r.input);
    const settled = settleWorkerText(text, ledger);
    expect(ledger.unverified).toBe(0);
    expect(settled.citations).toEqual([expect.objectContaining({ url: `${site}/news/ferry-timetable` })]);
  });

  it('runs a search task through the whole orchestrator from the web, its report citing the page read', async () => {
    const server = await startTestServer({ env: { SEARXNG_URL: loop.searxng.url, FETCH_ALLOW_PRIVATE: 'true', CORPUS_DIR: tmp } });
    try {
      const post = async (route: string, body: unknown) =>
        (await (await fetch(`${server.url}/tools/${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()) as Record<string, any>;
      const { task_id } = await post('orchestrate_search', { query: FERRY_Q, num_agents: 3 });
      const record = await waitFor(async () => {
        const r = await post('get_orchestration_status', { task_id });
        return ['completed', 'failed', 'cancelled'].includes(r.status) ? r : undefined;
      }, 20_000, 25);
      const site = loop.articles.url;
      expect(record.status).toBe('completed');
      const report: string = record.result.final_synthesis;
      expect(report).toContain(`\n- ${FERRY_ON_TOPIC} [1]\n`);
      expect(report).toMatch(new RegExp(`\\n## Sources\\n\\n- \\[1\\] Harbour ferry timetable changes from 2 June — ${site}/news/ferry-timetable$`));
      for (const chrome of ['cookies', 'All rights reserved', 'car park', 'regatta']) expect(report).not.toContain(chrome);
      expect(record.result.sources[0]).toMatchObject({ n: 1, kind: 'web', title: 'Harbour ferry timetable changes from 2 June', url: `${site}/news/ferry-timetable` });
      expect(record.result.unverified_citations).toBe(0);
      const calls = (await server.services.events.history(task_id)).filter((e) => e.event_type === 'agent_tool_call');
      expect(calls.map((e) => (e.data as { tool_name: string }).tool_name)).toEqual(['web_search', 'search_documents', 'fetch_url', 'fetch_url']);
    } finally {
      await server.close();
    }
  });
});
