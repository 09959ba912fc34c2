/**
 * Tables in the PDF: columns share the frame's width by how much text they hold (each at least a
 * narrow minimum, the type smaller when there are many), so a table wider than the page wraps
 * inside its cells instead of running off it; a row that does not fit starts a new page, which
 * repeats the header row.
 */
import type { Block, Inline } from './report-blocks.js';
import { plainText } from './report-blocks.js';
import { bottomOf, FONT, SIZE, type Frame, type Pdf } from './pdf-style.js';

type Table = Extract<Block, { kind: 'table' }>;
type Align = 'left' | 'center' | 'right';

const PAD = 3;

interface Layout {
  widths: number[];
  size: number;
}

function layout(table: Table, frame: Frame): Layout {
  const columns = table.header.length;
  const size = columns > 8 ? 6.5 : columns > 5 ? 7.5 : SIZE.table;
  const lengths = table.header.map((_h, c) => {
    const cells = [table.header[c]!, ...table.rows.map((r) => r[c] ?? [])].map((cell) => plainText(cell).length);
    return Math.min(60, Math.max(4, ...cells));
  });
  const total = lengths.reduce((a, b) => a + b, 0);
  const min = Math.min(frame.width / columns, 28);
  const spare = frame.width - min * columns;
  return { widths: lengths.map((l) => min + (spare * l) / total), size };
}

function rowHeight(doc: Pdf, cells: Inline[][], l: Layout, header: boolean): number {
  doc.font(header ? FONT.bold : FONT.regular).fontSize(l.size);
  const heights = l.widths.map((w, c) => doc.heightOfString(plainText(cells[c] ?? []) || ' ', { width: w - 2 * PAD }));
  return Math.max(...heights) + 2 * PAD;
}

function drawRow(doc: Pdf, cells: Inline[][], l: Layout, frame: Frame, options: { header: boolean; align: Table['align'] }): void {
  const h = rowHeight(doc, cells, l, options.header);
  const y = doc.y;
  if (options.header) doc.rect(frame.x, y, l.widths.reduce((a, b) => a + b, 0), h).fill('#e8e8e8');
  let x = frame.x;
  l.widths.forEach((w, c) => {
    doc.rect(x, y, w, h).lineWidth(0.4).strokeColor('#999999').stroke();
    const cell = cells[c] ?? [];
    const link = cell.find((r) => r.link)?.link;
    const bold = options.header || (cell.length > 0 && cell.every((r) => r.bold));
    doc.font(bold ? FONT.bold : FONT.regular).fontSize(l.size).fillColor(link ? '#1a4fa0' : '#000000');
    doc.text(plainText(cell), x + PAD, y + PAD, { width: w - 2 * PAD, align: (options.align[c] ?? 'left') as Align, link: link ?? null, lineBreak: true } as PDFKit.Mixins.TextOptions);
    x += w;
  });
  doc.fillColor('#000000');
  doc.x = frame.x;
  doc.y = y + h;
}

/** Draw a table; rows taller than a whole page are drawn anyway (their text runs onto the next). */
export function drawTable(doc: Pdf, table: Table, frame: Frame): void {
  const l = layout(table, frame);
  const headerHeight = rowHeight(doc, table.header, l, true);
  doc.moveDown(0.3);
  const header = () => drawRow(doc, table.header, l, frame, { header: true, align: table.align });
  const firstRow = table.rows[0] ? rowHeight(doc, table.rows[0], l, false) : 0;
  if (doc.y + headerHeight + firstRow > bottomOf(doc)) doc.addPage();
  header();
  for (const row of table.rows) {
    const h = rowHeight(doc, row, l, false);
    if (doc.y + h > bottomOf(doc)) {
      doc.addPage();
      header();
    }
    drawRow(doc, row, l, frame, { header: false, align: table.align });
  }
  doc.x = frame.x;
  doc.moveDown(0.8);
}
