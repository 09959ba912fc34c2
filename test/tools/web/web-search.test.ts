import { afterEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import { WebToolError } from '../../../src/tools/web/index.js';
import { testConfig } from '../../helpers/test-server.js';
import { HITS, startFakeBrave, startFakeSearxng, startFakeTavily } from './fake-search.js';
import { closeAllServers, listen } from './local-server.js';
import { rejection, webConfig, webRegistry } from './web-helpers.js';

afterEach(closeAllServers);

const BRAVE_KEY = 'BSA-test-key-0123456789';
const TAVILY_KEY = 'tvly-dev-test-key-0123456789';

describe('web_search through SearXNG', () => {
  it('sends q and format=json to <SEARXNG_URL>/search and answers the first five hits by default', async () => {
    const searxng = await startFakeSearxng();
    const { registry } = webRegistry(webConfig({ provider: 'searxng', searxngUrl: searxng.url }));
    const answer = (await registry.execute('web_search', { query: 'north harbor dredging' })) as { results: unknown[] };
    expect(searxng.requests).toHaveLength(1);
    expect(searxng.requests[0]?.path).toBe('/search');
    expect(searxng.requests[0]?.query.get('q')).toBe('north harbor dredging');
    expect(searxng.requests[0]?.query.get('format')).toBe('json');
    expect(answer.results).toEqual(HITS.slice(0, 5).map((h) => ({ url: h.url, title: h.title, snippet: h.text, source: 'searxng' })));
  });

  it('keeps the path of an instance served under a prefix, and honours limit', async () => {
    const searxng = await startFakeSearxng('/searx');
    const { registry } = webRegistry(webConfig({ provider: 'searxng', searxngUrl: `${searxng.url}/searx` }));
    const answer = (await registry.execute('web_search', { query: 'ferries', limit: 2 })) as { results: Array<{ url: string }> };
    expect(searxng.requests[0]?.path).toBe('/searx/search');
    expect(answer.results.map((r) => r.url)).toEqual([HITS[0]?.url, HITS[1]?.url]);
  });

  it('turns an error status into a tool error that names the backend and the status', async () => {
    const searxng = await startFakeSearxng();
    const { registry, logs } = webRegistry(webConfig({ provider: 'searxng', searxngUrl: searxng.url }));
    searxng.failWith(503);
    const error = await rejection(registry.execute('web_search', { query: 'harbor' }));
    expect(error).toBeInstanceOf(WebToolError);
    expect(error.message).toBe('web search failed: searxng answered 503');
    expect(logs.text()).toContain('searxng answered 503');
    searxng.failWith(403);
    expect((await rejection(registry.execute('web_search', { query: 'harbor' }))).message).toMatch(/searxng answered 403 \(is the json format enabled/);
  });

  it('reports an answer that is not JSON, an unreachable instance and one that never answers', async () => {
    const searxng = await startFakeSearxng();
    const slow = webRegistry(webConfig({ provider: 'searxng', searxngUrl: searxng.url, fetch: { allowPrivate: false, timeoutMs: 300, maxBytes: 1024 ** 2 } }));
    searxng.failWith('not-json');
    expect((await rejection(slow.registry.execute('web_search', { query: 'x' }))).message).toBe('web search failed: searxng answered with something that is not JSON');
    searxng.failWith('hang');
    expect((await rejection(slow.registry.execute('web_search', { query: 'x' }))).message).toBe('web search failed: searxng did not answer within 300 ms');
    const gone = await listen(() => undefined);
    await gone.close();
    const { registry } = webRegistry(webConfig({ provider: 'searxng', searxngUrl: gone.url }));
    expect((await rejection(registry.execute('web_search', { query: 'x' }))).message).toBe('web search failed: could not reach searxng (ECONNREFUSED)');
  });

  it('stops when the caller aborts, with the caller’s reason', async () => {
    const searxng = await startFakeSearxng();
    searxng.failWith('hang');
    const { registry } = webRegistry(webConfig({ provider: 'searxng', searxngUrl: searxng.url }));
    const controller = new AbortController();
    const pending = registry.execute('web_search', { query: 'x' }, { signal: controller.signal });
    while (searxng.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort(new Error('task cancelled'));
    expect((await rejection(pending)).message).toBe('task cancelled');
  });
});

describe('web_search through Brave', () => {
  it('sends the key as X-Subscription-Token, asks for count results, and cleans the <strong> marks out of snippets', async () => {
    const brave = await startFakeBrave(BRAVE_KEY);
    const { registry } = webRegistry(webConfig({ provider: 'brave', brave: { apiKey: BRAVE_KEY, baseUrl: `${brave.url}/res/v1/web/search` } }));
    const answer = (await registry.execute('web_search', { query: 'north harbor', limit: 3 })) as { results: unknown[] };
    const request = brave.requests[0];
    expect(request?.path).toBe('/res/v1/web/search');
    expect(request?.headers['x-subscription-token']).toBe(BRAVE_KEY);
    expect(request?.headers.accept).toBe('application/json');
    expect(request?.query.get('q')).toBe('north harbor');
    expect(request?.query.get('count')).toBe('3');
    expect(answer.results).toEqual(HITS.slice(0, 3).map((h) => ({ url: h.url, title: h.title, snippet: h.text, source: 'brave' })));
  });

  it('answers no results when Brave sends no web section', async () => {
    const brave = await startFakeBrave(BRAVE_KEY);
    const { registry } = webRegistry(webConfig({ provider: 'brave', brave: { apiKey: BRAVE_KEY, baseUrl: brave.url } }));
    expect(await registry.execute('web_search', { query: 'nothing at all' })).toEqual({ results: [] });
  });

  it('a refused key is a tool error that names the setting, and the key is in neither the error nor the log', async () => {
    const brave = await startFakeBrave('BSA-the-right-key');
    const { registry, logs } = webRegistry(webConfig({ provider: 'brave', brave: { apiKey: BRAVE_KEY, baseUrl: brave.url } }));
    const error = await rejection(registry.execute('web_search', { query: 'harbor' }));
    expect(error.message).toBe('web search failed: brave answered 401 (check BRAVE_API_KEY)');
    expect(brave.requests[0]?.headers['x-subscription-token']).toBe(BRAVE_KEY);
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(`${error.message} ${error.stack} ${logs.text()}`).not.toContain(BRAVE_KEY);
  });
});

describe('web_search through Tavily', () => {
  it('POSTs {query, max_results} with the key as a bearer token', async () => {
    const tavily = await startFakeTavily(TAVILY_KEY);
    const { registry } = webRegistry(webConfig({ provider: 'tavily', tavily: { apiKey: TAVILY_KEY, baseUrl: `${tavily.url}/search` } }));
    const answer = (await registry.execute('web_search', { query: 'harbor ferries', limit: 4 })) as { results: unknown[] };
    const request = tavily.requests[0];
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/search');
    expect(request?.headers.authorization).toBe(`Bearer ${TAVILY_KEY}`);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request?.body ?? '')).toMatchObject({ query: 'harbor ferries', max_results: 4 });
    expect(answer.results).toEqual(HITS.slice(0, 4).map((h) => ({ url: h.url, title: h.title, snippet: h.text, source: 'tavily' })));
  });

  it('a refused key or a spent plan is a tool error without the key', async () => {
    const tavily = await startFakeTavily('tvly-the-right-key');
    const { registry, logs } = webRegistry(webConfig({ provider: 'tavily', tavily: { apiKey: TAVILY_KEY, baseUrl: tavily.url } }));
    const refused = await rejection(registry.execute('web_search', { query: 'harbor' }));
    expect(refused.message).toBe('web search failed: tavily answered 401 (check TAVILY_API_KEY)');
    tavily.failWith(432);
    expect((await rejection(registry.execute('web_search', { query: 'harbor' }))).message).toMatch(/tavily answered 432 \(the plan’s credit limit is reached\)/);
    expect(`${refused.message} ${logs.text()}`).not.toContain(TAVILY_KEY);
  });
});

describe('createWebTools', () => {
  it('offers fetch_url alone when no search backend is configured', () => {
    const { registry } = webRegistry(testConfig().web);
    expect(registry.list().map((t) => t.name)).toEqual(['fetch_url']);
  });

  it('adds web_search when SEARXNG_URL (or a key) picks a backend; both are category and source "web" (SPEC §8)', () => {
    const { registry } = webRegistry(testConfig({ SEARXNG_URL: 'http://127.0.0.1:8888' }).web);
    const listed = registry.list({ category: 'web' });
    expect(new Set(listed.map((t) => t.source))).toEqual(new Set(['web']));
    expect(listed.map((t) => [t.name, t.category, t.tags])).toEqual([
      ['web_search', 'web', ['web', 'search']],
      ['fetch_url', 'web', ['web', 'fetch']],
    ]);
  });

  it('checks arguments before any request: query required, limit 1–20', async () => {
    const searxng = await startFakeSearxng();
    const { registry } = webRegistry(webConfig({ provider: 'searxng', searxngUrl: searxng.url }));
    for (const args of [{}, { query: '  ' }, { query: 'x', limit: 0 }, { query: 'x', limit: 21 }, { query: 'x', limit: 2.5 }, { query: 'x', extra: 1 }]) {
      expect(await rejection(registry.execute('web_search', args))).toBeInstanceOf(ValidationError);
    }
    expect(searxng.requests).toHaveLength(0);
  });
});
