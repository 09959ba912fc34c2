import fs from 'node:fs';
import path from 'node:path';
import { NotFoundError, ValidationError } from '../errors.js';

const refuse = (message: string) => new ValidationError(`path: ${message}`, [{ path: 'path', message }]);

/** Whether `candidate` is `root` or below it (both absolute, already resolved). */
export function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * The real path of `relative` inside the corpus, or a 400: absolute paths, `..` segments, NUL bytes
 * and symlinks that lead outside are refused before anything is read. A path that does not exist
 * is a 404.
 */
export function resolveInCorpus(rootReal: string, relative: string): string {
  if (relative.includes('\0')) throw refuse('must not contain NUL bytes');
  if (path.isAbsolute(relative) || /^[A-Za-z]:[\\/]/.test(relative) || relative.startsWith('\\')) {
    throw refuse('must be relative to the corpus folder');
  }
  if (relative.split(/[\\/]+/).includes('..')) throw refuse('must not contain ".." segments');
  const full = path.resolve(rootReal, relative);
  if (!isInside(rootReal, full)) throw refuse('leads outside the corpus folder');
  let real: string;
  try {
    real = fs.realpathSync(full);
  } catch {
    throw new NotFoundError(`no document ${JSON.stringify(relative)} in the corpus`);
  }
  if (!isInside(rootReal, real)) throw refuse('leads outside the corpus folder (through a symbolic link)');
  return real;
}
