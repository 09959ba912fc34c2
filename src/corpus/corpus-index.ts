import fs from 'node:fs';
import path from 'node:path';
import MiniSearch from 'minisearch';
import type { Logger } from '../logger.js';
import { CORPUS_EXTENSIONS, splitDocument, type Passage } from './passages.js';
import { isInside, resolveInCorpus } from './safe-path.js';
import { STOPWORDS, bestSnippet, tokenize } from './text.js';

/** One ranked search result, with its citation. */
export interface SearchHit {
  path: string;
  heading: string;
  lines: string;
  score: number;
  snippet: string;
  text: string;
}

export interface SearchOptions {
  limit?: number;
  /** Only files at or below this corpus-relative path. */
  path?: string;
}

/** Full-text search over the documents of one folder, kept current as files change. */
export interface CorpusIndex {
  readonly root: string;
  search(query: string, options?: SearchOptions): SearchHit[];
  /** Lines of one document; the path is checked to stay inside the corpus. */
  read(relative: string, range?: { start_line?: number; end_line?: number }): { path: string; start_line: number; end_line: number; total_lines: number; text: string };
  /** In how many passages a (lower-case) term occurs: the corpus vocabulary. */
  documentFrequency(term: string): number;
  stats(): { root: string; documents: number; passages: number };
  /** Re-read one file (or drop it when it is gone). */
  refresh(relative: string): void;
  close(): void;
}

export interface CorpusOptions {
  dir: string;
  logger?: Logger;
  /** Watch the folder and re-index changed files (default true). */
  watch?: boolean;
  /** Files larger than this are skipped (default 5 MB). */
  maxFileBytes?: number;
}

type Doc = Passage & { id: number };

/** Corpus-relative paths of every readable file, never leaving the root (symlinks included). */
function listFiles(rootReal: string, logger?: Logger): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const full = path.join(dir, entry.name);
      let real = full;
      if (entry.isSymbolicLink()) {
        try {
          real = fs.realpathSync(full);
        } catch {
          continue;
        }
        if (!isInside(rootReal, real)) {
          logger?.warn({ path: path.relative(rootReal, full) }, 'corpus: skipping a symbolic link that leads outside');
          continue;
        }
      }
      const stat = fs.statSync(real);
      if (stat.isDirectory() && !entry.isSymbolicLink()) walk(full);
      else if (stat.isFile() && CORPUS_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) {
        out.push(path.relative(rootReal, full).split(path.sep).join('/'));
      }
    }
  };
  walk(rootReal);
  return out.sort();
}

export async function createCorpusIndex(options: CorpusOptions): Promise<CorpusIndex> {
  const root = fs.realpathSync(options.dir);
  const maxBytes = options.maxFileBytes ?? 5 * 1024 * 1024;
  const mini = new MiniSearch<Doc>({
    fields: ['heading', 'text'],
    storeFields: ['path', 'heading', 'startLine', 'endLine', 'text'],
    tokenize,
    // Stopwords match nearly every passage: leaving them out keeps posting lists short.
    processTerm: (term) => {
      const lower = term.toLowerCase();
      return STOPWORDS.has(lower) ? null : lower;
    },
    searchOptions: {
      boost: { heading: 2 },
      // Expansion is for words the index does not know: a typo (one edit, words of 6+ letters) or
      // a last word still being typed (a prefix of 4+ letters). Expanding known words too would make
      // each search score most of a large index.
      fuzzy: (term) => term.length >= 6 && !known(term) && 1,
      prefix: (term, i, terms) => i === terms.length - 1 && term.length >= 4 && !known(term),
    },
  });
  const known = (term: string) => documentFrequency(term) > 0;
  const idsByPath = new Map<string, number[]>();
  /** Document frequencies asked for since the index last changed. */
  const df = new Map<string, number>();
  function documentFrequency(term: string): number {
    let n = df.get(term);
    if (n === undefined) {
      n = STOPWORDS.has(term) ? 0 : mini.search(term, { fuzzy: false, prefix: false }).length;
      if (df.size >= 50_000) df.clear(); // a cache, not a second index: bounded
      df.set(term, n);
    }
    return n;
  }
  let nextId = 1;

  const remove = (rel: string) => {
    const ids = idsByPath.get(rel);
    if (!ids) return;
    mini.discardAll(ids);
    idsByPath.delete(rel);
    df.clear();
  };
  const add = (rel: string) => {
    const full = path.join(root, rel);
    const stat = fs.statSync(full);
    if (stat.size > maxBytes) {
      options.logger?.warn({ path: rel, bytes: stat.size }, 'corpus: skipping a file over the size limit');
      return;
    }
    const docs = splitDocument(rel, path.extname(rel).toLowerCase(), fs.readFileSync(full, 'utf8')).map((p) => ({ ...p, id: nextId++ }));
    mini.addAll(docs);
    df.clear();
    idsByPath.set(rel, docs.map((d) => d.id));
  };
  const refresh = (rel: string) => {
    remove(rel);
    try {
      const real = resolveInCorpus(root, rel);
      if (fs.statSync(real).isFile() && CORPUS_EXTENSIONS.has(path.extname(rel).toLowerCase())) add(rel);
    } catch {
      // Gone, or no longer inside the corpus: it stays removed.
    }
  };

  for (const rel of listFiles(root, options.logger)) add(rel);
  options.logger?.info({ root, documents: idsByPath.size, passages: mini.documentCount }, 'corpus indexed');

  const watcher = options.watch === false ? undefined : watch(root, refresh, options.logger);

  return {
    root,
    search(query, { limit = 8, path: under } = {}) {
      const prefix = under ? path.relative(root, resolveInCorpus(root, under)).split(path.sep).join('/') : '';
      const hits = mini.search(query, {
        filter: prefix ? (r) => r.path === prefix || String(r.path).startsWith(`${prefix}/`) : undefined,
      });
      return hits.slice(0, limit).map((h) => ({
        path: h.path as string,
        heading: h.heading as string,
        lines: `${h.startLine}-${h.endLine}`,
        score: Math.round(h.score * 1000) / 1000,
        snippet: bestSnippet(h.text as string, h.terms),
        text: h.text as string,
      }));
    },
    read(relative, { start_line = 1, end_line } = {}) {
      const real = resolveInCorpus(root, relative);
      const lines = fs.readFileSync(real, 'utf8').split(/\r?\n/);
      const end = Math.min(lines.length, end_line ?? start_line + 199);
      return { path: relative, start_line, end_line: end, total_lines: lines.length, text: lines.slice(start_line - 1, end).join('\n') };
    },
    documentFrequency,
    stats: () => ({ root, documents: idsByPath.size, passages: mini.documentCount }),
    refresh,
    close: () => watcher?.close(),
  };
}

/** Re-index files as they change, a little after the last change (editors write in bursts). */
function watch(root: string, refresh: (rel: string) => void, logger?: Logger): fs.FSWatcher | undefined {
  const pending = new Map<string, NodeJS.Timeout>();
  try {
    const watcher = fs.watch(root, { recursive: true }, (_event, filename) => {
      if (!filename) return;
      const rel = filename.toString().split(path.sep).join('/');
      clearTimeout(pending.get(rel));
      const timer = setTimeout(() => {
        pending.delete(rel);
        refresh(rel);
        logger?.debug({ path: rel }, 'corpus: re-indexed');
      }, 100);
      timer.unref();
      pending.set(rel, timer);
    });
    watcher.on('error', (error) => logger?.warn({ err: error }, 'corpus: watching stopped'));
    watcher.unref();
    return watcher;
  } catch (error) {
    logger?.warn({ err: error }, 'corpus: cannot watch the folder; changes need a restart');
    return undefined;
  }
}
