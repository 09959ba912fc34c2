/** HTML page → its main text, by Mozilla Readability over a linkedom document. */
import { lazyModule } from '../../lazy-module.js';

const linkedom = lazyModule<typeof import('linkedom')>('linkedom');
const readabilityModule = lazyModule<typeof import('@mozilla/readability')>('@mozilla/readability');
import { blockText, type TextDomNode } from './block-text.js';

/** What a reader keeps of a page. */
export interface PageArticle {
  title?: string;
  byline?: string;
  published?: string;
  text: string;
}

interface PageDocument {
  title?: string;
  body: TextDomNode | null;
  querySelector(selector: string): { getAttribute(name: string): string | null } | null;
  querySelectorAll(selector: string): ArrayLike<{ remove(): void }>;
}

/** Where pages state their publication time when Readability finds none (JSON-LD, its first source, is Readability's). */
const PUBLISHED_META = [
  'meta[property="article:published_time"]',
  'meta[name="article:published_time"]',
  'meta[property="og:published_time"]',
  'meta[itemprop="datePublished"]',
  'meta[name="date"]',
];
/** Page chrome dropped when Readability finds no article and the whole page is read instead. */
const CHROME = 'script, style, noscript, template, nav, header, footer, aside, form, dialog, [role="navigation"], [role="banner"], [role="contentinfo"], [role="complementary"], [hidden], [aria-hidden="true"]';

const clean = (value: string | null | undefined) => value?.replace(/\s+/g, ' ').trim() || undefined;

function parse(html: string): PageDocument {
  const source = /<html[\s>]/i.test(html) ? html : `<!DOCTYPE html><html><head></head><body>${html}</body></html>`;
  return linkedom().parseHTML(source).document as unknown as PageDocument;
}

function publishedMeta(document: PageDocument): string | undefined {
  for (const selector of PUBLISHED_META) {
    const value = clean(document.querySelector(selector)?.getAttribute('content'));
    if (value) return value;
  }
  return undefined;
}

/** Readability's article, or undefined when it finds none (or fails on a broken page). */
function readability(document: PageDocument) {
  try {
    // The serializer hands back the article's element itself, so it is not serialised and parsed again.
    const reader = new (readabilityModule().Readability)<TextDomNode>(document as never, { serializer: (node) => node as unknown as TextDomNode });
    return reader.parse() ?? undefined;
  } catch {
    return undefined;
  }
}

/** The whole page's text without its chrome: for pages Readability finds no article in. */
function wholePage(html: string): string {
  const document = parse(html);
  for (const el of Array.from(document.querySelectorAll(CHROME))) el.remove();
  return document.body ? blockText(document.body) : '';
}

/**
 * The main text of an HTML page (navigation, header, footer, banners and sidebars left out), its
 * title, byline and publication time when the page says.
 */
export function readArticle(html: string): PageArticle {
  const document = parse(html);
  const meta = publishedMeta(document);
  const pageTitle = clean(document.title);
  const article = readability(document);
  const text = article?.content ? blockText(article.content) : '';
  return {
    title: clean(article?.title) ?? pageTitle,
    byline: clean(article?.byline)?.replace(/^by\s+/i, ''),
    published: clean(article?.publishedTime) ?? meta,
    text: text || wholePage(html),
  };
}
