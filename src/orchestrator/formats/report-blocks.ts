/**
 * The report as blocks every binary renderer draws: marked's lexer tokens, reduced to what a page
 * or a Word document has (headings, paragraphs, lists, tables, code, quotes, the sources list).
 */
import { Lexer, type Token, type Tokens } from 'marked';
import { formatSource } from '../source-ledger.js';
import type { Source } from '../task.js';
import type { DocumentReport } from './format.js';

/** A run of text with one style. */
export interface Inline {
  text: string;
  bold?: boolean;
  italic?: boolean;
  code?: boolean;
  /** Absolute http(s) or mailto URL; other targets are dropped (the text stays). */
  link?: string;
}

export interface SourceEntry {
  n: number;
  /** `path — heading (lines a-b)`, or `title — URL`, as the Markdown lists it, without the number. */
  text: string;
  url?: string;
}

export type Block =
  | { kind: 'heading'; level: number; inlines: Inline[] }
  | { kind: 'paragraph'; inlines: Inline[] }
  | { kind: 'list'; ordered: boolean; start: number; items: Block[][] }
  | { kind: 'table'; header: Inline[][]; rows: Inline[][][]; align: Array<'left' | 'center' | 'right' | null> }
  | { kind: 'code'; text: string }
  | { kind: 'quote'; blocks: Block[] }
  | { kind: 'rule' }
  | { kind: 'sources'; entries: SourceEntry[] };

type Style = Omit<Inline, 'text'>;

const SAFE_LINK = /^(?:https?:|mailto:)/i;

/** Inline tokens to styled runs (nested emphasis and links carry their style down). */
export function inlinesOf(tokens: Token[] | undefined, style: Style = {}): Inline[] {
  const out: Inline[] = [];
  for (const t of tokens ?? []) {
    switch (t.type) {
      case 'strong':
        out.push(...inlinesOf(t.tokens, { ...style, bold: true }));
        break;
      case 'em':
        out.push(...inlinesOf(t.tokens, { ...style, italic: true }));
        break;
      case 'del':
        out.push(...inlinesOf(t.tokens, style));
        break;
      case 'link':
        out.push(...inlinesOf(t.tokens, SAFE_LINK.test(t.href) ? { ...style, link: t.href } : style));
        break;
      case 'codespan':
        out.push({ ...style, text: t.text, code: true });
        break;
      case 'br':
        out.push({ ...style, text: '\n' });
        break;
      case 'image':
        out.push({ ...style, text: t.text || t.href });
        break;
      default:
        if ('tokens' in t && t.tokens?.length) out.push(...inlinesOf(t.tokens, style));
        else if ('text' in t && typeof t.text === 'string') out.push({ ...style, text: t.text });
    }
  }
  return out;
}

const plain = (inlines: Inline[]) => inlines.map((i) => i.text).join('');

/** The numbered entries of a `## Sources` list: from the task's sources where the number is one of them. */
function sourceEntries(list: Tokens.List, sources: Map<number, Source>): SourceEntry[] | undefined {
  const entries: SourceEntry[] = [];
  for (const item of list.items) {
    const m = /^\[(\d+)\]\s+(.*)$/s.exec(item.text.trim());
    if (!m) return undefined;
    const n = Number(m[1]);
    const source = sources.get(n);
    const text = source ? formatSource(source).replace(/^\[\d+\]\s+/, '') : m[2]!.trim();
    const url = source?.url ?? /https?:\/\/\S+/.exec(m[2]!)?.[0];
    entries.push({ n, text, ...(url && SAFE_LINK.test(url) ? { url } : {}) });
  }
  return entries;
}

function listBlock(t: Tokens.List, sources: Map<number, Source>): Block {
  const items = t.items.map((item) => blocksOf(item.tokens, sources, false));
  return { kind: 'list', ordered: t.ordered, start: typeof t.start === 'number' ? t.start : 1, items };
}

function tableBlock(t: Tokens.Table): Block {
  return {
    kind: 'table',
    header: t.header.map((c) => inlinesOf(c.tokens)),
    rows: t.rows.map((r) => r.map((c) => inlinesOf(c.tokens))),
    align: t.align,
  };
}

function blockOf(t: Token, sources: Map<number, Source>): Block | undefined {
  switch (t.type) {
    case 'heading':
      return { kind: 'heading', level: t.depth, inlines: inlinesOf(t.tokens) };
    case 'paragraph':
    case 'text':
      return { kind: 'paragraph', inlines: t.tokens ? inlinesOf(t.tokens) : [{ text: t.text }] };
    case 'list':
      return listBlock(t as Tokens.List, sources);
    case 'table':
      return tableBlock(t as Tokens.Table);
    case 'code':
      return { kind: 'code', text: t.text };
    case 'blockquote':
      return { kind: 'quote', blocks: blocksOf(t.tokens ?? [], sources, false) };
    case 'hr':
      return { kind: 'rule' };
    case 'html':
      return t.text.trim() ? { kind: 'paragraph', inlines: [{ text: t.text.trim() }] } : undefined;
    default:
      return undefined;
  }
}

function blocksOf(tokens: Token[], sources: Map<number, Source>, top: boolean): Block[] {
  const out: Block[] = [];
  let afterSources = false;
  for (const t of tokens) {
    if (top && afterSources && t.type === 'list') {
      const entries = sourceEntries(t as Tokens.List, sources);
      afterSources = false;
      if (entries) {
        out.push({ kind: 'sources', entries });
        continue;
      }
    }
    if (t.type === 'space') continue;
    const block = blockOf(t, sources);
    if (!block) continue;
    afterSources = block.kind === 'heading' && /^(sources|references)$/i.test(plain(block.inlines).trim());
    out.push(block);
  }
  return out;
}

/**
 * The report's blocks. Its first heading is dropped when it is the title (each format draws its
 * own title block); a `Sources` heading's numbered list becomes a `sources` block.
 */
export function reportBlocks(report: DocumentReport): Block[] {
  const sources = new Map(report.sources.map((s) => [s.n, s]));
  const blocks = blocksOf(new Lexer().lex(report.markdown), sources, true);
  const first = blocks[0];
  if (first?.kind === 'heading' && first.level === 1 && plain(first.inlines).trim() === report.title.trim()) blocks.shift();
  return blocks;
}

export { plain as plainText };
