import type { SearchHit } from '../../corpus/corpus-index.js';
import { terms } from '../../corpus/text.js';
import { quotable, unitsOf, type UnitDraft } from './answer.js';

/**
 * Fetched pages and search results as passages the offline model scores like the corpus's. A
 * page's text (paragraphs a blank line apart, list items as `- item`, preformatted text as it is;
 * a PDF's as Markdown) is cut as the corpus cuts documents: lists and commands keep the sentence
 * that introduces them, and a page's subheadings head their sections. No Markdown parser runs:
 * the text is already in blocks, and a page may be long.
 */

/** A page as `fetch_url` returns it. */
export interface FetchedPage {
  url: string;
  final_url: string;
  title: string;
  published?: string;
  text: string;
}

/** A hit of `web_search`. */
export interface WebResult {
  url: string;
  title: string;
  snippet: string;
}

/**
 * What of a page is read: its first 20,000 characters (about 3,000 words, most articles whole),
 * so the step that answers from three pages stays a few tens of milliseconds on the shared turn.
 */
const MAX_PAGE_CHARS = 20_000;
const MAX_PARAGRAPHS = 150;
/** A paragraph up to this long is quoted whole; a longer one sentence by sentence. */
const PARAGRAPH_UNIT = 600;

const isListItem = (p: string) => /^(?:[-*•]|\d+[.)])\s/.test(p);
/** A subheading: a short line that does not end a sentence. */
const isHeading = (p: string) => p.length <= 80 && !p.includes('\n') && !p.includes(' | ') && p.split(/\s+/).length <= 12 && /^[\p{Lu}\p{N}]/u.test(p) && !/[.!?:;,]$/.test(p);
/** A command under "Run:": lower-case first word, or a shell's signs. */
const isCommand = (p: string) => !p.includes('\n') && !/[.!?]$/.test(p) && (/^[a-z$./~]/.test(p) || /[=|<>{}$\\]| --?\w/.test(p));

function fenced(code: string): string {
  if (/^(?:```|~~~)/.test(code.trim())) return code.trim();
  const longest = Math.max(2, ...(code.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}\n${code}\n${fence}`;
}

type Shape = 'heading' | 'item' | 'code' | 'prose';

/** What a paragraph of a page's text is, given whether the paragraph before introduces it ("Run:"). */
function shapeOf(p: string, introduced: boolean): Shape {
  const flat = p.trim();
  if (/^(?:```|~~~)/.test(flat)) return 'code';
  if (/^#{1,6}\s/.test(flat) && !flat.includes('\n')) return 'heading';
  if (flat.split('\n').every((l) => isListItem(l.trim()))) return 'item';
  if (flat.includes('\n') || (introduced && isCommand(flat))) return 'code';
  return isHeading(flat) ? 'heading' : 'prose';
}

/** A page's paragraphs, at most so many; a Markdown table (a PDF's) row by row. */
function paragraphsOf(page: Pick<FetchedPage, 'title' | 'text'>): string[] {
  const raw = page.text.slice(0, MAX_PAGE_CHARS).replace(/\r\n?/g, '\n').split(/\n[ \t]*\n/);
  const out = raw.flatMap((p) => {
    const lines = p.trim().split('\n');
    if (lines.length < 2 || !lines.every((l) => /^\s*\|/.test(l))) return [p.replace(/^\n+|\s+$/g, '')];
    return lines.filter((l) => !/^[\s|:-]+$/.test(l)).map((l) => l.trim().replace(/^\|\s*|\s*\|$/g, ''));
  });
  const title = page.title.trim().toLowerCase();
  // The title, repeated as the text's first line, is not a paragraph of it.
  const start = out.findIndex((p) => p.trim() !== '');
  if (start >= 0 && out[start]!.trim().toLowerCase() === title) out.splice(0, start + 1);
  return out.filter((p) => p.trim()).slice(0, MAX_PARAGRAPHS);
}

/** A passage of a page: a paragraph, or a list or command with the sentence that introduces it, under its subheading. */
export interface PagePassage {
  heading: string;
  kind: 'prose' | 'list' | 'code';
  text: string;
}

/** A page's passages: subheadings head what follows them; lists and commands keep their introduction. */
export function pagePassages(page: Pick<FetchedPage, 'title' | 'text'>): PagePassage[] {
  const out: PagePassage[] = [];
  let heading = '';
  let list: PagePassage | undefined;
  /** The paragraph just before, when it introduces what follows ("To back up the database, run:"). */
  const intro = () => {
    const prev = out.at(-1);
    return prev && prev.kind === 'prose' && prev.heading === heading && /[:：]$/.test(prev.text) ? out.pop()!.text : undefined;
  };
  const withIntro = (text: string) => {
    const first = intro();
    return first ? `${first}\n\n${text}` : text;
  };
  let prev = '';
  for (const p of paragraphsOf(page)) {
    const shape = shapeOf(p, /[:：]$/.test(prev));
    prev = p.trim();
    if (shape === 'item' && list) {
      list.text += `\n${p.trim().replace(/^•\s/gm, '- ')}`;
      continue;
    }
    list = undefined;
    if (shape === 'heading') heading = p.trim().replace(/^#+\s*/, '');
    else if (shape === 'item') out.push((list = { heading, kind: 'list', text: withIntro(p.trim().replace(/^•\s/gm, '- ')) }));
    else if (shape === 'code') out.push({ heading, kind: 'code', text: withIntro(fenced(p)) });
    else out.push({ heading, kind: 'prose', text: p.trim().replace(/\s+/g, ' ') });
  }
  return out;
}

/** An ISO day of a page's publication time, if it gives a readable one. */
function isoDay(published: string | undefined): string {
  const t = published ? Date.parse(published) : NaN;
  return Number.isFinite(t) ? new Date(t).toISOString().slice(0, 10) : '';
}

/** A page's passages as search hits: `path` is the page's final URL, `title` its title. */
export function pageHits(page: FetchedPage): SearchHit[] {
  const url = page.final_url || page.url;
  const date = isoDay(page.published);
  return pagePassages(page).map((p, i) => ({
    path: url,
    title: page.title || url,
    heading: p.heading,
    lines: String(i + 1),
    kind: p.kind,
    date,
    date_from: 'text',
    standing: 'current',
    score: 0,
    snippet: '',
    text: p.text,
  }));
}

/** Units of page passages: a paragraph whole (it makes one point), a long one by sentences; lists and code as the corpus's. */
export function pageUnits(hits: SearchHit[], howTo: boolean): UnitDraft[] {
  return hits.flatMap((hit, rank): UnitDraft[] => {
    if (hit.kind !== 'prose' || hit.text.length > PARAGRAPH_UNIT) return unitsOf([hit], howTo).map((u) => ({ ...u, rank }));
    return quotable(hit.text) ? [{ text: hit.text, hit, rank, words: new Set(terms(hit.text)), block: false }] : [];
  });
}

/** A search result's snippet as a unit, for when no page it led to answers. */
export function snippetUnits(results: WebResult[]): UnitDraft[] {
  return results.flatMap((r, rank): UnitDraft[] => {
    const text = r.snippet.replace(/^\s*(?:…|\.\.\.)\s*|\s*(?:…|\.\.\.)\s*$/g, '').replace(/\s+/g, ' ').trim();
    if (!quotable(text)) return [];
    const hit: SearchHit = { path: r.url, title: r.title || r.url, heading: '', lines: '', kind: 'prose', date: '', date_from: 'text', standing: 'current', score: 0, snippet: r.snippet, text };
    return [{ text, hit, rank, words: new Set(terms(text)), block: false }];
  });
}
