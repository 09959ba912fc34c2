/**
 * Corpus bench: index ~10,000 Markdown documents (~50 MB) and search them. Baselines in the same
 * run: reading the same files without indexing, and a linear scan of every passage per query.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createCorpusIndex } from '../../src/corpus/corpus-index.js';
import { ms, num, ratio, type Row } from './report.js';

export interface CorpusBenchOptions {
  documents: number;
  bytesPerDocument: number;
  queries: number;
}

/** A deterministic pseudo-random generator, so every run indexes the same corpus. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/** Distinct made-up words; the first ones are real stopwords, as the commonest words of any text are. */
function lexicon(size: number, random: () => number): string[] {
  const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'xe', 'zu', 'pra', 'sto', 'gle', 'dri', 'on', 'el', 'bar', 'fen', 'gu', 'hy'];
  const words = new Set(['the', 'of', 'and', 'to', 'in', 'is', 'that', 'for', 'it', 'as', 'with', 'was', 'on', 'be', 'by', 'this', 'are', 'or', 'from', 'an']);
  while (words.size < size) words.add(Array.from({ length: 2 + Math.floor(random() * 3) }, () => syllables[Math.floor(random() * syllables.length)]).join(''));
  return [...words];
}

/** A Zipf sampler over ranks [from, to): rank k is drawn with weight 1/(k+1), as words are in real text. */
function zipf(from: number, to: number, random: () => number): () => number {
  const weights = Array.from({ length: to - from }, (_, i) => 1 / (from + i + 1));
  const cumulative: number[] = [];
  let sum = 0;
  for (const w of weights) cumulative.push((sum += w));
  return () => {
    const x = random() * sum;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return from + lo;
  };
}

function writeCorpus(dir: string, options: CorpusBenchOptions): { words: string[]; bytes: number } {
  const random = prng(42);
  const words = lexicon(VOCABULARY, random);
  const rank = zipf(0, words.length, random);
  const pick = () => words[rank()]!;
  let bytes = 0;
  for (let d = 0; d < options.documents; d++) {
    const folder = path.join(dir, `part-${d % 100}`);
    if (d < 100) fs.mkdirSync(folder);
    const lines = [`# ${pick()} ${pick()} ${d}`, ''];
    let size = 0;
    while (size < options.bytesPerDocument) {
      if (random() < 0.15) lines.push(`## ${pick()} ${pick()}`, '');
      const sentence = Array.from({ length: 8 + Math.floor(random() * 12) }, () => pick()).join(' ');
      lines.push(`${sentence[0]!.toUpperCase()}${sentence.slice(1)}.`, '');
      size += sentence.length + 2;
    }
    const text = lines.join('\n');
    bytes += Buffer.byteLength(text);
    fs.writeFileSync(path.join(folder, `doc-${d}.md`), text);
  }
  return { words, bytes };
}

const VOCABULARY = 60_000;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

export async function measureCorpus(options: CorpusBenchOptions): Promise<Row[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-bench-corpus-'));
  try {
    const { words, bytes } = writeCorpus(dir, options);
    const files = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.md'));

    let t = performance.now();
    let readBytes = 0;
    for (const f of files) readBytes += fs.readFileSync(path.join(dir, f), 'utf8').length;
    const readMs = performance.now() - t;

    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    t = performance.now();
    const corpus = await createCorpusIndex({ dir, watch: false, maxFileBytes: 10 * 1024 * 1024 });
    const indexMs = performance.now() - t;
    global.gc?.();
    const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;

    // People search for telling words, not the commonest ones: query words come from rank 500 on.
    const random = prng(7);
    const queryRank = zipf(500, words.length, random);
    const queries = Array.from({ length: options.queries }, () => Array.from({ length: 2 + Math.floor(random() * 3) }, () => words[queryRank()]!).join(' '));
    const times: number[] = [];
    for (const q of queries) {
      const start = performance.now();
      corpus.search(q, { limit: 8 });
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);

    // Baseline: what a search without an index costs, a scan of every passage for the words.
    const texts = files.map((f) => fs.readFileSync(path.join(dir, f), 'utf8').toLowerCase());
    const scanTimes: number[] = [];
    for (const q of queries.slice(0, 50)) {
      const terms = q.split(' ');
      const start = performance.now();
      texts.filter((text) => terms.some((term) => text.includes(term)));
      scanTimes.push(performance.now() - start);
    }
    scanTimes.sort((a, b) => a - b);
    const stats = corpus.stats();
    corpus.close();
    return [
      { metric: `corpus: index ${num(stats.documents)} documents (${num(bytes / 1024 / 1024, 1)} MB, ${num(stats.passages)} passages)`, ours: ms(indexMs, 0), baseline: `${ms(readMs, 0)} (read only, ${num(readBytes / 1024 / 1024, 1)} MB)`, ratio: ratio(indexMs, readMs), target: '< 30,000 ms', pass: indexMs < 30_000 },
      { metric: 'corpus: heap held by the index', ours: `${num(heapMb, 0)} MB` },
      { metric: `corpus: search p50 (${num(times.length)} queries)`, ours: ms(percentile(times, 50), 2), baseline: `${ms(percentile(scanTimes, 50), 1)} (linear scan)`, ratio: ratio(percentile(times, 50), percentile(scanTimes, 50)), target: '< 5 ms', pass: percentile(times, 50) < 5 },
      { metric: 'corpus: search p99', ours: ms(percentile(times, 99), 2), baseline: `${ms(percentile(scanTimes, 99), 1)} (linear scan)` },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
