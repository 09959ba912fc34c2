import { arxivErrorMessage, parseArxivFeed } from './arxiv-feed.js';
import { fetchText } from './fetch-text.js';
import { createRequestSpacer } from './request-spacer.js';
import type { DataSearchResult } from './search-result.js';

/** Where and how `arxiv_search` asks arXiv's Atom API. */
export interface ArxivClientOptions {
  /** The query endpoint (`https://export.arxiv.org/api/query`). */
  apiUrl: string;
  userAgent: string;
  timeoutMs: number;
  /**
   * Least time between the end of one request and the start of the next; requests go one at a
   * time. arXiv's terms of use: no more than one request every three seconds, one connection.
   */
  intervalMs: number;
}

export interface ArxivClient {
  search(query: string, limit: number, signal?: AbortSignal): Promise<DataSearchResult[]>;
}

/** arXiv's rule: one request every three seconds at most. */
export const ARXIV_INTERVAL_MS = 3000;

/** A field prefix of arXiv's query syntax (`ti:`, `au:`, `abs:`, `cat:`, `all:` …). */
const FIELD_QUERY = /(^|[\s(])(ti|au|abs|co|jr|cat|rn|id|all):\S/;

/**
 * `search_query` for `query`: a query already written in arXiv's syntax (with a field prefix such
 * as `au:` or `ti:`) is sent as written; plain words are each searched in all fields and ANDed,
 * and "quoted phrases" are kept as phrases: `all:transformer AND all:"protein folding"`.
 */
export function arxivSearchQuery(query: string): string {
  if (FIELD_QUERY.test(query)) return query.trim();
  const terms = (query.match(/"[^"]+"|[^\s"]+/g) ?? [])
    .map((term) => (term.startsWith('"') ? term : term.replace(/[()]/g, '')))
    .filter((term) => term.replace(/"/g, '').trim() !== '');
  return terms.map((term) => `all:${term}`).join(' AND ');
}

/** A client of arXiv's API (`/api/query`), one request at a time, spaced as arXiv asks. */
export function createArxivClient(options: ArxivClientOptions): ArxivClient {
  const spacer = createRequestSpacer(options.intervalMs);
  return {
    async search(query, limit, signal) {
      const searchQuery = arxivSearchQuery(query);
      if (!searchQuery) return []; // nothing but punctuation: nothing to search for
      const url = new URL(options.apiUrl);
      url.searchParams.set('search_query', searchQuery);
      url.searchParams.set('start', '0');
      url.searchParams.set('max_results', String(limit));
      const body = await spacer.run(
        () =>
          fetchText(url, {
            source: 'arxiv',
            userAgent: options.userAgent,
            accept: 'application/atom+xml',
            timeoutMs: options.timeoutMs,
            signal,
            explainStatus: arxivErrorMessage,
          }),
        signal,
      );
      return parseArxivFeed(body).slice(0, limit);
    },
  };
}
