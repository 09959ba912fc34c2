import type { Block } from './blocks.js';

/**
 * What a passage holds: running prose; a list or code block quoted whole (with the sentence that
 * introduces it); or one table row, its cells named by the column headers.
 */
export type PassageKind = 'prose' | 'list' | 'code' | 'row';

/** A searchable piece of a document, with what a citation needs. */
export interface Passage {
  /** File path relative to the corpus root, with `/` separators. */
  path: string;
  /** Headings from the top down to this passage's section (`Funding › Rounds`). */
  heading: string;
  /** 1-based, inclusive line range in the document's text. */
  startLine: number;
  endLine: number;
  kind: PassageKind;
  text: string;
}

/** File types the corpus reads, and nothing else. */
export const CORPUS_EXTENSIONS: ReadonlySet<string> = new Set(['.md', '.txt', '.html', '.pdf', '.docx']);

/** Prose passages grow to about this size, always ending at a paragraph. */
const PROSE_CHARS = 1200;

function renderList(block: Extract<Block, { kind: 'list' }>): string {
  return block.items.map((item, i) => `${block.ordered ? `${i + 1}.` : '-'} ${item}`).join('\n');
}

/** `Round: Series B; Date: Mar 2023; Amount: $40M` — a row as a sentence that keeps its column names. */
function rowText(header: string[], cells: string[]): string {
  const named = cells.map((cell, i) => (header[i] && header[i] !== cell ? `${header[i]}: ${cell}` : cell)).filter((c) => c.trim());
  return `${named.join('; ')}.`;
}

class PassageBuilder {
  readonly out: Passage[] = [];
  private trail: string[] = [];
  private prose: Array<Extract<Block, { kind: 'paragraph' | 'quote' }>> = [];

  constructor(private readonly path: string) {}

  private get heading(): string {
    return this.trail.filter(Boolean).join(' › ');
  }

  private push(kind: PassageKind, text: string, startLine: number, endLine: number): void {
    if (text.trim()) this.out.push({ path: this.path, heading: this.heading, startLine, endLine, kind, text: text.trim() });
  }

  flushProse(): void {
    if (this.prose.length === 0) return;
    const first = this.prose[0]!;
    const last = this.prose.at(-1)!;
    this.push('prose', this.prose.map((p) => p.text).join('\n\n'), first.startLine, last.endLine);
    this.prose = [];
  }

  heading_(block: Extract<Block, { kind: 'heading' }>): void {
    this.flushProse();
    this.trail.length = block.level - 1;
    this.trail[block.level - 1] = block.text;
  }

  paragraph(block: Extract<Block, { kind: 'paragraph' | 'quote' }>): void {
    const size = this.prose.reduce((n, p) => n + p.text.length, 0);
    if (size > 0 && size + block.text.length > PROSE_CHARS) this.flushProse();
    this.prose.push(block);
  }

  /** A list or code block, with the paragraph that introduces it ("To back up the fleet:"). */
  quoted(kind: 'list' | 'code', text: string, startLine: number, endLine: number): void {
    const intro = this.prose.at(-1);
    const introduces = intro && /[:：]\s*$/.test(intro.text);
    if (introduces) this.prose.pop();
    this.flushProse();
    const prev = this.out.at(-1);
    // A list and the code block right under it are one how-to.
    if (!introduces && prev && prev.kind !== 'prose' && prev.kind !== 'row' && prev.endLine >= startLine - 2 && prev.heading === this.heading) {
      prev.text += `\n\n${text}`;
      prev.endLine = endLine;
      prev.kind = 'list';
      return;
    }
    this.push(kind, introduces ? `${intro.text}\n\n${text}` : text, introduces ? intro.startLine : startLine, endLine);
  }

  table(block: Extract<Block, { kind: 'table' }>): void {
    this.flushProse();
    for (const row of block.rows) this.push('row', rowText(block.header, row.cells), row.line, row.line);
  }
}

/** Passages of a document's blocks: prose by paragraphs, lists and code whole, tables by row. */
export function passagesOf(path: string, blocks: Block[]): Passage[] {
  const b = new PassageBuilder(path);
  for (const block of blocks) {
    if (block.kind === 'heading') b.heading_(block);
    else if (block.kind === 'list') b.quoted('list', renderList(block), block.startLine, block.endLine);
    else if (block.kind === 'code') b.quoted('code', `\`\`\`${block.lang}\n${block.text}\n\`\`\``, block.startLine, block.endLine);
    else if (block.kind === 'table') b.table(block);
    else b.paragraph(block);
  }
  b.flushProse();
  return b.out;
}
