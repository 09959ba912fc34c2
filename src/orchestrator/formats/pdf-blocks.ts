/** Drawing the report's blocks with pdfkit: text flows onto new pages by itself; markers, code and tables check their space. */
import type { Block, Inline, SourceEntry } from './report-blocks.js';
import { drawTable } from './pdf-table.js';
import { ensureSpace, FONT, fontOf, LINK_COLOR, SIZE, type Frame, type Pdf } from './pdf-style.js';

interface TextStyle {
  size: number;
  color?: string;
  italic?: boolean;
  bold?: boolean;
}

const LINE_GAP = 2;
const INDENT = 16;

/** A paragraph of styled runs, wrapped to the frame (links are blue, underlined and clickable). */
export function drawInlines(doc: Pdf, inlines: Inline[], frame: Frame, style: TextStyle): void {
  const runs = inlines.filter((r) => r.text !== '');
  if (!runs.length) return;
  doc.x = frame.x;
  runs.forEach((r, i) => {
    const run = { ...r, bold: r.bold || style.bold, italic: r.italic || style.italic };
    doc.font(fontOf(run)).fontSize(r.code ? style.size - 1 : style.size).fillColor(r.link ? LINK_COLOR : (style.color ?? '#000000'));
    doc.text(r.text, {
      width: frame.width,
      continued: i < runs.length - 1,
      link: r.link ?? null,
      underline: Boolean(r.link),
      lineGap: LINE_GAP,
    } as PDFKit.Mixins.TextOptions);
  });
  doc.fillColor('#000000');
}

function drawHeading(doc: Pdf, level: number, inlines: Inline[], frame: Frame): void {
  const size = level <= 1 ? SIZE.h1 : level === 2 ? SIZE.h2 : SIZE.h3;
  doc.moveDown(0.6);
  ensureSpace(doc, size * 4); // keep a heading with the start of what follows it
  drawInlines(doc, inlines, frame, { size, bold: true, color: '#111111' });
  doc.moveDown(0.3);
}

/** A marker (`•`, `3.`, `[2]`) in the gutter and the item's blocks beside it. */
function drawItem(doc: Pdf, marker: string, frame: Frame, gutter: number, draw: (inner: Frame) => void): void {
  ensureSpace(doc, SIZE.body * 2);
  const y = doc.y;
  doc.font(FONT.regular).fontSize(SIZE.body).fillColor('#000000').text(marker, frame.x, y, { width: gutter - 4, lineBreak: false });
  doc.y = y;
  draw({ x: frame.x + gutter, width: frame.width - gutter });
  doc.x = frame.x;
}

function drawList(doc: Pdf, block: Extract<Block, { kind: 'list' }>, frame: Frame): void {
  const gutter = block.ordered ? INDENT + 8 : INDENT;
  block.items.forEach((item, i) => {
    const marker = block.ordered ? `${block.start + i}.` : '•';
    drawItem(doc, marker, frame, gutter, (inner) => drawBlocks(doc, item, inner, true));
    doc.moveDown(0.15);
  });
  doc.moveDown(0.3);
}

function drawSources(doc: Pdf, entries: SourceEntry[], frame: Frame): void {
  const gutter = INDENT + 14;
  for (const e of entries) {
    drawItem(doc, `[${e.n}]`, frame, gutter, (inner) => {
      const runs: Inline[] = e.url ? splitUrl(e.text, e.url) : [{ text: e.text }];
      drawInlines(doc, runs, inner, { size: SIZE.body - 1 });
    });
    doc.moveDown(0.15);
  }
}

/** `title — URL` with the URL as a link. */
function splitUrl(text: string, url: string): Inline[] {
  const at = text.lastIndexOf(url);
  if (at < 0) return [{ text }, { text: ` ${url}`, link: url }];
  return [{ text: text.slice(0, at) }, { text: url, link: url }, { text: text.slice(at + url.length) }];
}

/** A code block in the mono font on a grey band, line by line so it breaks across pages. */
function drawCode(doc: Pdf, text: string, frame: Frame): void {
  doc.font(FONT.mono).fontSize(SIZE.code);
  const pad = 6;
  doc.moveDown(0.2);
  for (const line of text.replace(/\t/g, '  ').split('\n')) {
    const h = doc.heightOfString(line || ' ', { width: frame.width - 2 * pad, lineGap: 1 });
    ensureSpace(doc, h);
    const y = doc.y;
    doc.rect(frame.x, y, frame.width, h).fill('#f2f2f2');
    doc.fillColor('#222222').font(FONT.mono).fontSize(SIZE.code).text(line || ' ', frame.x + pad, y, { width: frame.width - 2 * pad, lineGap: 1 });
  }
  doc.fillColor('#000000').x = frame.x;
  doc.moveDown(0.6);
}

function drawQuote(doc: Pdf, blocks: Block[], frame: Frame): void {
  const startPage = doc.bufferedPageRange().count;
  const top = doc.y;
  drawBlocks(doc, blocks, { x: frame.x + INDENT, width: frame.width - INDENT }, false, { size: SIZE.body, italic: true, color: '#444444' });
  // The bar beside the quote, where it stayed on one page.
  if (doc.bufferedPageRange().count === startPage) doc.rect(frame.x + 3, top, 2, doc.y - top).fill('#bbbbbb');
  doc.fillColor('#000000').x = frame.x;
  doc.moveDown(0.3);
}

function drawRule(doc: Pdf, frame: Frame): void {
  doc.moveDown(0.4);
  doc.moveTo(frame.x, doc.y).lineTo(frame.x + frame.width, doc.y).lineWidth(0.5).strokeColor('#bbbbbb').stroke();
  doc.moveDown(0.6);
}

function drawBlock(doc: Pdf, block: Block, frame: Frame, tight: boolean, style: TextStyle): void {
  switch (block.kind) {
    case 'heading':
      return drawHeading(doc, block.level, block.inlines, frame);
    case 'paragraph':
      drawInlines(doc, block.inlines, frame, style);
      if (!tight) doc.moveDown(0.5);
      return;
    case 'list':
      return drawList(doc, block, frame);
    case 'table':
      return drawTable(doc, block, frame);
    case 'code':
      return drawCode(doc, block.text, frame);
    case 'quote':
      return drawQuote(doc, block.blocks, frame);
    case 'rule':
      return drawRule(doc, frame);
    case 'sources':
      return drawSources(doc, block.entries, frame);
  }
}

/** Draw blocks into a frame; `tight` (list items) leaves no space after a paragraph. */
export function drawBlocks(doc: Pdf, blocks: Block[], frame: Frame, tight = false, style: TextStyle = { size: SIZE.body }): void {
  for (const block of blocks) {
    drawBlock(doc, block, frame, tight, style);
    doc.x = frame.x;
  }
}
