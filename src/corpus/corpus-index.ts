import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import MiniSearch, { type SearchResult } from 'minisearch';
import type { Logger } from '../logger.js';
import type { Standing } from '../orchestrator/task.js';
import { parseBlocks } from './blocks.js';
import { isCorpusPath, listDocuments, readDocument } from './documents.js';
import { passagesOf, type Passage, type PassageKind } from './passages.js';
import { resolveInCorpus } from './safe-path.js';
import { STOPWORDS, bestSnippet, stem, terms, tokenize } from './text.js';
import { vintageOf } from './vintage.js';

/** One ranked search result, with its citation and the document's vintage. */
export interface SearchHit {
  path: string;
  /** The document's title: its first heading, else its file name. */
  title: string;
  heading: string;
  lines: string;
  kind: PassageKind;
  /** The document's date (ISO) and standing; see docs/corpus.md. */
  date: string;
  /** Where the date comes from: the document's own words, its file name, or its mtime. */
  date_from: 'text' | 'name' | 'mtime';
  standing: Standing;
  score: number;
  snippet: string;
  text: string;
}

export interface SearchOptions {
  limit?: number;
  /** Only files at or below this corpus-relative path. */
  path?: string;
}

/** What `read` returns: lines of the document's text, as the corpus reads it. */
export interface DocumentLines {
  path: string;
  start_line: number;
  end_line: number;
  total_lines: number;
  date: string;
  standing: Standing;
  text: string;
}

/** Full-text search over the documents of one folder, kept current as files change. */
export interface CorpusIndex {
  readonly root: string;
  search(query: string, options?: SearchOptions): SearchHit[];
  /** Lines of one document; the path is checked by the index's own rules before anything is read. */
  read(relative: string, range?: { start_line?: number; end_line?: number }): Promise<DocumentLines>;
  /** The stemmed words of a whole document (its passages and headings), for "is this document about X". */
  documentTerms(relative: string): ReadonlySet<string>;
  /** In how many passages a term occurs (stemmed like the index): the corpus vocabulary. */
  documentFrequency(term: string): number;
  stats(): { root: string; documents: number; passages: number };
  /** Re-read one file (or drop it when it is gone). */
  refresh(relative: string): Promise<void>;
  close(): void;
}

export interface CorpusOptions {
  dir: string;
  logger?: Logger;
  /** Watch the folder and re-index changed files (default true). */
  watch?: boolean;
  /** Files larger than this are skipped (default 20 MB). */
  maxFileBytes?: number;
}

interface DocInfo {
  title: string;
  date: string;
  dateFrom: 'text' | 'name' | 'mtime';
  standing: Standing;
  ids: number[];
}

type Doc = Passage & { id: number };

/** Rows a search adds so that a table found by one row comes whole. */
const MAX_TABLE_ROWS = 40;

function createMiniSearch(known: (term: string) => boolean) {
  return new MiniSearch<Doc>({
    // The folders and name of a file say what it is about (`finance/fy2025-annual-report.pdf`).
    fields: ['heading', 'text', 'where'],
    extractField: (doc, field) => (field === 'where' ? doc.path.replace(/\.[^./]+$/, '').replace(/[/_.-]+/g, ' ') : (doc as unknown as Record<string, string>)[field]!),
    storeFields: ['path', 'heading', 'startLine', 'endLine', 'kind', 'text'],
    tokenize,
    // Stopwords match nearly every passage: leaving them out keeps posting lists short.
    processTerm: (term) => {
      const lower = term.toLowerCase();
      return STOPWORDS.has(lower) ? null : stem(lower);
    },
    searchOptions: {
      boost: { heading: 2, where: 0.5 },
      // Expansion is for words the index does not know: a typo (one edit, words of 6+ letters) or
      // a last word still being typed (a prefix of 4+ letters). Expanding known words too would make
      // each search score most of a large index.
      // Terms are stemmed to six letters, so a one-letter typo can be two edits of the key.
      fuzzy: (term) => term.length >= 6 && !known(term) && 2,
      prefix: (term, i, terms) => i === terms.length - 1 && term.length >= 4 && !known(term),
    },
  });
}

const titleOf = (rel: string, text: string) =>
  /^#{1,2}\s+(.+?)\s*#*$/m.exec(text)?.[1]?.trim() ?? path.basename(rel).replace(/\.[^.]+$/, '').replace(/[-_]+/g, ' ');

export async function createCorpusIndex(options: CorpusOptions): Promise<CorpusIndex> {
  const root = fs.realpathSync(options.dir);
  const maxBytes = options.maxFileBytes ?? 20 * 1024 * 1024;
  const known = (term: string) => documentFrequency(term) > 0;
  const mini = createMiniSearch(known);
  const docs = new Map<string, DocInfo>();
  /** Document frequencies asked for since the index last changed. */
  const df = new Map<string, number>();
  function documentFrequency(term: string): number {
    const key = stem(term.toLowerCase());
    let n = df.get(key);
    if (n === undefined) {
      n = STOPWORDS.has(key) ? 0 : mini.search(key, { fuzzy: false, prefix: false }).length;
      if (df.size >= 50_000) df.clear(); // a cache, not a second index: bounded
      df.set(key, n);
    }
    return n;
  }
  let nextId = 1;
  /**
   * A table answers as a whole: after each row found, the other rows of its table (same document and
   * section, adjacent lines) follow it, ranked just below it, up to `MAX_TABLE_ROWS` in all.
   */
  function withWholeTables(hits: SearchResult[]): SearchResult[] {
    const out: SearchResult[] = [];
    const have = new Set(hits.map((h) => h.id));
    let extra = 0;
    for (const hit of hits) {
      out.push(hit);
      if (hit.kind !== 'row') continue;
      for (const id of docs.get(hit.path as string)?.ids ?? []) {
        if (have.has(id) || extra >= MAX_TABLE_ROWS) continue;
        const row = mini.getStoredFields(id);
        if (!row || row.kind !== 'row' || row.heading !== hit.heading) continue;
        have.add(id);
        extra++;
        out.push({ ...row, id, score: hit.score * 0.99, terms: [], queryTerms: [], match: {} });
      }
    }
    return out;
  }
  /** Words of recently asked documents: a cache, bounded, emptied when a document changes. */
  const docTerms = new Map<string, Set<string>>();
  function documentTerms(rel: string): ReadonlySet<string> {
    let set = docTerms.get(rel);
    if (!set) {
      set = new Set<string>();
      for (const id of docs.get(rel)?.ids ?? []) {
        const stored = mini.getStoredFields(id) as { heading?: string; text?: string } | undefined;
        for (const t of terms(`${stored?.heading ?? ''} ${stored?.text ?? ''}`)) set.add(t);
      }
      if (docTerms.size >= 500) docTerms.clear();
      docTerms.set(rel, set);
    }
    return set;
  }

  const remove = (rel: string) => {
    const doc = docs.get(rel);
    if (!doc) return;
    mini.discardAll(doc.ids);
    docs.delete(rel);
    docTerms.delete(rel);
    df.clear();
  };
  const add = async (rel: string) => {
    const { text, mtime } = await readDocument(root, rel, maxBytes);
    const passages = passagesOf(rel, parseBlocks(text)).map((p) => ({ ...p, id: nextId++ }));
    const vintage = vintageOf(rel, text, mtime);
    remove(rel);
    // Large documents go in slices, so a big PDF never holds the event loop for long.
    for (let i = 0; i < passages.length; i += 200) {
      mini.addAll(passages.slice(i, i + 200));
      if (i + 200 < passages.length) await yieldToLoop();
    }
    docs.set(rel, { title: titleOf(rel, text), date: vintage.date, dateFrom: vintage.dateFrom, standing: vintage.standing, ids: passages.map((p) => p.id) });
    df.clear();
  };
  const tryAdd = async (rel: string) => {
    try {
      await add(rel);
    } catch (error) {
      options.logger?.warn({ path: rel, err: error }, `corpus: skipping ${rel}: ${(error as Error).message}`);
    }
  };
  // One refresh at a time: a burst of editor writes must not interleave two reads of one file.
  let queue = Promise.resolve();
  const refresh = (rel: string) => {
    if (!isCorpusPath(rel)) return queue;
    queue = queue.then(async () => {
      remove(rel);
      if (fs.existsSync(path.join(root, rel))) await tryAdd(rel).catch(() => undefined);
    });
    return queue;
  };

  const files = await listDocuments(root, (rel, why) => options.logger?.warn({ path: rel }, `corpus: skipping ${why}`));
  for (const rel of files) {
    await tryAdd(rel);
    await yieldToLoop();
  }
  options.logger?.info({ root, documents: docs.size, passages: mini.documentCount }, 'corpus indexed');

  const watcher = options.watch === false ? undefined : watch(root, (rel) => void refresh(rel), options.logger);

  return {
    root,
    search(query, { limit = 8, path: under } = {}) {
      const prefix = under ? path.relative(root, resolveInCorpus(root, under)).split(path.sep).join('/') : '';
      const hits = mini.search(query, {
        filter: prefix ? (r) => r.path === prefix || String(r.path).startsWith(`${prefix}/`) : undefined,
      });
      return withWholeTables(hits.slice(0, limit)).map((h) => {
        const doc = docs.get(h.path as string);
        return {
          path: h.path as string,
          title: doc?.title ?? (h.path as string),
          heading: h.heading as string,
          lines: `${h.startLine}-${h.endLine}`,
          kind: h.kind as PassageKind,
          date: doc?.date ?? '',
          date_from: doc?.dateFrom ?? 'mtime',
          standing: doc?.standing ?? 'current',
          score: Math.round(h.score * 1000) / 1000,
          snippet: bestSnippet(h.text as string, h.terms),
          text: h.text as string,
        };
      });
    },
    async read(relative, { start_line = 1, end_line } = {}) {
      const { text, mtime } = await readDocument(root, relative, maxBytes);
      const lines = text.split(/\r?\n/);
      const end = Math.min(lines.length, end_line ?? start_line + 199);
      const doc = docs.get(relative) ?? { ...vintageOf(relative, text, mtime) };
      return { path: relative, start_line, end_line: end, total_lines: lines.length, date: doc.date, standing: doc.standing, text: lines.slice(start_line - 1, end).join('\n') };
    },
    documentTerms,
    documentFrequency,
    stats: () => ({ root, documents: docs.size, passages: mini.documentCount }),
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
