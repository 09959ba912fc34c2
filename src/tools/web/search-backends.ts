import { z } from 'zod';
import type { Config } from '../../config.js';
import { requestJson, type SearchBackendName } from './search-request.js';
import { WebToolError } from './web-error.js';

/** One hit of `web_search`. */
export interface WebSearchResult {
  url: string;
  title: string;
  snippet: string;
  /** The backend that found it. */
  source: SearchBackendName;
}

/** A web search backend: the query, at most `limit` results. */
export interface SearchBackend {
  name: SearchBackendName;
  search(query: string, limit: number, options: { signal?: AbortSignal }): Promise<WebSearchResult[]>;
}

/** A backend's hit before it is cleaned: the field names differ, the meaning does not. */
interface RawHit {
  url: string;
  title?: string | null;
  snippet?: string | null;
}

const text = z.string().nullish();
/** SearXNG `/search?format=json`: `results[].url/title/content` (plus engine, score, … not used). */
const SearxngAnswer = z.object({ results: z.array(z.object({ url: z.string(), title: text, content: text })) });
/** Brave Web Search: `web.results[].url/title/description`; `web` is absent when nothing was found. */
const BraveAnswer = z.object({ web: z.object({ results: z.array(z.object({ url: z.string(), title: text, description: text })) }).optional() });
/** Tavily `/search`: `results[].url/title/content` (plus score, raw_content, … not used). */
const TavilyAnswer = z.object({ results: z.array(z.object({ url: z.string(), title: text, content: text })) });

const SNIPPET_MAX = 1000;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Snippets as plain text: Brave marks matches with `<strong>`, and entities come escaped. */
function plain(value: string | null | undefined): string {
  return (value ?? '')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
      if (name[0] !== '#') return ENTITIES[name.toLowerCase()] ?? whole;
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    })
    .replace(/\s+/g, ' ')
    .trim();
}

const isWebUrl = (url: string) => /^https?:\/\//i.test(url) && URL.canParse(url);

/** Clean hits: http(s) links only, each once, in the backend's order, at most `limit`. */
function toResults(hits: RawHit[], source: SearchBackendName, limit: number): WebSearchResult[] {
  const seen = new Set<string>();
  const results: WebSearchResult[] = [];
  for (const hit of hits) {
    if (results.length >= limit) break;
    if (!isWebUrl(hit.url) || seen.has(hit.url)) continue;
    seen.add(hit.url);
    const snippet = plain(hit.snippet);
    results.push({ url: hit.url, title: plain(hit.title) || hit.url, snippet: snippet.slice(0, SNIPPET_MAX), source });
  }
  return results;
}

function parse<T>(schema: z.ZodType<T>, body: unknown, backend: SearchBackendName): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new WebToolError(`web search failed: ${backend} answered in a shape it does not document`);
  return parsed.data;
}

/** A base URL with a trailing slash, so a relative path keeps its prefix (`https://host/searx/` + `search`). */
const asBase = (url: string) => new URL(url.endsWith('/') ? url : `${url}/`);

function searxng(baseUrl: string, timeoutMs: number): SearchBackend {
  return {
    name: 'searxng',
    async search(query, limit, { signal }) {
      const url = new URL('search', asBase(baseUrl));
      url.search = new URLSearchParams({ q: query, format: 'json' }).toString();
      const body = await requestJson({ backend: 'searxng', url, headers: { accept: 'application/json' }, timeoutMs, signal });
      const hits = parse(SearxngAnswer, body, 'searxng').results.map((r) => ({ url: r.url, title: r.title, snippet: r.content }));
      return toResults(hits, 'searxng', limit);
    },
  };
}

function brave(baseUrl: string, apiKey: string, timeoutMs: number): SearchBackend {
  return {
    name: 'brave',
    async search(query, limit, { signal }) {
      const url = new URL(baseUrl);
      url.searchParams.set('q', query);
      url.searchParams.set('count', String(limit));
      const headers = { accept: 'application/json', 'x-subscription-token': apiKey };
      const body = await requestJson({ backend: 'brave', url, headers, timeoutMs, signal });
      const hits = (parse(BraveAnswer, body, 'brave').web?.results ?? []).map((r) => ({ url: r.url, title: r.title, snippet: r.description }));
      return toResults(hits, 'brave', limit);
    },
  };
}

function tavily(baseUrl: string, apiKey: string, timeoutMs: number): SearchBackend {
  return {
    name: 'tavily',
    async search(query, limit, { signal }) {
      const headers = { accept: 'application/json', 'content-type': 'application/json', authorization: `Bearer ${apiKey}` };
      // `basic` depth costs one credit a search; `advanced` costs two.
      const payload = JSON.stringify({ query, max_results: limit, search_depth: 'basic' });
      const body = await requestJson({ backend: 'tavily', url: new URL(baseUrl), method: 'POST', headers, body: payload, timeoutMs, signal });
      const hits = parse(TavilyAnswer, body, 'tavily').results.map((r) => ({ url: r.url, title: r.title, snippet: r.content }));
      return toResults(hits, 'tavily', limit);
    },
  };
}

/** The backend `web.provider` names, with its URL and key; undefined when none is configured. */
export function createSearchBackend(web: Config['web']): SearchBackend | undefined {
  const { timeoutMs } = web.fetch;
  if (web.provider === 'searxng' && web.searxngUrl) return searxng(web.searxngUrl, timeoutMs);
  if (web.provider === 'brave' && web.brave.apiKey) return brave(web.brave.baseUrl, web.brave.apiKey, timeoutMs);
  if (web.provider === 'tavily' && web.tavily.apiKey) return tavily(web.tavily.baseUrl, web.tavily.apiKey, timeoutMs);
  return undefined;
}
