/** Word (.docx) → Markdown: mammoth's semantic HTML, then the HTML reader. */
import { lazyModule } from '../../lazy-module.js';
import { htmlToMarkdown } from './html.js';

const loadMammoth = lazyModule<typeof import('mammoth')>('mammoth');

/**
 * Convert a .docx file to Markdown. Heading styles become `#`… through mammoth's default style map;
 * lists and tables come through as HTML lists and tables. Mammoth's warnings are dropped.
 * Rejects when the bytes are not a Word document (not a zip, or no document part).
 */
export async function docxToMarkdown(bytes: Uint8Array): Promise<string> {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Images are dropped from the Markdown anyway, so do not base64 them into the HTML.
  const mammoth = loadMammoth();
  const convertImage = mammoth.images.imgElement(async () => ({ src: '' }));
  const result = await mammoth.convertToHtml({ buffer }, { externalFileAccess: false, convertImage });
  return htmlToMarkdown(result.value);
}
