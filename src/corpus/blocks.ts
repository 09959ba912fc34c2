import { marked, type Token, type Tokens } from 'marked';

/** A block of a document, with the inclusive, 1-based line range it spans in the document's text. */
export type Block =
  | { kind: 'heading'; level: number; text: string; startLine: number; endLine: number }
  | { kind: 'paragraph' | 'quote'; text: string; startLine: number; endLine: number }
  | { kind: 'list'; ordered: boolean; items: string[]; startLine: number; endLine: number }
  | { kind: 'code'; lang: string; text: string; startLine: number; endLine: number }
  | { kind: 'table'; header: string[]; rows: Array<{ cells: string[]; line: number }>; startLine: number; endLine: number };

/**
 * Inline Markdown to plain text: links and images keep their text, emphasis marks go, inline code
 * keeps its backticks. Lines broken mid-sentence are rejoined, with words hyphenated across a
 * break made whole again (`inves-\ntor` → `investor`).
 */
export function plainInline(text: string): string {
  return text
    .replace(/(\p{Ll})-\s*\n\s*(\p{Ll})/gu, '$1$2')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/<\/?(?:a|abbr|b|br|code|del|div|em|font|i|img|ins|kbd|mark|p|s|small|span|strong|sub|sup|u)(?:\s[^>]*)?\/?>/gi, '')
    .replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, '$2')
    .replace(/(^|[\s(])\*(?=\S)([^*]*?\S)\*(?=[\s).,;:!?]|$)/g, '$1$2')
    .replace(/\\([\\`*_{}[\]()#+\-.!|>])/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

const lineCount = (s: string) => (s.match(/\n/g) ?? []).length;

function listItems(token: Tokens.List): string[] {
  return token.items.map((item) => {
    // A plain item is one sentence, however it was wrapped; nested blocks (sub-lists, code) stay
    // as their own lines under the item's first line.
    if (item.tokens.every((t) => t.type === 'text' || t.type === 'paragraph' || t.type === 'space')) return plainInline(item.text);
    const [first = '', ...rest] = item.text.split(/\n/);
    const tail = rest.join('\n').trim();
    return tail ? `${plainInline(first)}\n${tail.replace(/^/gm, '  ')}` : plainInline(first);
  });
}

function toBlock(token: Token, startLine: number): Block | undefined {
  const endLine = startLine + lineCount(token.raw.replace(/\n+$/, ''));
  switch (token.type) {
    case 'heading':
      return { kind: 'heading', level: (token as Tokens.Heading).depth, text: plainInline((token as Tokens.Heading).text), startLine, endLine };
    case 'paragraph':
    case 'text':
      return { kind: 'paragraph', text: plainInline((token as Tokens.Paragraph).text), startLine, endLine };
    case 'blockquote':
      return { kind: 'quote', text: plainInline((token as Tokens.Blockquote).text.replace(/^>\s?/gm, '')), startLine, endLine };
    case 'list':
      return { kind: 'list', ordered: (token as Tokens.List).ordered, items: listItems(token as Tokens.List), startLine, endLine };
    case 'code':
      return { kind: 'code', lang: (token as Tokens.Code).lang ?? '', text: (token as Tokens.Code).text, startLine, endLine };
    case 'table': {
      const t = token as Tokens.Table;
      // The header is the first line, the |---| rule the second; each row is one line after them.
      const rows = t.rows.map((row, i) => ({ cells: row.map((c) => plainInline(c.text)), line: startLine + 2 + i }));
      return { kind: 'table', header: t.header.map((c) => plainInline(c.text)), rows, startLine, endLine };
    }
    case 'html': {
      const text = plainInline(token.raw);
      return text ? { kind: 'paragraph', text, startLine, endLine } : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * A plain-text table: two or more lines whose cells are set apart by runs of spaces, the same number
 * of cells on each line (the first line the header). Plain-text exports and hand-written notes lay
 * tables out this way.
 */
function alignedTable(lines: string[], startLine: number): Block | undefined {
  if (lines.length < 2) return undefined;
  const cells = lines.map((l) => l.trim().split(/\s{2,}|\t+/).map((c) => c.trim()));
  const width = cells[0]!.length;
  if (width < 2 || !cells.every((c) => c.length === width)) return undefined;
  const rows = cells.slice(1).map((c, i) => ({ cells: c, line: startLine + 1 + i }));
  return { kind: 'table', header: cells[0]!, rows, startLine, endLine: startLine + lines.length - 1 };
}

/** The blocks of a Markdown text, in order, each with its line range. */
export function parseBlocks(markdown: string): Block[] {
  const out: Block[] = [];
  const source = markdown.replace(/\r\n?/g, '\n');
  const lines = source.split('\n');
  let line = 1;
  for (const token of marked.lexer(source, { gfm: true })) {
    // Leading newlines of a token belong to the gap before it.
    const lead = /^\n*/.exec(token.raw)![0].length;
    const parsed = toBlock(token, line + lead);
    const block = parsed?.kind === 'paragraph' ? (alignedTable(lines.slice(parsed.startLine - 1, parsed.endLine), parsed.startLine) ?? parsed) : parsed;
    if (block && (block.kind !== 'paragraph' || block.text)) out.push(block);
    line += lineCount(token.raw);
  }
  return out;
}
