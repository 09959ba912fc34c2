import fs from 'node:fs';
import path from 'node:path';
import { NotFoundError, ValidationError } from '../errors.js';
import { extractMarkdown } from './extract/index.js';
import { CORPUS_EXTENSIONS } from './passages.js';
import { isInside, resolveInCorpus } from './safe-path.js';

/**
 * Opening corpus files by the index's own rules, for indexing and for `read_document` alike:
 * only the allowed extensions, no dotfiles or dot folders, regular files only, never blocking.
 */

const refuse = (message: string) => new ValidationError(`path: ${message}`, [{ path: 'path', message }]);

/** Whether a corpus-relative path may be read at all: no dot segments, an allowed extension. */
export function isCorpusPath(relative: string): boolean {
  const parts = relative.split(/[\\/]+/).filter(Boolean);
  return parts.length > 0 && parts.every((p) => !p.startsWith('.') && p !== 'node_modules') && CORPUS_EXTENSIONS.has(path.extname(relative).toLowerCase());
}

/** The document's text as the corpus reads it: Markdown and plain text as they are, others converted. */
export interface DocumentText {
  text: string;
  mtime: Date;
  bytes: number;
}

/**
 * Read one document of the corpus. The path is checked first (inside the corpus, allowed name);
 * the file is opened with `O_NONBLOCK` and checked with `fstat` before a byte is read, so a FIFO,
 * a socket or a device named `*.md` is refused instead of freezing the server.
 */
export async function readDocument(rootReal: string, relative: string, maxBytes: number): Promise<DocumentText> {
  const real = resolveInCorpus(rootReal, relative);
  if (!isCorpusPath(path.relative(rootReal, real)) || !isCorpusPath(relative)) {
    if (fs.existsSync(real) && fs.lstatSync(real).isDirectory()) throw refuse(`${JSON.stringify(relative)} is a folder, not a document`);
    throw refuse(`${JSON.stringify(relative)} is not a corpus document (readable: ${[...CORPUS_EXTENSIONS].join(', ')}; no dotfiles)`);
  }
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(real, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EISDIR') throw refuse(`${JSON.stringify(relative)} is a folder, not a document`);
    throw new NotFoundError(`no document ${JSON.stringify(relative)} in the corpus`);
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw refuse(`${JSON.stringify(relative)} is a folder, not a document`);
    if (!stat.isFile()) throw refuse(`${JSON.stringify(relative)} is not a regular file`);
    if (stat.size > maxBytes) throw refuse(`${JSON.stringify(relative)} is larger than the corpus limit of ${maxBytes} bytes`);
    const bytes = await handle.readFile();
    const ext = path.extname(relative).toLowerCase();
    const text = ext === '.md' || ext === '.txt' ? bytes.toString('utf8') : await extractMarkdown(bytes, ext as '.pdf' | '.docx' | '.html');
    return { text, mtime: stat.mtime, bytes: stat.size };
  } finally {
    await handle.close();
  }
}

/** Corpus-relative paths of every document, never leaving the root (symbolic links included). */
export async function listDocuments(rootReal: string, onSkip?: (rel: string, why: string) => void): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of await fs.promises.readdir(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const full = path.join(dir, entry.name);
      const rel = path.relative(rootReal, full).split(path.sep).join('/');
      let real = full;
      if (entry.isSymbolicLink()) {
        real = await fs.promises.realpath(full).catch(() => '');
        if (!real) continue;
        if (!isInside(rootReal, real)) {
          onSkip?.(rel, 'a symbolic link that leads outside');
          continue;
        }
      }
      const stat = await fs.promises.stat(real).catch(() => undefined);
      if (stat?.isDirectory() && !entry.isSymbolicLink()) await walk(full);
      else if (stat?.isFile() && isCorpusPath(rel)) out.push(rel);
    }
  };
  await walk(rootReal);
  return out.sort();
}
