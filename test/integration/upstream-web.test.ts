import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { NEWS, newsArticleHtml } from '../tools/web/article-pages.js';
import { HITS, startFakeSearxng, type FakeBackend } from '../tools/web/fake-search.js';
import { closeAllServers, listen, type LocalServer } from '../tools/web/local-server.js';
import { agentEvents, openStream, roleOf, startStack, startTask, waitForFinal, type Stack } from './harness.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
  await closeAllServers();
});

/** A fake SearXNG, and a site serving the news article at /dredging. */
async function theWeb(): Promise<{ searxng: FakeBackend; site: LocalServer; page: string }> {
  const searxng = await startFakeSearxng();
  const site = await listen((_req, res) => void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(newsArticleHtml()));
  return { searxng, site, page: `${site.url}/dredging` };
}

describe('web tools for model agents, through the real app', () => {
  it('lists web_search, fetch_url, wikipedia_search and arxiv_search with source web', async () => {
    const { searxng } = await theWeb();
    stack = await startStack({ env: () => ({ SEARXNG_URL: searxng.url }) });
    const res = await request(stack.server.url).get('/tools/list_registered_tools?category=web').expect(200);
    expect(res.body.tools.map((t: { name: string }) => t.name).sort()).toEqual(['fetch_url', 'web_search']);
    const all = await request(stack.server.url).get('/tools/list_registered_tools').expect(200);
    expect(all.body.tools.map((t: { name: string }) => t.name)).toEqual(expect.arrayContaining(['wikipedia_search', 'arxiv_search']));
    const sourceOf = (name: string) => all.body.tools.find((t: { name: string }) => t.name === name).source;
    expect(['web_search', 'fetch_url', 'wikipedia_search', 'arxiv_search', 'calculate'].map(sourceOf)).toEqual(['web', 'web', 'web', 'web', 'builtin']);
  });

  it('runs web_search and fetch_url through execute_registered_tool, and refuses a private address with a clear error', async () => {
    const { searxng, page } = await theWeb();
    stack = await startStack({ env: () => ({ SEARXNG_URL: searxng.url }) });
    const run = (tool_name: string, args: object) => request(stack!.server.url).post('/tools/execute_registered_tool').send({ tool_name, arguments: args });
    const search = await run('web_search', { query: 'north harbor dredging', limit: 3 });
    expect(search.status, search.text).toBe(200);
    expect(search.body.result.results).toEqual(HITS.slice(0, 3).map((h) => ({ url: h.url, title: h.title, snippet: expect.any(String), source: 'searxng' })));
    // Without FETCH_ALLOW_PRIVATE the loopback site is out of reach: a 4xx/5xx with the SPEC's error shape, not a 500.
    const refused = await run('fetch_url', { url: page });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.status).not.toBe(500);
    expect(refused.body).toMatchObject({ success: false, error: { code: expect.any(String), message: expect.stringMatching(/private|loopback|FETCH_ALLOW_PRIVATE/i) } });
  });

  it('a worker searches the web, reads a page and cites it: the report and result.sources give the URL it fetched', async () => {
    const { searxng, page } = await theWeb();
    stack = await startStack({
      env: () => ({ SEARXNG_URL: searxng.url, FETCH_ALLOW_PRIVATE: 'true' }),
      script: (r) => {
        if (roleOf(r) !== 'worker') return { kind: 'answer' };
        const tools = r.messages.filter((m) => m.role === 'tool').length;
        if (tools === 0) return { kind: 'tool_call', name: 'web_search', arguments: { query: 'north harbor dredging' } };
        if (tools === 1) return { kind: 'tool_call', name: 'fetch_url', arguments: { url: page } };
        return { kind: 'answer', text: `The council approved dredging by seven votes to two [1]; a rumour says otherwise [2].\n\nSources:\n[1] ${NEWS.title} — ${page}\n[2] https://rumours.example.net/never-read` };
      },
    });
    const { server } = stack;
    const taskId = await startTask(server, 'orchestrate_research', { task: 'harbor dredging', num_agents: 1, enable_drummer: false, enable_camina: false });
    const events = await (await openStream(server, taskId)).ended;
    const record = await waitForFinal(server, taskId);
    expect(record.status).toBe('completed');
    expect(agentEvents(events, 'worker-1', 'agent_tool_call').map((e) => e.data.tool_name)).toEqual(['web_search', 'fetch_url']);
    const fetched = agentEvents(events, 'worker-1', 'agent_tool_result')[1]!.data;
    expect(fetched).toMatchObject({ tool_name: 'fetch_url', is_error: false });
    expect(JSON.stringify(fetched.output)).toContain(NEWS.main[0]!.slice(0, 60));
    const worker = record.result!.agent_results.find((a) => a.agent_id === 'worker-1')!;
    expect(worker.content).toContain('seven votes to two [1]');
    expect(worker.content).not.toContain('never-read');
    expect(record.result!.sources[0]).toMatchObject({ n: 1, kind: 'web', url: page, retrieved_at: expect.any(String) });
    expect(record.result!.unverified_citations).toBe(1);
  });
});
