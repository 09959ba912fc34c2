import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDataTools } from '../../../src/tools/data/index.js';
import { DataSourceError } from '../../../src/tools/data/source-error.js';
import type { RegisteredTool } from '../../../src/tools/registry.js';
import { closedPort, startFakeApi, type FakeApi } from './fake-api.js';
import { mediaWiki, mediaWikiError, RELATIVITY_PAGES } from './fake-mediawiki.js';

const USER_AGENT = 'mcp-orchestrator/9.9.9-test';

function wikipediaTool(apiUrl: string, timeoutMs = 10_000): RegisteredTool {
  const tools = createDataTools({ wikipediaApiUrl: apiUrl, arxivApiUrl: 'http://127.0.0.1:9/api/query' }, { userAgent: USER_AGENT, timeoutMs });
  return tools.find((t) => t.name === 'wikipedia_search')!;
}

describe('wikipedia_search against a MediaWiki Action API', () => {
  let api: FakeApi;
  let tool: RegisteredTool;
  beforeEach(async () => {
    api = await startFakeApi(mediaWiki(RELATIVITY_PAGES));
    tool = wikipediaTool(`${api.origin}/w/api.php`);
  });
  afterEach(() => api.close());

  it('searches with list=search in JSON format version 2, then asks for the hits\' lead extracts, naming itself', async () => {
    await tool.execute({ query: 'general relativity', limit: 3 }, {});
    expect(api.requests).toHaveLength(2);
    const [searchRequest, extractsRequest] = api.requests.map((r) => r.url.searchParams);
    expect(Object.fromEntries(searchRequest!)).toMatchObject({
      action: 'query', list: 'search', srsearch: 'general relativity', srlimit: '3', format: 'json', formatversion: '2',
    });
    expect(searchRequest!.get('srprop')!.split('|')).toEqual(expect.arrayContaining(['snippet', 'timestamp']));
    expect(Object.fromEntries(extractsRequest!)).toMatchObject({ action: 'query', prop: 'extracts', pageids: '12024|736|1952587', format: 'json', formatversion: '2' });
    expect(extractsRequest!.has('exintro')).toBe(true);
    expect(extractsRequest!.has('explaintext')).toBe(true);
    for (const request of api.requests) expect(request.headers['user-agent']).toBe(USER_AGENT);
  });

  it('answers each hit with its page id, title, plain-text summary, last-edit time and article URL', async () => {
    const { results } = (await tool.execute({ query: 'general relativity', limit: 3 }, {})) as { results: unknown[] };
    expect(results).toEqual([
      {
        id: 'wikipedia:12024',
        title: 'General relativity',
        summary:
          "General relativity, also known as the general theory of relativity, and as Einstein's theory of gravity, is the geometric theory of gravitation published by Albert Einstein in 1915. It is the current description of gravitation in modern physics. General relativity generalizes special relativity and refines Newton's law of universal gravitation.",
        published: '2025-05-14T09:21:07Z',
        url: `${api.origin}/wiki/General_relativity`,
      },
      {
        // No extract for this page: the snippet, without its searchmatch markup and with entities decoded.
        id: 'wikipedia:736',
        title: 'Albert Einstein',
        summary:
          'theoretical physicist who is best known for developing the theory of relativity. Einstein also made important contributions to quantum mechanics. His mass–energy equivalence formula "E = mc2"',
        published: '2025-05-20T17:03:44Z',
        url: `${api.origin}/wiki/Albert_Einstein`,
      },
      {
        id: 'wikipedia:1952587',
        title: 'Relativity: The Special and the General Theory',
        summary: expect.stringMatching(/^Relativity: The Special and the General Theory \(German: Über die spezielle/),
        published: '2024-11-02T22:15:30Z',
        url: `${api.origin}/wiki/Relativity:_The_Special_and_the_General_Theory`,
      },
    ]);
  });

  it('derives article URLs from the API\'s origin and encodes what a title needs', async () => {
    api.answer(mediaWiki([{ pageid: 1, title: 'AC/DC & Rock? 100%', snippet: 'band', timestamp: '2025-01-01T00:00:00Z' }]));
    const { results } = (await tool.execute({ query: 'band', limit: 1 }, {})) as { results: Array<{ url: string }> };
    expect(results[0]!.url).toBe(`${api.origin}/wiki/AC/DC_%26_Rock%3F_100%25`);
  });

  it('cuts a long lead section to 1500 characters at a word', async () => {
    const extract = 'Quantum mechanics is a fundamental theory. '.repeat(100);
    api.answer(mediaWiki([{ pageid: 25202, title: 'Quantum mechanics', snippet: 'theory', timestamp: '2025-01-01T00:00:00Z', extract }]));
    const { results } = (await tool.execute({ query: 'quantum', limit: 1 }, {})) as { results: Array<{ summary: string }> };
    const { summary } = results[0]!;
    expect(summary.length).toBeLessThanOrEqual(1500);
    expect(summary).toMatch(/^Quantum mechanics is a fundamental theory\. .* (Quantum|mechanics|is|a|fundamental|theory\.)…$/);
  });

  it('answers an empty result set without asking for extracts', async () => {
    await expect(tool.execute({ query: 'qwxzv plorth', limit: 5 }, {})).resolves.toEqual({ results: [] });
    expect(api.requests).toHaveLength(1);
  });

  it('falls back to the snippets when the extracts call fails', async () => {
    api.answer((url) => (url.searchParams.get('prop') === 'extracts' ? { status: 503, body: 'busy' } : mediaWiki(RELATIVITY_PAGES)(url)));
    const { results } = (await tool.execute({ query: 'general relativity', limit: 1 }, {})) as { results: Array<{ summary: string }> };
    expect(results[0]!.summary).toBe(
      "General relativity, also known as the general theory of relativity, and as Einstein's theory of gravity, is the geometric theory of gravitation published by Albert Einstein in 1915",
    );
  });

  it('reports an HTTP 503 as a failed search naming the status', async () => {
    api.answer(() => ({ status: 503, headers: { 'Content-Type': 'text/html' }, body: '<html><body>Wikimedia Error</body></html>' }));
    const failure = tool.execute({ query: 'relativity', limit: 5 }, {});
    await expect(failure).rejects.toThrow('wikipedia search failed: the API answered 503');
    await expect(failure).rejects.toBeInstanceOf(DataSourceError);
    await expect(failure).rejects.toMatchObject({ code: 'data_source_failed', status: 502, source: 'wikipedia' });
  });

  it('reports an Action API error body with its code and message', async () => {
    api.answer(() => mediaWikiError('internal_api_error_DBQueryError', '[a1b2c3] Caught exception of type Wikimedia\\Rdbms\\DBQueryError'));
    await expect(tool.execute({ query: 'relativity', limit: 5 }, {})).rejects.toThrow(
      'wikipedia search failed: the API reported an error: internal_api_error_DBQueryError: [a1b2c3] Caught exception',
    );
  });

  it('refuses a body that is not JSON, or JSON of another shape', async () => {
    api.answer(() => ({ status: 200, headers: { 'Content-Type': 'text/html' }, body: '<!DOCTYPE html><html><head><title>Captive portal</title></head></html>' }));
    await expect(tool.execute({ query: 'relativity', limit: 5 }, {})).rejects.toThrow('wikipedia search failed: the API answered something that is not JSON');
    api.answer(() => ({ status: 200, body: '{"batchcomplete":true,"query":{"search":' }));
    await expect(tool.execute({ query: 'relativity', limit: 5 }, {})).rejects.toThrow('not JSON');
    api.answer(() => ({ status: 200, body: JSON.stringify({ batchcomplete: true, query: { pages: [] } }) }));
    await expect(tool.execute({ query: 'relativity', limit: 5 }, {})).rejects.toThrow(
      'wikipedia search failed: the API answered JSON of an unexpected shape (at query.search)',
    );
  });

  it('gives up on an API that never answers after timeoutMs', async () => {
    api.answer(() => 'hang');
    const slow = wikipediaTool(`${api.origin}/w/api.php`, 200);
    await expect(slow.execute({ query: 'relativity', limit: 5 }, {})).rejects.toThrow('wikipedia search failed: the API did not answer within 200 ms');
    await api.requests[0]!.closed;
  });

  it('drops the request when the caller aborts, throwing the caller\'s reason', async () => {
    api.answer(() => 'hang');
    const controller = new AbortController();
    const call = tool.execute({ query: 'relativity', limit: 5 }, { signal: controller.signal });
    await expect.poll(() => api.requests.length).toBe(1);
    const reason = new Error('task cancelled');
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
    await api.requests[0]!.closed;
  });

  it('reports an API nobody listens on as unreachable', async () => {
    const unreachable = wikipediaTool(`http://127.0.0.1:${await closedPort()}/w/api.php`);
    await expect(unreachable.execute({ query: 'relativity', limit: 5 }, {})).rejects.toThrow(
      /^wikipedia search failed: could not reach the API \(ECONNREFUSED\)$/,
    );
  });
});
