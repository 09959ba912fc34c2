import type { DocumentFormatDefinition } from './format.js';

/** The report as it is written: the source every other format is rendered from. */
export const markdownFormat: DocumentFormatDefinition = {
  extension: 'md',
  mimeType: 'text/markdown; charset=utf-8',
  binary: false,
  heavy: false,
  render: async (report) => new Uint8Array(Buffer.from(report.markdown, 'utf8')),
};
