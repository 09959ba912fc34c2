/** The bytes of a fetched page → `fetch_url`'s answer, by content type: HTML, PDF or plain text; nothing else. */
import { extractMarkdown } from '../../corpus/extract/index.js';
import type { FetchedBody } from './guarded-fetch.js';
import { readArticle } from './page-text.js';
import { WebToolError } from './web-error.js';

/** `fetch_url`'s answer. */
export interface FetchUrlResult {
  url: string;
  final_url: string;
  title: string;
  byline?: string;
  published?: string;
  text: string;
}

type Kind = 'html' | 'pdf' | 'text';

/** Longest text answered; a model's context is the limit that matters, not the page's. */
export const TEXT_MAX_CHARS = 100_000;

const mimeOf = (contentType: string | undefined) => contentType?.split(';')[0]?.trim().toLowerCase() || undefined;

function kindOf(page: FetchedBody): Kind {
  const mime = mimeOf(page.contentType);
  if (mime === 'application/pdf' || page.body.subarray(0, 5).toString('latin1') === '%PDF-') return 'pdf';
  if (mime === 'text/html' || mime === 'application/xhtml+xml') return 'html';
  if (mime === 'text/plain' || mime === 'text/markdown') return 'text';
  if (!mime && /^\s*(<!doctype html|<html[\s>])/i.test(page.body.subarray(0, 1024).toString('latin1'))) return 'html';
  throw new WebToolError(
    `fetch_url reads HTML, PDF and plain-text pages only; ${page.finalUrl} is ${mime ? JSON.stringify(mime) : 'of no stated content type'}`,
  );
}

/** The charset the response names, else (HTML) an early `<meta charset>`, else UTF-8. */
function decode(page: FetchedBody, kind: Kind): string {
  const header = /charset\s*=\s*"?([\w:.-]+)/i.exec(page.contentType ?? '')?.[1];
  const meta = kind === 'html' ? /<meta[^>]+charset\s*=\s*["']?\s*([\w:.-]+)/i.exec(page.body.subarray(0, 2048).toString('latin1'))?.[1] : undefined;
  try {
    return new TextDecoder(header ?? meta ?? 'utf-8').decode(page.body);
  } catch {
    return new TextDecoder('utf-8').decode(page.body); // an unknown label: read as UTF-8 rather than fail
  }
}

/** A title for a document that states none: the file name of its URL, else its host. */
function titleFromUrl(url: string): string {
  const { pathname, hostname } = new URL(url);
  const name = pathname.split('/').filter(Boolean).at(-1);
  try {
    return name ? decodeURIComponent(name) : hostname;
  } catch {
    return name ?? hostname;
  }
}

async function readPdf(page: FetchedBody): Promise<{ title: string; text: string }> {
  let markdown: string;
  try {
    markdown = await extractMarkdown(page.body, '.pdf');
  } catch (error) {
    throw new WebToolError(`fetch_url could not read the PDF at ${page.finalUrl}: ${(error as Error).message}`, { cause: error });
  }
  const heading = /^#{1,3} (.+)$/m.exec(markdown)?.[1]?.trim();
  return { title: heading ?? titleFromUrl(page.finalUrl), text: markdown };
}

function capped(text: string): string {
  if (text.length <= TEXT_MAX_CHARS) return text;
  return `${text.slice(0, TEXT_MAX_CHARS).trimEnd()}\n\n[cut: the page's text continues past ${TEXT_MAX_CHARS} characters]`;
}

/** The answer for a fetched page; a type other than HTML, PDF and plain text is a `WebToolError`. */
export async function toFetchUrlResult(page: FetchedBody): Promise<FetchUrlResult> {
  const kind = kindOf(page);
  const base = { url: page.url, final_url: page.finalUrl };
  if (kind === 'pdf') {
    const { title, text } = await readPdf(page);
    return { ...base, title, text: capped(text) };
  }
  const source = decode(page, kind);
  if (kind === 'text') return { ...base, title: titleFromUrl(page.finalUrl), text: capped(source.trim()) };
  const article = readArticle(source);
  const result: FetchUrlResult = { ...base, title: article.title ?? titleFromUrl(page.finalUrl), text: capped(article.text) };
  if (article.byline) result.byline = article.byline;
  if (article.published) result.published = article.published;
  return result;
}
