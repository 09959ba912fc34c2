/**
 * Answers as the MediaWiki Action API does with `format=json&formatversion=2` (mediawiki.org
 * API:Search, Extension:TextExtracts, API:Errors and warnings): `list=search` hits with HTML
 * snippets, `prop=extracts` pages as a list ordered by page id, errors as HTTP 200 with an
 * `error` object and a `MediaWiki-API-Error` header.
 */
import type { FakeAnswer } from './fake-api.js';

export interface WikiPage {
  pageid: number;
  title: string;
  /** As CirrusSearch sends it: HTML-escaped text with `<span class="searchmatch">` around matches. */
  snippet: string;
  /** Last edit. */
  timestamp: string;
  /** Plain-text lead section; absent when TextExtracts gives none (then the page has no `extract`). */
  extract?: string;
}

const json = (body: unknown, headers: Record<string, string> = {}): FakeAnswer => ({
  status: 200,
  headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
  body: JSON.stringify(body),
});

/** An Action API error, shaped as the real one with the default (`bc`) error format. */
export function mediaWikiError(code: string, info: string): FakeAnswer {
  return json(
    {
      error: { code, info, docref: 'See https://en.wikipedia.org/w/api.php for API usage. Subscribe to the mediawiki-api-announce mailing list at &lt;https://lists.wikimedia.org/postorius/lists/mediawiki-api-announce.lists.wikimedia.org/&gt; for notice of API deprecations and breaking changes.' },
      servedby: 'mw-api-ext.eqiad.main-7c9f8b6d5-x2k4q',
    },
    { 'MediaWiki-API-Error': code },
  );
}

/** Whether a word of `query` occurs in the page's title, snippet or extract (case-insensitive; the real one reads the whole article). */
function matches(page: WikiPage, query: string): boolean {
  const text = `${page.title} ${page.snippet.replace(/<[^>]+>/g, '')} ${page.extract ?? ''}`.toLowerCase();
  return query.toLowerCase().split(/\s+/).filter(Boolean).some((word) => text.includes(word));
}

function search(pages: WikiPage[], params: URLSearchParams): FakeAnswer {
  if (!params.get('srsearch')) return mediaWikiError('missingparam', 'The "srsearch" parameter must be set.');
  const limit = Number(params.get('srlimit') ?? 10);
  const props = new Set((params.get('srprop') ?? 'size|wordcount|timestamp|snippet').split('|'));
  const matching = pages.filter((p) => matches(p, params.get('srsearch')!));
  const hits = matching.slice(0, limit).map((p) => ({
    ns: 0,
    title: p.title,
    pageid: p.pageid,
    ...(props.has('snippet') && { snippet: p.snippet }),
    ...(props.has('timestamp') && { timestamp: p.timestamp }),
  }));
  return json({
    batchcomplete: true,
    ...(matching.length > limit && { continue: { sroffset: limit, continue: '-||' } }),
    query: { searchinfo: { totalhits: matching.length }, search: hits },
  });
}

function extracts(pages: WikiPage[], params: URLSearchParams): FakeAnswer {
  const ids = (params.get('pageids') ?? '').split('|').filter(Boolean).map(Number);
  const found = ids
    .sort((a, b) => a - b)
    .map((id) => pages.find((p) => p.pageid === id) ?? { pageid: id, missing: true as const })
    .map((p) => ('missing' in p ? p : { pageid: p.pageid, ns: 0, title: p.title, ...(p.extract !== undefined && { extract: p.extract }) }));
  return json({ batchcomplete: true, query: { pages: found } });
}

/** A handler for `startFakeApi` serving `pages` (search hits in this order). */
export function mediaWiki(pages: WikiPage[]): (url: URL) => FakeAnswer {
  return (url) => {
    const params = url.searchParams;
    if (url.pathname !== '/w/api.php') return { status: 404, headers: { 'Content-Type': 'text/html' }, body: '<!DOCTYPE html><title>Not Found</title>' };
    if (params.get('format') !== 'json') return { status: 200, headers: { 'Content-Type': 'text/html' }, body: '<!DOCTYPE html><title>MediaWiki API result</title>' };
    if (params.get('action') !== 'query') return mediaWikiError('badvalue', `Unrecognized value for parameter "action": ${params.get('action')}.`);
    if (params.get('list') === 'search') return search(pages, params);
    if (params.get('prop') === 'extracts') return extracts(pages, params);
    return json({ batchcomplete: true });
  };
}

/** Pages as English Wikipedia returns them for "general relativity" (texts shortened). */
export const RELATIVITY_PAGES: WikiPage[] = [
  {
    pageid: 12024,
    title: 'General relativity',
    snippet:
      '<span class="searchmatch">General</span> <span class="searchmatch">relativity</span>, also known as the <span class="searchmatch">general</span> theory of <span class="searchmatch">relativity</span>, and as Einstein&#039;s theory of gravity, is the geometric theory of gravitation published by Albert Einstein in 1915',
    timestamp: '2025-05-14T09:21:07Z',
    extract:
      'General relativity, also known as the general theory of relativity, and as Einstein\'s theory of gravity, is the geometric theory of gravitation published by Albert Einstein in 1915.\nIt is the current description of gravitation in modern physics.\n\nGeneral relativity generalizes special relativity and refines Newton\'s law of universal gravitation.',
  },
  {
    pageid: 736,
    title: 'Albert Einstein',
    snippet:
      'theoretical physicist who is best known for developing the theory of <span class="searchmatch">relativity</span>. Einstein also made important contributions to quantum mechanics. His mass–energy equivalence formula &quot;E = mc2&quot;',
    timestamp: '2025-05-20T17:03:44Z',
  },
  {
    pageid: 1952587,
    title: 'Relativity: The Special and the General Theory',
    snippet: '<span class="searchmatch">Relativity</span>: The Special and the <span class="searchmatch">General</span> Theory is a popular science book by Albert Einstein &amp; others',
    timestamp: '2024-11-02T22:15:30Z',
    extract: 'Relativity: The Special and the General Theory (German: Über die spezielle und die allgemeine Relativitätstheorie) is a popular science book by Albert Einstein.',
  },
];
