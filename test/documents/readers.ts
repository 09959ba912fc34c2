/** Independent readers of what the renderers write: pdf.js for PDF, mammoth for DOCX, pdftoppm for a page image. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mammoth from 'mammoth';
import type { TextItem } from 'pdfjs-dist/types/src/display/api.js';

export interface PdfReading {
  pages: number;
  info: Record<string, unknown>;
  /** Text of each page, items joined by spaces. */
  text: string[];
}

export async function readPdf(bytes: Uint8Array): Promise<PdfReading> {
  const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const pdf = await getDocument({ data: new Uint8Array(bytes), isEvalSupported: false, useSystemFonts: false, disableFontFace: true, verbosity: 0 }).promise;
  const meta = await pdf.getMetadata();
  const text: string[] = [];
  for (let p = 1; p <= pdf.numPages; p++) {
    const content = await (await pdf.getPage(p)).getTextContent();
    text.push(content.items.map((i) => (i as TextItem).str ?? '').join(' ').replace(/\s+/g, ' '));
  }
  const pages = pdf.numPages;
  await pdf.destroy();
  return { pages, info: meta.info as Record<string, unknown>, text };
}

/** Link annotations' URLs on page `n`. */
export async function pdfLinks(bytes: Uint8Array, n: number): Promise<string[]> {
  const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const pdf = await getDocument({ data: new Uint8Array(bytes), isEvalSupported: false, verbosity: 0 }).promise;
  const annotations = (await (await pdf.getPage(n)).getAnnotations()) as Array<{ subtype: string; url?: string }>;
  await pdf.destroy();
  return annotations.filter((a) => a.subtype === 'Link' && a.url).map((a) => a.url!);
}

export async function readDocx(bytes: Uint8Array): Promise<{ html: string; text: string }> {
  const buffer = Buffer.from(bytes);
  const [html, text] = await Promise.all([mammoth.convertToHtml({ buffer }), mammoth.extractRawText({ buffer })]);
  return { html: html.value, text: text.value };
}

/** Page 1 as a PNG (pdftoppm, poppler-utils); returns the PNG's bytes. */
export function firstPagePng(bytes: Uint8Array): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-png-'));
  try {
    fs.writeFileSync(path.join(dir, 'in.pdf'), bytes);
    execFileSync('pdftoppm', ['-png', '-r', '50', '-f', '1', '-l', '1', '-singlefile', path.join(dir, 'in.pdf'), path.join(dir, 'page')]);
    return fs.readFileSync(path.join(dir, 'page.png'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
