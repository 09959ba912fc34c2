/**
 * The report as PDF (pdfkit): A4, DejaVu Sans and Sans Mono embedded (subset) so Latin, Greek,
 * Cyrillic and symbols such as — ° − € print and extract as themselves; a title block, page
 * numbers, document information (Title, Author, CreationDate), links and tables that break
 * across pages with their header row repeated.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import PDFDocument from 'pdfkit';
import type { DocumentReport } from './format.js';
import { drawBlocks } from './pdf-blocks.js';
import { FONT, SIZE, type Pdf } from './pdf-style.js';
import { reportBlocks } from './report-blocks.js';

const FONT_DIR = path.join(path.dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
const FONT_FILES: Record<string, string> = {
  [FONT.regular]: 'DejaVuSans.ttf',
  [FONT.bold]: 'DejaVuSans-Bold.ttf',
  [FONT.italic]: 'DejaVuSans-Oblique.ttf',
  [FONT.boldItalic]: 'DejaVuSans-BoldOblique.ttf',
  [FONT.mono]: 'DejaVuSansMono.ttf',
};
const MARGIN = 56;

function createDocument(report: DocumentReport): Pdf {
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN },
    bufferPages: true,
    // pdfkit stamps its own CreationDate otherwise; the report's is the one that counts.
    info: {
      Title: report.title,
      Author: 'mcp-orchestrator',
      Creator: 'mcp-orchestrator',
      Producer: 'mcp-orchestrator (pdfkit)',
      Subject: `Report of task ${report.taskId}`,
      CreationDate: new Date(report.created),
    },
    lang: 'en',
    displayTitle: true,
  });
  for (const [name, file] of Object.entries(FONT_FILES)) doc.registerFont(name, path.join(FONT_DIR, file));
  return doc;
}

function drawTitleBlock(doc: Pdf, report: DocumentReport): void {
  const width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  doc.font(FONT.bold).fontSize(SIZE.title).fillColor('#111111').text(report.title, { width });
  doc.moveDown(0.3);
  const date = report.created.slice(0, 10);
  doc.font(FONT.regular).fontSize(SIZE.small).fillColor('#555555').text(`mcp-orchestrator · task ${report.taskId} · ${date}`, { width });
  doc.moveDown(0.4);
  const y = doc.y;
  doc.moveTo(doc.page.margins.left, y).lineTo(doc.page.margins.left + width, y).lineWidth(0.8).strokeColor('#999999').stroke();
  doc.fillColor('#000000').moveDown(0.8);
}

/** `Page i of n` at the foot of every page, written once the page count is known. */
function drawPageNumbers(doc: Pdf, title: string): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0; // writing into the margin must not start a new page
    const width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
    const label = `${title.length > 60 ? `${title.slice(0, 59)}…` : title} — page ${i + 1} of ${range.count}`;
    doc.font(FONT.regular).fontSize(SIZE.small).fillColor('#777777')
      .text(label, doc.page.margins.left, doc.page.height - bottom / 2 - SIZE.small, { width, align: 'center', lineBreak: false });
    doc.page.margins.bottom = bottom;
  }
}

/** Render the report to PDF bytes. */
export function renderPdf(report: DocumentReport): Promise<Uint8Array> {
  const doc = createDocument(report);
  const chunks: Buffer[] = [];
  const done = new Promise<Uint8Array>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    doc.on('error', reject);
  });
  drawTitleBlock(doc, report);
  drawBlocks(doc, reportBlocks(report), { x: doc.page.margins.left, width: doc.page.width - doc.page.margins.left - doc.page.margins.right });
  drawPageNumbers(doc, report.title);
  doc.end();
  return done;
}
