import type { DocumentFormatDefinition } from './format.js';

/** PDF with pdfkit and embedded DejaVu fonts (see `pdf-render.ts`); loaded only where it renders. */
export const pdfFormat: DocumentFormatDefinition = {
  extension: 'pdf',
  mimeType: 'application/pdf',
  binary: true,
  heavy: true,
  render: async (report) => (await import('./pdf-render.js')).renderPdf(report),
};
