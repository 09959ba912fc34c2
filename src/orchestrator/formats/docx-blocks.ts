/** The report's blocks as `docx` paragraphs and tables; each ordered list gets its own numbering, so it restarts. */
import {
  AlignmentType,
  BorderStyle,
  ExternalHyperlink,
  HeadingLevel,
  LevelFormat,
  Paragraph,
  ShadingType,
  Table,
  TableCell,
  TableRow,
  TextRun,
  WidthType,
  type ILevelsOptions,
  type INumberingOptions,
  type ParagraphChild,
} from 'docx';
import type { Block, Inline, SourceEntry } from './report-blocks.js';

type Child = Paragraph | Table;
type NumberingConfig = INumberingOptions['config'][number];

const MONO = 'DejaVu Sans Mono';
const BULLETS = 'report-bullets';
const HEADINGS = [HeadingLevel.HEADING_1, HeadingLevel.HEADING_2, HeadingLevel.HEADING_3, HeadingLevel.HEADING_4, HeadingLevel.HEADING_5, HeadingLevel.HEADING_6];

interface Context {
  numbering: NumberingConfig[];
  /** List nesting: the numbering reference and level of the list being written. */
  list?: { reference: string; level: number };
  quote?: boolean;
}

function levels(ordered: boolean, start = 1): ILevelsOptions[] {
  return Array.from({ length: 6 }, (_v, level) => ({
    level,
    format: ordered ? LevelFormat.DECIMAL : LevelFormat.BULLET,
    text: ordered ? `%${level + 1}.` : ['•', '◦', '▪'][level % 3]!,
    start,
    alignment: AlignmentType.LEFT,
    style: { paragraph: { indent: { left: 720 * (level + 1), hanging: 360 } } },
  }));
}

/** Styled runs; links are Word hyperlinks (the Hyperlink character style). */
export function runs(inlines: Inline[], base: { italics?: boolean; size?: number } = {}): ParagraphChild[] {
  return inlines.flatMap((r): ParagraphChild[] => {
    const parts = r.text.split('\n');
    const text = parts.map((t, i) => new TextRun({ text: t, break: i > 0 ? 1 : undefined, bold: r.bold, italics: r.italic || base.italics, size: base.size, font: r.code ? MONO : undefined }));
    if (!r.link) return text;
    return [new ExternalHyperlink({ link: r.link, children: parts.map((t, i) => new TextRun({ text: t, break: i > 0 ? 1 : undefined, style: 'Hyperlink', bold: r.bold, italics: r.italic, size: base.size })) })];
  });
}

function paragraph(inlines: Inline[], ctx: Context, first: boolean): Paragraph {
  const numbering = ctx.list && first ? { numbering: { reference: ctx.list.reference, level: ctx.list.level } } : {};
  const indent = ctx.list && !first ? { indent: { left: 720 * (ctx.list.level + 1) } } : ctx.quote ? { indent: { left: 720 } } : {};
  const border = ctx.quote ? { border: { left: { style: BorderStyle.SINGLE, size: 12, color: 'BBBBBB', space: 8 } } } : {};
  return new Paragraph({ ...numbering, ...indent, ...border, children: runs(inlines, { italics: ctx.quote }) });
}

function list(block: Extract<Block, { kind: 'list' }>, ctx: Context): Child[] {
  const level = ctx.list ? ctx.list.level + 1 : 0;
  let reference = BULLETS;
  // Each ordered list its own numbering, so it counts from its own start.
  if (block.ordered) {
    reference = `report-numbers-${ctx.numbering.length}`;
    ctx.numbering.push({ reference, levels: levels(true, block.start) });
  }
  const inner: Context = { ...ctx, list: { reference, level: Math.min(level, 5) } };
  return block.items.flatMap((item) => item.flatMap((b, i) => blockChildren(b, inner, i === 0)));
}

function table(block: Extract<Block, { kind: 'table' }>): Table {
  const columns = block.header.length;
  const size = columns > 8 ? 14 : columns > 5 ? 16 : 18;
  const alignment = (c: number) => ({ center: AlignmentType.CENTER, right: AlignmentType.RIGHT, left: AlignmentType.LEFT })[block.align[c] ?? 'left'];
  const row = (cells: Inline[][], header: boolean) =>
    new TableRow({
      // Repeated at the top of each page; a row given `tableHeader: false` would still read as a header.
      ...(header ? { tableHeader: true } : {}),
      children: block.header.map((_h, c) =>
        new TableCell({
          shading: header ? { type: ShadingType.CLEAR, fill: 'E8E8E8', color: 'auto' } : undefined,
          children: [new Paragraph({ alignment: alignment(c), children: runs((cells[c] ?? []).map((r) => (header ? { ...r, bold: true } : r)), { size }) })],
        })),
    });
  return new Table({ width: { size: 100, type: WidthType.PERCENTAGE }, rows: [row(block.header, true), ...block.rows.map((r) => row(r, false))] });
}

function code(text: string): Paragraph {
  const lines = text.replace(/\t/g, '  ').split('\n');
  return new Paragraph({
    shading: { type: ShadingType.CLEAR, fill: 'F2F2F2', color: 'auto' },
    spacing: { before: 80, after: 160 },
    children: lines.map((l, i) => new TextRun({ text: l, break: i > 0 ? 1 : undefined, font: MONO, size: 17 })),
  });
}

function sources(entries: SourceEntry[]): Paragraph[] {
  return entries.map((e) => {
    const at = e.url ? e.text.lastIndexOf(e.url) : -1;
    const inlines: Inline[] = e.url && at >= 0
      ? [{ text: e.text.slice(0, at) }, { text: e.url, link: e.url }, { text: e.text.slice(at + e.url.length) }]
      : [{ text: e.text }];
    return new Paragraph({ indent: { left: 567, hanging: 567 }, spacing: { after: 60 }, children: [new TextRun(`[${e.n}]\t`), ...runs(inlines.filter((i) => i.text))] });
  });
}

function blockChildren(block: Block, ctx: Context, first = true): Child[] {
  switch (block.kind) {
    case 'heading':
      return [new Paragraph({ heading: HEADINGS[Math.min(block.level, 6) - 1], children: runs(block.inlines) })];
    case 'paragraph':
      return [paragraph(block.inlines, ctx, first)];
    case 'list':
      return list(block, ctx);
    case 'table':
      return [table(block), new Paragraph({})];
    case 'code':
      return [code(block.text)];
    case 'quote':
      return block.blocks.flatMap((b) => blockChildren(b, { ...ctx, quote: true }));
    case 'rule':
      return [new Paragraph({ border: { bottom: { style: BorderStyle.SINGLE, size: 6, color: 'BBBBBB', space: 1 } }, children: [] })];
    case 'sources':
      return sources(block.entries);
  }
}

/** The document body and the numbering definitions its lists use. */
export function docxBlocks(blocks: Block[]): { children: Child[]; numbering: NumberingConfig[] } {
  const ctx: Context = { numbering: [{ reference: BULLETS, levels: levels(false) }] };
  const children = blocks.flatMap((b) => blockChildren(b, ctx));
  return { children, numbering: ctx.numbering };
}
