import { lazyModule } from '../../lazy-module.js';

const linkedom = lazyModule<typeof import('linkedom')>('linkedom');
import { normalizeWhitespace, toIsoTimestamp, type DataSearchResult } from './search-result.js';
import { DataSourceError } from './source-error.js';

/** The slice of linkedom's XML DOM read here (the project compiles without the DOM lib). */
interface XmlElement {
  tagName: string;
  textContent: string | null;
  children: ArrayLike<XmlElement>;
  getAttribute(name: string): string | null;
}

/*
 * linkedom parses XML leniently and without namespaces: every element reports the XHTML namespace
 * and keeps its prefix in its name (`opensearch:totalResults`), and an unclosed element is closed
 * silently rather than reported. So elements are matched by the local part of their name (arXiv's
 * Atom elements are unprefixed; a feed that prefixes them still reads), and a body that does not
 * end with the feed's closing tag is refused as cut off.
 */
const localName = (element: XmlElement) => element.tagName.slice(element.tagName.indexOf(':') + 1);
const childrenNamed = (element: XmlElement, name: string) => Array.from(element.children).filter((c) => localName(c) === name);
const childText = (element: XmlElement, name: string) => normalizeWhitespace(childrenNamed(element, name)[0]?.textContent ?? '');
const COMPLETE_FEED = /<\/([\w.-]+:)?feed>\s*$/;

const notAFeed = (what: string) => new DataSourceError('arxiv', `the API answered ${what}`);

/** The `<feed>` element of an Atom document, or a clear error for anything else. */
function feedElement(xml: string): XmlElement {
  if (!COMPLETE_FEED.test(xml)) {
    throw notAFeed(/<([\w.-]+:)?feed[\s>]/.test(xml) ? 'an Atom feed that is cut off (no closing </feed>)' : 'something that is not an Atom feed');
  }
  const root = (new (linkedom().DOMParser)().parseFromString(xml, 'text/xml') as unknown as { documentElement: XmlElement | null }).documentElement;
  if (!root || localName(root) !== 'feed') throw notAFeed('something that is not an Atom feed');
  return root;
}

/** The abstract page: the `alternate` link (Atom's default `rel`), else the entry id, which is that URL too. */
function abstractUrl(entry: XmlElement, idUrl: string): string {
  const alternate = childrenNamed(entry, 'link').find((link) => (link.getAttribute('rel') ?? 'alternate') === 'alternate');
  return alternate?.getAttribute('href')?.trim() || idUrl;
}

/** One `<entry>` as a search result; `undefined` for an entry without an id. */
function toResult(entry: XmlElement): DataSearchResult | undefined {
  const idUrl = childText(entry, 'id');
  if (!idUrl) return undefined;
  // `http://arxiv.org/abs/2101.00001v1` or an old-style `…/abs/hep-ex/0307015v1`.
  const arxivId = /\/abs\/(.+)$/.exec(idUrl)?.[1];
  const authors = childrenNamed(entry, 'author')
    .map((author) => childText(author, 'name'))
    .filter(Boolean);
  const published = toIsoTimestamp(childText(entry, 'published'));
  return {
    id: arxivId ? `arXiv:${arxivId}` : idUrl,
    title: childText(entry, 'title'),
    authors,
    summary: childText(entry, 'summary'),
    ...(published && { published }),
    url: abstractUrl(entry, idUrl),
  };
}

/** arXiv's message in an error feed (a single entry whose id is under `/api/errors`), if `entries` hold one. */
function errorMessage(entries: XmlElement[]): string | undefined {
  const failure = entries.find((entry) => childText(entry, 'id').includes('/api/errors'));
  return failure && (childText(failure, 'summary') || childText(failure, 'id'));
}

/** arXiv's message in the body of an HTTP error, if the body is an error feed. */
export function arxivErrorMessage(xml: string): string | undefined {
  try {
    return errorMessage(childrenNamed(feedElement(xml), 'entry'));
  } catch {
    return undefined;
  }
}

/**
 * The results of an arXiv API Atom feed (arXiv API User's Manual, "Outline of an Atom feed").
 * An error feed (a single entry whose id is under `/api/errors`) becomes a `DataSourceError`
 * carrying arXiv's message; a feed with `opensearch:totalResults` 0 has no entries and yields `[]`.
 */
export function parseArxivFeed(xml: string): DataSearchResult[] {
  const entries = childrenNamed(feedElement(xml), 'entry');
  const failure = errorMessage(entries);
  if (failure) throw new DataSourceError('arxiv', `the API reported an error: ${failure}`);
  return entries.map(toResult).filter((result) => result !== undefined);
}
