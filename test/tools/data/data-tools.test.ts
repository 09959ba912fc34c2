import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import { createDataTools } from '../../../src/tools/data/index.js';
import { createToolRegistry, type ToolRegistry } from '../../../src/tools/registry.js';
import { startFakeApi, type FakeApi } from './fake-api.js';
import { arxiv, SURFACE_CODE_ENTRY } from './fake-arxiv.js';
import { mediaWiki, RELATIVITY_PAGES } from './fake-mediawiki.js';

describe('createDataTools', () => {
  let wiki: FakeApi;
  let arxivApi: FakeApi;
  let registry: ToolRegistry;
  beforeEach(async () => {
    wiki = await startFakeApi(mediaWiki(RELATIVITY_PAGES));
    arxivApi = await startFakeApi(arxiv([SURFACE_CODE_ENTRY], ['surface']));
    const tools = createDataTools(
      { wikipediaApiUrl: `${wiki.origin}/w/api.php`, arxivApiUrl: `${arxivApi.origin}/api/query` },
      { userAgent: 'mcp-orchestrator/9.9.9-test', arxivIntervalMs: 0 },
    );
    registry = createToolRegistry(tools);
  });
  afterEach(async () => {
    await wiki.close();
    await arxivApi.close();
  });

  it('registers wikipedia_search and arxiv_search as data tools of source web (they reach the network) with {query, limit?}', () => {
    const listed = registry.list({ category: 'data' });
    expect(listed.map((t) => [t.name, t.source])).toEqual([
      ['wikipedia_search', 'web'],
      ['arxiv_search', 'web'],
    ]);
    expect(listed[0]!.tags).toEqual(expect.arrayContaining(['wikipedia', 'encyclopedia']));
    expect(listed[1]!.tags).toEqual(expect.arrayContaining(['arxiv', 'papers', 'academic']));
    for (const t of listed) {
      expect(t.inputSchema).toMatchObject({
        type: 'object',
        required: ['query'],
        properties: { query: { type: 'string', minLength: 1 }, limit: { type: 'integer', minimum: 1, maximum: 20, default: 5 } },
      });
    }
  });

  it('asks for 5 results when no limit is given', async () => {
    await registry.execute('wikipedia_search', { query: 'relativity' });
    await registry.execute('arxiv_search', { query: 'surface' });
    expect(wiki.requests[0]!.url.searchParams.get('srlimit')).toBe('5');
    expect(arxivApi.requests[0]!.url.searchParams.get('max_results')).toBe('5');
  });

  it('answers {results: [...]} through the registry', async () => {
    const out = (await registry.execute('arxiv_search', { query: 'surface', limit: 1 })) as { results: Array<{ id: string }> };
    expect(out.results.map((r) => r.id)).toEqual(['arXiv:2101.00001v2']);
  });

  it('refuses a limit outside 1 to 20, an empty query and unknown arguments without calling the API', async () => {
    for (const name of ['wikipedia_search', 'arxiv_search']) {
      for (const args of [{ query: 'x', limit: 0 }, { query: 'x', limit: 21 }, { query: 'x', limit: 2.5 }, { query: '   ' }, { query: 'x', lang: 'de' }, {}]) {
        await expect(registry.execute(name, args), `${name} ${JSON.stringify(args)}`).rejects.toBeInstanceOf(ValidationError);
      }
    }
    expect(wiki.requests).toHaveLength(0);
    expect(arxivApi.requests).toHaveLength(0);
  });
});
