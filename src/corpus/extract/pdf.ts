/** PDF → Markdown: rebuild lines from pdf.js text items, then headings, paragraphs, lists and tables. */
import type { TextItem, TextMarkedContent } from 'pdfjs-dist/types/src/display/api.js';

/** One run of text on a page, in PDF user space (y grows upwards). */
interface Item { str: string; x: number; y: number; w: number; size: number }

/** One visual line: its cells are the runs separated by gaps much wider than a space. */
interface Line {
  page: number;
  y: number;
  x: number;
  size: number;
  cells: string[];
  text: string;
  /** In the top or bottom band of the page, where running headers and footers live. */
  edge: boolean;
}

/** A Markdown block being built: `last` is its latest line, `x` the left edge of its first. */
interface Block {
  kind: 'heading' | 'paragraph' | 'item' | 'table';
  text: string;
  last: Line;
  x: number;
  level?: number;
  indent?: string;
  marker?: string;
  rows?: string[][];
}

/** Document-wide measures: heading level by font size, normal line pitch (in em). */
interface Stats { levels: Map<number, number>; pitch: number }

/** A gap wider than this many em between two runs starts a new table cell. */
const CELL_GAP = 1.25;
/** Page bands (fraction of the height) where repeated lines count as running headers or footers. */
const EDGE_BAND = 0.12;
const PAGE_LABEL = /^page \d+( of \d+)?$/i;
const BULLET = /^(?:[•‣◦▪▫■□●○·]\s*|[-–*]\s+)(\S.*)$/;
const NUMBERED = /^(\d{1,3})[.)]\s+(\S.*)$/;

/** Convert a PDF to Markdown. Rejects on a corrupt file and on one that needs a password. */
export async function pdfToMarkdown(bytes: Uint8Array): Promise<string> {
  // Loaded on first use: pdf.js is large, and most processes never read a PDF.
  const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  // pdf.js refuses Buffers and may detach the array it is given, so hand it a private copy.
  const task = getDocument({ data: new Uint8Array(bytes), isEvalSupported: false, useSystemFonts: false, disableFontFace: true, verbosity: 0 });
  try {
    const doc = await task.promise.catch((err: unknown) => {
      if ((err as Error | undefined)?.name === 'PasswordException') throw new Error('the PDF is encrypted and needs a password');
      throw err;
    });
    const pages: Line[][] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const [, bottom = 0, , top = 0] = page.view;
      const content = await page.getTextContent();
      pages.push(toLines(content.items.flatMap(toItem), n, bottom, top));
      page.cleanup();
    }
    return render(dropRunning(pages));
  } finally {
    await task.destroy();
  }
}

function toItem(raw: TextItem | TextMarkedContent): Item[] {
  if (!('str' in raw) || !raw.str.trim()) return [];
  const { transform, width, height } = raw;
  const [a = 0, b = 0, c = 0, d = 0, x = 0, y = 0] = transform as number[];
  // Rotated runs (watermarks, axis labels) are not part of the reading flow.
  if (a <= 0 || Math.abs(b) > a * 0.01) return [];
  const size = Math.hypot(c, d) || height;
  return size > 0 ? [{ str: raw.str, x, y, w: width, size }] : [];
}

function toLines(items: Item[], page: number, bottom: number, top: number): Line[] {
  const sorted = [...items].sort((p, q) => q.y - p.y || p.x - q.x);
  const groups: Item[][] = [];
  for (const item of sorted) {
    const group = groups.at(-1);
    const head = group?.[0];
    if (group && head && Math.abs(head.y - item.y) <= Math.min(head.size, item.size) * 0.5) group.push(item);
    else groups.push([item]);
  }
  const band = (top - bottom) * EDGE_BAND;
  return groups.map((group) => {
    const line = toLine(group.sort((p, q) => p.x - q.x), page);
    return { ...line, edge: line.y > top - band || line.y < bottom + band };
  });
}

function toLine(items: Item[], page: number): Line {
  const main = items.reduce((p, q) => (q.str.length > p.str.length ? q : p));
  const size = Math.round(main.size * 2) / 2;
  const cells: string[] = [];
  let cell = '';
  let end = -Infinity;
  for (const item of items) {
    const gap = item.x - end;
    if (cell && gap > size * CELL_GAP) {
      cells.push(cell);
      cell = '';
    } else if (cell && gap > size * 0.15 && !/\s$/.test(cell) && !/^\s/.test(item.str)) cell += ' ';
    cell += item.str;
    end = Math.max(end, item.x + item.w);
  }
  cells.push(cell);
  const clean = cells.map((c) => c.replace(/\s+/g, ' ').trim()).filter(Boolean);
  return { page, y: main.y, x: items[0]?.x ?? 0, size, cells: clean, text: clean.join(' '), edge: false };
}

/** Drop page labels, page numbers, and lines repeated at the same spot in the page bands on most pages. */
function dropRunning(pages: Line[][]): Line[] {
  const key = (l: Line): string => `${Math.round(l.y / 2)}|${l.text.toLowerCase().replace(/\d+/g, '#')}`;
  const counts = new Map<string, number>();
  for (const page of pages) for (const k of new Set(page.filter((l) => l.edge).map(key))) counts.set(k, (counts.get(k) ?? 0) + 1);
  const needed = pages.length >= 3 ? Math.ceil(pages.length * 0.5) : 2;
  const offset = pageNumberOffset(pages);
  return pages.flatMap((page, i) =>
    page.filter((l) => {
      if (PAGE_LABEL.test(l.text) || (l.edge && (counts.get(key(l)) ?? 0) >= needed)) return false;
      return offset === undefined || !ends(page).includes(l) || !pageNumbers(l).includes(i + offset);
    }),
  );
}

/** The first and last lines of a page, when they sit in the page bands. */
const ends = (page: Line[]): Line[] => [page[0], page.at(-1)].filter((l): l is Line => l?.edge === true);
/** Numbers at the start or end of a line: where running heads print the page number ("3", "Chapter 2: Intro 3"). */
const pageNumbers = (l: Line): number[] => [/^(\d{1,4})\b/.exec(l.text)?.[1], /\b(\d{1,4})$/.exec(l.text)?.[1]].filter((n) => n !== undefined).map(Number);

/** How printed page numbers relate to page indexes, when most pages print one on their first or last line. */
function pageNumberOffset(pages: Line[][]): number | undefined {
  const offsets = new Map<number, number>();
  pages.forEach((page, i) => {
    for (const o of new Set(ends(page).flatMap((l) => pageNumbers(l).map((n) => n - i)))) offsets.set(o, (offsets.get(o) ?? 0) + 1);
  });
  const best = mode(offsets);
  return best !== undefined && pages.length >= 3 && (offsets.get(best) ?? 0) >= pages.length / 2 ? best : undefined;
}

function measure(lines: Line[]): Stats {
  const chars = new Map<number, number>();
  for (const l of lines) chars.set(l.size, (chars.get(l.size) ?? 0) + l.text.length);
  const body = mode(chars) ?? 0;
  const larger = [...chars.keys()].filter((s) => s > body * 1.15).sort((p, q) => q - p);
  const pitches = new Map<number, number>();
  lines.forEach((l, i) => {
    const prev = lines[i - 1];
    const ratio = prev && prev.page === l.page && prev.size === l.size ? (prev.y - l.y) / l.size : 0;
    if (ratio > 0.8 && ratio < 3) pitches.set(Math.round(ratio * 20) / 20, (pitches.get(Math.round(ratio * 20) / 20) ?? 0) + 1);
  });
  return { levels: new Map(larger.map((s, i) => [s, Math.min(i + 1, 3)])), pitch: mode(pitches) ?? 1.2 };
}

function mode(counts: Map<number, number>): number | undefined {
  let best: [number, number] | undefined;
  for (const entry of counts) if (!best || entry[1] > best[1]) best = entry;
  return best?.[0];
}

function render(lines: Line[]): string {
  const stats = measure(lines);
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; ) {
    const rows = tableRun(lines, i, stats);
    const line = lines[i] as Line;
    if (rows >= 2) blocks.push({ kind: 'table', text: '', last: line, x: line.x, rows: lines.slice(i, i + rows).map((l) => l.cells) });
    else place(blocks, line, stats);
    i += Math.max(rows, 1);
  }
  return blocks.map((b, i) => (i === 0 ? '' : separator(blocks[i - 1] as Block, b)) + toMarkdown(b)).join('');
}

/** Items of one list (or a sub-list) stay on adjacent lines; everything else is a blank line apart. */
function separator(prev: Block, block: Block): string {
  if (prev.kind !== 'item' || block.kind !== 'item') return '\n\n';
  return block.indent || prev.indent || (prev.marker === '- ') === (block.marker === '- ') ? '\n' : '\n\n';
}

/** How many lines from `start` form a table: body lines with the same number (≥2) of cells. */
function tableRun(lines: Line[], start: number, stats: Stats): number {
  const first = lines[start];
  if (!first || first.cells.length < 2 || stats.levels.has(first.size)) return 0;
  let n = 1;
  for (let prev = first, next = lines[start + n]; next && next.cells.length === first.cells.length; prev = next, next = lines[start + n]) {
    if (next.page !== prev.page || prev.y - next.y > next.size * 3 || stats.levels.has(next.size)) break;
    n++;
  }
  return n;
}

function place(blocks: Block[], line: Line, stats: Stats): void {
  const prev = blocks.at(-1);
  const flowing = prev !== undefined && prev.kind !== 'table' && continues(prev, line, stats);
  const level = stats.levels.get(line.size);
  if (level !== undefined) {
    if (flowing && prev.kind === 'heading' && prev.level === level) extend(prev, line);
    else blocks.push({ kind: 'heading', text: line.text, last: line, x: line.x, level });
    return;
  }
  const bullet = BULLET.exec(line.text);
  const numbered = NUMBERED.exec(line.text);
  if (bullet || numbered) {
    const marker = numbered ? `${numbered[1]}. ` : '- ';
    blocks.push({ kind: 'item', text: (numbered?.[2] ?? bullet?.[1] ?? '').trim(), last: line, x: line.x, marker, indent: indentFor(blocks, line) });
  } else if (flowing && (prev.kind === 'paragraph' || prev.kind === 'item')) extend(prev, line);
  else blocks.push({ kind: 'paragraph', text: line.text, last: line, x: line.x });
}

/** Whether `line` carries on the block before it: about the same size, one normal line lower (or over a page break). */
function continues(prev: Block, line: Line, stats: Stats): boolean {
  const last = prev.last;
  // Within a paragraph sizes may differ a little (a line of inline code); more than that is a new block.
  if (Math.abs(last.size - line.size) > Math.max(last.size, line.size) * 0.12) return false;
  if (line.page === last.page + 1) return !/[.!?:]["'”’)\]]*$/.test(prev.text) || /^\p{Ll}/u.test(line.text);
  const gap = last.y - line.y;
  return line.page === last.page && gap > 0 && gap <= line.size * (stats.pitch * 1.25 + 0.05);
}

function extend(block: Block, line: Line): void {
  const a = block.text;
  const b = line.text;
  // A word broken over the line end: "inves-" + "tor" → "investor" (also a soft hyphen).
  if ((/\p{L}-$/u.test(a) && /^\p{Ll}/u.test(b)) || a.endsWith('\u00ad')) block.text = a.slice(0, -1) + b;
  else block.text = `${a} ${b}`;
  block.last = line;
}

/** Nesting by x position: deeper than the item before it means a sub-item. */
function indentFor(blocks: Block[], line: Line): string {
  const items: Block[] = [];
  for (let i = blocks.length - 1; i >= 0 && blocks[i]?.kind === 'item'; i--) items.push(blocks[i] as Block);
  const same = items.find((b) => Math.abs(b.x - line.x) < line.size * 0.5);
  if (same) return same.indent ?? '';
  const parent = items[0];
  if (parent && line.x > parent.x + line.size * 0.5) return (parent.indent ?? '') + ' '.repeat(parent.marker?.length ?? 2);
  return '';
}

function toMarkdown(block: Block): string {
  if (block.kind === 'heading') return `${'#'.repeat(block.level ?? 1)} ${block.text}`;
  if (block.kind === 'item') return `${block.indent ?? ''}${block.marker ?? '- '}${block.text}`;
  // Plain text that Markdown would read as a heading, quote or list marker is escaped.
  if (block.kind === 'paragraph') return block.text.replace(/^(#{1,6}\s|>|\+\s)/, '\\$1').replace(/^(\d+)([.)]\s)/, '$1\\$2');
  const rows = block.rows ?? [];
  const cell = (c: string): string => c.replace(/\|/g, '\\|');
  const lines = rows.map((r) => `| ${r.map(cell).join(' | ')} |`);
  lines.splice(1, 0, `| ${(rows[0] ?? []).map(() => '---').join(' | ')} |`);
  return lines.join('\n');
}
