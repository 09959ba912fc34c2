import { lazyModule } from '../../lazy-module.js';
import { z } from 'zod';
import { fetchText } from './fetch-text.js';
import { normalizeWhitespace, toIsoTimestamp, truncate, type DataSearchResult } from './search-result.js';
import { DataSourceError } from './source-error.js';

const linkedom = lazyModule<typeof import('linkedom')>('linkedom');

/** Where and how `wikipedia_search` asks a MediaWiki Action API. */
export interface WikipediaClientOptions {
  /** The Action API endpoint (`…/w/api.php`); articles are at the same origin under `/wiki/`. */
  apiUrl: string;
  userAgent: string;
  /** Per request (the search, then the extracts). */
  timeoutMs: number;
}

export interface WikipediaClient {
  search(query: string, limit: number, signal?: AbortSignal): Promise<DataSearchResult[]>;
}

/** Lead sections run to a few thousand characters; a summary is for choosing what to read. */
const SUMMARY_MAX = 1500;

/** `list=search` with `formatversion=2` (API:Search). */
const searchResponse = z.object({
  query: z.object({
    search: z.array(
      z.object({ pageid: z.number(), title: z.string(), snippet: z.string().optional(), timestamp: z.string().optional() }),
    ),
  }),
});

/** `prop=extracts` with `formatversion=2` (Extension:TextExtracts): `pages` is a list; a missing page has `missing: true`. */
const extractsResponse = z.object({
  query: z
    .object({ pages: z.array(z.object({ pageid: z.number().optional(), extract: z.string().optional() })).default([]) })
    .optional(),
});

/** An Action API error: HTTP 200 with `{error: {code, info, docref}}` and a `MediaWiki-API-Error` header. */
const apiError = z.object({ error: z.object({ code: z.string(), info: z.string().optional() }) });

/** The plain text of an HTML fragment (a search snippet with its `<span class="searchmatch">` and entities). */
export function htmlFragmentToText(html: string): string {
  const { document } = linkedom().parseHTML(`<!doctype html><html><body>${html}</body></html>`);
  return normalizeWhitespace((document.body as unknown as { textContent: string | null }).textContent ?? '');
}

/** The article URL of `title` on the wiki whose API is `apiUrl`: same origin, `/wiki/Title_with_underscores`. */
export function articleUrl(apiUrl: string, title: string): string {
  const path = encodeURIComponent(title.replace(/ /g, '_')).replace(/%2F/g, '/').replace(/%3A/g, ':').replace(/%2C/g, ',');
  return `${new URL(apiUrl).origin}/wiki/${path}`;
}

/** Parse an Action API body against `schema`, turning `{error}` bodies and bad JSON into clear errors. */
function parseApiBody<S extends z.ZodType>(body: string, schema: S): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new DataSourceError('wikipedia', 'the API answered something that is not JSON', { cause: error });
  }
  const failure = apiError.safeParse(json);
  if (failure.success) {
    const { code, info } = failure.data.error;
    throw new DataSourceError('wikipedia', `the API reported an error: ${code}${info ? `: ${info}` : ''}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues[0]?.path.join('.') || 'the body';
    throw new DataSourceError('wikipedia', `the API answered JSON of an unexpected shape (at ${where})`);
  }
  return parsed.data;
}

type SearchHit = z.output<typeof searchResponse>['query']['search'][number];

/** One hit as a result: summarised by its extract, else by its snippet. */
function toResult(hit: SearchHit, extract: string | undefined, apiUrl: string): DataSearchResult {
  const published = toIsoTimestamp(hit.timestamp);
  return {
    id: `wikipedia:${hit.pageid}`,
    title: hit.title,
    summary: truncate(normalizeWhitespace(extract ?? htmlFragmentToText(hit.snippet ?? '')), SUMMARY_MAX),
    ...(published && { published }),
    url: articleUrl(apiUrl, hit.title),
  };
}

/** A client of the MediaWiki Action API: `list=search`, then `prop=extracts` of the hits for their summaries. */
export function createWikipediaClient(options: WikipediaClientOptions): WikipediaClient {
  const get = (params: Record<string, string>, signal: AbortSignal | undefined) => {
    const url = new URL(options.apiUrl);
    for (const [name, value] of Object.entries({ ...params, format: 'json', formatversion: '2' })) url.searchParams.set(name, value);
    return fetchText(url, { source: 'wikipedia', userAgent: options.userAgent, accept: 'application/json', timeoutMs: options.timeoutMs, signal });
  };

  /** Lead-section extracts by page id; best effort: the snippets stand in when this call fails. */
  async function extracts(pageIds: number[], signal: AbortSignal | undefined): Promise<Map<number, string>> {
    const params = { action: 'query', prop: 'extracts', exintro: '1', explaintext: '1', exlimit: String(pageIds.length), pageids: pageIds.join('|') };
    try {
      const { query } = parseApiBody(await get(params, signal), extractsResponse);
      return new Map((query?.pages ?? []).flatMap((p) => (p.pageid && p.extract?.trim() ? [[p.pageid, p.extract] as const] : [])));
    } catch (error) {
      if (error instanceof DataSourceError) return new Map();
      throw error;
    }
  }

  return {
    async search(query, limit, signal) {
      const params = { action: 'query', list: 'search', srsearch: query, srlimit: String(limit), srnamespace: '0', srprop: 'snippet|timestamp' };
      const hits = parseApiBody(await get(params, signal), searchResponse).query.search.slice(0, limit);
      if (hits.length === 0) return [];
      const summaries = await extracts(hits.map((h) => h.pageid), signal);
      return hits.map((hit) => toResult(hit, summaries.get(hit.pageid), options.apiUrl));
    },
  };
}
