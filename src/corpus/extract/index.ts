/** Readers that turn PDF, Word and HTML documents into Markdown for the corpus indexer. */
import { docxToMarkdown } from './docx.js';
import { htmlToMarkdown } from './html.js';
import { pdfToMarkdown } from './pdf.js';

export { docxToMarkdown } from './docx.js';
export { htmlToMarkdown } from './html.js';
export { pdfToMarkdown } from './pdf.js';

/** The file types these readers turn into Markdown. */
export type ExtractExtension = '.pdf' | '.docx' | '.html';

/** A document that could not be read: corrupt, encrypted, or not of the type its name says. */
export class DocumentParseError extends Error {
  constructor(
    readonly ext: ExtractExtension,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DocumentParseError';
  }
}

const LABELS: Record<ExtractExtension, string> = { '.pdf': 'PDF', '.docx': 'Word (.docx)', '.html': 'HTML' };

/**
 * The Markdown text of one document, ready for one Markdown parser: headings as `#` lines,
 * paragraphs on one line each, `- ` / `1. ` list items, GFM pipe tables, fenced code (HTML `pre`).
 * Throws a {@link DocumentParseError} (with the reader's error as `cause`) when the file cannot be parsed.
 */
export async function extractMarkdown(bytes: Uint8Array, ext: ExtractExtension): Promise<string> {
  try {
    if (ext === '.pdf') return await pdfToMarkdown(bytes);
    if (ext === '.docx') return await docxToMarkdown(bytes);
    if (ext === '.html') return htmlToMarkdown(decodeHtml(bytes));
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new DocumentParseError(ext, `cannot read ${LABELS[ext]} file: ${reason}`, { cause: err });
  }
  throw new DocumentParseError(ext, `no reader for ${JSON.stringify(ext)} files`);
}

/** Windows-1252 bytes 0x80–0x9F: Node 20's decoder wrongly gives them as C1 control characters. */
const CP1252_C1 = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

/** HTML bytes as text: UTF-8, unless an early `<meta charset>` names another encoding (saved pages often do). */
function decodeHtml(bytes: Uint8Array): string {
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 2048));
  const label = bom ? undefined : /<meta[^>]+charset\s*=\s*["']?\s*([\w:.-]+)/i.exec(head)?.[1];
  const decoder = decoderFor(label);
  const text = decoder.decode(bytes);
  if (decoder.encoding !== 'windows-1252') return text;
  return text.replace(/[\u0080-\u009f]/g, (c: string) => CP1252_C1[c.charCodeAt(0) - 0x80] ?? c);
}

function decoderFor(label: string | undefined) {
  try {
    return new TextDecoder(label ?? 'utf-8');
  } catch {
    return new TextDecoder('utf-8'); // an unknown label: read as UTF-8 rather than fail
  }
}
