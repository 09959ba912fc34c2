import type { DocumentFormatDefinition } from './format.js';

/** Word (OOXML) with the `docx` package (see `docx-render.ts`); loaded only where it renders. */
export const docxFormat: DocumentFormatDefinition = {
  extension: 'docx',
  mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  binary: true,
  heavy: true,
  render: async (report) => (await import('./docx-render.js')).renderDocx(report),
};
