import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { arxivSearchQuery } from '../../../src/tools/data/arxiv.js';
import { createDataTools, DataSourceError } from '../../../src/tools/data/index.js';
import type { RegisteredTool } from '../../../src/tools/registry.js';
import { startFakeApi, type FakeAnswer, type FakeApi } from './fake-api.js';
import { arxiv, atomAnswer, errorFeedAnswer, H1_ENTRY, SURFACE_CODE_ENTRY } from './fake-arxiv.js';

const USER_AGENT = 'mcp-orchestrator/9.9.9-test';

function arxivTool(apiUrl: string, options: { timeoutMs?: number; arxivIntervalMs?: number } = {}): RegisteredTool {
  const tools = createDataTools(
    { wikipediaApiUrl: 'http://127.0.0.1:9/w/api.php', arxivApiUrl: apiUrl },
    { userAgent: USER_AGENT, timeoutMs: options.timeoutMs ?? 10_000, arxivIntervalMs: options.arxivIntervalMs ?? 0 },
  );
  return tools.find((t) => t.name === 'arxiv_search')!;
}

type Results = { results: Array<Record<string, unknown>> };

describe('arxivSearchQuery', () => {
  it('ANDs plain words over all fields and keeps quoted phrases', () => {
    expect(arxivSearchQuery('surface code')).toBe('all:surface AND all:code');
    expect(arxivSearchQuery('quantum "error correction" (biased)')).toBe('all:quantum AND all:"error correction" AND all:biased');
  });

  it('sends a query in arXiv syntax as written', () => {
    expect(arxivSearchQuery(' au:del_maestro ANDNOT (ti:checkerboard OR ti:Pyrochlore) ')).toBe('au:del_maestro ANDNOT (ti:checkerboard OR ti:Pyrochlore)');
  });

  it('leaves nothing to search for in punctuation alone', () => {
    expect(arxivSearchQuery('( ) ""')).toBe('');
  });
});

describe('arxiv_search against arXiv\'s Atom API', () => {
  let api: FakeApi;
  let tool: RegisteredTool;
  beforeEach(async () => {
    api = await startFakeApi(arxiv([SURFACE_CODE_ENTRY, H1_ENTRY], ['surface', 'electron']));
    tool = arxivTool(`${api.origin}/api/query`);
  });
  afterEach(() => api.close());

  it('asks /api/query with search_query, start 0 and max_results, accepting Atom and naming itself', async () => {
    await tool.execute({ query: 'surface "biased noise"', limit: 3 }, {});
    expect(api.requests).toHaveLength(1);
    const [request] = api.requests;
    expect(request!.url.pathname).toBe('/api/query');
    expect(Object.fromEntries(request!.url.searchParams)).toEqual({ search_query: 'all:surface AND all:"biased noise"', start: '0', max_results: '3' });
    expect(request!.headers['user-agent']).toBe(USER_AGENT);
    expect(request!.headers.accept).toBe('application/atom+xml');
  });

  it('answers each entry with its arXiv id, normalised title and abstract, authors, first-version date and abstract page', async () => {
    const { results } = (await tool.execute({ query: 'surface code', limit: 5 }, {})) as Results;
    expect(results).toEqual([
      {
        id: 'arXiv:2101.00001v2',
        title: 'Fault-Tolerant Thresholds for Surface Codes under Biased Noise',
        authors: ['Ana María Núñez', 'Benjamin J. Brown', 'Chen Wei'],
        summary:
          'We estimate thresholds of the surface code when dephasing dominates, and show that tailoring the decoder raises them by a factor of 2 < k < 3 for realistic noise & hardware.',
        published: '2021-01-01T00:00:01Z',
        url: 'http://arxiv.org/abs/2101.00001v2',
      },
      {
        id: 'arXiv:hep-ex/0307015v1',
        title: 'Multi-Electron Production at High Transverse Momenta in ep Collisions at HERA',
        authors: ['H1 Collaboration'],
        summary: 'Events with two or three electrons at high transverse momentum are counted and compared with the Standard Model.',
        published: '2003-07-07T17:46:39Z',
        url: 'http://arxiv.org/abs/hep-ex/0307015v1',
      },
    ]);
  });

  it('answers arXiv\'s no-results feed (totalResults 0) with no results', async () => {
    await expect(tool.execute({ query: 'qwxzv plorth', limit: 5 }, {})).resolves.toEqual({ results: [] });
    expect(api.requests).toHaveLength(1);
  });

  it('reports arXiv\'s error feed with arXiv\'s message', async () => {
    api.answer(() => errorFeedAnswer('incorrect id format for 1234.12345'));
    const failure = tool.execute({ query: 'surface', limit: 5 }, {});
    await expect(failure).rejects.toThrow('arxiv search failed: the API reported an error: incorrect id format for 1234.12345');
    await expect(failure).rejects.toBeInstanceOf(DataSourceError);
  });

  it('reports an HTTP 400 with the message of arXiv\'s error feed in its body', async () => {
    api.answer((url) => arxiv([], [])(new URL(url.href.replace(/max_results=\d+/, 'max_results=-1'))));
    await expect(tool.execute({ query: 'surface', limit: 5 }, {})).rejects.toThrow(
      'arxiv search failed: the API answered 400: max_results must be non-negative',
    );
  });

  it('reports an HTTP 503 as a failed search naming the status', async () => {
    api.answer(() => ({ status: 503, headers: { 'Retry-After': '30' }, body: 'Service Unavailable' }));
    await expect(tool.execute({ query: 'surface', limit: 5 }, {})).rejects.toThrow('arxiv search failed: the API answered 503');
  });

  it('refuses a feed cut off midway and a body that is no feed', async () => {
    const whole = (await (await fetch(`${api.origin}/api/query?search_query=all:surface&max_results=2`)).text()) as string;
    api.answer(() => atomAnswer(whole.slice(0, whole.indexOf('</summary>'))));
    await expect(tool.execute({ query: 'surface', limit: 5 }, {})).rejects.toThrow(
      'arxiv search failed: the API answered an Atom feed that is cut off (no closing </feed>)',
    );
    api.answer(() => ({ status: 200, headers: { 'Content-Type': 'text/html' }, body: '<!DOCTYPE html><html><body><h1>Rate exceeded.</h1></body></html>' }));
    await expect(tool.execute({ query: 'surface', limit: 5 }, {})).rejects.toThrow('arxiv search failed: the API answered something that is not an Atom feed');
    api.answer(() => atomAnswer('<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>'));
    await expect(tool.execute({ query: 'surface', limit: 5 }, {})).rejects.toThrow('not an Atom feed');
  });

  it('gives up on an API that never answers after timeoutMs', async () => {
    api.answer(() => 'hang');
    const slow = arxivTool(`${api.origin}/api/query`, { timeoutMs: 200 });
    await expect(slow.execute({ query: 'surface', limit: 5 }, {})).rejects.toThrow('arxiv search failed: the API did not answer within 200 ms');
    await api.requests[0]!.closed;
  });
});

describe('arxiv_search etiquette: one request at a time, spaced', () => {
  let api: FakeApi;
  beforeEach(async () => {
    const feed = arxiv([SURFACE_CODE_ENTRY], ['surface']);
    // Answered a little later, so requests sent together would overlap at the fake.
    api = await startFakeApi((url) => ({ ...(feed(url) as Exclude<FakeAnswer, 'hang'>), delayMs: 40 }));
  });
  afterEach(() => api.close());

  it('never has two requests in flight and leaves intervalMs between one\'s end and the next\'s start', async () => {
    const tool = arxivTool(`${api.origin}/api/query`, { arxivIntervalMs: 150 });
    const outcomes = await Promise.all([1, 2, 3].map(() => tool.execute({ query: 'surface', limit: 1 }, {})));
    expect(outcomes.map((o) => (o as Results).results.length)).toEqual([1, 1, 1]);
    expect(api.requests).toHaveLength(3);
    await Promise.all(api.requests.map((r) => r.closed));
    // Lower bounds only: a slow machine makes the gaps longer, never shorter.
    for (let i = 1; i < api.requests.length; i++) {
      expect(api.requests[i]!.receivedAt - api.requests[i - 1]!.closedAt!).toBeGreaterThanOrEqual(150 - 10);
    }
  });

  it('lets a caller that aborts while waiting its turn go at once, without sending its request', async () => {
    const tool = arxivTool(`${api.origin}/api/query`, { arxivIntervalMs: 60_000 });
    await tool.execute({ query: 'surface', limit: 1 }, {});
    const controller = new AbortController();
    const waiting = tool.execute({ query: 'surface', limit: 1 }, { signal: controller.signal });
    const reason = new Error('task cancelled');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(api.requests).toHaveLength(1);
  });
});
