import { docxFormat } from './docx.js';
import type { DocumentFormatDefinition } from './format.js';
import { markdownFormat } from './markdown.js';
import { pdfFormat } from './pdf.js';

export type { DocumentFormatDefinition, DocumentReport } from './format.js';

/**
 * The document formats, by the name clients use in `document_formats` and in
 * `GET /tasks/:id/documents/:format`. The request schema, the OpenAPI document, the route, MCP
 * resources and retention all derive from this table: a new format is one entry here.
 */
export const FORMATS = {
  markdown: markdownFormat,
  pdf: pdfFormat,
  docx: docxFormat,
} as const satisfies Record<string, DocumentFormatDefinition>;

export type DocumentFormat = keyof typeof FORMATS;

/** Every format's name, in the table's order (a tuple, for `z.enum`). */
export const DOCUMENT_FORMATS = Object.keys(FORMATS) as [DocumentFormat, ...DocumentFormat[]];

export const isDocumentFormat = (value: string): value is DocumentFormat => Object.hasOwn(FORMATS, value);

