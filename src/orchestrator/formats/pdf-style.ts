import type { Inline } from './report-blocks.js';

export type Pdf = PDFKit.PDFDocument;

/** A column of the page that blocks are drawn into (lists and quotes indent it). */
export interface Frame {
  x: number;
  width: number;
}

/** Names the fonts are registered under. */
export const FONT = {
  regular: 'Sans',
  bold: 'Sans-Bold',
  italic: 'Sans-Oblique',
  boldItalic: 'Sans-BoldOblique',
  mono: 'Mono',
} as const;

/** Point sizes. */
export const SIZE = { title: 22, h1: 17, h2: 14, h3: 12, body: 10.5, code: 8.5, small: 8, table: 8.5 } as const;

export const LINK_COLOR = '#1a4fa0';

export function fontOf(run: Pick<Inline, 'bold' | 'italic' | 'code'>): string {
  if (run.code) return FONT.mono;
  if (run.bold && run.italic) return FONT.boldItalic;
  if (run.bold) return FONT.bold;
  return run.italic ? FONT.italic : FONT.regular;
}

/** The lowest y text may reach on the current page. */
export const bottomOf = (doc: Pdf) => doc.page.height - doc.page.margins.bottom;

/** Start a new page unless `height` more points fit on this one. */
export function ensureSpace(doc: Pdf, height: number): void {
  if (doc.y + height > bottomOf(doc)) doc.addPage();
}
