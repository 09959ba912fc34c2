import { z } from 'zod';
import { defineTool, type RegisteredTool } from '../registry.js';
import { ARXIV_INTERVAL_MS, createArxivClient } from './arxiv.js';
import type { DataSearchOutput } from './search-result.js';
import { createWikipediaClient } from './wikipedia.js';

/** Endpoints of the data tools (`Config['data']`): the operator's, so loopback is fine. */
export interface DataToolEndpoints {
  /** MediaWiki Action API (`WIKIPEDIA_API_URL`, default `https://en.wikipedia.org/w/api.php`). */
  wikipediaApiUrl: string;
  /** arXiv's Atom API (`ARXIV_API_URL`, default `https://export.arxiv.org/api/query`). */
  arxivApiUrl: string;
}

export interface DataToolsOptions {
  /** How long one request to an API may take, body included; 15 s by default. */
  timeoutMs?: number;
  /** `User-Agent` of every request: `mcp-orchestrator/<version>` (Wikimedia's policy asks clients to name themselves). */
  userAgent: string;
  /** Least time between two arXiv requests of this process; 3000 (arXiv's terms of use) by default. Tests lower it. */
  arxivIntervalMs?: number;
}

/** Default for `DataToolsOptions.timeoutMs`. */
export const DATA_TIMEOUT_MS = 15_000;

const searchInput = (what: string) =>
  z.strictObject({
    query: z.string().trim().min(1).max(300).describe(what),
    limit: z.number().int().min(1).max(20).default(5).describe('How many results at most (1 to 20)'),
  });

/**
 * `wikipedia_search` and `arxiv_search`: `{query, limit?}` → `{results: [{id, title, authors?,
 * summary, published?, url}]}`. They only search; the pages their results link to are read through
 * `fetch_url`, whose address guard applies there. A failed search throws a `DataSourceError`
 * saying why (`wikipedia search failed: the API answered 503`).
 */
export function createDataTools(data: DataToolEndpoints, options: DataToolsOptions): RegisteredTool[] {
  const timeoutMs = options.timeoutMs ?? DATA_TIMEOUT_MS;
  const wikipedia = createWikipediaClient({ apiUrl: data.wikipediaApiUrl, userAgent: options.userAgent, timeoutMs });
  const arxiv = createArxivClient({
    apiUrl: data.arxivApiUrl,
    userAgent: options.userAgent,
    timeoutMs,
    intervalMs: options.arxivIntervalMs ?? ARXIV_INTERVAL_MS,
  });
  return [
    defineTool({
      name: 'wikipedia_search',
      description:
        'Search Wikipedia articles. Returns for each hit its id (wikipedia:<pageid>), title, a plain-text summary ' +
        '(the lead section, or the search snippet), published (the time of the last edit, not of first publication) and ' +
        'the article URL; read an article in full with fetch_url.',
      category: 'data',
      source: 'web',
      tags: ['wikipedia', 'encyclopedia', 'search'],
      inputSchema: searchInput('Search terms (CirrusSearch syntax: "exact phrase", -exclude, intitle:word)'),
      async execute({ query, limit }, { signal }): Promise<DataSearchOutput> {
        return { results: await wikipedia.search(query, limit, signal) };
      },
    }),
    defineTool({
      name: 'arxiv_search',
      description:
        'Search arXiv preprints (physics, mathematics, computer science, biology, finance, statistics …). Returns for ' +
        'each paper its arXiv id with version, title, authors, abstract as summary, published (first version submitted) ' +
        'and the abstract page URL. Plain words are all required; arXiv syntax (ti:, au:, abs:, cat:, AND, OR, ANDNOT) is ' +
        'passed through. arXiv allows one request every 3 s, so calls may wait their turn.',
      category: 'data',
      source: 'web',
      tags: ['arxiv', 'papers', 'academic', 'search'],
      inputSchema: searchInput('Search terms, or an arXiv query such as au:hinton AND ti:"deep learning"'),
      async execute({ query, limit }, { signal }): Promise<DataSearchOutput> {
        return { results: await arxiv.search(query, limit, signal) };
      },
    }),
  ];
}
